#!/usr/bin/env python3
"""Monitoring needs no privilege: run by netns-run.sh inside a private
network namespace as root, this test builds routes, links and addresses,
then starts the netlink tests' rtw_harness as nobody (setpriv: uid and gid
65534, no groups, no capabilities, no_new_privs) and checks that rtw_start
loads the table, that rtw_dispatch follows changes root makes afterwards,
and that the same user could not have changed a route itself.

  nonroot.py --harness RTW_HARNESS"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import kernel_test as kt
from kernel_test import ip, tap

NOBODY = 65534
DROP = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]


class Unprivileged(kt.Harness):
    """kernel_test's harness client, its process started as nobody."""

    def __init__(self, path):
        self.p = subprocess.Popen(DROP + [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)
        first = self.p.stdout.readline()
        if not first.startswith("ready netlink"):
            raise RuntimeError("harness did not start as nobody: %r" % first)


def credentials(pid):
    """(uids, gids, effective capabilities) of a running process."""
    uids = gids = caps = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k == "Uid":
                uids = [int(x) for x in v.split()]
            elif k == "Gid":
                gids = [int(x) for x in v.split()]
            elif k == "CapEff":
                caps = int(v, 16)
    return uids, gids, caps


def lookup(h, addr):
    return json.loads(h.cmd("lookup " + addr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (to build the namespace and drop to nobody)")
        return 77
    if not shutil.which("setpriv"):
        print("1..0 # SKIP setpriv(1) not found")
        return 77

    kt.setup()
    ip("route", "add", "10.50.0.0/24", "via", "10.1.0.2", "dev", "v0")
    ip("-6", "route", "add", "2001:db8:50::/48", "via", "2001:db8:2::2", "dev", "v2")

    h = Unprivileged(a.harness)
    uids, gids, caps = credentials(h.p.pid)
    tap(uids == [NOBODY] * 4 and gids == [NOBODY] * 4 and caps == 0,
        "the monitor runs as nobody without capabilities",
        "Uid %r Gid %r CapEff %r" % (uids, gids, caps))
    kt.compare(h, "as nobody, rtw_start loaded the table")
    tap(lookup(h, "10.50.0.7")["rc"] == 0, "10.50.0.7 routable before the change")

    # root changes the kernel after the monitor started
    ip("route", "del", "10.50.0.0/24")
    ip("route", "add", "10.60.0.0/24", "via", "10.2.0.2", "dev", "v2")
    ip("-6", "route", "replace", "2001:db8:50::/48", "via", "2001:db8:1::2", "dev", "v0")
    kt.compare(h, "as nobody, rtw_dispatch followed root's changes")
    m = lookup(h, "10.50.0.7")
    tap(m["rc"] == -101, "10.50.0.7 unroutable after its route went (rc %d)" % m["rc"])
    m = lookup(h, "10.60.0.7")
    tap(m["rc"] == 0 and m["route"]["dst"] == "10.60.0.0/24", "10.60.0.7 routable by the new "
        "route", repr(m))
    m = lookup(h, "2001:db8:50::1")
    gws = [x["gw"] for x in (m["route"] or {}).get("nexthops", [])]
    tap(m["rc"] == 0 and gws == ["2001:db8:1::2"], "the replaced IPv6 route seen", repr(m))
    before = h.stats()["events"]
    ip("link", "set", "v3", "down")  # v2 loses carrier
    h.sync()
    st = h.stats()
    tap(st["events"] > before, "the carrier change reached the monitor (%d events)" %
        (st["events"] - before))
    tap(st["events"] > 0 and st["foreign_dropped"] == 0,
        "events applied (%d), nothing dropped as foreign" % st["events"])
    h.close()

    # the same credentials cannot write a route: the test did drop them
    r = subprocess.run(DROP + ["ip", "route", "add", "10.70.0.0/24", "dev", "v0"],
                       capture_output=True, text=True)
    routes = ip("-j", "route", "show", "10.70.0.0/24").stdout
    tap(r.returncode != 0 and json.loads(routes) == [],
        "nobody cannot add a route (ip: %s)" % r.stderr.strip())
    print("1..%d" % kt.checks)
    return 1 if kt.failures else 0


if __name__ == "__main__":
    sys.exit(main())
