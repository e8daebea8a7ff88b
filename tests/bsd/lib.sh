# tests/bsd/lib.sh: shared by the FreeBSD real-kernel tests. Each test runs
# inside a throwaway VNET jail (its own network stack: nothing it does to
# routes or interfaces reaches the host), prints TAP, and needs root.
# Under kyua the jail comes from execenv='jail'; run any other way (meson,
# by hand) the script makes one itself and runs again inside it.

tap_n=0
tap_failed=0

skip_all() {
  echo "1..0 # SKIP $*"
  exit 0
}

ok() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $*"
}

not_ok() {
  tap_n=$((tap_n + 1))
  tap_failed=1
  echo "not ok $tap_n - $*"
}

# check NAME COMMAND...: one TAP line from a command's exit status; its
# output goes into the TAP stream as comments.
check() {
  name=$1
  shift
  if out=$("$@" 2>&1); then
    ok "$name"
  else
    not_ok "$name"
  fi
  [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
  return 0
}

skip_one() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n # SKIP $*"
}

finish() {
  echo "1..$tap_n"
  exit $tap_failed
}

in_vnet_jail() {
  [ "$(sysctl -n security.jail.jailed 2>/dev/null)" = 1 ] &&
    [ "$(sysctl -n security.jail.vnet 2>/dev/null)" = 1 ]
}

require_freebsd() {
  [ "$(uname -s)" = FreeBSD ] || skip_all "needs FreeBSD (VNET jails)"
}

# Re-run the calling script inside a new VNET jail unless it is in one.
ensure_vnet_jail() {
  in_vnet_jail && return 0
  [ "$(id -u)" = 0 ] || skip_all "needs root to create a VNET jail"
  self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
  jname=rtwtest$$
  if ! jail -c name="$jname" vnet persist path=/ host.hostname="$jname" >/dev/null 2>&1; then
    echo "1..1"
    echo "not ok 1 - cannot create a VNET jail (kernel without VIMAGE?)"
    exit 1
  fi
  jexec "$jname" env RTW_ROUTEWATCH="$RW" /bin/sh "$self"
  rc=$?
  jail -r "$jname" >/dev/null 2>&1
  exit $rc
}

# The routewatch CLI: meson passes its path, kyua runs the copy of this
# script in build/tests/bsd.
find_routewatch() {
  RW=${RTW_ROUTEWATCH:-}
  if [ -z "$RW" ]; then
    RW=$(cd "$(dirname "$0")/../../tools" 2>/dev/null && pwd)/routewatch
  fi
  if [ ! -x "$RW" ]; then
    echo "1..1"
    echo "not ok 1 - routewatch CLI not found at $RW"
    exit 1
  fi
}

find_python() {
  for p in python3 /usr/local/bin/python3.[0-9] /usr/local/bin/python3.[0-9][0-9]; do
    if command -v "$p" >/dev/null 2>&1; then
      PY=$p
      return 0
    fi
  done
  skip_all "needs python3 to read the JSON"
}

# A fresh vnet has lo0 down and without addresses.
setup_loopback() {
  ifconfig lo0 inet 127.0.0.1/8 up || return 1
  ifconfig lo0 inet6 ::1 prefixlen 128 alias 2>/dev/null
  ifconfig lo0 inet6 -ifdisabled 2>/dev/null
  return 0
}

# compare_routes NETSTAT_JSON MODEL_JSON: the destinations of
# `netstat -rn --libxo json` (inet and inet6) against those of a
# routewatch {"routes":[...]} line; prints what differs.
compare_routes() {
  "$PY" - "$1" "$2" <<'PYEOF'
import ipaddress, json, sys

def walk(node, family, out):
    if isinstance(node, dict):
        family = node.get("address-family", family)
        if "destination" in node and family in ("Internet", "Internet6"):
            out.add(norm(node["destination"], family == "Internet6"))
        for v in node.values():
            walk(v, family, out)
    elif isinstance(node, list):
        for v in node:
            walk(v, family, out)

def norm(dst, v6):
    if dst == "default":
        return "::/0" if v6 else "0.0.0.0/0"
    addr, _, plen = dst.partition("/")
    addr = addr.split("%")[0]
    if not v6 and addr.count(".") < 3:  # old-style 10.99/24
        addr = ".".join((addr.split(".") + ["0"] * 4)[:4])
    if not plen:
        plen = "128" if v6 else "32"
    return str(ipaddress.ip_network(addr + "/" + plen, strict=False))

kernel = set()
walk(json.load(open(sys.argv[1])), None, kernel)
model = set()
for line in open(sys.argv[2]):
    line = line.strip()
    if line.startswith('{"routes":'):
        model = {str(ipaddress.ip_network(r["dst"], strict=False))
                 for r in json.loads(line)["routes"]}
for d in sorted(kernel - model):
    print("kernel only:", d)
for d in sorted(model - kernel):
    print("model only:", d)
print("kernel %d routes, model %d" % (len(kernel), len(model)))
sys.exit(0 if kernel == model and kernel else 1)
PYEOF
}

# route_field MODEL_JSON DST FIELD: that field of the route to DST, or
# "absent".
route_field() {
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith('{"routes":'):
        for r in json.loads(line)["routes"]:
            if r["dst"] == sys.argv[2]:
                print(r.get(sys.argv[3]))
                sys.exit(0)
print("absent")
PYEOF
}

# expect_field MODEL_JSON DST FIELD WANT
expect_field() {
  got=$(route_field "$1" "$2" "$3")
  if [ "$got" = "$4" ]; then
    return 0
  fi
  echo "$2 $3: got $got, want $4"
  return 1
}

# route_gateways MODEL_JSON DST: the gateways of the route to DST (every
# next hop), sorted and space-separated, from the last {"routes":[...]}
# line; "absent" when there is no such route.
route_gateways() {
  "$PY" - "$1" "$2" <<'PYEOF'
import json, sys
routes = None
for line in open(sys.argv[1]):
    if line.startswith('{"routes":'):
        routes = json.loads(line)["routes"]
for r in routes or []:
    if r["dst"] == sys.argv[2]:
        print(" ".join(sorted(str(h.get("gateway")) for h in r.get("nexthops", []))))
        sys.exit(0)
print("absent")
PYEOF
}

# expect_gateways MODEL_JSON DST WANT ("GW1 GW2", sorted)
expect_gateways() {
  got=$(route_gateways "$1" "$2")
  if [ "$got" = "$3" ]; then
    return 0
  fi
  echo "$2 gateways: got $got, want $3"
  return 1
}
