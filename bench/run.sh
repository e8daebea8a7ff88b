#!/usr/bin/env bash
# bench/run.sh: every benchmark in one command. Installs the peers when
# missing (ci/deps.sh --bench, gnuplot for the plot), builds build-bench
# (release), runs lookup_bench, model_bench and, as root, ingest_bench and
# latency_bench in private network namespaces; prints a table and writes
# docs/PERFORMANCE.md and docs/performance.png.
#
#   bench/run.sh           the full run (a few minutes; the 1M-route ingest too)
#   bench/run.sh --quick   short timings, 100k-route ingest only (checks the script)
#   bench/run.sh --no-doc  print the table, leave docs/ alone
#
# Environment: RTW_BENCH_BUILD (default build-bench), RTW_SHARED_DATA (the
# folder holding bgp-prefixes.txt.gz; default ../shared/data).
set -eu

quick=0
doc=1
args=""
for arg in "$@"; do
	case "$arg" in
	--quick) quick=1 ;;
	--no-doc) doc=0 ;;
	-h | --help)
		sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "run.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
	args="$args $arg"
done

cd "$(dirname "$0")/.."
src=$(pwd)
build=${RTW_BENCH_BUILD:-build-bench}
export RTW_SHARED_DATA=${RTW_SHARED_DATA:-$src/../shared/data}
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The peers, and gnuplot; nothing happens when they are there.
ci/deps.sh --bench || echo "run.sh: some peers could not be installed: they are left out" >&2
if ! command -v gnuplot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox \
		>/dev/null || echo "run.sh: gnuplot could not be installed: no plot" >&2
fi

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
else
	# timings from a debug build would mislead
	meson configure "$build" -Dbuildtype=release >/dev/null
fi
targets="bench/lookup_bench bench/model_bench"
if [ "$(uname -s)" = Linux ]; then
	targets="$targets bench/ingest_bench bench/latency_bench"
fi
# shellcheck disable=SC2086 # a list of targets
ninja -C "$build" $targets >/dev/null

out=$build/bench-results
rm -rf "$out"
mkdir -p "$out"

echo "run.sh: lookups, memory and updates (each peer in its own process)..." >&2
if [ $quick = 1 ]; then
	"$build/bench/lookup_bench" --quick --data "$RTW_SHARED_DATA" >"$out/lookup.txt"
	rounds=1
else
	"$build/bench/lookup_bench" --rounds 3 --data "$RTW_SHARED_DATA" >"$out/lookup.txt"
	rounds=3
fi

echo "run.sh: invalidation (model_bench)..." >&2
if [ $quick = 1 ]; then
	"$build/bench/model_bench" --events 200 >"$out/model.txt" || true
else
	"$build/bench/model_bench" >"$out/model.txt" || true
fi
# the IPv4 routes over nexthop objects, as FRR installs a table: lookups
# then take their hops from the object
"$build/bench/model_bench" --nexthop-objects 16 --watches 0 \
	--events "$([ $quick = 1 ] && echo 200 || echo 2000)" >"$out/model-nh.txt" || true

# The kernel benchmarks make their own namespaces and skip (77) without root.
: >"$out/ingest.txt"
: >"$out/latency.txt"
if [ -x "$build/bench/ingest_bench" ]; then
	sizes="100000 1000000"
	[ $quick = 1 ] && sizes="100000"
	for n in $sizes; do
		echo "run.sh: ingest of $n routes (loading the namespace takes a while)..." >&2
		r=0
		"$build/bench/ingest_bench" --routes "$n" --rounds "$([ $quick = 1 ] && echo 3 || echo 7)" \
			>>"$out/ingest.txt" || r=$?
		if [ $r = 77 ]; then
			echo "run.sh: ingest skipped (needs root)" >&2
			break
		fi
	done
	echo "run.sh: event latency..." >&2
	"$build/bench/latency_bench" --events "$([ $quick = 1 ] && echo 300 || echo 3000)" \
		--watches 100000 >"$out/latency.txt" || echo "run.sh: latency skipped or failed" >&2
fi

end=$(date +%s)
{
	echo "commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
	if [ -n "$(git status --porcelain --untracked-files=no -- core backends include 2>/dev/null)" ]; then
		echo "dirty=1"
	fi
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "args=${args# }"
	echo "rounds=$rounds"
	echo "duration=$((end - start)) s"
	echo "load_before=$load_before"
	echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "build=meson buildtype=$(meson introspect --buildoptions "$build" 2>/dev/null |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"][0])' 2>/dev/null || echo '?'), $(cc --version | head -1)"
} >"$out/meta.txt"
lscpu >"$out/machine.txt" 2>/dev/null || true

if [ $doc = 1 ]; then
	python3 bench/report.py "$out" docs/PERFORMANCE.md
	if command -v gnuplot >/dev/null 2>&1; then
		gnuplot -e "dir='$out'; out='docs/performance.png'" bench/plot.gp
	fi
	echo "run.sh: wrote docs/PERFORMANCE.md and docs/performance.png" >&2
else
	python3 bench/report.py "$out" "$out/PERFORMANCE.md"
fi
