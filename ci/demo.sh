#!/usr/bin/env bash
# ci/demo.sh: routewatch's main job in under 30 seconds. In a private network
# namespace (nothing on this machine's own network changes) it builds a small
# table with two uplinks, watches a few connections, then breaks things one at
# a time and shows what `routewatch watch --json` reported after each step.
#
#   ci/demo.sh        (as root; without root it shows `routewatch show` only)
#
# RTW_BUILD_DIR picks the meson build folder (default: build).
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${RTW_BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
tool="$build/tools/routewatch"

bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
if [ ! -t 1 ]; then bold='' dim='' off=''; fi
say() { printf '\n%s%s%s\n' "$bold" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }

# --- inside the namespace: the story ------------------------------------
if [ "${1:-}" = "--in-netns" ]; then
	set -e
	out=$(mktemp)
	watcher=
	trap 'if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null || true; fi; rm -f "$out"' EXIT

	say "A laptop with two uplinks, in a private network namespace:"
	echo "  up0: primary, 10.1.0.2/24 (and 10.1.0.3), gateway 10.1.0.1, IPv6 2001:db8:1::2"
	echo "  up1: backup,  10.2.0.2/24, gateway 10.2.0.1; a VPN-like device-only route"
	ip link set lo up
	for n in 0 1; do
		ip link add name "up$n" type veth peer name "peer$n"
		ip link set "peer$n" up
		ip link set "up$n" up
	done
	ip addr add 10.1.0.2/24 dev up0
	ip addr add 10.1.0.3/24 dev up0
	ip addr add 10.2.0.2/24 dev up1
	ip -6 addr add 2001:db8:1::2/64 dev up0 nodad
	ip route add default via 10.1.0.1 dev up0 metric 100
	ip route add default via 10.2.0.1 dev up1 metric 200
	ip route add 172.16.0.0/16 via 10.2.0.1 dev up1
	ip route add 10.50.0.0/16 dev up1
	ip -6 route add default via 2001:db8:1::1 dev up0
	run "$tool" show

	say "Six connections are watched (routewatch watch --json, in the background):"
	echo "  93.184.216.34        a web server, via the primary default gateway"
	echo "  172.16.8.8           an intranet host, via a net route over the backup uplink"
	echo "  127.0.0.1            a local daemon, over loopback"
	echo "  10.50.0.9            a VPN peer, over a device-only route (no gateway)"
	echo "  2001:db8:99::7       an IPv6 server"
	echo "  10.1.0.9 from 10.1.0.3   a LAN peer, from the secondary address"
	"$tool" watch --json 93.184.216.34 172.16.8.8 127.0.0.1,127.0.0.1 10.50.0.9 \
		2001:db8:99::7 10.1.0.9,10.1.0.3 >"$out" 2>&1 &
	watcher=$!
	shown=0
	# Print what routewatch wrote since last time, once it has settled.
	report() {
		local n last=-1 quiet=0
		for _ in $(seq 40); do
			n=$(wc -l <"$out")
			if [ "$n" -gt "$shown" ] && [ "$n" -eq "$last" ]; then
				quiet=$((quiet + 1))
				[ "$quiet" -ge 3 ] && break
			else
				quiet=0
			fi
			last=$n
			sleep 0.05
		done
		echo "${dim}routewatch reported (repeated lines counted):${off}"
		tail -n +"$((shown + 1))" "$out" | uniq -c |
			awk '{ n = $1; sub(/^ *[0-9]+ /, ""); print "  " $0 (n > 1 ? "   (x" n ")" : "") }'
		shown=$(wc -l <"$out")
	}
	report

	say "Step 1: the primary gateway 10.1.0.1 goes away."
	run ip route del default via 10.1.0.1
	report
	echo "=> Only the web server's connection is invalidated (route-removed): the backup"
	echo "   default route still exists, but the path the connection was opened on is gone."

	say "Step 2: the backup uplink up1 loses its link."
	run ip link set up1 down
	report
	echo "=> The intranet and VPN connections used up1: invalidated (link-down)."

	say "Step 3: the secondary address 10.1.0.3 is removed."
	run ip addr del 10.1.0.3/24 dev up0
	report
	echo "=> The LAN connection opened from 10.1.0.3 is dead (local-address-removed)."

	say "Left alone, rightly: loopback and IPv6 were never touched by these changes."
	kill -INT "$watcher"
	wait "$watcher" && status=0 || status=$?
	echo "(routewatch watch exited with status $status on SIGINT)"
	echo
	echo "Invalidated: $(grep -c '"event":"invalidated"' "$out") of 6 connections."
	exit 0
fi

# --- outside: build, then enter the namespace ----------------------------
start=$(date +%s)
if [ -x "$root/ci/deps.sh" ] || [ -f "$root/ci/deps.sh" ]; then
	bash "$root/ci/deps.sh" || echo "demo: ci/deps.sh failed; trying to build anyway" >&2
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" >/dev/null || {
		echo "demo: meson setup failed" >&2
		exit 1
	}
fi
if ! ninja -C "$build" >/dev/null 2>&1; then
	# A build folder owned by someone else (root) cannot be updated by a
	# normal user; what it already holds is still worth showing.
	if [ ! -x "$tool" ]; then
		echo "demo: the build failed (run ninja -C $build to see why)" >&2
		exit 1
	fi
	echo "demo: could not update $build; using the routewatch already built there" >&2
fi

if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
	say "This demo needs root: it creates a private network namespace (unshare -n)"
	echo "with veth uplinks and changes routes there, never on this machine's own network."
	echo "Without root, here is the host's routing table as routewatch sees it:"
	run "$tool" show
	exit 0
fi

unshare -n bash "$0" --in-netns
status=$?
echo
echo "${dim}demo finished in $(($(date +%s) - start)) s${off}"
exit $status
