//! The outbox invariant at library level: alerts committed with their items are
//! delivered to the alert log exactly once, even when a previous run wrote a line and
//! died before marking it.

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
            title: "t".into(),
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

fn log_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["alert_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

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
