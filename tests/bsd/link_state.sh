#!/bin/sh
# tests/bsd/link_state.sh: RTM_IFINFO from a real kernel. An epair end
# brought down and up in a VNET jail must reach routewatch's monitor as
# link down / link up, and an interface destroyed as link gone.
. "$(dirname "$0")/lib.sh"

require_freebsd
find_routewatch
ensure_vnet_jail

work=$(mktemp -d /tmp/rtw-bsd.XXXXXX) || exit 1
mon_pid=
ep=
cleanup() {
  [ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
  [ -n "$ep" ] && ifconfig "${ep}a" destroy 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

setup_loopback
ep=$(ifconfig epair create 2>/dev/null) || ep=
if [ -z "$ep" ]; then
  skip_all "cannot create an epair in this jail"
fi
ep=${ep%a}
ifconfig "${ep}a" inet 10.95.0.1/24 up
ifconfig "${ep}b" up
idx=$(ifconfig "${ep}a" | sed -n 's/.*index \([0-9]*\).*/\1/p' | head -n 1)

"$RW" monitor --json >"$work/monitor.out" 2>"$work/monitor.err" &
mon_pid=$!
sleep 1
check "monitor running" kill -0 "$mon_pid"

check "ifconfig ${ep}a down" ifconfig "${ep}a" down
sleep 1
check "monitor saw ${ep}a down" grep -q "\"link\":\"down\",\"ifindex\":${idx:-0}," "$work/monitor.out"
check "ifconfig ${ep}a up" ifconfig "${ep}a" up
sleep 1
check "monitor saw ${ep}a up" grep -q "\"link\":\"up\",\"ifindex\":${idx:-0}," "$work/monitor.out"
check "ifconfig ${ep}a destroy" ifconfig "${ep}a" destroy
ep=
sleep 1
check "monitor saw the interface gone" grep -q "\"link\":\"gone\",\"ifindex\":${idx:-0}," "$work/monitor.out"
kill -TERM "$mon_pid"
wait "$mon_pid"
mon_pid=
sed 's/^/# monitor: /' "$work/monitor.out" | head -n 40
finish
