//! Fuzz target `config`: the checks are in `tests/common/fuzz_checks.rs` (shared with
//! `tests/fuzz_regressions.rs`, which replays every crash input found).
#![no_main]

#[path = "../../tests/common/fuzz_checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::config(data));
