#!/usr/bin/env python3
# tests/cli/cli_usage.py: the routewatch tool's command line: bad input exits 2
# with one clear line on stderr (before anything is opened), --help and
# --version exit 0. Needs no kernel access and no recording.
import subprocess

import clitest

t = clitest.Tap()

BAD = [
    (['get', 'x'], "not an IP address: 'x'"),
    (['get', '10.0.0.1', '300.1.1.1'], "not an IP address: '300.1.1.1'"),
    (['get', '10.0.0.0/8'], "not an IP address: '10.0.0.0/8'"),
    (['get'], "'get' needs at least one address"),
    (['frobnicate'], "unknown command 'frobnicate'"),
    ([], 'missing command'),
    (['show', '--bogus'], "unknown option '--bogus'"),
    (['show', '--table'], "option '--table' needs a value"),
    (['show', '--table', 'x'], "not a table"),
    (['show', '--table=4294967296'], "not a table"),
    # ip(8) reads 010 as octal 8: refused rather than read as 10
    (['show', '--table', '010'], "not a table"),
    (['show', '--table', '0x'], "not a table"),
    (['show', '--table', '0x1g'], "not a table"),
    # strtoul() takes an optional 0x itself: not twice
    (['show', '--table', '0x0x10'], "not a table"),
    (['show', '--table', '0x100000000'], "not a table"),
    (['show', '-4', '-6'], 'at most one of -4 and -6'),
    (['show', '--json=1'], "option '--json' takes no value"),
    (['show', 'extra'], "'show' takes no arguments: 'extra'"),
    (['get', '--table', 'all', '1.1.1.1'], "option '--table' does not apply to 'get'"),
    (['monitor', '--path-change'], "option '--path-change' does not apply to 'monitor'"),
    (['monitor', '--rcvbuf', '-5'], "not a buffer size in bytes: '-5'"),
    (['monitor', '--rcvbuf', '12abc'], "not a buffer size in bytes: '12abc'"),
    (['monitor', '--rcvbuf', '0'], "not a buffer size in bytes: '0'"),
    (['watch'], "'watch' needs at least one PEER[,LOCAL]"),
    (['watch', '10.0.0.1,::1'], "different families: '10.0.0.1,::1'"),
    (['watch', '10.0.0.1,nope'], "not an IP address: 'nope'"),
    (['watch', ',10.0.0.1'], "not an IP address: ''"),
    (['get', '10.0.0.1%lo'], "not an IPv6 address with a scope: '10.0.0.1%lo'"),
    (['get', 'fe80::1%no-such-if0'], "no such interface: 'fe80::1%no-such-if0'"),
    (['watch', 'fe80::1%'], "no such interface: 'fe80::1%'"),
    # an index is an interface too, and one that does not exist an error
    # (as a name is); none is above INT_MAX
    (['get', 'fe80::1%2147483647'], "no such interface: 'fe80::1%2147483647'"),
    (['get', 'fe80::1%4294967295'], "no such interface: 'fe80::1%4294967295'"),
    (['watch', 'fe80::1%99999999999'], "no such interface: 'fe80::1%99999999999'"),
    (['record'], "'record' needs exactly one FILE"),
    (['record', 'a', 'b'], "'record' needs exactly one FILE"),
    (['--replay'], "option '--replay' needs a value"),
    (['--replay', 'a', '--replay', 'b', 'show'], 'give --replay once'),
    (['--replay', 'a', 'monitor', '--rcvbuf', '4096'], '--rcvbuf does not apply to --replay'),
    # Input is checked before the recording is opened: still a usage error.
    (['--replay', '/nonexistent/recording', 'get', 'x'], "not an IP address: 'x'"),
]

for args, message in BAD:
    status, out, err = clitest.run(args)
    name = ' '.join(args) or '(no arguments)'
    t.equal(status, 2, f'{name}: exit status 2')
    lines = err.splitlines()
    t.check(len(lines) == 1 and lines[0].startswith('routewatch: ') and message in lines[0],
            f'{name}: one line naming the problem', f'stderr: {err!r}\nwanted: {message!r}')
    t.equal(out, '', f'{name}: nothing on stdout')

for args in (['--help'], ['-h'], ['show', '--help'], ['get', 'x', '--help']):
    status, out, err = clitest.run(args)
    name = ' '.join(args)
    t.equal(status, 0, f'{name}: exit status 0')
    t.check(out.startswith('Usage: routewatch') and 'monitor' in out and '--replay' in out,
            f'{name}: usage on stdout', out)
    t.equal(err, '', f'{name}: nothing on stderr')

status, out, err = clitest.run(['--version'])
t.equal(status, 0, '--version: exit status 0')
t.check(out.startswith('routewatch 0.') and 'backend' in out and len(out.splitlines()) == 1,
        '--version: one line with the version and backend', out)

# --help and --version whose output cannot be written fail, as the
# commands do.
for args in (['--help'], ['--version']):
    with open('/dev/full', 'w') as full:
        p = subprocess.run([clitest.tool_path()] + args, stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=30)
    t.check(p.returncode == 1 and 'cannot write the output' in p.stderr,
            f'{args[0]} to /dev/full: exit 1 with the cause',
            f'exit {p.returncode}, stderr {p.stderr!r}')

# A runtime error is exit 1 with the cause.
status, out, err = clitest.run(['record', '/nonexistent/dir/trace'])
t.equal(status, 1, 'record to an unwritable path: exit status 1')
t.check("cannot write '/nonexistent/dir/trace'" in err and 'No such file' in err,
        'record to an unwritable path: says why', err)

t.done()
