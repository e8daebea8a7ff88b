#!/usr/bin/env python3
# tests/cli/cli_replay.py: every routewatch command run against recordings
# (the replay backend), so they run anywhere without privileges: show, get,
# monitor, watch and record, text and JSON, and the record/replay round trip.
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

import clitest

t = clitest.Tap()
sys.excepthook = t.crash_hook
MAIN, LOCAL = 254, 255


def route(word, dst, table=MAIN, rtype='unicast', metric=0, proto=4, scope=0, prefsrc='none',
          hops=(), tos=0):
    family = 'inet6' if ':' in dst else 'inet'
    line = (f'{word} family={family} table={table} dst={dst} type={rtype} metric={metric} '
            f'tos={tos} proto={proto} scope={scope} prefsrc={prefsrc} nhid=0 flags=0')
    for gw, ifindex, weight in hops:
        line += f' nh={gw}@{ifindex}:{weight}:0'
    return line


DEFAULT_ETH = dict(metric=100, proto=16, prefsrc='10.0.0.2', hops=[('10.0.0.1', 2, 1)])

# A laptop: wired eth0 (primary), wlan0 (backup default), a WireGuard wg0
# with a device-only route, ECMP, blackhole, unreachable, IPv6, local table.
DUMP = [
    'routewatch-record 1',
    '# written by hand for the CLI tests',
    'dump-begin',
    'link-up ifindex=1 name=lo admin=up carrier=up',
    'link-up ifindex=2 name=eth0 admin=up carrier=up',
    'link-up ifindex=3 name=wlan0 admin=up carrier=up',
    'link-up ifindex=4 name=wg0 admin=up carrier=up',
    'addr-add ifindex=1 addr=127.0.0.1/8 flags=0',
    'addr-add ifindex=2 addr=10.0.0.2/24 flags=0',
    'addr-add ifindex=3 addr=192.168.1.20/24 flags=0',
    'addr-add ifindex=4 addr=10.99.0.2/32 flags=0',
    'addr-add ifindex=2 addr=2001:db8:1::2/64 flags=0',
    route('route-add', '0.0.0.0/0', **DEFAULT_ETH),
    route('route-add', '0.0.0.0/0', metric=600, proto=16, hops=[('192.168.1.1', 3, 1)]),
    route('route-add', '10.0.0.0/24', metric=100, proto=2, scope=253, prefsrc='10.0.0.2',
          hops=[('none', 2, 1)]),
    route('route-add', '192.168.1.0/24', metric=600, proto=2, scope=253,
          prefsrc='192.168.1.20', hops=[('none', 3, 1)]),
    route('route-add', '172.16.0.0/16', hops=[('10.0.0.254', 2, 1)]),
    route('route-add', '10.20.0.0/16', scope=253, hops=[('none', 4, 1)]),
    route('route-add', '198.51.100.0/24', proto=186,
          hops=[('10.0.0.1', 2, 1), ('192.168.1.1', 3, 2)]),
    route('route-add', '10.66.0.0/16', rtype='blackhole'),
    route('route-add', '10.67.0.0/16', rtype='unreachable', proto=77),
    route('route-add', '2001:db8::/32', metric=1024, hops=[('2001:db8:1::1', 2, 1)]),
    route('route-add', '2001:db8:1::/64', metric=256, proto=2, hops=[('none', 2, 1)]),
    route('route-add', '127.0.0.0/8', table=LOCAL, rtype='local', proto=2, scope=254,
          prefsrc='127.0.0.1', hops=[('none', 1, 1)]),
    route('route-add', '127.0.0.1/32', table=LOCAL, rtype='local', proto=2, scope=254,
          prefsrc='127.0.0.1', hops=[('none', 1, 1)]),
    route('route-add', '10.0.0.2/32', table=LOCAL, rtype='local', proto=2, scope=254,
          prefsrc='10.0.0.2', hops=[('none', 2, 1)]),
    'dump-end',
]
# Then: the primary gateway goes, wg0 goes down, eth0's address is removed,
# and a more specific route appears for 172.16.5.0/24.
CHANGES = [
    route('route-del', '0.0.0.0/0', **DEFAULT_ETH),
    'link-down ifindex=4 name=wg0 admin=down carrier=down',
    'addr-del ifindex=2 addr=10.0.0.2/24 flags=0',
    # as Linux follows an address's deletion: its local route goes too
    route('route-del', '10.0.0.2/32', table=LOCAL, rtype='local', proto=2, scope=254,
          prefsrc='10.0.0.2', hops=[('none', 2, 1)]),
    route('route-add', '172.16.5.0/24', hops=[('192.168.1.1', 3, 1)]),
]

tmp = tempfile.mkdtemp(prefix='rtw-cli-')
REC = os.path.join(tmp, 'laptop.rec')
with open(REC, 'w') as f:
    f.write('\n'.join(DUMP + CHANGES) + '\n')


def rw(*args, stdin=None):
    return clitest.run(['--replay', REC] + list(args), stdin=stdin)


def recording(name, dump, after=()):
    """The path of a recording made in tmp: a dump of the lines dump, then
    the lines after."""
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write('\n'.join(['routewatch-record 1', 'dump-begin', *dump, 'dump-end', *after])
                + '\n')
    return path


def parse_show(out, name):
    try:
        objs = clitest.json_lines(out)
    except ValueError as e:
        t.check(False, f'{name}: JSON', e)
        return []
    t.check(len(objs) == 1 and list(objs[0]) == ['routes'], f'{name}: one {{"routes":[...]}} line',
            out)
    return objs[0].get('routes', []) if objs else []


def find(routes, dst, table=MAIN, gateway=None):
    for r in routes:
        if r.get('dst') == dst and r.get('table') == table and \
                (gateway is None or r.get('gateway') == gateway):
            return r
    return None


