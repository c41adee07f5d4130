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
# With DESKTOP=1, the idle RSS also with desktop notifications on, in a private
# Xvfb + session bus + dunst session (apt-get install xvfb dbus dunst).
#
# With INSTRUCTIONS=1, also the instructions each command executes (all threads,
# user space, under valgrind's callgrind): the same on every run, however busy the
# machine, so the figure to compare two builds by.
#
# Needs: hyperfine (apt-get install hyperfine), python3, a release build; valgrind
# for INSTRUCTIONS=1.
# usage: scripts/bench-startup.sh      env: NEWSWATCH (default:
#        target/release/newswatch), RUNS (default 40), RSS_RUNS (default 5),
#        INSTRUCTIONS (default 0), DESKTOP (default 0)
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
pids=() # the desktop session's, with DESKTOP=1
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
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
# idle_rss ARRAY CONFIG [VAR=VALUE...]: the VmRSS (kB) of each run, into ARRAY.
idle_rss() {
    local -n into=$1
    local config=$2
    shift 2
    for _ in $(seq "$rss_runs"); do
        rm -rf "$work/state" "$work/alerts.jsonl"
        env "$@" "$bin" run --config "$config" 2>/dev/null &
        pid=$!
        for _ in $(seq 600); do
            [ -f "$work/alerts.jsonl" ] && [ "$(wc -l <"$work/alerts.jsonl")" -ge 3 ] && break
            sleep 0.1
        done
        sleep 2
        into+=("$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")")
        kill -TERM "$pid"
        wait "$pid" || true
        pid=""
    done
}
rss=()
idle_rss rss "$cfg"
desktop_rss=()
if [ "${DESKTOP:-0}" = 1 ]; then
    # shellcheck source=scripts/desktop-session.sh
    . "$repo/scripts/desktop-session.sh"
    desktop_session || { echo "DESKTOP=1 needs Xvfb, dbus-daemon and dunst" >&2; exit 2; }
    cp "$repo/config/newswatch.toml" "$work/desktop.toml" # desktop on, as shipped
    idle_rss desktop_rss "$work/desktop.toml" "${desktop[@]}"
fi

python3 - "$work/times.json" "${rss[*]}" "${desktop_rss[*]}" <<'EOF'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'CPU ms':>8}")
for r in results:
    print(f"{r['command']:<20} {statistics.median(r['times']) * 1000:>10.1f} "
          f"{min(r['times']) * 1000:>8.1f} {(r['user'] + r['system']) * 1000:>8.1f}")
for label, runs in (("", sys.argv[2]), (" (desktop on)", sys.argv[3])):
    rss = sorted(int(k) for k in runs.split())
    if rss:
        print(f"idle run RSS{label}: median {statistics.median(rss) / 1024:.1f} MB (of "
              f"{len(rss)} runs: " + ", ".join(f"{k / 1024:.1f}" for k in rss) + ")")
EOF
