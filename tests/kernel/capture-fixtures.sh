#!/bin/sh
# Regenerates tests/data/netlink/*.nl: raw rtnetlink bytes recorded in a
# private network namespace (root needed; the host's own network is never
# touched). test_netlink_parse.c asserts on what these scenarios produce, so
# change both together.
#   tests/kernel/capture-fixtures.sh BUILD/tests/kernel/nl_capture tests/data/netlink
set -eu
cap=$(realpath "$1")
out=$(realpath "$2")
if [ "${RTW_IN_NETNS:-}" != 1 ]; then
	RTW_IN_NETNS=1 exec unshare -n -- "$0" "$cap" "$out"
fi

# Record the notifications caused by the commands in $2 into $1.nl
# (MODE=monitor-netconf: the devices' settings only).
record() {
	name=$1
	shift
	rm -f "$out/.ready"
	"$cap" "${MODE:-monitor}" "$out/$name.nl" >"$out/.ready" &
	pid=$!
	while [ ! -s "$out/.ready" ]; do sleep 0.05; done
	sh -eu -c "$*"
	sleep 0.3
	kill -TERM $pid
	wait $pid
	rm -f "$out/.ready"
}

# no DAD: link-local addresses settle at once instead of landing, a second
# later, in whichever recording runs then
echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
ip link set lo up
ip link add name v0 type veth peer name v1   # ifindex 2 and 3
ip link add name v2 type veth peer name v3   # ifindex 4 and 5
for l in v0 v1 v2 v3; do ip link set $l up; done
ip addr add 10.1.0.1/24 dev v0
ip addr add 10.2.0.1/24 dev v2
ip -6 addr add 2001:db8:1::1/64 dev v0 nodad
ip -6 addr add 2001:db8:2::1/64 dev v2 nodad
sleep 1

# The dump: one of each kind of route the parser maps.
ip route add default via 10.1.0.254 metric 100
ip route add 10.10.0.0/24 nexthop via 10.1.0.2 weight 1 nexthop via 10.2.0.2 weight 3
ip route add 10.11.0.0/24 via 10.1.0.3 src 10.1.0.1 table 100 proto static
ip route add 10.12.0.0/24 via 10.9.9.9 dev v0 onlink table 200 metric 7
ip route add blackhole 10.20.0.0/16
ip route add unreachable 10.21.0.0/16 table 100
ip route add prohibit 10.22.0.0/16 metric 5
ip route add throw 10.23.0.0/16 table 200
ip route add 10.24.0.0/24 via inet6 2001:db8:1::5 dev v0
ip route add 10.25.0.0/24 dev v2 scope link tos 0x10
ip nexthop add id 1 via 10.1.0.2 dev v0
ip nexthop add id 2 via 10.2.0.2 dev v2
ip nexthop add id 3 group 1/2,5
ip nexthop add id 4 blackhole
ip nexthop add id 5 via 2001:db8:1::2 dev v0
ip route add 10.30.0.0/24 nhid 3
ip route add 10.31.0.0/24 nhid 4
ip -6 route add default via 2001:db8:1::fe metric 1024
ip -6 route add 2001:db8:10::/64 nexthop via 2001:db8:1::2 dev v0 nexthop via 2001:db8:2::2 dev v2 weight 2
ip -6 route add 2001:db8:11::/64 nhid 5 table 100
ip -6 route add blackhole 2001:db8:20::/48
ip -6 route add unreachable 2001:db8:21::/48 metric 9
sleep 0.2
"$cap" dump "$out/dump.nl"

# IPv6 multipath append and one-hop delete.
ip -6 route add 2001:db8:9::/64 via 2001:db8:1::2 dev v0
record v6-append "ip -6 route append 2001:db8:9::/64 via 2001:db8:2::2 dev v2"
record v6-del-hop "ip -6 route del 2001:db8:9::/64 via 2001:db8:2::2 dev v2"
record v4-replace "ip route replace 10.11.0.0/24 via 10.1.0.4 table 100"
# IPv6 replace across kinds: the blackhole under (main, 2001:db8:20::/48,
# 1024) becomes a device route; the kernel says only NLM_F_REPLACE.
record v6-replace "ip -6 route replace 2001:db8:20::/48 dev v0 metric 1024"
record v4-add-del "ip route add 10.40.0.0/24 via 10.1.0.2 metric 50; ip route del 10.40.0.0/24 via 10.1.0.2 metric 50"
record nexthop "ip nexthop add id 9 via 10.1.0.9 dev v0; ip nexthop replace id 3 group 1,2/9,7; ip nexthop del id 9"
record addr "ip addr add 10.1.0.77/24 dev v0; ip addr del 10.1.0.77/24 dev v0"
record link-down "ip link set v2 down"
record link-up "ip link set v2 up"
record link-gone "ip link del v2"

# IPv4 keeps duplicates under one key (table, prefix, tos, metric) apart:
# append and prepend notifications, a dump that lists them in order, and the
# deletion of one by its path. On v0, which is still there.
ip route add 10.50.0.0/24 via 10.1.0.2 dev v0
record v4-dup "ip route append 10.50.0.0/24 via 10.1.0.3 dev v0; ip route prepend 10.50.0.0/24 via 10.1.0.4 dev v0"
"$cap" dump "$out/dump-dup.nl"
record v4-dup-del "ip route del 10.50.0.0/24 via 10.1.0.3 dev v0"

# ignore_routes_with_linkdown: a device's (v0), IPv4's all and default, and
# IPv6's all, which the kernel copies into every device (lo, v0, v1 are left).
MODE=monitor-netconf record netconf "sysctl -qw net.ipv4.conf.v0.ignore_routes_with_linkdown=1; sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1; sysctl -qw net.ipv4.conf.default.ignore_routes_with_linkdown=1; sysctl -qw net.ipv6.conf.all.ignore_routes_with_linkdown=1"
ls -l "$out"