# --- show ---
status, out, err = rw('show', '--json', '--table', 'all')
t.equal(status, 0, 'show --json --table all: exit 0')
routes = parse_show(out, 'show --json --table all')
t.equal(len(routes), 14, 'show --table all: every route of the dump')
problems = {r.get('dst'): clitest.route_problems(r) for r in routes if clitest.route_problems(r)}
t.equal(problems, {}, 'every ROUTE object has every field, well-formed')

r = find(routes, '0.0.0.0/0', gateway='10.0.0.1')
t.equal(r, {'family': 'inet', 'table': 254, 'type': 'unicast', 'dst': '0.0.0.0/0', 'metric': 100,
            'tos': 0, 'protocol': 'dhcp', 'scope': 'global', 'prefsrc': '10.0.0.2', 'pref': None,
            'gateway': '10.0.0.1',
            'dev': 'eth0', 'nexthops': [{'gateway': '10.0.0.1', 'dev': 'eth0', 'ifindex': 2,
                                         'weight': 1, 'flags': []}], 'flags': []},
        'default route: every field as ip -j names it')
r = find(routes, '10.20.0.0/16') or {}
t.check(r.get('gateway') is None and r.get('dev') == 'wg0' and r.get('scope') == 'link',
        'device-only route: gateway null, dev wg0, scope link', r)
r = find(routes, '198.51.100.0/24') or {}
t.equal([(h['gateway'], h['dev'], h['weight']) for h in r.get('nexthops', [])],
        [('10.0.0.1', 'eth0', 1), ('192.168.1.1', 'wlan0', 2)], 'ECMP route: both next hops')
t.equal(r.get('protocol'), 'bgp', 'protocol 186 is named bgp')
r = find(routes, '10.66.0.0/16') or {}
t.check(r.get('type') == 'blackhole' and r.get('nexthops') == [] and r.get('gateway') is None
        and r.get('dev') is None, 'blackhole: no next hops, gateway and dev null', r)
r = find(routes, '10.67.0.0/16') or {}
t.equal(r.get('protocol'), 77, 'a protocol without a name is a number')
r = find(routes, '127.0.0.1/32', table=LOCAL) or {}
t.check(r.get('type') == 'local' and r.get('scope') == 'host', 'local table: type local, scope host',
        r)
r = find(routes, '2001:db8::/32') or {}
t.check(r.get('family') == 'inet6' and r.get('gateway') == '2001:db8:1::1', 'IPv6 route', r)

status, out, err = rw('show', '--json')
# Table numbers are FIBs on the BSDs, where show lists all tables by default.
bsd = 'backend pfroute' in clitest.run(['--version'])[1]
t.equal({(r['table']) for r in parse_show(out, 'show --json')}, {MAIN, LOCAL} if bsd else {MAIN},
        'show: the main table by default, like ip route (all tables on the BSDs)')
status, out, err = rw('show', '--json', '-4', '--table', 'all')
t.equal({r['family'] for r in parse_show(out, 'show -4')}, {'inet'}, 'show -4: IPv4 only')
status, out, err = rw('show', '--json', '-6', '--table', 'all')
t.equal({r['family'] for r in parse_show(out, 'show -6')}, {'inet6'}, 'show -6: IPv6 only')
status, out, err = rw('show', '--json', '--table', 'local')
t.equal(len(parse_show(out, 'show --table local')), 3, 'show --table local: its 3 routes')
status, out, err = rw('show', '--table=255', '--json')
t.equal(len(parse_show(out, 'show --table=255')), 3, 'show --table=255 is the local table')
# ip route show table 0 lists every table; on the BSDs 0 is FIB 0.
status, out, err = rw('show', '--json', '-t', '0')
t.equal({r['table'] for r in parse_show(out, 'show -t 0')}, set() if bsd else {MAIN, LOCAL},
        'show -t 0: every table, as ip route show table 0 (FIB 0 on the BSDs)')

status, out, err = rw('show')
lines = out.splitlines()
t.equal(status, 0, 'show (text): exit 0')
for want in ('default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.2 metric 100',
             '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 metric 100',
             '10.20.0.0/16 dev wg0 proto static scope link',
             'blackhole 10.66.0.0/16 proto static',
             'unreachable 10.67.0.0/16 proto 77',
             '198.51.100.0/24 proto bgp nexthop via 10.0.0.1 dev eth0 weight 1 '
             'nexthop via 192.168.1.1 dev wlan0 weight 2'):
    t.check(want in lines, f'show (text): "{want}"', out)

# IPv4 routes via an IPv6 neighbour (RFC 5549) name the gateway's family, as
# ip route does; without it the line reads as an IPv6 route.
V6GW = os.path.join(tmp, 'v6gw.rec')
with open(V6GW, 'w') as f:
    f.write('\n'.join(DUMP[:5] + [
        route('route-add', '10.70.0.0/16', proto=186, hops=[('fe80::1', 2, 1)]),
        route('route-add', '10.71.0.0/16', proto=186,
              hops=[('fe80::1', 2, 1), ('10.0.0.1', 2, 1)]),
        route('route-add', '2001:db8:70::/48', metric=1024, hops=[('fe80::1', 2, 1)]),
        'dump-end']) + '\n')
status, out, err = clitest.run(['--replay', V6GW, 'show', '--table', 'all'])
t.equal(out.splitlines(), [
    '10.70.0.0/16 via inet6 fe80::1 dev eth0 proto bgp',
    '10.71.0.0/16 proto bgp nexthop via inet6 fe80::1 dev eth0 weight 1 '
    'nexthop via 10.0.0.1 dev eth0 weight 1',
    '2001:db8:70::/48 via fe80::1 dev eth0 proto static metric 1024 pref medium'],
    'show (text): a gateway of the other family is named with it')

# ADDR%IF names the recording's interface, not this host's (wlan9 is on no
# host here; eth0 may be, with another index).
SCOPED = os.path.join(tmp, 'scoped.rec')
with open(SCOPED, 'w') as f:
    f.write('\n'.join(DUMP[:5] + [
        'link-up ifindex=7 name=wlan9 admin=up carrier=up',
        route('route-add', 'fe80::/64', metric=256, proto=2, hops=[('none', 2, 1)]),
        route('route-add', 'fe80::/64', metric=256, proto=2, hops=[('none', 7, 1)]),
        'dump-end']) + '\n')
