#!/usr/bin/env bash
# Scale benchmark, side by side with newsboat (not a test; run by hand).
#
# For each N (default: 1000 10000) it generates N feeds (20 items, ~60-word
# descriptions, ~17 KB each; scripts/bench-gen.py), serves them from nginx on
# 127.0.0.1 (static files: nginx sends ETag and Last-Modified), and measures single
# cycles with /usr/bin/time -v (wall, CPU = user + system, peak RSS):
#   fresh      empty state, every feed new
#   changed    every feed rewritten with 5 new items
#   unchanged  nothing changed: every answer a 304
# newswatch runs `newswatch once` (extraction and rules included: first_poll = "all",
# the shipped watchlists, desktop notifications off). newsboat runs
# `newsboat -x reload` with `reload-threads 32` over the same feeds; its third run is
# its all-304 cycle (newsboat 2.21 stores no validators on the first). nginx's access
# log counts each cycle's 200s and 304s, to show every cycle is what it claims.
#
# With --syndicated FRACTION it measures, instead, one story syndicated by many feeds:
#   setup       empty state, every feed new, first_poll = "none" (remembers the items,
#               alerts nothing: the state a running daemon would have)
#   syndicated  FRACTION of the feeds each carry the same five new stories (each
#               names TikTok, WeChat and a regulator: three alerts a copy), the
#               others answer 304; later copies of a story join its group
# and prints the CPU per alert of the syndicated cycle. newsboat is not run.
#
# With FULL_TEXT=1 it measures full_text instead (newswatch only): N feeds of short
# summaries (one sentence each) linking to ~600-word article pages served by the same
# nginx; one fresh cycle with full_text = "off" and one with "always", each from empty
# state, and the CPU per new item of each (the pages' fetching, reading, extraction
# and rules are the difference).
#
# Needs: nginx, GNU time, python3, newsboat unless --syndicated, FULL_TEXT=1 or
# NEWSBOAT=0 (apt-get install nginx-light newsboat time) and a release build (cargo
# build --release). Everything stays on loopback.
#
# usage: scripts/bench-scale.sh [--syndicated FRACTION] [N...]
#        env: BENCH_DIR (default: a temp dir), NEWSWATCH (default:
#        target/release/newswatch), PORT (default 18080), NEWSBOAT=0: measure
#        newswatch alone, REUSE_NEWSBOAT=1: keep newsboat's measurements already in
#        BENCH_DIR (they do not depend on newswatch; newsboat takes most of an hour
#        at N = 10,000), FULL_TEXT=1: the full_text measurement above
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${NEWSWATCH:-$repo/target/release/newswatch}
port=${PORT:-18080}
syndicated=""
if [ "${1:-}" = --syndicated ]; then
    syndicated=${2:?--syndicated needs a FRACTION of the feeds, e.g. 0.25}
    shift 2
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
with_newsboat=${NEWSBOAT:-1}
[ -z "$syndicated" ] || with_newsboat=0

tools=(nginx python3 /usr/bin/time)
[ "${FULL_TEXT:-0}" = 0 ] || with_newsboat=0
[ "$with_newsboat" = 0 ] || tools+=(newsboat)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light newsboat time)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no $bin: run cargo build --release" >&2; exit 2; }

