#!/usr/bin/env python3
"""bench/report.py: turns the result lines of one bench/run.sh run into the
table printed on the terminal, docs/PERFORMANCE.md and the plot's data.

  report.py RESULTS_DIR DOC_PATH

RESULTS_DIR holds lookup.txt, model.txt, model-nh.txt, ingest.txt, latency.txt (any may be
missing or empty: that section then says it did not run), machine.txt and
meta.txt; the plot's data files (lookup4.dat, ...) are written there."""
import os
import re
import sys

IMPLS4 = ["routewatch", "rte_lpm", "ndpi", "scan"]
IMPLS6 = ["routewatch", "rte_lpm6", "ndpi", "scan"]
TABLES = ["syn-1k", "syn-10k", "syn-100k", "real"]


def read(d, name):
    try:
        with open(os.path.join(d, name)) as f:
            return f.read()
    except OSError:
        return ""


def parse_lookup(text):
    """{(fam, table): {impl: dict}}"""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) != 11 or f[0] != "lookup":
            continue
        fam, table, n, impl = f[1], f[2], int(f[3]), f[4]
        v = [float(x) for x in f[5:]]
        out.setdefault((fam, table), {})[impl] = dict(
            n=n, rand=v[0], tbl=v[1], rss=v[2], build=v[3], ins=v[4], dele=v[5])
    return out


def parse_pairs(text):
    """{(fam, table, peer, keys): (median, lowest, highest, turns)}: routewatch's
    lookup rate over the peer's, turn by turn (lookup_bench's pair lines)."""
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) != 9 or f[0] != "pair":
            continue
        out[(f[1], f[2], f[3], f[4])] = (float(f[5]), float(f[6]), float(f[7]), int(f[8]))
    return out


def parse_ingest(text):
    """{routes: {method: (median_ms, min_ms, seen)}}, load seconds"""
    out, load = {}, {}
    load_s = 0.0
    for line in text.splitlines():
        m = re.match(r"# ingest .*loading took ([0-9.]+) s", line)
        if m:
            load_s = float(m.group(1))
            continue
        f = line.split()
        if len(f) == 6 and f[0] == "ingest":
            routes = int(f[1])
            out.setdefault(routes, {})[f[2]] = (float(f[3]), float(f[4]), int(f[5]))
            load[routes] = load_s
    return out, load


def parse_model(text):
    m = re.search(r"one route event, (\d+) watches: ([0-9.]+) us; re-looking up every "
                  r"watch: ([0-9.]+) us; ratio ([0-9.]+)x", text)
    if not m:
        return None
    out = dict(watches=int(m.group(1)), event_us=float(m.group(2)),
               brute_us=float(m.group(3)), ratio=float(m.group(4)))
    m = re.search(r"default route moved to another link, (\d+) addresses on lo, (\d+) watches: "
                  r"([0-9.]+) ms \((\d+) fired\)", text)
    if m:
        out["failover"] = dict(addrs=int(m.group(1)), watches=int(m.group(2)),
                               ms=float(m.group(3)), fired=int(m.group(4)))
    m = re.search(r"nexthop object in (\d+) groups of (\d+) routes replaced: ([0-9.]+) ms, "
                  r"adding the routes: ([0-9.]+) ms", text)
    if m:
        out["nh_groups"] = dict(groups=int(m.group(1)), routes=int(m.group(2)),
                                ms=float(m.group(3)), add_ms=float(m.group(4)))
    m = re.search(r"link with (\d+) routes, carrier lost and back: ([0-9.]+) us \(([0-9.]+)x",
                  text)
    if m:
        out["few_link"] = dict(routes=int(m.group(1)), us=float(m.group(2)),
                               x_insert=float(m.group(3)))
    m = re.search(r"(\d+) nexthop objects and groups gone in one resync: ([0-9.]+) ms, "
                  r"adding them: ([0-9.]+) ms", text)
    if m:
        out["nh_sweep"] = dict(objects=int(m.group(1)), ms=float(m.group(2)),
                               add_ms=float(m.group(3)))
    return out