status, out, err = clitest.run(['--replay', SCOPED, 'get', 'fe80::1%wlan9', 'fe80::1%eth0',
                                'fe80::1%7'])
t.equal([line.split(' dev ')[1].split()[0] if ' dev ' in line else line
         for line in out.splitlines()], ['wlan9', 'eth0', 'wlan9'],
        'get ADDR%IF with --replay: the recording\'s interfaces')
status, out, err = clitest.run(['--replay', SCOPED, 'get', 'fe80::1%nosuch0'])
t.check(status == 2 and "no such interface in the recording: 'fe80::1%nosuch0'" in err,
        'get ADDR%IF with --replay: an interface the recording lacks is a usage error',
        f'{status} {err}')
status, out, err = clitest.run(['--replay', SCOPED, 'watch', 'fe80::1%wlan9'])
t.check(status == 0 and out.startswith('watch fe80::1%wlan9 routable: fe80::/64 dev wlan9'),
        'watch ADDR%IF with --replay: followed and named as the recording has it', out)

# Two IPv4 routes that differ in their TOS alone are two routes: each line
# says which, as ip route does, or they read as one route twice.
TOS = os.path.join(tmp, 'tos.rec')
with open(TOS, 'w') as f:
    f.write('\n'.join(DUMP[:5] + [
        route('route-add', '10.72.0.0/16', hops=[('10.0.0.1', 2, 1)]),
        route('route-add', '10.72.0.0/16', tos=16, hops=[('10.0.0.3', 2, 1)]),
        'dump-end']) + '\n')
status, out, err = clitest.run(['--replay', TOS, 'show'])
t.equal(out.splitlines(), ['10.72.0.0/16 via 10.0.0.1 dev eth0 proto static',
                           '10.72.0.0/16 tos 0x10 via 10.0.0.3 dev eth0 proto static'],
        'show (text): a TOS is shown after the destination')
status, out, err = clitest.run(['--replay', TOS, 'show', '--json'])
t.equal([(r.get('tos'), r.get('gateway')) for r in parse_show(out, 'show --json, tos')],
        [(0, '10.0.0.1'), (16, '10.0.0.3')], 'show --json: tos, a number')

# --- get ---
ADDRS = ['8.8.8.8', '172.16.5.5', '10.20.1.1', '10.66.1.1', '127.0.0.1', '2001:db8::5',
         '2600::1', '10.0.0.7', '::ffff:172.16.9.9']
status, out, err = rw('get', '--json', *ADDRS)
t.equal(status, 0, 'get --json: exit 0')
got = clitest.json_lines(out)
t.equal([g.get('addr') for g in got], ['8.8.8.8', '172.16.5.5', '10.20.1.1', '10.66.1.1',
                                       '127.0.0.1', '2001:db8::5', '2600::1', '10.0.0.7',
                                       '::ffff:172.16.9.9'], 'get: one line per address, in order')
by = {g['addr']: g for g in got}
t.check(by['8.8.8.8'].get('routable') is True and by['8.8.8.8'].get('gateway') == '10.0.0.1'
        and by['8.8.8.8'].get('metric') == 100, 'get: the lowest-metric default wins',
        by['8.8.8.8'])
t.equal(by['172.16.5.5'].get('dst'), '172.16.0.0/16', 'get: longest prefix (net route)')
t.check(by['10.20.1.1'].get('routable') is True and by['10.20.1.1'].get('dev') == 'wg0',
        'get: a device-only route is routable', by['10.20.1.1'])
t.equal(by['10.66.1.1'], {'addr': '10.66.1.1', 'routable': False, 'reason': 'unreachable'},
        'get: blackhole is unreachable')
t.equal((by['127.0.0.1'].get('table'), by['127.0.0.1'].get('type')), (LOCAL, 'local'),
        'get: the local table is consulted first')
t.equal(by['2001:db8::5'].get('dst'), '2001:db8::/32', 'get: IPv6')
t.equal(by['2600::1'], {'addr': '2600::1', 'routable': False, 'reason': 'no-route'},
        'get: no IPv6 default route means no-route')
t.equal(by['10.0.0.7'].get('dst'), '10.0.0.0/24', 'get: on-link address')
t.equal(by['::ffff:172.16.9.9'].get('dst'), '172.16.0.0/16', 'get: v4-mapped looks up IPv4')
t.check(all(not clitest.route_problems(g) for g in got if g.get('routable')),
        'get: routable lines carry every ROUTE field')

status, out, err = rw('get', '8.8.8.8', '2600::1')
t.equal(out.splitlines(), ['8.8.8.8 routable: default via 10.0.0.1 dev eth0 proto dhcp src '
                           '10.0.0.2 metric 100', '2600::1 unroutable: no-route'],
        'get (text)')

# --- monitor ---
status, out, err = rw('monitor', '--json', '--show-on-exit')
t.equal(status, 0, 'monitor: exit 0 when the recording ends')
try:
    lines = clitest.json_lines(out)
except ValueError as e:
    lines = []
    t.check(False, 'monitor: every line is JSON', e)
events = [o for o in lines if 'event' in o]
kinds = [o['event'] for o in events]
t.diag('monitor events: ' + ' '.join(kinds))
order = ['route-del', 'link-down', 'addr-del', 'route-add']
pos = 0
for k in kinds:
    if pos < len(order) and k == order[pos]:
        pos += 1
t.equal(pos, len(order), 'monitor: route-del, link-down, addr-del, route-add in that order')
first_del = next((o for o in events if o['event'] == 'route-del'), {})
t.check(first_del.get('dst') == '0.0.0.0/0' and first_del.get('gateway') == '10.0.0.1'
        and not clitest.route_problems(first_del), 'monitor: route-del carries the route',
        first_del)
