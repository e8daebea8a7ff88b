#!/bin/sh
# ci/freebsd.sh: the FreeBSD CI run (Cirrus): deps with pkg, the pfroute
# build with its meson tests (the real-kernel ones in tests/bsd/ among them),
# then kyua; closes with the same "tests: N passed, N failed" line as
# ci/test.sh, whose step functions it reuses.

# FreeBSD's base system has no bash; ci/test.sh's functions need it.
if [ -z "${BASH_VERSION:-}" ]; then
  if ! command -v bash >/dev/null 2>&1; then
    ASSUME_ALWAYS_YES=yes pkg install -y -q bash || {
      echo "freebsd.sh: could not install bash" >&2
      echo "tests: 0 passed, 1 failed"
      exit 1
    }
  fi
  exec bash "$0" "$@"
fi

set -u
# shellcheck source=ci/test.sh
. "$(dirname "$0")/test.sh"
RTW_MESON_OPTS="-Drtw_backend=pfroute $RTW_MESON_OPTS"

main_freebsd() {
  cd "$RTW_ROOT" || exit 1
  trap interrupted INT TERM
  echo "$(uname -sr), CI=${CI:-unset}"
  run_step deps step_deps
  run_step "pfroute build and tests ($RTW_BUILD)" step_release
  run_step "kyua ($RTW_BUILD/tests/Kyuafile)" step_kyua
  summary
  [ "$n_failed" -eq 0 ]
}

main_freebsd "$@"
