#!/usr/bin/env bash
# ci/test.sh: the whole check of routewatch, as CI runs it: deps, a release and
# an ASan+UBSan build with their meson tests, valgrind over the unit suite,
# kyua, the examples against a real route deletion, the macOS parser check,
# clang-format, fuzz smoke runs (RTW_FUZZ_SECONDS each). The last line
# is always "tests: N passed, N failed"; the exit status is 0 only if N failed
# is 0.
#
# Environment:
#   CI=true          a skipped kernel test or macOS check counts as failed
#   RTW_BUILD=dir    build folder prefix (default build: build, build-asan,
#                    build-fuzz), so a developer can keep build/ untouched
#   RTW_FUZZ_SECONDS time per fuzzer (default 20)
#   RTW_STEP_TIMEOUT seconds before one step is killed (default 600)
#   RTW_NO_BENCH_PEERS=1  skip installing the benchmarks' peers (DPDK, nDPI)
#
# ci/freebsd.sh sources this file for its functions; run directly, main runs.
set -u

RTW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RTW_BUILD=${RTW_BUILD:-build}
RTW_FUZZ_SECONDS=${RTW_FUZZ_SECONDS:-20}
RTW_STEP_TIMEOUT=${RTW_STEP_TIMEOUT:-600}
# Options every build gets (ci/freebsd.sh adds -Drtw_backend=pfroute).
RTW_MESON_OPTS=${RTW_MESON_OPTS:-}
if [ "${CI:-}" = true ]; then strict=true; else strict=false; fi

n_passed=0
n_failed=0
n_skipped=0
failed_names=()
skipped_names=()
started=$SECONDS

note_pass() {
  n_passed=$((n_passed + 1))
}

note_fail() {
  n_failed=$((n_failed + 1))
  failed_names+=("$1")
}

# A skip is a failure in CI when it hides a test that CI exists to run.
note_skip() {
  local name=$1 must_run=$2
  if [ "$strict" = true ] && [ "$must_run" = yes ]; then
    note_fail "$name (skipped, CI=true)"
  else
    n_skipped=$((n_skipped + 1))
    skipped_names+=("$name")
  fi
}

# One extra check counts as one test: 0 passed, 77 skipped, else failed.
note_rc() {
  local name=$1 rc=$2 must_run=${3:-no}
  case $rc in
  0) note_pass ;;
  77) note_skip "$name" "$must_run" ;;
  *) note_fail "$name (exit $rc)" ;;
  esac
}