down = next((o for o in events if o['event'] == 'link-down'), {})
t.equal(down, {'event': 'link-down', 'ifindex': 4, 'ifname': 'wg0', 'admin_up': False,
               'carrier_up': False}, 'monitor: link-down line')
adel = next((o for o in events if o['event'] == 'addr-del'), {})
t.check(adel.get('address') == '10.0.0.2/24' and adel.get('ifindex') == 2
        and adel.get('family') == 'inet', 'monitor: addr-del line', adel)
t.check({'rt': 'del'} in lines and {'rt': 'add'} in lines, 'monitor: rt notices verbatim')
t.check({'trigger': 'cpdcheck', 'src': 'gw-change'} in lines,
        'monitor: a gateway change asks for a connectivity check')
final = lines[-1] if lines else {}
t.check(list(final) == ['routes'], 'monitor --show-on-exit: the model is the last line', final)
fr = final.get('routes', [])
t.check(find(fr, '0.0.0.0/0', gateway='10.0.0.1') is None
        and find(fr, '0.0.0.0/0', gateway='192.168.1.1') is not None
        and find(fr, '172.16.5.0/24') is not None,
        'monitor --show-on-exit: the model follows the events', fr)

status, out, err = rw('monitor')
t.check(status == 0 and any(line.startswith('route-del default via 10.0.0.1 dev eth0')
                            for line in out.splitlines())
        and 'notice {"rt":"del"}' in out.splitlines(), 'monitor (text)', out)

# A replace shows the route that went before the one that came: from the
# add alone a script keeping a table could not tell that wlan0's route is gone.
REPL = os.path.join(tmp, 'replace.rec')
with open(REPL, 'w') as f:
    f.write('\n'.join(DUMP[:6] + [
        route('route-add', '2001:db8:9::/64', metric=256, hops=[('none', 3, 1)]),
        'dump-end',
        route('route-add', '2001:db8:9::/64', metric=256, hops=[('none', 2, 1)])
        + ' evflags=replace']) + '\n')
status, out, err = clitest.run(['--replay', REPL, 'monitor'])
t.equal([line for line in out.splitlines() if line.startswith('route-')],
        ['route-del 2001:db8:9::/64 dev wlan0 proto static metric 256 pref medium',
         'route-add 2001:db8:9::/64 dev eth0 proto static metric 256 pref medium'],
        'monitor: a replace is the old route going, then the new one')

# --- watch ---
PEERS = ['8.8.8.8', '172.16.5.5', '172.16.5.6,192.168.1.20', '127.0.0.1,127.0.0.1', '10.20.1.1',
         '2001:db8::5', '10.0.0.7,10.0.0.2', '198.51.100.7', '10.66.1.1']


def watch(*extra):
    status, out, err = rw('watch', '--json', *extra, *PEERS)
    t.equal(status, 0, f'watch {" ".join(extra)}: exit 0 when the recording ends')
    lines = clitest.json_lines(out)
    first = [o for o in lines if o.get('event') == 'watch']
    inval = {o['peer']: o['reason'] for o in lines if o.get('event') == 'invalidated'}
    return lines, first, inval


lines, first, inval = watch()
t.equal([o['peer'] for o in first], ['8.8.8.8', '172.16.5.5', '172.16.5.6', '127.0.0.1',
                                     '10.20.1.1', '2001:db8::5', '10.0.0.7', '198.51.100.7',
                                     '10.66.1.1'],
        'watch: one line per peer, in order')
t.equal(lines[:len(PEERS)], first, 'watch: the peer lines come first')
t.equal([o['local'] for o in first],
        [None, None, '192.168.1.20', '127.0.0.1', None, None, '10.0.0.2', None, None],
        'watch: local address or null')
t.equal([o['routable'] for o in first], [True] * 8 + [False], 'watch: routable at the start')
t.check(first[0].get('gateway') == '10.0.0.1' and not clitest.route_problems(first[0]),
        'watch: routable peers carry the ROUTE fields', first[0])
t.equal(first[-1].get('reason'), 'unreachable', 'watch: unroutable peers carry the reason')
t.check(all(list(o) == ['event', 'peer', 'reason'] for o in lines if o.get('event') == 'invalidated'),
        'watch: invalidated lines are {"event","peer","reason"}', lines)
t.equal(list(first[-1]), ['event', 'peer', 'local', 'routable', 'reason'],
        'watch: an unroutable peer line is {"event","peer","local","routable","reason"}')
t.equal(list(first[0])[:4] + sorted(list(first[0])[4:]), ['event', 'peer', 'local', 'routable']
        + sorted(clitest.ROUTE_KEYS), 'watch: a routable peer line has the ROUTE fields')
# 172.16.5.5 from the address the kernel chose on eth0 now leaves by wlan0:
# dead; 172.16.5.6 from wlan0's own address is not
t.equal(inval, {'8.8.8.8': 'route-removed', '172.16.5.5': 'path-changed',
                '10.20.1.1': 'link-down', '10.0.0.7': 'local-address-removed'},
        'watch: exactly the affected connections are invalidated, with the right reason')

lines, first, inval = watch('--path-change')
t.equal(inval.get('172.16.5.6'), 'path-changed',
        'watch --path-change: a more specific new route invalidates')
t.check('127.0.0.1' not in inval and '2001:db8::5' not in inval,
        'watch --path-change: loopback and IPv6 left alone', inval)

status, out, err = rw('watch', '8.8.8.8')
t.check(status == 0 and out.splitlines()[0].startswith('watch 8.8.8.8 routable: default via 10.0.0.1')
        and 'invalidated 8.8.8.8: route-removed' in out.splitlines(), 'watch (text)', out)

# The wildcard is no local address to the library: none is shown.
status, out, err = rw('watch', '--json', '8.8.8.8,0.0.0.0', '2001:db8::5,::')
t.equal([o.get('local', 'missing') for o in clitest.json_lines(out) if o.get('event') == 'watch'],
        [None, None], 'watch: a wildcard local address is shown as none')

