//! What a killed daemon can leave behind, one case at a time, and the next run's
//! recovery from it, through the library's real store, log and deliverer (the crash
//! harness, `tests/regressions/crash_harness.rs`, hits the same states at random; these pin each
//! one down so a regression names itself).
//!
//! A SIGKILL during `write(2)` of a large batch leaves the log ending inside a line:
//! the kernel stops copying at the fatal signal and keeps what it copied. Those alerts
//! were never marked delivered, so the next run writes them again; the fragment must
//! not glue itself to the next line (which would make both unreadable).

use std::sync::{Arc, Mutex};

use newswatch::sink::deliver::Deliverer;
use newswatch::sink::jsonl::AlertLog;
use newswatch::store::Store;

use crate::common::outbox::{commit, log_ids, no_desktop};

/// The previous run wrote `written` (complete lines) and then `fragment`, and was killed.
async fn recover_from(written: &[usize], fragment: impl Fn(&str) -> String) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    let mut store = Store::open(dir.path()).unwrap();
    commit(&mut store, &["a", "b", "c"]);
    let pending = store.pending_log(10).unwrap();
    let mut text = String::new();
    for &i in written {
        text.push_str(&pending[i].json);
        text.push('\n');
    }
    text.push_str(&fragment(&pending[written.len()].json));
    std::fs::write(&log, text).unwrap();

    let store = Arc::new(Mutex::new(store));
    let mut d = Deliverer::new(store.clone(), AlertLog::open(&log).unwrap(), &no_desktop()).await;
    d.deliver().await.unwrap();
    assert!(store.lock().unwrap().pending_log(10).unwrap().is_empty());
    log_ids(&log)
}

#[tokio::test]
async fn a_line_cut_short_by_a_kill_is_replaced_not_glued_to() {
    let ids = recover_from(&[0], |next| next[..next.len() / 2].to_string()).await;
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_line_cut_just_before_its_newline_is_not_doubled() {
    // The whole JSON object made it, its newline did not: the batch was never synced
    // nor marked, so the line is written again — and must not stay twice.
    let ids = recover_from(&[0], str::to_string).await;
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_log_that_is_only_a_fragment_is_recovered() {
    let ids = recover_from(&[], |next| next[..10].to_string()).await;
    assert_eq!(ids, ["a", "b", "c"]);
}
