#!/bin/sh
# tests/bsd/route_model.sh: routes added and deleted with route(8) in a VNET
# jail must be in routewatch's model exactly as `netstat -rn` lists them,
# both from the sysctl dump (show) and from the routing-socket events
# (a monitor started before the changes).
. "$(dirname "$0")/lib.sh"

require_freebsd
find_routewatch
ensure_vnet_jail
find_python

work=$(mktemp -d /tmp/rtw-bsd.XXXXXX) || exit 1
mon_pid=
cleanup() {
  [ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

check "lo0 up in the jail" setup_loopback

"$RW" monitor --json --show-on-exit >"$work/monitor.out" 2>"$work/monitor.err" &
mon_pid=$!
sleep 1
check "monitor running" kill -0 "$mon_pid"

check "route add net via lo0" route -q add -net 10.99.0.0/24 -iface lo0
check "route add net via 127.0.0.1" route -q add -net 10.98.0.0/16 127.0.0.1
check "route add blackhole host" route -q add -host 10.97.0.1 127.0.0.1 -blackhole
check "route add reject net" route -q add -net 10.96.0.0/24 127.0.0.1 -reject
check "route add default" route -q add default 127.0.0.1
check "route delete net" route -q delete -net 10.98.0.0/16
have_v6=no
if route -q add -inet6 -net 2001:db8:99::/48 ::1 >/dev/null 2>&1; then
  have_v6=yes
fi
sleep 1

netstat -rn --libxo json >"$work/netstat.json"
"$RW" show --json >"$work/show.out" 2>"$work/show.err"
kill -TERM "$mon_pid"
wait "$mon_pid"
mon_rc=$?
mon_pid=
check "monitor exits cleanly on SIGTERM (rc $mon_rc)" test "$mon_rc" -eq 0

check "dump (show) equals netstat -rn" compare_routes "$work/netstat.json" "$work/show.out"
check "events (monitor) equal netstat -rn" compare_routes "$work/netstat.json" "$work/monitor.out"
for f in show.out monitor.out; do
  check "$f: 10.99.0.0/24 on lo0" expect_field "$work/$f" 10.99.0.0/24 dev lo0
  check "$f: 10.98.0.0/16 deleted" expect_field "$work/$f" 10.98.0.0/16 dst absent
  check "$f: blackhole host" expect_field "$work/$f" 10.97.0.1/32 type blackhole
  check "$f: reject net is unreachable" expect_field "$work/$f" 10.96.0.0/24 type unreachable
  check "$f: default via 127.0.0.1" expect_field "$work/$f" 0.0.0.0/0 gateway 127.0.0.1
  if [ "$have_v6" = yes ]; then
    check "$f: IPv6 net" expect_field "$work/$f" 2001:db8:99::/48 gateway ::1
  else
    skip_one "$f: IPv6 net (route add -inet6 failed in this jail)"
  fi
done
check "get: 192.0.2.1 routable (default)" sh -c "'$RW' get --json 192.0.2.1 | grep '\"routable\":true'"
check "get: 10.97.0.1 unroutable (blackhole)" sh -c "'$RW' get --json 10.97.0.1 | grep '\"routable\":false'"
finish
