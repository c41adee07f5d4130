#!/usr/bin/env bash
# Records packaging/hot-functions.txt: the functions of the release binary that a
# daemon and the everyday commands run, in the order they first run. build.rs hands
# the list to the linker, which places those functions together at the start of the
# code (see build.rs for why). Re-run it after upgrading Rust or dependencies (they
# rename generic functions; names the binary no longer has are skipped, so a stale
# list costs memory, never correctness): scripts/bench-startup.sh says how much of the
# list the binary still has.
#
# Each run is under valgrind's callgrind, which names every function executed:
#   run      the shipped demo config plus the same feed over HTTP from a loopback
#            server, a fresh state: start, both first polls, extraction, alerts, the
#            alert log, idle, SIGTERM
#   once     the same config, a fresh state
#   check, extract (the reference article), items (the demo feed file)
# With Xvfb, dbus-daemon and dunst installed (apt-get install xvfb dbus dunst), the
# daemon runs with desktop notifications on, in a private X display and session bus
# with dunst as the notification server; without them, desktop off. HTTPS is not
# exercised (no TLS server): its code keeps the linker's own order.
#
# Record from a plain `cargo build --release`: building examples or tests in the same
# command turns on their dev-dependencies' features in shared crates, which renames
# those crates' functions.
#
# Needs: valgrind, python3, a release build (cargo build --release).
# usage: scripts/hot-functions.sh      env: NEWSWATCH (default target/release/newswatch)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${NEWSWATCH:-$repo/target/release/newswatch}")
out=$repo/packaging/hot-functions.txt
for tool in valgrind python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install valgrind)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no $bin: run cargo build --release" >&2; exit 2; }

work=$(mktemp -d /tmp/newswatch-hot.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cp -r "$repo/config/watchlists" "$repo/config/demo" "$work/"
python3 -u -m http.server --bind 127.0.0.1 0 --directory "$work/demo" >"$work/http.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "the loopback HTTP server did not start" >&2; exit 1; }
# A private desktop session for the daemon's notifications, where one can be had.
# shellcheck source=scripts/desktop-session.sh
. "$repo/scripts/desktop-session.sh"
desktop_session || true
{
    if [ ${#desktop[@]} -gt 0 ]; then
        cat "$repo/config/newswatch.toml"
    else
        sed -e 's/^enabled = true /enabled = false/' "$repo/config/newswatch.toml"
    fi
    printf '\n[[feed]]\nname = "demo-http"\nurl = "http://127.0.0.1:%s/demo-feed.xml"\nfirst_poll = "all"\n' "$port"
} >"$work/newswatch.toml"
cfg=$work/newswatch.toml

grind() { # NAME ARGS...: one callgrind run
    local name=$1
    shift
    valgrind --tool=callgrind --demangle=no --compress-strings=no \
        --callgrind-out-file="$work/cg.$name" "$bin" "$@" >/dev/null 2>>"$work/$name.log"
}

# The daemon: until both feeds are polled and alerted, then a few idle seconds.
env "${desktop[@]}" valgrind --tool=callgrind --demangle=no --compress-strings=no \
    --callgrind-out-file="$work/cg.run" "$bin" run --config "$cfg" >/dev/null 2>"$work/run.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 1800); do
    if [ -f "$work/alerts.jsonl" ] && [ "$(wc -l <"$work/alerts.jsonl")" -ge 3 ] &&
        grep -q "GET /demo-feed.xml" "$work/http.log"; then
        break
    fi
    sleep 0.1
done
grep -q "GET /demo-feed.xml" "$work/http.log" || { echo "the daemon never polled the HTTP feed" >&2; exit 1; }
sleep 3
kill -TERM "$daemon"
wait "$daemon" || true

rm -rf "$work/state" "$work/alerts.jsonl"
grind once once --config "$cfg"
grind check check --config "$cfg"
grind extract extract "$repo/tests/fixtures/tiktok-wechat-2020.txt"
grind items items "$work/demo/demo-feed.xml"

python3 - "$bin" "$out" "$work"/cg.run "$work"/cg.once "$work"/cg.check "$work"/cg.extract "$work"/cg.items <<'EOF'
import re, sys
binary, out, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
names, seen = [], set()
def add(name):
    name = re.sub(r"'\d+$", "", name)  # callgrind's recursion marks
    if name not in seen and not name.startswith("0x") and name != "(below main)":
        seen.add(name)
        names.append(name)
for path in runs:
    ob = cob = None
    for line in open(path, errors="replace"):
        if line.startswith("ob="):
            ob = line[3:].strip()
        elif line.startswith("cob="):
            cob = line[4:].strip()
        elif line.startswith("fn="):
            if ob == binary:
                add(line[3:].strip())
            cob = None
        elif line.startswith("cfn="):
            if (cob or ob) == binary:
                add(line[4:].strip())
            cob = None
with open(out, "w") as f:
    f.write("\n".join(names) + "\n")
print(f"{len(names)} functions written to {out}")
EOF
