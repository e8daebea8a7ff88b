#!/usr/bin/env python3
"""Soak test of the netlink backend, run by netns-run.sh inside a private
network namespace (veth pairs only; needs root).

Four `ip -batch` writers change routes at once (IPv4 and IPv6, main table and
tables 100/200, on disjoint prefixes) while links flap (v0 loses carrier
when its peer v1 goes down; v2 goes admin down, which flushes its routes
silently) and addresses come and go. Two monitors with a deliberately small
receive buffer follow it: the netlink tests' rtw_harness (its model is
compared with `ip -j route show table all` by kernel_test.py's normalizer)
and soak.c, which holds a few thousand watches. At the end:
  - the model kept by events, and a fresh dump, equal the kernel's table;
  - every watch whose path (checked against a fresh context) differs from
    the one it registered has fired, no watch on an untouched route fired,
    every reason fits what the run did, none fired twice;
  - lookups agree with `ip route get` for a sample of watched addresses;
  - the watcher's RSS grew by no more than its model's memory explains;
  - overflows happened and were recovered from.

  soak.py --harness RTW_HARNESS --watcher SOAK
RTW_SOAK=full: at least 1,000,000 route changes; default 100,000 (about
15 s).
RTW_SEED=N changes the workload."""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import kernel_test as kt
from kernel_test import ip, ipq, tap

RCVBUF = 16384
PREFIXES = 5000  # per writer
STABLE_V4 = "10.200.0.0/16"
STABLE_V6 = "2001:db8:200::/48"
LOCALS = ["10.9.0.%d" % i for i in range(1, 21)]


