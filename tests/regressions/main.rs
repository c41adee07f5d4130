//! Long regression runs: the crash harness (the daemon SIGKILLed at random moments
//! while feeds publish) and the replay of every input the fuzzers ever crashed on.
//!
//! A new fuzz crash goes into `tests/fixtures/fuzz/TARGET/` (replayed by
//! `fuzz_regressions`); a new crash scenario into `crash_harness` or a module of its
//! own here. Run: `cargo test --release --test regressions crash_harness -- --nocapture`.

// `pub`: the shared helpers are this binary's API; each binary uses part of them.
#[path = "../common/mod.rs"]
pub mod common;

mod crash_channels;
mod crash_harness;
mod fuzz_regressions;