# --- record / replay round trip ---
OUT = os.path.join(tmp, 'again.rec')
status, out, err = rw('record', OUT)
t.equal((status, err), (0, ''), 'record from a replay: exit 0 at its end')
with open(OUT) as f:
    text = f.read()
t.check(text.startswith('routewatch-record 1'), 'record: versioned header', text[:80])


def model(rec, *cmd):
    status, out, err = clitest.run(['--replay', rec] + list(cmd))
    return out if status == 0 else f'exit {status}: {err}'


t.equal(model(OUT, 'show', '--json', '--table', 'all'), model(REC, 'show', '--json', '--table', 'all'),
        'round trip: the recording shows the same initial model')
t.equal(model(OUT, 'monitor', '--json', '--show-on-exit').splitlines()[-1:],
        model(REC, 'monitor', '--json', '--show-on-exit').splitlines()[-1:],
        'round trip: replaying the events gives the same final model')
# A v4-mapped peer is IPv4 to the library, so an IPv4 local address goes with
# it (it was refused as another family), and it watches as the IPv4 peer.
plain = rw('watch', '8.8.8.8,10.0.0.2')
mapped = rw('watch', '::ffff:8.8.8.8,10.0.0.2')
t.check(plain[0] == 0 and mapped[0] == 0 and
        mapped[1].replace('::ffff:8.8.8.8', '8.8.8.8') == plain[1],
        'watch ::ffff:8.8.8.8,10.0.0.2: as 8.8.8.8 from 10.0.0.2', f'{plain!r} {mapped!r}')

# Recording into the file being replayed would overwrite it as it is read.
with open(REC) as f:
    kept = f.read()
link = os.path.join(tmp, 'same.rec')
os.link(REC, link)
for target in (REC, link):
    status, out, err = rw('record', target)
    with open(REC) as f:
        t.check(status == 2 and 'being replayed' in err and f.read() == kept,
                f'record into its own --replay source ({os.path.basename(target)}): refused, '
                'the recording kept', f'exit {status}, stderr {err!r}')
os.unlink(link)
with open(REC) as f:  # --replay - with standard input the file itself
    p = subprocess.run([clitest.tool_path(), '--replay', '-', 'record', REC], stdin=f,
                       capture_output=True, text=True, timeout=30)
with open(REC) as f:
    t.check(p.returncode == 2 and 'being replayed' in p.stderr and f.read() == kept,
            'record into the file that is --replay -\'s standard input: refused, the recording '
            'kept', f'exit {p.returncode}, stderr {p.stderr!r}')
with open(REC, 'a') as f:  # record - with standard output the file itself
    p = subprocess.run([clitest.tool_path(), '--replay', REC, 'record', '-'], stdout=f,
                       stderr=subprocess.PIPE, text=True, timeout=30)
with open(REC) as f:
    t.check(p.returncode == 2 and 'being replayed' in p.stderr and f.read() == kept,
            'record - into the file that is --replay\'s source (>>): refused, the recording '
            'kept', f'exit {p.returncode}, stderr {p.stderr!r}')
status, out, err = rw('record', '-')
t.check(status == 0 and out.startswith('routewatch-record 1'), 'record -: to stdout', err)

with open(REC) as f:
    status, out, err = clitest.run(['--replay', '-', 'show', '--json', '--table', 'all'],
                                   stdin=f.read())
t.equal(out, model(REC, 'show', '--json', '--table', 'all'), '--replay -: reads standard input')

# Output that cannot be written: exit 1 with the cause on stderr, for every
# command that prints, and with stdout closed the output must not go to the
# first descriptor the tool opens (it then said nothing and exited 0).
for cmd in (['show'], ['show', '--json'], ['get', '10.1.0.5'], ['watch', '10.1.0.5']):
    for how, kw in (('/dev/full', 'full'), ('closed stdout', 'closed')):
        if kw == 'full':
            out_arg = open('/dev/full', 'w')
        else:
            out_arg = subprocess.DEVNULL
        p = subprocess.run([clitest.tool_path(), '--replay', REC] + cmd,
                           stdout=out_arg if kw == 'full' else None,
                           stderr=subprocess.PIPE, text=True, timeout=30,
                           pass_fds=(), close_fds=True,
                           preexec_fn=(lambda: os.close(1)) if kw == 'closed' else None)
        if kw == 'full':
            out_arg.close()
        t.check(p.returncode == 1 and 'cannot write the output' in p.stderr,
                f'{" ".join(cmd)} to {how}: exit 1 with the cause',
                f'exit {p.returncode}, stderr {p.stderr!r}')

# A recording whose reader goes away (SIGPIPE ignored, as under systemd)
# ends then, with exit 1 and the cause: whether an event comes to be written
# first (a failed write) or not (the pipe's reader is gone, nothing else
# happens: record must not wait for a signal).
for more in (True, False):
    p = subprocess.Popen([clitest.tool_path(), '--replay', '-', 'record', '-'],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, restore_signals=False)
    p.stdin.write('routewatch-record 1\ndump-begin\n'
                  'link-up ifindex=2 name=eth0 admin=up carrier=up\ndump-end\n')
    p.stdin.flush()
    seen = []
    while not seen or seen[-1] != 'dump-end\n':
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
    p.stdout.close()
    try:
        if more:  # record may have seen the reader go already
            p.stdin.write(route('route-add', '10.9.0.0/16', hops=[('none', 2, 1)]) + '\n')
            p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        status = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        status = 'still running after 10 s'
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    err = p.stderr.read()
    t.check(status == 1 and 'recording failed' in err and 'Broken pipe' in err,
            'record: a reader that goes away ends it with exit 1 and the cause'
            + (' (an event after)' if more else ' (nothing after)'), f'{status} {err!r}')