def parse_model_core(text):
    """The route model on the real table (model_bench): build time, memory,
    insert/delete medians, lookups through rtw_lookup."""
    out = {}
    m = re.search(r"^routes +(\d+)", text, re.M)
    if m:
        out["routes"] = int(m.group(1))
    m = re.search(r"build \(rtw_start, events\) +([0-9.]+) s", text)
    if m:
        out["build_s"] = float(m.group(1))
    m = re.search(r"memory, RSS growth +([0-9.]+) B/route", text)
    if m:
        out["rss_b"] = float(m.group(1))
    m = re.search(r"delete median (\d+) ns, p99 (\d+) ns; insert median (\d+) ns, p99 (\d+) ns",
                  text)
    if m:
        out["del_med"], out["del_p99"], out["ins_med"], out["ins_p99"] = map(float, m.groups())
    m = re.search(r"clock \(an empty timed interval\) (\d+) ns; a dependent read at random in "
                  r"64 MiB (\d+) ns", text)
    if m:
        out["clock_ns"], out["miss_ns"] = map(float, m.groups())
    m = re.search(r"insert median \d+ ns, p99 \d+ ns \((\d+) routes\)", text)
    out["sample"] = int(m.group(1)) if m else 0
    for what, key in (("IPv4 random", "l4"), ("IPv6 random", "l6"), ("table-drawn", "lt")):
        m = re.search(r"rtw_lookup %s.*? ([0-9.]+) ns" % re.escape(what), text)
        if m:
            out[key] = float(m.group(1))
    return out


def parse_latency(text):
    for line in text.splitlines():
        f = line.split()
        if len(f) == 6 and f[0] == "latency":
            return dict(events=int(f[1]), watches=int(f[2]), median=float(f[3]),
                        p99=float(f[4]), max=float(f[5]))
    return None


def fmt(x):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 0.1:
        return "%.2f" % x
    return "%.3g" % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def goal_row(goals, what, value, target, higher_better=True, unit="x", spread=None):
    """value and target are ratios; says met, or missed and by how much.
    spread: (lowest, highest, turns) shown beside the value."""
    if value is None:
        goals.append((what, "-", "%s%s" % (fmt(target), unit), "not measured in this run"))
        return
    met = value >= target if higher_better else value <= target
    shown = fmt(value)
    if not met and shown == fmt(target):
        shown = "%.3f" % value  # rounded, a near miss would read as the target
    if met:
        verdict = "met"
    elif higher_better:
        pct = 100 * value / target
        short = target / value if value else float("inf")
        verdict = "**missed**: %s of the goal (%s short)" % (
            "%.1f%%" % pct if pct >= 99.5 else "%.0f%%" % pct,
            "%.3fx" % short if short < 1.05 else "%.1fx" % short)
    else:
        verdict = "**missed**: %.1fx over the goal" % (value / target)
    shown += unit
    if spread:
        shown += " (%s-%s%s over %d turns)" % (fmt(spread[0]), fmt(spread[1]), unit, spread[2])
    goals.append((what, shown, "%s %s%s" % (
        ">=" if higher_better else "<=", fmt(target), unit), verdict))


