#!/usr/bin/env bash
# Start-up and idle memory benchmark (not a test; run by hand).
#
# Whole-process runs of the commands a user or a unit starts often, on a copy of the
# shipped demo config (one file feed, the shipped watchlists), timed by hyperfine:
#   check            validate config, watchlists and knowledge base
#   once             one cycle with nothing new (the demo feed was polled before)
#   extract (short)  the Extraction of a one-line document
#   extract (article) the Extraction of the reference article (2.6 KB)
#   items            the items of the demo feed file
# then the resident memory (VmRSS) of an idle `run`: started on the same config
# (desktop off), read once its first poll has written the demo's three alerts and
# the daemon has settled. Prints the median of each, and for the commands their
# fastest run and their mean CPU time (user + system), which a machine busy with
# other work inflates far less than wall time.
#
# First it says how many of the functions in packaging/hot-functions.txt the binary
# has (build.rs lays them out together; a list recorded before a Rust or dependency
# upgrade misses renamed ones, and the idle RSS grows back: re-run
# scripts/hot-functions.sh).
#
# With INSTRUCTIONS=1, also the instructions each command executes (all threads,
# user space, under valgrind's callgrind): the same on every run, however busy the
# machine, so the figure to compare two builds by.
#
# Needs: hyperfine (apt-get install hyperfine), python3, a release build; valgrind
# for INSTRUCTIONS=1.
# usage: scripts/bench-startup.sh      env: NEWSWATCH (default:
#        target/release/newswatch), RUNS (default 40), RSS_RUNS (default 5),
#        INSTRUCTIONS (default 0)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${NEWSWATCH:-$repo/target/release/newswatch}
runs=${RUNS:-40}
rss_runs=${RSS_RUNS:-5}
for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no $bin: run cargo build --release" >&2; exit 2; }

if command -v nm >/dev/null; then
    python3 - "$bin" "$repo/packaging/hot-functions.txt" <<'EOF'
import subprocess, sys
have = set(subprocess.run(["nm", "--defined-only", sys.argv[1]], capture_output=True,
                          text=True).stdout.split())
hot = open(sys.argv[2]).read().split()
found = sum(n in have for n in hot)
print(f"hot functions: {found} of {len(hot)} in the binary ({100 * found / len(hot):.0f}%)")
EOF
fi

work=$(mktemp -d /tmp/newswatch-startup.XXXXXX)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cp -r "$repo/config/watchlists" "$repo/config/demo" "$work/"
sed -e 's/^enabled = true /enabled = false/' "$repo/config/newswatch.toml" >"$work/newswatch.toml"
cfg=$work/newswatch.toml
echo "newswatch start-up benchmark" >"$work/short.txt"
article=$repo/tests/fixtures/tiktok-wechat-2020.txt
"$bin" once --config "$cfg" 2>/dev/null # the demo's alerts: later cycles find nothing new

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/times.json" \
    -n check "$bin check --config $cfg" \
    -n once "$bin once --config $cfg" \
    -n "extract (short)" "$bin extract $work/short.txt" \
    -n "extract (article)" "$bin extract $article" \
    -n items "$bin items $work/demo/demo-feed.xml" >/dev/null

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { echo "missing valgrind (apt-get install valgrind)" >&2; exit 2; }
    echo "instructions (callgrind, all threads):"
    while IFS='|' read -r name cmd; do
        # shellcheck disable=SC2086 # the command's words
        ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" $cmd 2>&1 >/dev/null |
            awk '/Collected/ { print $NF }')
        printf '  %-20s %12s\n' "$name" "$ir"
    done <<LIST
check|check --config $cfg
once|once --config $cfg
extract (short)|extract $work/short.txt
extract (article)|extract $article
items|items $work/demo/demo-feed.xml
LIST
fi

# Idle RSS: a fresh state each time, so the first poll extracts and alerts.
rss=()
for _ in $(seq "$rss_runs"); do
    rm -rf "$work/state" "$work/alerts.jsonl"
    "$bin" run --config "$cfg" 2>/dev/null &
    pid=$!
    for _ in $(seq 600); do
        [ -f "$work/alerts.jsonl" ] && [ "$(wc -l <"$work/alerts.jsonl")" -ge 3 ] && break
        sleep 0.1
    done
    sleep 2
    rss+=("$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")")
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
done

python3 - "$work/times.json" "${rss[@]}" <<'EOF'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'CPU ms':>8}")
for r in results:
    print(f"{r['command']:<20} {statistics.median(r['times']) * 1000:>10.1f} "
          f"{min(r['times']) * 1000:>8.1f} {(r['user'] + r['system']) * 1000:>8.1f}")
rss = sorted(int(k) for k in sys.argv[2:])
print(f"idle run RSS: median {statistics.median(rss) / 1024:.1f} MB (of {len(rss)} runs: "
      + ", ".join(f"{k / 1024:.1f}" for k in rss) + ")")
EOF