# --- link names: Linux takes any bytes but '/', ':' and white space ---
# In JSON they come out as valid strings: '"' and '\\' escaped, control
# characters and DEL as \u escapes, UTF-8 as is, and a byte that is not
# UTF-8 as the Latin-1 character of that number.
NAMES = {5: ('q"b\\s', 'q"b\\s'), 6: ('c%01t', 'c\x01t'), 7: ('wl%C3%A4n', 'wl\u00e4n'),
         8: ('x%FFy', 'x\u00ffy'), 9: ('d%7Fl', 'd\x7fl'), 10: ('e%E2%82', 'e\u00e2\u0082')}
ODD = os.path.join(tmp, 'names.rec')
with open(ODD, 'w') as f:
    f.write('\n'.join(['routewatch-record 1', 'dump-begin'] +
                      [f'link-up ifindex={i} name={raw} admin=up carrier=up'
                       for i, (raw, _) in NAMES.items()] +
                      [route('route-add', f'10.{i}.0.0/16', hops=[('none', i, 1)])
                       for i in NAMES] + ['dump-end']) + '\n')
status, out, err = clitest.run(['--replay', ODD, 'show', '--json'])
routes = parse_show(out, 'show --json, odd link names') if status == 0 else []
t.equal({r.get('dst'): r.get('dev') for r in routes},
        {f'10.{i}.0.0/16': want for i, (_, want) in NAMES.items()},
        'odd link names: valid JSON strings that decode to the names')

# --- runtime errors ---
MISSING = os.path.join(tmp, 'missing')
status, out, err = clitest.run(['--replay', MISSING, 'show'])
t.check(status == 1 and 'cannot replay' in err and err.count('No such file') == 1
        and err.count(MISSING) == 1 and len(err.splitlines()) == 1,
        'missing recording: exit 1 with the cause, said once', err)
status, out, err = clitest.run(['--replay', tmp, 'show'])
t.check(status == 1 and err.count('Is a directory') == 1 and len(err.splitlines()) == 1,
        'a directory to replay: exit 1 with the cause, said once', err)
BAD = os.path.join(tmp, 'bad.rec')
with open(BAD, 'w') as f:
    f.write('hello world\n')
status, out, err = clitest.run(['--replay', BAD, 'show'])
t.check(status == 1 and 'missing header' in err and 'routewatch-record 1' in err,
        'not a recording: exit 1 saying so',
        f'{status} {err}')
with open(BAD, 'w') as f:
    f.write('routewatch-record 1\ndump-begin\nroute-add dst=10.0.0.0/8 metric=abc\ndump-end\n')
status, out, err = clitest.run(['--replay', BAD, 'show'])
t.check(status == 1 and 'line 3: bad value for metric' in err and len(err.splitlines()) == 1
        and 'not a routewatch recording' not in err,
        'a bad line in the dump: exit 1 naming the line and the field', f'{status} {err}')
with open(BAD, 'w') as f:
    f.write('routewatch-record 1\ndump-begin\ndump-end\nroute-add dst=10.0.0.0/8 metric=-1\n')
status, out, err = clitest.run(['--replay', BAD, 'monitor'])
t.check(status == 1 and f"cannot replay '{BAD}'" in err and 'line 4: ' in err
        and len(err.splitlines()) == 1,
        'a bad line after the dump: monitor exits 1 naming the file and the line, once',
        f'{status} {err}')
# A recording cut inside a later dump (a resync) ended like a whole one
# (exit 0) when no overflow came before the dump.
for before in ('', 'overflow\n'):
    with open(BAD, 'w') as f:
        f.write('routewatch-record 1\ndump-begin\ndump-end\n' + before + 'dump-begin\n'
                + route('route-add', '10.0.0.0/8', hops=[('none', 1, 1)]) + '\n')
    status, out, err = clitest.run(['--replay', BAD, 'monitor'])
    line = 5 if before else 4
    t.check(status == 1 and f'line {line}: dump-begin without dump-end' in err,
            f'a recording ending inside a dump ({before.strip() or "no overflow"} before): '
            'monitor exits 1 naming its dump-begin', f'{status} {err}')

# A record whose context cannot start leaves an existing file as it was (it
# used to truncate, then delete it), and removes only a file it made itself;
# one that starts overwrites it.
KEEP = os.path.join(tmp, 'keep.txt')
with open(KEEP, 'w') as f:
    f.write('important\n')
with open(BAD, 'w') as f:
    f.write('hello world\n')
status, out, err = clitest.run(['--replay', BAD, 'record', KEEP])
with open(KEEP) as f:
    kept = f.read()
t.check(status == 1 and kept == 'important\n',
        'record failing to start: exit 1, the existing file untouched', f'{status} {kept!r} {err}')
NEW = os.path.join(tmp, 'new.rec')
status, out, err = clitest.run(['--replay', BAD, 'record', NEW])
t.check(status == 1 and not os.path.exists(NEW),
        'record failing to start: the file it made is removed', f'{status} {err}')
status, out, err = rw('record', KEEP)
with open(KEEP) as f:
    text = f.read()
t.check(status == 0 and text.startswith('routewatch-record 1') and 'important' not in text,
        'record over an existing file: overwritten once it starts', f'{status} {err} {text[:60]!r}')

# -4 given twice is -4 (only -4 with -6 is refused).
t.equal(model(REC, 'show', '--json', '-4', '-4'), model(REC, 'show', '--json', '-4'),
        'show -4 -4: as -4')

# A table number in hex, as ip(8) takes it.
t.equal(model(REC, 'show', '--json', '--table', '0xfe'), model(REC, 'show', '--json'),
        'show --table 0xfe: the main table')
# The last table id is one too: ip route add ... table 4294967295 takes it.
TOP = recording('top-table.rec', [
    'link-up ifindex=2 name=eth0 admin=up carrier=up',
    route('route-add', '10.9.0.0/16', table=4294967295, hops=[('none', 2, 1)])])
for table in ('4294967295', '0xffffffff'):
    status, out, err = clitest.run(['--replay', TOP, 'show', '--table', table])
    t.check(status == 0 and out.startswith('10.9.0.0/16 dev eth0'),
            f'show --table {table}: the last table', f'{status} {out!r} {err!r}')

