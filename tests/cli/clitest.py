# tests/cli/clitest.py: what the routewatch tool's tests share: TAP output,
# finding and running the tool, background runs read line by line, and the
# checks every ROUTE object must pass.
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

ROUTE_KEYS = ['family', 'table', 'type', 'dst', 'metric', 'tos', 'protocol', 'scope', 'prefsrc',
              'pref', 'gateway', 'dev', 'nexthops', 'flags']
NEXTHOP_KEYS = ['gateway', 'dev', 'ifindex', 'weight', 'flags']


def tool_path():
    # meson passes the path; kyua runs the copy of this file in the build
    # tree, two folders below the tool's.
    p = os.environ.get('RTW_ROUTEWATCH')
    if p:
        return p
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, '..', '..', 'tools', 'routewatch'))


class Tap:
    """Minimal TAP producer: one 'ok'/'not ok' per check, plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, name, detail=None):
        self.n += 1
        if cond:
            print(f'ok {self.n} - {name}', flush=True)
        else:
            self.failed += 1
            print(f'not ok {self.n} - {name}', flush=True)
            if detail is not None:
                for line in str(detail).splitlines() or ['']:
                    print(f'# {line}', flush=True)
        return cond

    def equal(self, got, want, name):
        if isinstance(got, set) and isinstance(want, set):
            detail = f'missing: {sorted(want - got, key=str)}\nextra: {sorted(got - want, key=str)}'
        else:
            detail = f'got:  {got!r}\nwant: {want!r}'
        return self.check(got == want, name, detail)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f'# {line}', flush=True)

    def crash_hook(self, kind, value, tb):
        """sys.excepthook: an unexpected exception is one failed check."""
        import traceback
        self.check(False, 'the test ran to its end',
                   ''.join(traceback.format_exception(kind, value, tb)))
        kill_background()
        print(f'1..{self.n}', flush=True)
        os._exit(1)

    def done(self):
        kill_background()
        print(f'1..{self.n}', flush=True)
        sys.exit(1 if self.failed else 0)


def skip_all(reason, status=0):
    """Skip the whole program: TAP says so (kyua and meson both read it);
    status lets a kernel test also exit 77 for meson's exitcode protocol."""
    print(f'1..0 # SKIP {reason}', flush=True)
    sys.exit(status)


def run(args, stdin=None, timeout=30):
    """Runs the tool to the end; returns (status, stdout, stderr)."""
    p = subprocess.run([tool_path()] + args, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def json_lines(text):
    """Every output line must be one JSON object; raises ValueError if not."""
    out = []
    for line in text.splitlines():
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError(f'not an object: {line}')
        out.append(obj)
    return out


def route_problems(r):
    """What is wrong with a ROUTE object (empty when nothing)."""
    bad = [f'missing {k}' for k in ROUTE_KEYS if k not in r]
    if bad:
        return bad
    if r['family'] not in ('inet', 'inet6'):
        bad.append(f'family {r["family"]!r}')
    if not all(isinstance(r[k], int) for k in ('table', 'metric', 'tos')):
        bad.append('table, metric or tos not a number')
    if r['pref'] != (None if r['family'] == 'inet' else r['pref']) or \
            r['pref'] not in (None, 'high', 'medium', 'low'):
        bad.append(f'pref {r["pref"]!r} for {r["family"]}')
    if '/' not in r['dst'] or r['dst'].startswith('default'):
        bad.append(f'dst {r["dst"]!r} is not address/length')
    if not isinstance(r['nexthops'], list) or not isinstance(r['flags'], list):
        bad.append('nexthops or flags not a list')
    else:
        for nh in r['nexthops']:
            missing = [k for k in NEXTHOP_KEYS if k not in nh]
            if missing:
                bad.append(f'next hop lacks {missing}')
        first = r['nexthops'][0] if r['nexthops'] else {'gateway': None, 'dev': None}
        if r['gateway'] != first['gateway'] or r['dev'] != first['dev']:
            bad.append('gateway/dev differ from the first next hop')
        if r['type'] in ('blackhole', 'unreachable', 'prohibit', 'throw') and r['nexthops']:
            bad.append(f'{r["type"]} route with next hops')
    return bad


_running = []


def kill_background():
    """Kills what Background started and is still running (tests that
    failed half-way must not leave the tool behind)."""
    for p in _running:
        if p.poll() is None:
            p.kill()
            p.wait()


class Background:
    """The tool running in the background; its stdout lines are collected
    as they come, so a test can wait for a line without sleeping blindly."""

    def __init__(self, args, stdout=subprocess.PIPE):
        self.proc = subprocess.Popen([tool_path()] + args, stdout=stdout,
                                     stderr=subprocess.PIPE, text=True)
        _running.append(self.proc)
        self.lines = []
        self._q = queue.Queue()
        if stdout == subprocess.PIPE:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self._q.put(line.rstrip('\n'))
        self._q.put(None)

    def _next(self, timeout):
        """Moves one line from the reader to self.lines. Returns 'line',
        'timeout', or 'end' once the output is closed."""
        try:
            line = self._q.get(timeout=timeout)
        except queue.Empty:
            return 'timeout'
        if line is None:
            self._q.put(None)  # the end stays visible to later calls
            return 'end'
        self.lines.append(line)
        return 'line'

    def wait_for(self, pred, timeout=10.0):
        """Waits until a collected line satisfies pred; returns it or None."""
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            while i < len(self.lines):
                if pred(self.lines[i]):
                    return self.lines[i]
                i += 1
            left = deadline - time.monotonic()
            if left <= 0 or self._next(min(left, 0.5)) == 'end':
                return None

    def stop(self, sig=signal.SIGINT, timeout=10.0):
        """Sends sig, waits for the exit; returns (status, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None, 'did not exit after the signal'
        if self.proc.stdout is not None:
            while self._next(5.0) == 'line':
                pass
        return self.proc.returncode, self.proc.stderr.read()