work=${BENCH_DIR:-$(mktemp -d /tmp/newswatch-bench.XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"   # nginx's workers read the feeds as an unprivileged user
nginx_pid=""
cleanup() {
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid"
    fi
}
trap cleanup EXIT

# start_nginx FOLDER
. "$repo/scripts/bench-nginx.sh"

# Truncates nginx's access log (nginx keeps appending at the new end).
reset_log() { : >"$work/nginx/access.log"; }
# "200 x 304 y" of the requests since the last reset.
statuses() {
    awk '{ c[$9]++ } END { printf "200:%d 304:%d other:%d", c["200"], c["304"], NR - c["200"] - c["304"] }' \
        "$work/nginx/access.log"
}

# times_of FILE: "wall cpu rss_kb" from a time -v report.
times_of() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /User time/ { u = $2 } /System time/ { s = $2 }
        /Maximum resident set size/ { r = $2 }
        END { printf "%.2f %.2f %d\n", w, u + s, r }' "$1"
}

# measure NAME OUTFILE CMD... : runs CMD under time -v; prints "wall cpu rss_kb".
measure() {
    local out=$2
    shift 2
    /usr/bin/time -v -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr" || true
    times_of "$out.time"
}

# full_text N: the full_text measurement described above.
full_text() {
    local n=$1 dir="$work/ft$1"
    rm -rf "$dir"
    mkdir -p "$dir/feeds"
    chmod 755 "$dir" "$dir/feeds"
    echo "== N=$n: generating feeds and pages" >&2
    python3 "$repo/scripts/bench-gen.py" "$dir/feeds" "$n" 0 "http://127.0.0.1:$port"
    chmod -R a+rX "$dir/feeds"
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" && sleep 0.5
    start_nginx "$dir/feeds"
    for mode in off always; do
        mkdir -p "$dir/$mode/watchlists"
        cp "$repo"/config/watchlists/*.toml "$dir/$mode/watchlists/"
        {
            printf 'state_dir = "state"\nalert_log = "alerts.jsonl"\nwatchlists = ["watchlists/*.toml"]\n'
            printf 'first_poll = "all"\nfull_text = "%s"\n[desktop]\nenabled = false\n' "$mode"
            for i in $(seq 0 $((n - 1))); do
                printf '[[feed]]\nname = "f%05d"\nurl = "http://127.0.0.1:%d/f%05d.xml"\n' "$i" "$port" "$i"
            done
        } >"$dir/$mode/newswatch.toml"
        echo "== N=$n full_text = $mode" >&2
        reset_log
        read -r w c r < <(measure nw "$dir/$mode/fresh" "$bin" once --config "$dir/$mode/newswatch.toml")
        local alerts items
        alerts=$(wc -l <"$dir/$mode/alerts.jsonl" 2>/dev/null || echo 0)
        items=$((n * 20))
        echo "$n $mode $w $c $r $items $alerts $(statuses)" >>"$work/full_text.txt"
    done
}

if [ "${FULL_TEXT:-0}" = 1 ]; then
    : >"$work/full_text.txt"
    for n in "${sizes[@]}"; do full_text "$n"; done
    echo
    printf '%-6s %-9s %8s %8s %8s %8s %8s %14s  %s\n' N full_text "wall s" "CPU s" "RSS MB" items alerts "CPU ms/item" "HTTP"
    while read -r n mode w c r items alerts http; do
        awk -v n="$n" -v m="$mode" -v w="$w" -v c="$c" -v r="$r" -v i="$items" -v a="$alerts" -v h="$http" 'BEGIN {
            printf "%-6s %-9s %8.2f %8.2f %8.1f %8d %8d %14.3f  %s\n", n, m, w, c, r / 1024, i, a, 1000 * c / i, h }'
    done <"$work/full_text.txt"
    echo "(raw files in $work)"
    exit 0
fi

results="$work/results.txt"
: >"$results"
for n in "${sizes[@]}"; do
    dir="$work/n$n"
    rm -rf "$dir/feeds" "$dir/nw"
    [ "${REUSE_NEWSBOAT:-0}" = 1 ] || rm -rf "$dir/nb"
    mkdir -p "$dir/feeds" "$dir/nw" "$dir/nb"
    chmod 755 "$dir" "$dir/feeds"
    echo "== N=$n: generating feeds" >&2
    python3 "$repo/scripts/bench-gen.py" "$dir/feeds" "$n" 0
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" && sleep 0.5
    start_nginx "$dir/feeds"

    # newswatch: the shipped watchlists, every item extracted, no desktop.
    mkdir -p "$dir/nw/watchlists"
    cp "$repo"/config/watchlists/*.toml "$dir/nw/watchlists/"
    first_poll=all
    [ -z "$syndicated" ] || first_poll=none
    {
        printf 'state_dir = "state"\nalert_log = "alerts.jsonl"\nwatchlists = ["watchlists/*.toml"]\n'
        printf 'first_poll = "%s"\n[desktop]\nenabled = false\n' "$first_poll"
        for i in $(seq 0 $((n - 1))); do
            printf '[[feed]]\nname = "f%05d"\nurl = "http://127.0.0.1:%d/f%05d.xml"\n' "$i" "$port" "$i"
        done
    } >"$dir/nw/newswatch.toml"
    # newsboat: the same URLs, 32 reload threads.
    for i in $(seq 0 $((n - 1))); do printf 'http://127.0.0.1:%d/f%05d.xml\n' "$port" "$i"; done >"$dir/nb/urls"
    printf 'reload-threads 32\n' >"$dir/nb/config"
    reuse_nb=0
    if [ "${REUSE_NEWSBOAT:-0}" = 1 ] && [ -s "$dir/nb/unchanged.time" ]; then reuse_nb=1; fi

    cycles=(fresh changed unchanged)
    [ -z "$syndicated" ] || cycles=(setup syndicated)
    for cycle in "${cycles[@]}"; do
        if [ "$cycle" = changed ]; then
            echo "== N=$n: every feed gets 5 new items" >&2
            python3 "$repo/scripts/bench-gen.py" "$dir/feeds" "$n" 1
        elif [ "$cycle" = syndicated ]; then
            echo "== N=$n: $syndicated of the feeds carry the same 5 new stories" >&2
            python3 "$repo/scripts/bench-gen.py" "$dir/feeds" "$n" syndicated "$syndicated"
        fi
        echo "== N=$n $cycle: newswatch" >&2
        reset_log
        read -r w c r < <(measure nw "$dir/nw/$cycle" "$bin" once --config "$dir/nw/newswatch.toml")
        nw_http=$(statuses)
        nw_summary=$(grep -o 'newswatch: .*' "$dir/nw/$cycle.stderr" | tail -1 || true)
        if [ "$with_newsboat" = 0 ]; then
            bw=0 bc=0 br=0
            echo "not run" >"$dir/nb/$cycle.http"
        elif [ "$reuse_nb" = 1 ]; then
            echo "== N=$n $cycle: newsboat (kept from an earlier run)" >&2
            read -r bw bc br < <(times_of "$dir/nb/$cycle.time")
        else
            echo "== N=$n $cycle: newsboat" >&2
            reset_log
            read -r bw bc br < <(measure nb "$dir/nb/$cycle" env HOME="$dir/nb" \
                newsboat -x reload -u "$dir/nb/urls" -c "$dir/nb/cache.db" -C "$dir/nb/config")
            statuses >"$dir/nb/$cycle.http"
        fi
        nb_http=$(cat "$dir/nb/$cycle.http")
        echo "$n $cycle $w $c $r $bw $bc $br | nw $nw_http | nb $nb_http | $nw_summary" >>"$results"
    done
done

echo
printf '%-6s %-9s | %-28s | %-28s | %-6s %-6s %-6s\n' "" "" "newswatch once" "newsboat -x reload" "CPU" "wall" "RSS"
printf '%-6s %-9s | %8s %8s %10s | %8s %8s %10s | %-6s %-6s %-6s\n' \
    N cycle "wall s" "CPU s" "RSS MB" "wall s" "CPU s" "RSS MB" ratio ratio ratio
while read -r n cycle w c r bw bc br _; do
    awk -v n="$n" -v cy="$cycle" -v w="$w" -v c="$c" -v r="$r" -v bw="$bw" -v bc="$bc" -v br="$br" 'BEGIN {
        d = (c > 0) ? c : 0.01; dw = (w > 0) ? w : 0.01
        if (bw == 0 && bc == 0) {
            printf "%-6s %-9s | %8.2f %8.2f %10.1f | %8s %8s %10s | %6s %6s %6s\n",
                n, cy, w, c, r / 1024, "-", "-", "-", "-", "-", "-"
        } else {
            printf "%-6s %-9s | %8.2f %8.2f %10.1f | %8.2f %8.2f %10.1f | %5.1fx %5.1fx %5.1fx\n",
                n, cy, w, c, r / 1024, bw, bc, br / 1024, bc / d, bw / dw, br / r
        } }'
done <"$results"
if [ -n "$syndicated" ]; then
    echo
    echo "CPU per alert of the syndicated cycles (alerts from newswatch's summary):"
    awk '$2 == "syndicated" {
        a = 0; for (i = 1; i <= NF; i++) if ($(i + 1) == "alert(s);") a = $i
        if (a > 0) printf "N=%s: %d alerts, %.2f s CPU, %.3f ms CPU an alert, %.0f feeds/s\n", $1, a, $4, 1000 * $4 / a, $1 / $3
    }' "$results"
fi
echo
echo "HTTP answers per cycle (nginx access log) and newswatch's own summary:"
sed 's/^[^|]*| //' "$results" | paste -d' ' <(cut -d' ' -f1,2 "$results") -
echo "(raw files in $work)"