# Text as ip route shows it (6.18): a hop's flags after the metric, or after
# the weight of each path; nhid after the prefix; IPv6 metrics always.
IPTEXT = recording('ip-text.rec', [
    'link-up ifindex=2 name=eth0 admin=up carrier=up',
    'link-up ifindex=3 name=wlan0 admin=down carrier=down',
    'nexthop-add id=7 family=inet blackhole=no hop=10.0.0.5@2:1:0',
    route('route-add', '10.5.0.0/16', metric=50, proto=3, hops=[('10.9.9.9', 2, 1)])
    .replace('@2:1:0', '@2:1:onlink'),
    route('route-add', '10.6.0.0/16', proto=3, hops=[('10.0.0.2', 2, 2), ('10.1.0.2', 3, 1)]),
    route('route-add', '10.7.0.0/16', proto=3).replace('nhid=0', 'nhid=7'),
    route('route-add', '2001:db8:5::/64', proto=3, hops=[('none', 2, 1)])])
status, out, err = clitest.run(['--replay', IPTEXT, 'show', '-4'])
t.equal(out.splitlines() if status == 0 else err,
        ['10.5.0.0/16 via 10.9.9.9 dev eth0 metric 50 onlink',
         '10.6.0.0/16 nexthop via 10.0.0.2 dev eth0 weight 2'
         ' nexthop via 10.1.0.2 dev wlan0 weight 1 dead linkdown',
         '10.7.0.0/16 nhid 7 via 10.0.0.5 dev eth0'],
        'show: flags, nhid and weights where ip route puts them')
status, out, err = clitest.run(['--replay', IPTEXT, 'show', '-6'])
t.equal(out.splitlines() if status == 0 else err, ['2001:db8:5::/64 dev eth0 metric 0 pref medium'],
        'show -6: the metric of an IPv6 route, also 0, and its preference last')

# Two default routes of one metric through two links: Linux takes the one of
# the higher router preference, whichever came first (RFC 4191's pref,
# from router advertisements or `ip route ... pref`).
PREF = recording('pref.rec', [
    'link-up ifindex=2 name=eth0 admin=up carrier=up',
    'link-up ifindex=3 name=wlan0 admin=up carrier=up',
    route('route-add', '::/0', metric=1024, proto=9, hops=[('fe80::1', 2, 1)]) + ' pref=low',
    route('route-add', '::/0', metric=1024, proto=9, hops=[('fe80::2', 3, 1)]) + ' pref=high'
    + ' evflags=dup-append'])
status, out, err = clitest.run(['--replay', PREF, 'show', '-6'])
t.equal(out.splitlines() if status == 0 else err,
        ['default via fe80::1 dev eth0 proto ra metric 1024 pref low',
         'default via fe80::2 dev wlan0 proto ra metric 1024 pref high'],
        'show -6: each route with its preference')
status, out, err = clitest.run(['--replay', PREF, 'get', '--json', '2001:db8::1'])
r = json.loads(out) if status == 0 else {}
t.check(r.get('gateway') == 'fe80::2' and r.get('pref') == 'high',
        'get: of one metric, the route of the higher preference', f'{status} {out!r} {err!r}')

# --- interfaces of scoped addresses, the recording's ---
# A link may be named with digits: the name comes first (as on a live host,
# if_nametoindex()), then the index, and one the recording does not have is
# a usage error, by name or by number.
SCOPED = recording('scoped.rec', [
    'link-up ifindex=2 name=eth0 admin=up carrier=up',
    'link-up ifindex=3 name=wlan0 admin=up carrier=up',
    'link-up ifindex=5 name=3 admin=up carrier=up',
    route('route-add', 'fe80::/64', metric=256, proto=2, hops=[('none', 2, 1)]),
    route('route-add', 'fe80::/64', metric=256, proto=2, hops=[('none', 3, 1)]),
    route('route-add', 'fe80::/64', metric=256, proto=2, hops=[('none', 5, 1)])],
    ['addr-add ifindex=2 addr=2001:db8:1::9/64 flags=tentative',
     'addr-add ifindex=2 addr=2001:db8:1::9/64 flags=0'])
for scope, dev in (('3', '3'), ('wlan0', 'wlan0'), ('2', 'eth0'), ('0005', '3')):
    status, out, err = clitest.run(['--replay', SCOPED, 'get', '--json', f'fe80::1%{scope}'])
    objs = clitest.json_lines(out) if status == 0 else [{}]
    t.check(status == 0 and objs[0].get('dev') == dev,
            f'get fe80::1%{scope} (replay): the route of {dev}', f'{status} {out} {err}')
for scope in ('77', '4', 'nosuch', '2147483648', 'wlan0,xyz'):
    status, out, err = clitest.run(['--replay', SCOPED, 'get', f'fe80::1%{scope}'])
    t.check(status == 2 and 'no such interface in the recording' in err and out == '',
            f'get fe80::1%{scope} (replay, not in the recording): usage error',
            f'{status} {out!r} {err!r}')
# The operand comes back whole, however long.
LONG = 'fe80::1%' + '0' * 60 + '2'
status, out, err = clitest.run(['--replay', SCOPED, 'get', '--json', LONG])
objs = clitest.json_lines(out) if status == 0 else [{}]
t.check(status == 0 and objs[0].get('addr') == LONG and objs[0].get('dev') == 'eth0',
        'get: a long scoped operand is echoed whole', f'{status} {out} {err}')
# watch keeps the interfaces of peer and local, in JSON and text.
status, out, err = clitest.run(['--replay', SCOPED, 'watch', '--json', 'fe80::1%eth0',
                                'fe80::1%wlan0,fe80::2%3'])
objs = [o for o in clitest.json_lines(out) if o.get('event') == 'watch'] if status == 0 else []
t.equal([(o.get('peer'), o.get('local')) for o in objs],
        [('fe80::1%eth0', None), ('fe80::1%wlan0', 'fe80::2%3')],
        'watch --json: peer and local with their interfaces')
