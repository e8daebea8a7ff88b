#!/bin/sh
# One bounded libFuzzer run, as `meson test --suite fuzz` and ci/test.sh do it:
#   run-fuzz.sh FUZZER SEED_DIR WORK_DIR [DICTIONARY]
# New inputs go to WORK_DIR (never into the source tree), crash inputs to
# WORK_DIR/crash-*. RTW_FUZZ_SECONDS sets the time (default 20); extra
# libFuzzer flags may come in RTW_FUZZ_FLAGS (e.g. -jobs=4 -workers=4).
set -eu
mkdir -p "$3"
fuzzer=$(realpath "$1")
seeds=$(realpath "$2")
work=$(realpath "$3")
dict=
[ -n "${4:-}" ] && dict=-dict=$(realpath "$4")
# -jobs writes fuzz-N.log into the current directory: keep them with the rest
cd "$work"
# shellcheck disable=SC2086 # RTW_FUZZ_FLAGS is a list of flags, $dict one or none
exec "$fuzzer" -max_total_time="${RTW_FUZZ_SECONDS:-20}" -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" ${RTW_FUZZ_FLAGS:-} \
	$dict "$work" "$seeds"
