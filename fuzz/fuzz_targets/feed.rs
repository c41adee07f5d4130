//! Fuzz target `feed`: the checks are in `tests/common/fuzz_checks.rs` (shared with
//! `tests/regressions/fuzz_regressions.rs`, which replays every crash input found).
#![no_main]

// `pub`: each target calls one of the shared checks, not all of them.
#[path = "../../tests/common/fuzz_checks.rs"]
pub mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::feed(data));