def v4_prefix(base, i):
    return "10.%d.%d.%d/32" % (base, i // 250, i % 250 + 1)


def v6_prefix(base, i):
    return "2001:db8:%x:%x::/64" % (base, i)


WRITERS = [
    # (family, prefix function, table)
    (4, lambda i: v4_prefix(200, i), 254),
    (4, lambda i: v4_prefix(201, i), 100),
    (6, lambda i: v6_prefix(0x200, i), 254),
    (6, lambda i: v6_prefix(0x201, i), 200),
]


def gateway(fam, dev, n):
    if fam == 4:
        return "10.%d.0.%d" % (1 if dev == "v0" else 2, 2 + n % 50)
    return "2001:db8:%d::%x" % (1 if dev == "v0" else 2, 2 + n % 50)


def prefill(fam, prefix, table):
    """Every prefix once, so watches start on routes the writers change."""
    return "".join("route replace %s table %d via %s dev %s\n" %
                   (prefix(i), table, gateway(fam, dev, i), dev)
                   for i in range(PREFIXES) for dev in ["v0" if i % 2 else "v2"])


def run_batches(paths, pause=0.0):
    """One `ip -batch` per list of files, all lists at once; pause seconds
    between the files of a list keeps the writers busy as long as the
    flapper needs. Returns how many commands the kernel refused (deleting
    an absent route, a gateway on a link that is down)."""
    failed = [0] * len(paths)

    def one(k, files):
        for path in files:
            r = subprocess.run(["ip", "-force", "-batch", path], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            failed[k] += sum(1 for l in r.stderr.splitlines() if l.startswith("Command failed"))
            time.sleep(pause)
    threads = [threading.Thread(target=one, args=(k, files)) for k, files in enumerate(paths)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(failed)


def batch(rng, fam, prefix, table, n):
    """n changes: mostly replace (add or re-point), some deletions. ip(8)
    takes the family from the prefix (a batch line cannot say -6)."""
    lines = []
    for _ in range(n):
        i = rng.randrange(PREFIXES)
        p = prefix(i)
        if rng.random() < 0.25:
            lines.append("route del %s table %d" % (p, table))
        else:
            dev = rng.choice(["v0", "v2"])
            lines.append("route replace %s table %d via %s dev %s" %
                         (p, table, gateway(fam, dev, rng.randrange(1000)), dev))
    return "\n".join(lines) + "\n"


class Flapper(threading.Thread):
    """Link and address changes while the writers run, at least one full
    cycle: every local address given to a watch is deleted once."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.cycles = 0
        self.actions = 0

    def run(self):
        steps = [
            lambda: ip("link", "set", "v1", "down"),  # v0 loses carrier
            lambda: ip("link", "set", "v1", "up"),
            lambda: [ipq("addr del %s/32 dev v0" % a) for a in LOCALS],
            lambda: ip("link", "set", "v2", "down"),  # admin down: silent flush
            lambda: (ip("link", "set", "v2", "up"), kt.add_addresses()),
            lambda: [ipq("addr add %s/32 dev v0" % a) for a in LOCALS],
            lambda: ipq("-6 addr add 2001:db8:9::%x/128 dev v0 nodad" % (self.cycles + 1)),
        ]
        while True:
            for s in steps:
                s()
                self.actions += 1
                time.sleep(0.05)
            self.cycles += 1
            if self.stop.is_set() and self.cycles >= 3:
                return


class Watcher:
    def __init__(self, path):
        self.p = subprocess.Popen([path, str(RCVBUF)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("soak watcher did not start")

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.close()
        self.p.wait(timeout=30)


def setup_stable():
    ip("link", "add", "name", "v4", "type", "veth", "peer", "name", "v5")
    for l in ("v4", "v5"):
        ip("link", "set", l, "up")
    ip("addr", "add", "10.3.0.1/24", "dev", "v4")
    ip("-6", "addr", "add", "2001:db8:3::1/64", "dev", "v4", "nodad")
    # cover the watched space through a link nothing touches: every watch
    # has a route all along, and the stable ones only this one
    ip("route", "add", STABLE_V4, "via", "10.3.0.2", "dev", "v4")
    ip("-6", "route", "add", STABLE_V6, "via", "2001:db8:3::2", "dev", "v4")
    for a in LOCALS:
        ip("addr", "add", a + "/32", "dev", "v0")


def register_watches(w, rng):
    n = 0
    for i in range(1200):
        a = v4_prefix(200, rng.randrange(PREFIXES)).split("/")[0]
        n += w.cmd("watch " + a).startswith("ok")
    for i in range(1200):
        a = v6_prefix(0x200, rng.randrange(PREFIXES)).split("/")[0] + "1"
        n += w.cmd("watch " + a).startswith("ok")
    for i in range(300):
        a = v4_prefix(200, rng.randrange(PREFIXES)).split("/")[0]
        n += w.cmd("watch %s %s" % (a, rng.choice(LOCALS))).startswith("ok")
    # untouched routes: only the stable cover, a connected route, local
    for i in range(100):
        n += w.cmd("watch 10.200.250.%d stable" % (i + 1)).startswith("ok")
        n += w.cmd("watch 2001:db8:200:ffff::%x stable" % (i + 1)).startswith("ok")
        n += w.cmd("watch 10.3.0.%d stable" % (i + 2)).startswith("ok")
    n += w.cmd("watch 127.0.0.1 stable").startswith("ok")
    return n


def sample_lookups(h, rng, n):
    bad = []
    idx = {v: k for k, v in kt.links().items()}
    for _ in range(n):
        if rng.random() < 0.5:
            a = v4_prefix(200, rng.randrange(PREFIXES)).split("/")[0]
        else:
            a = v6_prefix(0x200, rng.randrange(PREFIXES)).split("/")[0] + "1"
        k = ip("-j", "route", "get", a, check=False)
        m = json.loads(h.cmd("lookup " + a))
        if k.returncode != 0 or m["rc"] != 0 or not m["route"]:
            bad.append("%s: kernel %r, model %r" % (a, k.stderr.strip() or k.stdout, m))
            continue
        kr = json.loads(k.stdout)[0]
        hops = [(hh["gw"], idx.get(hh["ifindex"])) for hh in m["route"]["nexthops"]]
        if (kr.get("gateway"), kr.get("dev")) not in hops:
            bad.append("%s: kernel via %s dev %s, model %r" % (a, kr.get("gateway"),
                                                               kr.get("dev"), hops))
    tap(not bad, "%d lookups agree with ip route get" % n, "\n".join(bad[:10]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--watcher", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    full = os.environ.get("RTW_SOAK") == "full"
    # 13-18% of the commands are refused (an absent route, a link that is
    # down): a third more makes the changes the kernel applied reach it
    target = 1000000 if full else 100000
    total = target * 4 // 3
    seed = int(os.environ.get("RTW_SEED", "20261126"))
    rng = random.Random(seed)
    print("# soak: %d route commands for %d changes, seed %d" % (total, target, seed), flush=True)
    t0 = time.time()

    kt.setup()
    # what the kernel itself announces, to tell a kernel deletion of a
    # stable route from one the model made up
    monitor_log = tempfile.TemporaryFile(mode="w+")
    monitor = subprocess.Popen(["ip", "monitor", "route"], stdout=monitor_log,
                               stderr=subprocess.DEVNULL)
    setup_stable()
    h = kt.Harness(a.harness, rcvbuf=RCVBUF)
    w = Watcher(a.watcher)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, (fam, prefix, table) in enumerate(WRITERS):
            paths.append([os.path.join(tmp, "p%d" % k)])
            with open(paths[-1][0], "w") as f:
                f.write(prefill(fam, prefix, table))
        run_batches(paths)
    n = register_watches(w, rng)
    tap(n == 2*1200 + 300 + 301, "%d watches registered" % n)
    if w.cmd("mark") != "ok":
        raise RuntimeError("mark")
    kt.compare(h, "before the soak")

    chunks = 20
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, (fam, prefix, table) in enumerate(WRITERS):
            wr = random.Random(seed + k)
            paths.append([])
            for c in range(chunks):
                paths[-1].append(os.path.join(tmp, "w%d.%d" % (k, c)))
                with open(paths[-1][-1], "w") as f:
                    f.write(batch(wr, fam, prefix, table, total // 4 // chunks))
        flap = Flapper()
        t1 = time.time()
        flap.start()
        # at least ~8 s of writing, so links flap under the writers
        refused = run_batches(paths, pause=0.0 if full else 0.4)
        # the kernel refuses more while links are down, and a slow build
        # (ASan) spends more of the run with them down: top up to the target
        for extra in range(3):
            short = target - (total - refused)
            if short <= 0:
                break
            more = []
            for k, (fam, prefix, table) in enumerate(WRITERS):
                more.append([os.path.join(tmp, "x%d.%d" % (k, extra))])
                with open(more[-1][0], "w") as f:
                    f.write(batch(random.Random(seed + 100 * (extra + 1) + k), fam, prefix,
                                  table, short // len(WRITERS) + 100))
            total += len(WRITERS) * (short // len(WRITERS) + 100)
            refused += run_batches(more)
        flap.stop.set()
        flap.join(timeout=120)
        dt = time.time() - t1
    print("# %d route commands by %d writers in %.1f s (%.0f/s), %d refused by the kernel; "
          "%d link/address actions in %d cycles" %
          (total, len(WRITERS), dt, total / dt, refused, flap.actions, flap.cycles), flush=True)
    tap(total - refused >= target, "%d route changes applied by the kernel" % (total - refused))

    # everything back up, so the end state is the kernel's own
    ip("link", "set", "v1", "up")
    ip("link", "set", "v2", "up")
    kt.add_addresses()
    time.sleep(0.5)
    kt.compare(h, "the model kept by events after the soak")
    kt.compare(h, "a fresh dump after the soak", fresh=True)
    st = h.stats()
    print("# harness stats", json.dumps(st), flush=True)
    tap(st["overflows"] > 0 and st["resyncs"] > 0,
        "the small buffer overflowed (%d) and the model resynced (%d)" %
        (st["overflows"], st["resyncs"]))
    sample_lookups(h, rng, 200)

    links = kt.links()
    r = json.loads(w.cmd("check %d %d" % (links["v0"], links["v2"])))
    print("# watcher", json.dumps(r), flush=True)
    tap(r["valid_at_start"] == r["watches"], "every watch valid at registration (%d of %d)" %
        (r["valid_at_start"], r["watches"]))
    tap(r["missed"] == 0, "every watch whose path changed fired (%d missed)" % r["missed"])
    monitor.terminate()
    monitor.wait()
    monitor_log.seek(0)
    gone = [l.strip() for l in monitor_log
            if l.startswith("Deleted ") and l.split()[1] in (STABLE_V4, STABLE_V6)]
    tap(r["wrong"] == 0, "no stable watch fired, every reason fits the run (%d wrong)" %
        r["wrong"], "ip monitor saw the kernel delete a stable route %d times %s" %
        (len(gone), gone[:2]))
    tap(r["twice"] == 0, "no watch fired twice (%d)" % r["twice"])
    tap(r["route_removed"] > 0 and r["path_changed"] > 0 and r["link_down"] > 0 and
        r["local_removed"] > 0,
        "every kind of invalidation happened (%d: %d route-removed, %d path-changed, "
        "%d link-down, %d local-address-removed)" %
        (r["fired"], r["route_removed"], r["path_changed"], r["link_down"],
         r["local_removed"]))
    tap(r["overflows"] > 0 and r["resyncs"] > 0,
        "the watcher overflowed (%d) and resynced (%d)" % (r["overflows"], r["resyncs"]))
    grew = r["rss_kib"] - r["rss_mark_kib"]
    allowed = 2 * (r["memory_peak"] - r["memory_mark"]) // 1024 + 16 * 1024
    if r.get("sanitized"):
        # ASan's quarantine holds freed blocks, so RSS says nothing there
        kt.checks += 1
        print("ok %d - RSS growth # SKIP under ASan (its quarantine keeps freed memory)" %
              kt.checks, flush=True)
    else:
        tap(grew <= allowed, "RSS grew %d KiB, within what the model's peak explains (%d KiB)" %
            (grew, allowed))
    w.close()
    h.close()
    print("1..%d" % kt.checks)
    print("# soak: %d checks, %d failed, %.1f s" % (kt.checks, kt.failures, time.time() - t0))
    return 1 if kt.failures else 0


if __name__ == "__main__":
    sys.exit(main())
