#!/usr/bin/env bash
# ci/deps.sh: installs what building and testing routewatch needs, and only
# what is missing, on Debian/Ubuntu (apt-get) and FreeBSD (pkg).
#
#   ci/deps.sh           build, test, fuzz, lint and the macOS parser check
#   ci/deps.sh --bench   also the benchmarks' peer libraries (large: DPDK)
#
# Silent when everything is there. Needs root only when something is missing.
set -u

want_bench=0
for arg in "$@"; do
  case "$arg" in
  --bench) want_bench=1 ;;
  -h | --help)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "deps.sh: unknown argument '$arg' (try --help)" >&2
    exit 2
    ;;
  esac
done

# clang and libclang-rt-dev: the libFuzzer harnesses; clang-format: the style
# check; npm: the macOS check's tooling; mandoc: man page lint.
debian_base=(meson ninja-build pkg-config gcc clang libclang-rt-dev clang-format
  libmnl-dev libcmocka-dev kyua iproute2 python3 mandoc valgrind npm)
# The libraries the benchmarks measure us against.
debian_bench=(libdpdk-dev libndpi-dev libnl-route-3-dev)

# python3: the meta package that provides the python3 command the test
# scripts look for first (meson itself brings only python3.N).
freebsd_base=(meson ninja pkgconf cmocka kyua python3)
freebsd_bench=()

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing: $*; run as root to install them" >&2
    exit 1
  fi
}

debian_has() {
  case "$1" in
  # NodeSource's nodejs ships npm and conflicts with Debian's npm package,
  # so the command counts, not the package name.
  npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

debian_install() {
  local missing=() p
  for p in "$@"; do
    debian_has "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "${missing[@]}"
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || return 1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "deps.sh: apt-get install ${missing[*]} failed" >&2
    return 1
  }
}

freebsd_has() {
  case "$1" in
  # kyua is part of the base system since FreeBSD 14.
  kyua) command -v kyua >/dev/null 2>&1 && return 0 ;;
  esac
  pkg info -e "$1" 2>/dev/null
}

freebsd_install() {
  local missing=() p
  for p in "$@"; do
    freebsd_has "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "${missing[@]}"
  echo "deps.sh: installing ${missing[*]}"
  ASSUME_ALWAYS_YES=yes pkg install -y -q "${missing[@]}" || {
    echo "deps.sh: pkg install ${missing[*]} failed" >&2
    return 1
  }
}

case "$(uname -s)" in
Linux)
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: only Debian/Ubuntu are handled on Linux; install by hand:" \
      "${debian_base[*]}" >&2
    exit 1
  fi
  pkgs=("${debian_base[@]}")
  [ $want_bench -eq 1 ] && pkgs+=("${debian_bench[@]}")
  debian_install "${pkgs[@]}"
  ;;
FreeBSD)
  pkgs=("${freebsd_base[@]}")
  [ $want_bench -eq 1 ] && pkgs+=("${freebsd_bench[@]}")
  freebsd_install "${pkgs[@]}"
  ;;
*)
  echo "deps.sh: $(uname -s) is not handled; see CONTRIBUTING.md for the list" >&2
  exit 1
  ;;
esac
