//! The outbox invariant at library level: alerts committed with their items are
//! delivered to the alert log exactly once, even when a previous run wrote a line and
//! died before marking it.

use std::sync::{Arc, Mutex};

use newswatch::sink::deliver::Deliverer;
use newswatch::sink::jsonl::AlertLog;
use newswatch::store::Store;

use crate::common::outbox::{commit, log_ids, no_desktop};

#[tokio::test]
async fn a_line_written_before_a_crash_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    let mut store = Store::open(dir.path()).unwrap();
    commit(&mut store, &["a", "b", "c"]);
    // The previous run wrote "a" and "b", synced, and was killed before marking them.
    let pending = store.pending_log(10).unwrap();
    std::fs::write(&log, format!("{}\n{}\n", pending[0].json, pending[1].json)).unwrap();

    let store = Arc::new(Mutex::new(store));
    let mut d = Deliverer::new(store.clone(), AlertLog::open(&log).unwrap(), &no_desktop()).await;
    let done = d.deliver().await.unwrap();
    assert_eq!(done.logged, 1);
    assert_eq!(log_ids(&log), ["a", "b", "c"]);
    assert!(store.lock().unwrap().pending_log(10).unwrap().is_empty());
    // And again: nothing more.
    assert_eq!(d.deliver().await.unwrap().logged, 0);
    assert_eq!(log_ids(&log), ["a", "b", "c"]);
}