find_python() {
  local p
  # FreeBSD's python ports install python3.N and not always python3.
  for p in python3 /usr/local/bin/python3.[0-9] /usr/local/bin/python3.[0-9][0-9]; do
    if command -v "$p" >/dev/null 2>&1; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
PY=$(find_python || echo python3)

# Reads meson's testlog JSON (one object per line) or kyua's console output,
# prints one line per failed or skipped test, then "passed failed skipped"
# with must-run skips already moved to failed when strict.
count_py='
import json, re, sys
mode, path, strict, label = sys.argv[1], sys.argv[2], sys.argv[3] == "true", sys.argv[4]
intro = sys.argv[5] if len(sys.argv) > 5 else ""
must_run_suites = {"kernel", "bsd"}
passed = failed = skipped = 0
def report(kind, name):
    print("%s: %s %s" % (kind, label, name))
suites_by_name = {}
if intro:
    try:
        for t in json.load(open(intro)):
            suites_by_name.setdefault(t["name"], set()).update(
                s.rsplit(":", 1)[-1] for s in t.get("suite", []))
    except (OSError, ValueError):
        pass
def outcome(kind, name, must_run):
    global passed, failed, skipped
    if kind == "pass":
        passed += 1
    elif kind == "skip" and strict and must_run:
        failed += 1
        report("FAILED (skipped, CI=true)", name)
    elif kind == "skip":
        skipped += 1
        report("skipped", name)
    else:
        failed += 1
        report("FAILED (%s)" % kind, name)
try:
    lines = open(path, errors="replace").read().splitlines()
except OSError:
    lines = []
if mode == "meson":
    for line in lines:
        if not line.strip():
            continue
        try:
            t = json.loads(line)
        except ValueError:
            outcome("unreadable log line", line[:60], False)
            continue
        full = t.get("name", "?")
        # meson names a test "project:suite+suite / name" only when the
        # build has several suites; otherwise the introspection file tells.
        if " / " in full:
            head, short = full.rsplit(" / ", 1)
            suites = {s.rsplit(":", 1)[-1] for s in head.split("+")}
        else:
            short, suites = full, set()
        suites |= suites_by_name.get(short, set())
        res = t.get("result", "?")
        kind = {"OK": "pass", "EXPECTEDFAIL": "pass", "SKIP": "skip"}.get(res, res)
        outcome(kind, full, bool(suites & must_run_suites))
else:
    pat = re.compile(r"^(\S+):(\S+)\s+->\s+(passed|failed|skipped|broken|expected_failure)")
    for line in lines:
        m = pat.match(line)
        if not m:
            continue
        prog, case, res = m.groups()
        kind = {"passed": "pass", "expected_failure": "pass", "skipped": "skip"}.get(res, res)
        # kernel/ and bsd/ hold the real-kernel tests; elsewhere they say
        # "kernel" in their name (cli/cli_kernel.py).
        must_run = (prog.split("/")[0] in must_run_suites or "/kernel/" in prog
                    or "kernel" in prog.rsplit("/", 1)[-1])
        outcome(kind, prog + ":" + case, must_run)
print(passed, failed, skipped)
'

# Adds the counts that count_py prints to the totals (the failures also to
# tally_failed); returns 1 when the log held no test at all.
tally_failed=0
tally() {
  local out last p f s line
  out=$("$PY" -c "$count_py" "$@") || {
    # Counted here once; the caller must not count it again.
    note_fail "$4 (could not read $2 with $PY)"
    tally_failed=1
    return 0
  }
  last=$(printf '%s\n' "$out" | tail -n 1)
  read -r p f s <<<"$last"
  printf '%s\n' "$out" | sed '$d' | while IFS= read -r line; do
    echo "  $line"
  done
  tally_failed=$f
  n_passed=$((n_passed + p))
  n_skipped=$((n_skipped + s))
  n_failed=$((n_failed + f))
  [ "$f" -gt 0 ] && failed_names+=("$4: $f test(s)")
  [ "$s" -gt 0 ] && skipped_names+=("$4: $s test(s)")
  echo "  $4: $p passed, $f failed, $s skipped"
  [ $((p + f + s)) -gt 0 ]
}

run_step() {
  local name=$1 t0=$SECONDS
  shift
  echo
  echo "==> $name"
  "$@"
  echo "<== $name: $((SECONDS - t0))s"
}

bounded() {
  timeout -k 10 "$RTW_STEP_TIMEOUT" "$@"
}

# Configures dir with the given options whether or not it exists yet.
setup_dir() {
  local dir=$1
  shift
  # shellcheck disable=SC2086
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" $RTW_MESON_OPTS "$@"
  else
    meson setup "$dir" $RTW_MESON_OPTS "$@"
  fi
}

# 0 when the last build_dir succeeded; release_built for the steps that reuse
# the release build.
built=1
release_built=1

# Build output goes to a file: the CI log shows it only when the build fails.
build_dir() {
  local label=$1 dir=$2 log rc
  shift 2
  mkdir -p "$dir"
  log=$dir/ci-build.log
  { setup_dir "$dir" "$@" && ninja -C "$dir"; } >"$log" 2>&1
  rc=$?
  built=$rc
  if [ $rc -ne 0 ]; then
    echo "  build failed; the last 80 lines of $log:"
    tail -n 80 "$log" | sed 's/^/  | /'
  else
    echo "  built $dir"
  fi
  note_rc "build $label" $rc
}

# Runs meson test in dir and counts every test of its log.
meson_tests() {
  local label=$1 dir=$2 logbase=$3 rc log f
  shift 3
  rm -f "$dir/meson-logs/$logbase".json "$dir/meson-logs/$logbase"-*.json
  bounded meson test -C "$dir" --print-errorlogs --logbase "$logbase" "$@"
  rc=$?
  # With --wrap, meson appends the wrapper's name to the log's name.
  log=$dir/meson-logs/$logbase.json
  for f in "$dir/meson-logs/$logbase"-*.json; do
    [ -f "$f" ] && log=$f
  done
  if ! tally meson "$log" "$strict" "$label" \
    "$dir/meson-info/intro-tests.json"; then
    # No test ran: the harness itself failed (or nothing was selected).
    note_rc "$label: meson test ran no test" $((rc == 0 ? 1 : rc))
  elif [ $rc -ne 0 ] && [ "$tally_failed" -eq 0 ]; then
    # meson's exit status is its count of failures; non-zero with none in
    # the log means the harness itself failed (or timeout killed it).
    note_rc "$label: meson test" $rc
  fi
}

# The bench suite runs in the release build, and its smoke run checks that our
# lookups agree with DPDK's and nDPI's: without those peers it checks less, so
# CI installs them (about 100 MiB) unless told not to.
step_deps() {
  if [ "${RTW_NO_BENCH_PEERS:-}" = 1 ]; then
    "$RTW_ROOT/ci/deps.sh"
  else
    "$RTW_ROOT/ci/deps.sh" --bench
  fi
  note_rc "deps" $?
}

# The tests of a folder whose build failed are not run: the build failure is
# already counted, and meson would only fail again on the same error.
not_built() {
  echo "  not run: the $1 build failed"
}

step_release() {
  build_dir release "$RTW_BUILD" --buildtype=release
  release_built=$built
  [ $built -eq 0 ] || {
    not_built release
    return
  }
  meson_tests release "$RTW_BUILD" ci-release
}

step_asan() {
  local dir=$RTW_BUILD-asan
  build_dir asan "$dir" -Db_sanitize=address,undefined -Db_lundef=false
  [ $built -eq 0 ] || {
    not_built asan
    return
  }
  # The sanitizers stop a test at the first report, so it fails rather than
  # printing a warning nobody reads. Benchmarks mean nothing under ASan.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    meson_tests asan "$dir" ci-asan --no-suite bench --timeout-multiplier 3
}

step_valgrind() {
  local wrap="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect"
  wrap="$wrap --error-exitcode=1"
  [ $release_built -eq 0 ] || {
    not_built release
    return
  }
  # Under valgrind (20 to 30 times slower) the randomized tests do a tenth of
  # their work: the same code paths, checked for memory errors, at a cost CI
  # can pay. The release and ASan runs did the full amount.
  RTW_TEST_SCALE=${RTW_TEST_SCALE:-0.1} \
    meson_tests valgrind "$RTW_BUILD" ci-valgrind --suite unit --wrap="$wrap" \
    --timeout-multiplier 10
}

step_kyua() {
  local dir=$RTW_BUILD/tests rc
  [ $release_built -eq 0 ] || {
    not_built release
    return
  }
  if [ ! -f "$dir/Kyuafile" ]; then
    echo "  no $dir/Kyuafile (meson copies it there)"
    note_fail "kyua (no Kyuafile in $dir)"
    return
  fi
  if ! command -v kyua >/dev/null 2>&1; then
    note_fail "kyua (not installed)"
    return
  fi
  rm -f "$dir/ci-kyua.db"
  # kyua runs outside meson: give its tests the variables meson's test() sets.
  # It runs one program at a time, and the release run already did the full
  # randomized work, so here the Kyuafiles are what is tested: a quarter.
  (cd "$dir" && RTW_SOURCE_ROOT=$RTW_ROOT RTW_SHARED_DATA=$RTW_ROOT/../shared/data \
    RTW_TEST_SCALE=${RTW_TEST_SCALE:-0.25} \
    bounded kyua test --results-file=ci-kyua.db) 2>&1 | tee "$dir/ci-kyua.log"
  rc=${PIPESTATUS[0]}
  if ! tally kyua "$dir/ci-kyua.log" "$strict" kyua; then
    note_rc "kyua ran no test" $((rc == 0 ? 1 : rc))
  fi
}

step_macos() {
  local script=$RTW_ROOT/ci/macos-check.sh rc
  if [ ! -f "$script" ]; then
    echo "  ci/macos-check.sh is not there yet: nothing to run"
    return
  fi
  bounded bash "$script"
  rc=$?
  case $rc in
  0) echo "  macOS check passed" ;;
  77) echo "  the macOS check skipped itself (exit 77)" ;;
  *) echo "  macOS check failed (exit $rc)" ;;
  esac
  note_rc "macOS check" $rc yes
}

