//! Every input a fuzz target ever crashed on, replayed through the target's own
//! checks (`tests/common/fuzz_checks.rs`, which the targets in `fuzz/` include): a
//! crash found once stays fixed. Inputs live in `tests/fixtures/fuzz/TARGET/`, one
//! file each, named for the bug; add the artifact of each new crash there.

use crate::common::fuzz_checks as checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let bytes = std::fs::read(e.path()).expect("fuzz input");
        eprintln!("{target}: {}", e.path().display());
        check(&bytes);
        n += 1;
    }
    n
}

#[test]
fn feed_crashes_stay_fixed() {
    // quick-xml panicked on an XML declaration naming koi8-r after the start.
    assert!(replay("feed", checks::feed) >= 1);
}

#[test]
fn extract_crashes_stay_fixed() {
    // The snippet sliced inside U+2000 before a word ending in a full stop.
    assert!(replay("extract", checks::extract) >= 1);
}

#[test]
fn rules_crashes_stay_fixed() {
    replay("rules", checks::rules);
}

#[test]
fn config_crashes_stay_fixed() {
    replay("config", checks::config);
}