def main():
    d, doc = sys.argv[1], sys.argv[2]
    lk = parse_lookup(read(d, "lookup.txt"))
    pairs = parse_pairs(read(d, "lookup.txt"))
    ing, load = parse_ingest(read(d, "ingest.txt"))
    model = parse_model(read(d, "model.txt"))
    lat = parse_latency(read(d, "latency.txt"))
    meta = dict(line.split("=", 1) for line in read(d, "meta.txt").splitlines() if "=" in line)
    machine = read(d, "machine.txt").rstrip()

    # ---- plot data: routes, then each implementation (- when absent) ----
    for fam, impls in (("ipv4", IMPLS4), ("ipv6", IMPLS6)):
        for what, key in (("lookup", "rand"), ("memory", "rss")):
            with open(os.path.join(d, "%s%s.dat" % (what, fam[-1])), "w") as f:
                f.write("# routes " + " ".join(impls) + "\n")
                for t in TABLES:
                    row = lk.get((fam, t))
                    if not row or "routewatch" not in row:
                        continue
                    vals = [row[i][key] if i in row else None for i in impls]
                    f.write("%d %s\n" % (row["routewatch"]["n"], " ".join(
                        "-" if v is None else "%g" % v for v in vals)))

    # ---- goals ----
    goals = []

    def get(fam, table, impl, key):
        row = lk.get((fam, table), {})
        return row[impl][key] if impl in row else None

    big = "real" if ("ipv4", "real") in lk else "syn-100k"

    def lookup_goal(fam, peer, keys, label, target):
        """The turn-by-turn ratio where lookup_bench gave one, else the
        ratio of the medians."""
        what = "%s lookups vs %s (%s table, %s addresses)" % (
            "IPv4" if fam == "ipv4" else "IPv6",
            "nDPI patricia" if peer == "ndpi" else peer, big, label)
        p = pairs.get((fam, big, peer, keys))
        if p:
            goal_row(goals, what, p[0], target, spread=p[1:])
        else:
            goal_row(goals, what, ratio(get(fam, big, "routewatch", keys),
                                        get(fam, big, peer, keys)), target)

    for fam, peer, target in (("ipv4", "rte_lpm", 1.5), ("ipv6", "rte_lpm6", 2),
                              ("ipv4", "ndpi", 10), ("ipv6", "ndpi", 10)):
        for keys, label in (("rand", "random"), ("tbl", "table-drawn")):
            lookup_goal(fam, peer, keys, label, target)
    for fam, peer in (("ipv4", "rte_lpm"), ("ipv6", "rte_lpm6"), ("ipv4", "ndpi"), ("ipv6", "ndpi")):
        goal_row(goals, "%s memory per route vs %s (%s table)" % (
            "IPv4" if fam == "ipv4" else "IPv6", peer, big),
            ratio(get(fam, big, "routewatch", "rss"), get(fam, big, peer, "rss")), 0.5,
            higher_better=False)
    for n in sorted(ing):
        m = ing[n]
        bare = m.get("bare-dump", (None,))[0]
        me = m.get("routewatch", (None,))[0]
        goal_row(goals, "ingest of %s routes vs the bare dump loop (time ratio)" % format(n, ","),
                 ratio(me, bare), 1.25, higher_better=False)
        nl = m.get("libnl")
        what = "ingest of %s routes: libnl's time / ours" % format(n, ",")
        if nl and nl[2] == -1:
            what += " (libnl stopped after %s s: a lower bound)" % fmt(nl[0] / 1e3)
        goal_row(goals, what, ratio(nl[0] if nl else None, me), 3)
    if not ing:
        goal_row(goals, "ingest vs the bare dump loop and libnl", None, 1.25)
    core = parse_model_core(read(d, "model.txt"))
    goal_row(goals, "whole model memory on the real table (RSS growth, B/route)",
             core.get("rss_b"), 64, higher_better=False, unit="")
    goal_row(goals, "model built from the real table through rtw_start (s)", core.get("build_s"),
             1, higher_better=False, unit="")
    goal_row(goals, "insert median on the real table (ns, route event through the engine)",
             core.get("ins_med"), 500, higher_better=False, unit="")
    goal_row(goals, "delete median on the real table (ns, route event through the engine)",
             core.get("del_med"), 500, higher_better=False, unit="")
    goal_row(goals, "invalidation: re-looking up every watch / one route event (%s watches)" % (
        format(model["watches"], ",") if model else "100k"), model["ratio"] if model else None, 1000)

    # ---- the terminal table ----
    lines = []
    lines.append("Lookups (million/s, random | table-drawn addresses), RSS bytes per route, "
                 "million inserts/deletes per second")
    for fam, impls in (("ipv4", IMPLS4), ("ipv6", IMPLS6)):
        for t in TABLES:
            row = lk.get((fam, t))
            if not row:
                continue
            n = next(iter(row.values()))["n"]
            lines.append("%s %s (%s routes)" % (fam, t, format(n, ",")))
            for i in impls:
                if i not in row:
                    continue
                r = row[i]
                me = row.get("routewatch")
                lines.append("  %-10s %9s %9s  x%-6s %8s B  ins %7s del %7s" % (
                    i, fmt(r["rand"]), fmt(r["tbl"]),
                    fmt(ratio(me["rand"], r["rand"])) if me else "-", fmt(r["rss"]),
                    fmt(r["ins"]), fmt(r["dele"])))
    for n in sorted(ing):
        lines.append("ingest %s routes (ms, median):" % format(n, ",") + "".join(
            "  %s %s%s" % (k, ">" if v[2] == -1 else "", fmt(v[0])) for k, v in ing[n].items()))
    if model:
        lines.append("invalidation, %d watches: one event %s us, re-look-up all %s us, %sx" % (
            model["watches"], fmt(model["event_us"]), fmt(model["brute_us"]), fmt(model["ratio"])))
    if lat:
        lines.append("event latency: median %s us, p99 %s us (%d events)" % (
            fmt(lat["median"]), fmt(lat["p99"]), lat["events"]))
    lines.append("")
    lines.append("Goals:")
    for g in goals:
        lines.append("  %-75s %10s  goal %-8s %s" % g)
    print("\n".join(lines))

    # ---- docs/PERFORMANCE.md ----
    md = []
    w = md.append
    w("# routewatch performance")
    w("")
    w("Written by `bench/run.sh` from one run; do not edit the numbers by hand, run it again.")
    w("Absolute times on a shared machine are noise; the ratios, measured beside each peer in "
      "the same run, are the result.")
    w("")
    w("- Commit: `%s`%s" % (meta.get("commit", "?"), " (with uncommitted changes in the tree)"
                             if meta.get("dirty") == "1" else ""))
    w("- Date: %s" % meta.get("date", "?"))
    w("- Run: `bench/run.sh%s`, %s; load average before / after: %s / %s" % (
        " " + meta["args"] if meta.get("args") else "", meta.get("duration", "?"),
        meta.get("load_before", "?"), meta.get("load_after", "?")))
    w("- Build: %s" % meta.get("build", "?"))
    w("")
    w("Machine (`lscpu`):")
    w("")
    w("```")
    w(machine or "(lscpu not available)")
    w("```")
    w("")
    w("## Goals")
    w("")
    w("| Goal | Measured | Target | Verdict |")
    w("|---|---|---|---|")
    for g in goals:
        w("| %s | %s | %s | %s |" % g)
    w("")
    w("## Lookups, memory, updates")
    w("")
    w("`rtw_lookup()` through the public API (a `sockaddr` in, a filled `struct rtw_route` out, "
      "the lookup policy over the local, main and default tables) on a context holding the table, against DPDK "
      "`rte_lpm`/`rte_lpm6` (EAL with `--no-huge --no-pci`), nDPI's patricia tree and the seed's "
      "first-match scan of an unsorted list. Each implementation is built once, in its own "
      "process (RSS growth while building the table = memory per route); a table's processes "
      "then stay alive side by side and measure in turn, so that a slow phase of the machine "
      "falls on all of them alike: %s turns of a lookup slice (a fifth of a second of CPU time) "
      "per address set, then %s rounds of inserts and deletes; medians. Lookup rates are "
      "million lookups per second of CPU time over 1-2M addresses: "
      "random (IPv6: inside 2000::/3) and drawn from inside the table's prefixes. "
      "x = routewatch's rate / this one's; the goals above take that ratio turn by turn (the "
      "turns are a fraction of a second apart), its median, with the lowest and the highest. "
      "Insert and delete rates: a 20,000-route sample "
      "deleted from the full table, then inserted back (routewatch: as route events through "
      "the engine, as the backend delivers them)." % (
          max((p[3] for p in pairs.values()), default="?"), meta.get("rounds", "?")))
    w("")
    for fam, impls in (("ipv4", IMPLS4), ("ipv6", IMPLS6)):
        for t in TABLES:
            row = lk.get((fam, t))
            if not row:
                continue
            n = next(iter(row.values()))["n"]
            w("### %s, %s table (%s routes)" % ("IPv4" if fam == "ipv4" else "IPv6",
                                                 "real BGP" if t == "real" else t, format(n, ",")))
            w("")
            w("| | M lookups/s random | x | M lookups/s table | x | B/route (RSS) | "
              "routewatch / this | M inserts/s (build) | M inserts/s | M deletes/s |")
            w("|---|---|---|---|---|---|---|---|---|---|")
            me = row.get("routewatch")
            for i in impls:
                if i not in row:
                    continue
                r = row[i]
                w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    i, fmt(r["rand"]), fmt(ratio(me["rand"], r["rand"])) if me else "-",
                    fmt(r["tbl"]), fmt(ratio(me["tbl"], r["tbl"])) if me else "-",
                    fmt(r["rss"]), fmt(ratio(me["rss"], r["rss"])) if me else "-",
                    fmt(r["build"]), fmt(r["ins"]), fmt(r["dele"])))
            w("")
    if not lk:
        w("(lookup_bench did not run)")
        w("")
    w("![lookup rate and memory per route against table size](performance.png)")
    w("")
    w("## Ingest: time to a ready model")
    w("")
    w("In a private network namespace (`unshare -n`, a veth pair, one nexthop object) loaded "
      "with `ip -batch` (IPv4 routes: the real table's, then /28s in 10/8). Wall time, median "
      "of the rounds, each method in turn: `rtw_start()` on a new context (sockets, dumps of "
      "links, addresses, nexthops, IPv4 and IPv6 routes, the model built); the same five dumps "
      "read by a bare `recvmsg` loop that keeps nothing (the kernel's own pace); libnl's "
      "`rtnl_route_alloc_cache()` (routes only); `ip -4 route show table all > /dev/null`.")
    w("")
    if ing:
        w("| Routes | method | median ms | best ms | routes seen | time / bare dump |")
        w("|---|---|---|---|---|---|")
        for n in sorted(ing):
            bare = ing[n].get("bare-dump", (None,))[0]
            for k, v in ing[n].items():
                if v[2] == -1:
                    w("| %s | %s | > %s (stopped) | - | - | > %s |" % (
                        format(n, ","), k, fmt(v[0]), fmt(ratio(v[0], bare))))
                    continue
                w("| %s | %s | %s | %s | %s | %s |" % (format(n, ","), k, fmt(v[0]), fmt(v[1]),
                                                      format(v[2], ",") if v[2] else "-",
                                                      fmt(ratio(v[0], bare))))
        w("")
        w("Loading the namespace took " + ", ".join(
            "%s s for %s routes" % (fmt(load[n]), format(n, ",")) for n in sorted(load)) + ".")
    else:
        w("Not run (needs root and network namespaces).")
    w("")
    w("## The route model")
    w("")
    if core:
        w("`bench/model_bench`: the real table (%s routes, both families, one gateway each) "
          "loaded as route events through `rtw_start()` on an in-memory backend: built in "
          "**%s s**, RSS growth **%s B/route** (the whole model: routes, attributes, indexes). "
          "Insert and delete latency, each a route event through the engine: %s distinct random "
          "routes deleted one after another, then added back in another order (so that none finds "
          "its own data in the nearest caches): delete median **%s ns** (p99 %s), insert median "
          "**%s ns** (p99 %s). `rtw_lookup()` over 65,536 sockaddrs that stay in cache: IPv4 "
          "random %s ns, IPv6 random (2000::/3) %s ns, table-drawn %s ns a lookup." % (
              format(core.get("routes", 0), ","), fmt(core.get("build_s")), fmt(core.get("rss_b")),
              format(core.get("sample", 0), ","), fmt(core.get("del_med")), fmt(core.get("del_p99")),
              fmt(core.get("ins_med")), fmt(core.get("ins_p99")), fmt(core.get("l4")),
              fmt(core.get("l6")), fmt(core.get("lt"))))
        if core.get("miss_ns"):
            w("")
            w("What those latencies stand on, measured by model_bench on this machine: the clock "
              "costs %s ns an interval (in each latency), and a read that depends on the one "
              "before at random in 64 MiB (a cache miss to memory) %s ns. A delete reads the "
              "route index's bucket, which names the route's record: two such misses in a row, "
              "but for the routes of the initial dump, laid out in their bucket's home slots "
              "(86%% of the real table's, by a model of the placement), the record's lines are "
              "fetched beside the bucket's, as are the lines of the LPM it edits (7a94006). A "
              "delete of an IPv4 /24 executes about 2,100 instructions (callgrind at cd53d06)." % (
                  fmt(core["clock_ns"]), fmt(core["miss_ns"])))
    else:
        w("model_bench did not run.")
    nh = parse_model_core(read(d, "model-nh.txt"))
    if core and nh.get("l4"):
        w("")
        w("The same with the IPv4 routes over 16 Linux nexthop objects, given to them in turn "
          "(`model_bench --nexthop-objects 16`; FRR installs routes over nexthop objects, and a "
          "lookup then takes the hops from the object): IPv4 random %s ns a lookup, %sx the plain "
          "table's time; table-drawn %s ns; RSS growth %s B/route; delete median %s ns, insert "
          "median %s ns. Neighbouring prefixes over different objects have different answers, so "
          "more /18 blocks need a record than with one gateway." % (
              fmt(nh["l4"]), fmt(ratio(nh["l4"], core.get("l4"))), fmt(nh.get("lt")),
              fmt(nh.get("rss_b")), fmt(nh.get("del_med")), fmt(nh.get("ins_med"))))
    w("")
    w("## Invalidation")
    w("")
    if model:
        w("`bench/model_bench`: the real table in the model, %s watches on peers inside random "
          "table prefixes; one route event (a delete or an add of a random prefix, through "
          "`rtw_dispatch()`) costs **%s us** on average; re-looking up every watch, as the seed "
          "does, costs **%s us**: **%sx**." % (format(model["watches"], ","), fmt(model["event_us"]),
                                              fmt(model["brute_us"]), fmt(model["ratio"])))
        f = model.get("failover")
        if f:
            w("")
            w("A host's default route moved to another link (a failover), with %s addresses on lo "
              "and %s watches without a local address, each of which asks whether the two links "
              "share a network: **%s ms** for the one event (%s watches fired)." % (
                  format(f["addrs"], ","), format(f["watches"], ","), fmt(f["ms"]),
                  format(f["fired"], ",")))
        fl = model.get("few_link")
        if fl:
            w("")
            w("A link with %s routes (a VPN's) losing its carrier and getting it back, on the real "
              "table: **%s us** an event, %sx an insert's median: the routes over it are listed, "
              "not found by a walk of all." % (fl["routes"], fmt(fl["us"]), fmt(fl["x_insert"])))
        g, sw = model.get("nh_groups"), model.get("nh_sweep")
        if g:
            w("")
            w("Nexthop objects as FRR keeps them (`bench/model_bench`, the model alone): one "
              "object in all of %s groups, %s routes over the groups, replaced: **%s ms**, "
              "against %s ms to add those routes (**%sx**): one walk of the routes for all the "
              "groups." % (
                  format(g["groups"], ","), format(g["routes"], ","), fmt(g["ms"]),
                  fmt(g["add_ms"]), fmt(ratio(g["ms"], g["add_ms"]))))
        if sw:
            w("")
            w("All %s of those objects and groups gone in one resync: **%s ms**, against %s ms "
              "to add them (**%sx**)." % (format(sw["objects"], ","), fmt(sw["ms"]),
                                        fmt(sw["add_ms"]), fmt(ratio(sw["ms"], sw["add_ms"]))))
    else:
        w("model_bench did not run.")
    w("")
    w("## Event latency")
    w("")
    if lat:
        w("`bench/latency_bench`: in a private namespace with %s watches (one on each of 1000 "
          "routes that change, the others under a route that does not), a route deleted over "
          "rtnetlink to the callback of the one watch that used it (`poll` on `rtw_fd()`, "
          "`rtw_dispatch()`), %d events: median **%s us**, p99 **%s us**, max %s us." % (
              format(lat["watches"], ","), lat["events"], fmt(lat["median"]), fmt(lat["p99"]),
              fmt(lat["max"])))
    else:
        w("Not run (needs root and network namespaces).")
    w("")
    w("## Notes on the method")
    w("")
    w("- Every peer is called the way its users call it one address at a time: `rte_lpm_lookup()` "
      "and `rte_lpm6_lookup()` (not the bulk or x4 vector calls), `ndpi_patricia_search_best()`, "
      "`rtw_lookup()` with a `struct rtw_route` to fill. routewatch's figure includes the "
      "`sockaddr` decoding, the lookup policy over the local, main and default tables and the filled answer, which "
      "a bare index does not do; `bench/lpm_bench` measures the index (`core/lpm.c`) alone.")
    w("- Memory is RSS growth while the table is built, in a fresh process per peer, so it counts "
      "what each really touches. Pages of DPDK's heap that are never written stay out of RSS "
      "(small tables grow it by far less than the 64 MiB of `rte_lpm`'s tbl24), so a small "
      "table looks cheap for `rte_lpm`. "
      "routewatch's figure is the whole model (routes, next hops, the index), not the index alone.")
    w("- The scan is the seed's (libwebsockets) lookup: an unsorted list, first covering entry "
      "wins, not the longest; its insert is an append.")
    w("- Ingest methods each run in a child process, in turn; the bare loop keeps nothing, so "
      "the distance from it is the cost of parsing and building the model. libnl's cache fill "
      "asks for routes only.")
    w("- Lookup rates are per second of thread CPU time; ingest and latency are wall time. The "
      "load average above says how busy the machine was.")
    w("")
    w("## Raw output")
    w("")
    w("The programs' own lines, as `bench/report.py` read them:")
    w("")
    w("```")
    for name in ("lookup.txt", "model.txt", "model-nh.txt", "ingest.txt", "latency.txt"):
        t = read(d, name).rstrip()
        if t:
            w(t)
    w("```")
    with open(doc, "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