# The code block of README.md must be the marked part of examples/poll.c,
# which the build compiles: then the README cannot show code that does not
# build.
readme_matches_example() {
  "$PY" - "$RTW_ROOT/README.md" "$RTW_ROOT/examples/poll.c" <<'PYEOF'
import re, sys
readme, example = (open(f).read() for f in sys.argv[1:3])
m = re.search(r"/\* --- the README example starts here --- \*/\n(.*?)"
              r"/\* --- the README example ends here --- \*/", example, re.S)
if not m:
    sys.exit("examples/poll.c has no README example markers")
if m.group(1).strip() not in readme:
    sys.exit("README.md does not show examples/poll.c's marked block verbatim")
PYEOF
}

# Inside a private network and mount namespace: a TCP server in a second
# namespace behind a veth pair, an example connected to it through a route,
# then the route deleted. The example must exit 3 ("the route went").
# shellcheck disable=SC2016 # expanded by the inner bash, not here
example_netns_sh='
set -eu
ex=$1
mount --make-rprivate /
mkdir -p /run/netns
mount -t tmpfs rtw-ci /run/netns
ip link set lo up
ip netns add peer
ip link add name v0 type veth peer name v1
ip link set v1 netns peer
ip addr add 10.77.0.1/24 dev v0
ip link set v0 up
ip -n peer link set lo up
ip -n peer addr add 10.77.0.2/24 dev v1
ip -n peer link set v1 up
ip -n peer addr add 10.88.0.1/32 dev lo
ip route add 10.88.0.0/24 via 10.77.0.2
ip netns exec peer python3 -c "
import socket, time
s = socket.socket()
s.bind((\"10.88.0.1\", 7777))
s.listen(1)
c, _ = s.accept()
c.sendall(b\"hello\\n\")
time.sleep(15)
" &
for i in 1 2 3 4 5 6 7 8 9 10; do
  ip netns exec peer ss -Hltn | grep -q 10.88.0.1:7777 && break
  sleep 0.2
done
timeout 10 "$ex" 10.88.0.1 7777 &
pid=$!
# Delete the route only once the connection stands; a watch added after the
# deletion must still report it (exit 3), so no wait for that is needed.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  ip netns exec peer ss -Htn state established | grep -q 10.88.0.1:7777 && break
  sleep 0.25
done
sleep 0.5
ip route del 10.88.0.0/24 via 10.77.0.2
rc=0
wait $pid || rc=$?
kill %1 2>/dev/null || true
exit $rc
'

# Every relative link of the top-level docs names a file of the tree.
doc_links_resolve() {
  "$PY" - "$RTW_ROOT" README.md CONTRIBUTING.md tests/README.md <<'PYEOF'
import os, re, sys
root, bad = sys.argv[1], []
for doc in sys.argv[2:]:
    text = open(os.path.join(root, doc)).read()
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path = os.path.normpath(os.path.join(root, os.path.dirname(doc), target))
        if not os.path.exists(path):
            bad.append("%s -> %s" % (doc, target))
if bad:
    sys.exit("broken links: " + ", ".join(bad))
PYEOF
}

step_examples() {
  local ex rc name
  readme_matches_example 2>&1
  note_rc "README example is examples/poll.c" $?
  doc_links_resolve 2>&1
  note_rc "README, CONTRIBUTING, tests/README links resolve" $?
  [ "$(uname -s)" = Linux ] || return
  [ $release_built -eq 0 ] || {
    not_built release
    return
  }
  for name in poll epoll; do
    ex=$RTW_BUILD/examples/example-$name
    if [ ! -x "$ex" ]; then
      echo "  $ex was not built (no core/ctx.c yet?)"
      note_fail "example-$name (not built)"
      continue
    fi
    if [ "$(id -u)" -ne 0 ] || ! unshare -n -m true 2>/dev/null; then
      echo "  example-$name: needs root and unshare -n -m: skipped"
      note_skip "example-$name route removal" yes
      continue
    fi
    bounded unshare -n -m bash -c "$example_netns_sh" example "$ex" 2>&1 | sed 's/^/  | /'
    rc=${PIPESTATUS[0]}
    echo "  example-$name: exit $rc (3 expected: the route went)"
    if [ "$rc" -eq 3 ]; then note_pass; else note_fail "example-$name route removal (exit $rc)"; fi
  done
}

# Every tracked (and, outside CI, new) C file; build folders are ignored.
c_files() {
  if git -C "$RTW_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$RTW_ROOT" ls-files --cached --others --exclude-standard -- '*.c' '*.h'
  else
    (cd "$RTW_ROOT" && find . -name 'build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print |
      sed 's|^\./||')
  fi
}

step_format() {
  local files=() f bad=()
  while IFS= read -r f; do
    [ -f "$RTW_ROOT/$f" ] && files+=("$f")
  done < <(c_files)
  if ! command -v clang-format >/dev/null 2>&1; then
    note_fail "clang-format (not installed)"
    return
  fi
  for f in "${files[@]}"; do
    (cd "$RTW_ROOT" && clang-format --dry-run -Werror "$f" >/dev/null 2>&1) || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "  not formatted (run clang-format -i): ${bad[*]}"
    note_fail "clang-format (${#bad[@]} of ${#files[@]} files)"
  else
    echo "  ${#files[@]} C files formatted"
    note_pass
  fi
}

# Whether meson lists a test in that suite.
has_suite() {
  "$PY" -c '
import json, sys
tests = json.load(open(sys.argv[1]))
sys.exit(0 if any(s.rsplit(":", 1)[-1] == sys.argv[2]
                  for t in tests for s in t.get("suite", [])) else 1)
' "$1/meson-info/intro-tests.json" "$2" 2>/dev/null
}

# Fuzzers that meson does not list as tests still get a bounded run each.
fuzz_binaries() {
  "$PY" -c '
import json, sys
for t in json.load(open(sys.argv[1])):
    if t["type"] == "executable" and t["name"].startswith("fuzz"):
        print(t["filename"][0])
' "$1/meson-info/intro-targets.json" 2>/dev/null
}

step_fuzz() {
  local dir=$RTW_BUILD-fuzz bin rc any=0
  if [ ! -f "$RTW_ROOT/tests/fuzz/meson.build" ]; then
    echo "  tests/fuzz/meson.build is not there yet: nothing to run"
    return
  fi
  if ! command -v clang >/dev/null 2>&1; then
    note_fail "fuzz (clang not installed)"
    return
  fi
  CC=clang build_dir fuzz "$dir" -Dfuzz=enabled
  [ $built -eq 0 ] || {
    not_built fuzz
    return
  }
  if has_suite "$dir" fuzz; then
    meson_tests fuzz "$dir" ci-fuzz --suite fuzz
    return
  fi
  while IFS= read -r bin; do
    any=1
    mkdir -p "$dir/ci-corpus"
    bounded "$bin" -max_total_time="$RTW_FUZZ_SECONDS" -print_final_stats=1 \
      "$dir/ci-corpus" >"$dir/ci-fuzz-$(basename "$bin").log" 2>&1
    rc=$?
    echo "  $(basename "$bin"): exit $rc ($(tail -n 1 "$dir/ci-fuzz-$(basename "$bin").log"))"
    note_rc "fuzz $(basename "$bin")" $rc
  done < <(fuzz_binaries "$dir")
  [ $any -eq 1 ] || note_fail "fuzz (no fuzz suite and no fuzz* executables)"
}

summary() {
  local name
  echo
  echo "== summary ($((SECONDS - started))s in all, CI=${CI:-unset})"
  for name in "${skipped_names[@]+"${skipped_names[@]}"}"; do
    echo "  skipped: $name"
  done
  for name in "${failed_names[@]+"${failed_names[@]}"}"; do
    echo "  failed: $name"
  done
  echo "tests: $n_passed passed, $n_failed failed"
}

interrupted() {
  note_fail "interrupted"
  summary
  exit 130
}

main() {
  cd "$RTW_ROOT" || exit 1
  trap interrupted INT TERM
  run_step deps step_deps
  run_step "release build and tests ($RTW_BUILD)" step_release
  run_step "ASan+UBSan build and tests ($RTW_BUILD-asan)" step_asan
  run_step "valgrind over the unit suite" step_valgrind
  run_step "kyua ($RTW_BUILD/tests/Kyuafile)" step_kyua
  run_step "docs and examples (README block, links; route removal in a private netns)" step_examples
  run_step "macOS check" step_macos
  run_step clang-format step_format
  run_step "fuzz smoke runs ($RTW_BUILD-fuzz)" step_fuzz
  summary
  [ $n_failed -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
