#!/bin/sh
# tests/bsd/multipath.sh: a route with two paths (ROUTE_MPATH, FreeBSD 13
# and later) must be in routewatch's model with both next hops, from the
# sysctl dump and from the routing-socket events, and deleting one path
# (route delete with its gateway) must leave the other.
. "$(dirname "$0")/lib.sh"

require_freebsd
find_routewatch
ensure_vnet_jail
find_python

[ "$(sysctl -n net.route.multipath 2>/dev/null)" = 1 ] ||
  skip_all "kernel without multipath routes (net.route.multipath is not 1)"

work=$(mktemp -d /tmp/rtw-bsd.XXXXXX) || exit 1
mon1=
mon2=
ep1=
ep2=
cleanup() {
  [ -n "$mon1" ] && kill "$mon1" 2>/dev/null
  [ -n "$mon2" ] && kill "$mon2" 2>/dev/null
  [ -n "$ep1" ] && ifconfig "${ep1}a" destroy 2>/dev/null
  [ -n "$ep2" ] && ifconfig "${ep2}a" destroy 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

setup_loopback
ep1=$(ifconfig epair create 2>/dev/null) || ep1=
ep2=$(ifconfig epair create 2>/dev/null) || ep2=
if [ -z "$ep1" ] || [ -z "$ep2" ]; then
  skip_all "cannot create two epairs in this jail"
fi
ep1=${ep1%a}
ep2=${ep2%a}
ifconfig "${ep1}a" inet 10.94.1.1/24 up
ifconfig "${ep1}b" up
ifconfig "${ep2}a" inet 10.94.2.1/24 up
ifconfig "${ep2}b" up

# one monitor sees the two adds, the other also the delete
"$RW" monitor --json --show-on-exit >"$work/mon1.out" 2>"$work/mon1.err" &
mon1=$!
"$RW" monitor --json --show-on-exit >"$work/mon2.out" 2>"$work/mon2.err" &
mon2=$!
sleep 1
check "monitors running" kill -0 "$mon1" "$mon2"

check "route add first path" route -q add -net 10.93.0.0/16 10.94.1.2
check "route add second path" route -q add -net 10.93.0.0/16 10.94.2.2
sleep 1
netstat -rn -f inet | sed 's/^/# netstat: /'
"$RW" show --json >"$work/show1.out" 2>"$work/show1.err"
kill -TERM "$mon1"
wait "$mon1"
mon1=
check "dump: both paths" expect_gateways "$work/show1.out" 10.93.0.0/16 "10.94.1.2 10.94.2.2"
check "events: both paths" expect_gateways "$work/mon1.out" 10.93.0.0/16 "10.94.1.2 10.94.2.2"

check "route delete one path" route -q delete -net 10.93.0.0/16 10.94.1.2
sleep 1
"$RW" show --json >"$work/show2.out" 2>"$work/show2.err"
kill -TERM "$mon2"
wait "$mon2"
mon2=
check "dump: the other path stays" expect_gateways "$work/show2.out" 10.93.0.0/16 "10.94.2.2"
check "events: the other path stays" expect_gateways "$work/mon2.out" 10.93.0.0/16 "10.94.2.2"
finish
