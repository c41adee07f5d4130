//! What a killed daemon can leave behind, one case at a time, and the next run's
//! recovery from it, through the library's real store, log and deliverer (the crash
//! harness, `tests/crash_harness.rs`, hits the same states at random; these pin each
//! one down so a regression names itself).
//!
//! A SIGKILL during `write(2)` of a large batch leaves the log ending inside a line:
//! the kernel stops copying at the fatal signal and keeps what it copied. Those alerts
//! were never marked delivered, so the next run writes them again; the fragment must
//! not glue itself to the next line (which would make both unreadable).

use std::sync::{Arc, Mutex};

use chrono::Utc;
use newswatch::config::Desktop;
use newswatch::model::{ALERT_SCHEMA, Alert, AlertFeed, AlertItem, Extraction, Item, Severity};
use newswatch::sink::deliver::Deliverer;
use newswatch::sink::jsonl::AlertLog;
use newswatch::store::{PollRecord, Store};

fn alert(id: &str) -> Alert {
    Alert {
        schema: ALERT_SCHEMA,
        alert_id: id.into(),
        ts: Utc::now(),
        rule: "r".into(),
        severity: Severity::High,
        feed: AlertFeed {
            name: "f".into(),
            url: "u".into(),
        },
        item: AlertItem {
            id: id.into(),
            title: "a title long enough to be cut in the middle".into(),
            link: None,
            published: None,
        },
        matched: vec![],
        snippet: String::new(),
        extraction: Extraction::default(),
        group_id: None,
    }
}

fn commit(store: &mut Store, ids: &[&str]) {
    let items: Vec<Item> = ids
        .iter()
        .map(|i| Item {
            id: i.to_string(),
            title: "t".into(),
            link: None,
            published: None,
            body: String::new(),
        })
        .collect();
    let alerts: Vec<Alert> = ids.iter().map(|i| alert(i)).collect();
    store
        .commit_poll(&PollRecord {
            feed: "f",
            url: "u",
            validators: None,
            status: "200",
            new_items: &items,
            alerts: alerts.iter().map(|a| (a, false)).collect(),
            next_poll: Utc::now(),
        })
        .unwrap();
}

fn no_desktop() -> Desktop {
    Desktop {
        enabled: false,
        timeout: std::time::Duration::from_secs(1),
        open_command: "true".into(),
    }
}

/// Every line's `alert_id`; panics on a line that is not a JSON alert.
fn log_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("unreadable alert line ({e}): {l:?}"));
            v["alert_id"].as_str().unwrap().to_string()
        })
        .collect()
}

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