status, out, err = clitest.run(['--replay', SCOPED, 'watch', 'fe80::1%wlan0,fe80::2%2'])
t.check(status == 0 and out.startswith('watch fe80::1%wlan0 from fe80::2%eth0 '),
        'watch (text): the local address with its interface', f'{status} {out} {err}')
# The end of DAD shows in text: an addr-add without "tentative".
status, out, err = clitest.run(['--replay', SCOPED, 'monitor'])
t.equal([line for line in out.splitlines() if line.startswith('addr-')],
        ['addr-add 2001:db8:1::9/64 dev eth0 tentative', 'addr-add 2001:db8:1::9/64 dev eth0'],
        'monitor (text): address flags')

# --- stopping while the reader of stdout does not read ---
# A write blocked on a full pipe used to be restarted after SIGTERM, so the
# tool could not be stopped; the stop is a clean one (exit 0). record's
# writes are the library's.
def feed_all(p, feed):
    try:
        p.stdin.write(feed.encode())
        p.stdin.flush()
    except BrokenPipeError:  # it stopped
        pass


def eth0_routes(n):
    """A recording of eth0 and n routes through it after the dump."""
    return ('routewatch-record 1\ndump-begin\n'
            'link-up ifindex=2 name=eth0 admin=up carrier=up\ndump-end\n'
            + ''.join(route('route-add', f'10.{i // 250}.{i % 250}.0/24',
                            hops=[('none', 2, 1)]) + '\n' for i in range(n)))


def wait_ended(p, late):
    """p's exit status, or late when it still runs 10 s on (then killed)."""
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return late


def close_pipes(p):
    for fd in (p.stdin, p.stdout, p.stderr):
        try:
            fd.close()
        except BrokenPipeError:
            pass


def in_dump(n):
    """A recording whose dump holds eth0 and n routes through it."""
    after = eth0_routes(n).split('dump-end\n', 1)
    return after[0] + after[1] + 'dump-end\n'


def blocked_on_pipe(p):
    """Whether p comes to wait on a pipe within 5 s."""
    for _ in range(100):
        time.sleep(0.05)
        try:
            with open(f'/proc/{p.pid}/wchan') as f:
                if 'pipe' in f.read():
                    return True
        except OSError:
            time.sleep(1)
            return True  # no /proc (FreeBSD): assume it got there
    return False


# The output (two lines a route for monitor, a notice for watch, the
# recording; the first snapshot of record, which it writes before it reads
# on) is more than a pipe holds, and nothing reads it.
for cmd, feed in ((['monitor'], eth0_routes(10000)), (['watch', '10.1.0.1'], eth0_routes(10000)),
                  (['record', '-'], eth0_routes(10000)), (['record', '-'], in_dump(10000))):
    p = subprocess.Popen([clitest.tool_path(), '--replay', '-'] + cmd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = threading.Thread(target=feed_all, args=(p, feed), daemon=True)
    writer.start()
    blocked = blocked_on_pipe(p)
    p.send_signal(signal.SIGTERM)
    status = wait_ended(p, 'still running 10 s after SIGTERM')
    t.check(blocked and status == 0,
            f'{cmd[0]}: SIGTERM while stdout is a full pipe: exit 0'
            + (' (the first snapshot)' if feed.endswith('dump-end\n') else ''),
            f'blocked {blocked}, status {status}')
    close_pipes(p)

# The routes that --show-on-exit prints after a first signal, as one JSON
# line longer than a pipe holds: a second signal still ends the tool.
p = subprocess.Popen([clitest.tool_path(), '--replay', '-', 'monitor', '--json', '--show-on-exit'],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
writer = threading.Thread(target=feed_all, args=(p, in_dump(10000)), daemon=True)
writer.start()
time.sleep(1)
p.send_signal(signal.SIGINT)
blocked = blocked_on_pipe(p)
p.send_signal(signal.SIGINT)
status = wait_ended(p, 'still running 10 s after the second SIGINT')
t.check(blocked and status == 0,
        'monitor --json --show-on-exit: a second SIGINT while the routes wait for a reader: exit 0',
        f'blocked {blocked}, status {status}')
close_pipes(p)

# --- a recording that cannot be written stops the tool at once ---
# record went on into a full disk until it was stopped, and said so only
# then. A file size limit stands in for the full disk.
def small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))


with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, 'rec')
    p = subprocess.Popen([clitest.tool_path(), '--replay', '-', 'record', out],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=small_files, restore_signals=False)
    # standard input stays open: only the failed write can end the tool
    writer = threading.Thread(target=feed_all, args=(p, eth0_routes(2000)), daemon=True)
    writer.start()
    status = wait_ended(p, 'still running 10 s after the file was full')
    err = p.stderr.read().decode()
    t.check(status == 1 and 'recording failed: File too large' in err,
            'record: a write that fails ends the tool at once, exit 1 with the cause',
            f'status {status}, stderr {err!r}')
    with open(out, 'rb') as f:
        kept = f.read()
    status, shown, err = clitest.run(['--replay', out, 'monitor'])
    t.check(kept.endswith(b'\n') and status == 0 and 'route-add 10.0.0.0/24 dev eth0' in shown,
            'record: what a full file kept ends with a whole line and replays',
            f'{len(kept)} bytes, ends {kept[-20:]!r}; monitor: {status} {err}')
    close_pipes(p)
    # The first snapshot itself does not fit: the file made for it goes.
    big = os.path.join(d, 'big')
    with open(big, 'w') as f:
        f.write(in_dump(2000))
    out = os.path.join(d, 'rec2')
    p = subprocess.run([clitest.tool_path(), '--replay', big, 'record', out],
                       capture_output=True, text=True, timeout=30, preexec_fn=small_files,
                       restore_signals=False)
    t.check(p.returncode == 1 and 'cannot start recording: File too large' in p.stderr
            and not os.path.exists(out),
            'record: a first snapshot that cannot be written: exit 1, the new file removed',
            f'{p.returncode} {p.stderr!r} {os.path.exists(out)}')

t.done()
