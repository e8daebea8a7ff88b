#!/bin/sh
# Runs a kernel test inside its own private network namespace, so that it
# sees only the veth pairs it creates and the host's network is never
# touched. Without root (or without the right to unshare) the test is
# skipped with 77, except under CI=true where that is a failure.
#   netns-run.sh COMMAND [ARG...]
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 (CI=true: kernel tests must run)" >&2
		exit 1
	fi
	echo "SKIP: $1" >&2
	exit 77
}

[ "$(id -u)" = 0 ] || skip "kernel tests need root"
command -v unshare >/dev/null 2>&1 || skip "unshare(1) not found"
command -v ip >/dev/null 2>&1 || skip "ip(8) not found"
unshare -n true 2>/dev/null || skip "cannot create a network namespace"
exec unshare -n -- "$@"
