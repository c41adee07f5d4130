#!/usr/bin/env bash
# Fuzzing newswatch's untrusted inputs with cargo-fuzz (libFuzzer). Targets (fuzz/):
#   feed     feed bytes → items (parse_feed)
#   extract  text/HTML → extraction → rules → alerts (the shipped watchlists)
#   rules    watchlist text → compiled rules (rules::watchlist::compile_file)
#   config   config text → Config::parse
#
#   scripts/fuzz.sh seed                 build the seed corpora from the test fixtures
#   scripts/fuzz.sh ci [SECONDS]         each target for SECONDS (default 40); fails on a crash
#   scripts/fuzz.sh long [RUNS] [JOBS]   each target to RUNS executions (default 10000000),
#                                        JOBS targets at a time (default 1), under nice
#                                        (FUZZ_NICE, default 19)
#   scripts/fuzz.sh run TARGET [ARGS…]   one target, libFuzzer ARGS as given
#
# cargo-fuzz needs nightly-only compiler flags; only stable Rust is installed, so
# RUSTC_BOOTSTRAP=1 lets stable accept them (the known way; nothing else changes).
# Targets are built without a sanitizer (-s none): the code under test is safe Rust,
# a panic or abort is what is looked for, and it runs several times faster. Set
# FUZZ_SANITIZER=address for an ASan build. A crash leaves its input in
# fuzz/artifacts/TARGET/; every crash found becomes a regression test in tests/regressions/.
# Logs: fuzz/logs/TARGET.log (the last "#N DONE" line has executions and exec/s).
set -euo pipefail

cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
TARGETS=(rules feed extract config)
SAN="${FUZZ_SANITIZER:-none}"

need_cargo_fuzz() {
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
}

seed() {
    local c=fuzz/corpus
    mkdir -p "$c/feed" "$c/extract" "$c/rules" "$c/config"
    cp tests/fixtures/feeds/*.xml tests/fixtures/feeds/*.json config/demo/demo-feed.xml "$c/feed/"
    # extract: the first byte picks the mode (0 text, 1 HTML, 2 a feed item through
    # the engine; +4: with a reference date).
    { printf '\x04'; cat tests/fixtures/tiktok-wechat-2020.txt; } > "$c/extract/reference-text"
    { printf '\x01'; sed -n 's/.*<description><!\[CDATA\[\(.*\)\]\]>.*/\1/p' config/demo/demo-feed.xml; } > "$c/extract/demo-html"
    { printf '\x06Negotiations: TikTok under pressure\n'; head -c 3000 tests/fixtures/tiktok-wechat-2020.txt; } > "$c/extract/item"
    printf '\x00The Irish Data Protection Commission fined TikTok \xe2\x82\xac345 million (2%%) on 15 September 2023.' > "$c/extract/quantities"
    cp config/watchlists/*.toml "$c/rules/"
    cp config/newswatch.toml "$c/config/example.toml"
    cp packaging/newswatch.toml "$c/config/packaged.toml"
    printf 'watchlists = []\n[[feed]]\nname = "a"\nurl = "https://example.org/rss"\ninterval = "10m"\nfirst_poll = "2h"\n[http]\nmax_body = "1MiB"\n[metrics]\nenabled = true\nlisten = "127.0.0.1:9464"\n' > "$c/config/small.toml"
}

max_len() {
    case "$1" in
        feed|extract) echo 4096 ;;
        *) echo 2048 ;;
    esac
}

# The long run builds without trace-compares instrumentation, into its own folder:
# comparison tracing (which helps a short run find magic values) costs about half
# the time in chardetng and encoding_rs and halves executions per second.
TARGET_DIR=fuzz/target
build() {
    need_cargo_fuzz
    if [ "${1:-}" = fast ]; then
        TARGET_DIR=fuzz/target-fast
        cargo fuzz build -s "$SAN" --no-trace-compares --target-dir "$TARGET_DIR"
    else
        cargo fuzz build -s "$SAN"
    fi
}

# The built binary is run directly: `cargo fuzz run` keeps cargo's lock on the target
# folder while the fuzzer runs, so targets could not run side by side.
run_one() { # TARGET LOGFILE libFuzzer-args…
    local t=$1 log=$2
    shift 2
    mkdir -p "fuzz/artifacts/$t"
    "$TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release/$t" "fuzz/corpus/$t" \
        -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" "$@" >"$log" 2>&1
}

summary() { # LOGFILE
    grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$1" | tr '\n' ' '
    echo
}

case "${1:-}" in
    seed) seed ;;
    ci)
        secs="${2:-40}"
        seed
        build
        mkdir -p fuzz/logs
        failed=0
        for t in "${TARGETS[@]}"; do
            if run_one "$t" "fuzz/logs/$t.log" -max_total_time="$secs"; then
                echo "fuzz $t: no crash in ${secs}s: $(summary "fuzz/logs/$t.log")"
            else
                echo "fuzz $t: CRASH (input in fuzz/artifacts/$t/); log tail:" >&2
                tail -n 40 "fuzz/logs/$t.log" >&2
                failed=1
            fi
        done
        exit "$failed"
        ;;
    long)
        runs="${2:-10000000}"
        jobs="${3:-1}"
        seed
        build fast
        mkdir -p fuzz/logs
        pids=()
        for t in "${TARGETS[@]}"; do
            nice -n "${FUZZ_NICE:-19}" bash -c "$(declare -f run_one max_len); SAN=$SAN; TARGET_DIR=$TARGET_DIR; run_one $t fuzz/logs/$t.log -runs=$runs" &
            pids+=($!)
            while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        done
        failed=0
        for p in "${pids[@]}"; do wait "$p" || failed=1; done
        for t in "${TARGETS[@]}"; do echo "fuzz $t: $(summary "fuzz/logs/$t.log")"; done
        exit "$failed"
        ;;
    run)
        shift
        t=$1
        shift
        seed
        cargo fuzz run -s "$SAN" "$t" "fuzz/corpus/$t" -- -max_len="$(max_len "$t")" "$@"
        ;;
    *)
        sed -n "2,22p" "$0"
        exit 2
        ;;
esac
