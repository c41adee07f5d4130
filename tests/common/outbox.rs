//! The outbox at library level, for the delivery tests: alerts committed with their
//! items through the real store, and the alert log's ids read back.

use chrono::Utc;
use newswatch::config::Desktop;
use newswatch::model::{
    ALERT_SCHEMA, Alert, AlertFeed, AlertItem, Extraction, Item, Popup, Severity,
};
use newswatch::store::{PollRecord, Store};

/// An alert of rule `r` for item `id` (its title long enough to be cut mid-line).
pub fn alert(id: &str) -> Alert {
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
        text_source: None,
    }
}

/// Commits items `ids` of feed `f`, each with its alert, in one poll.
pub fn commit(store: &mut Store, ids: &[&str]) {
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
            alerts: alerts.iter().map(|a| (a, Popup::Quiet)).collect(),
            next_poll: Utc::now(),
        })
        .unwrap();
}

/// Desktop notifications off.
pub fn no_desktop() -> Desktop {
    Desktop {
        enabled: false,
        timeout: std::time::Duration::from_secs(1),
        open_command: "true".into(),
    }
}

/// Every line's `alert_id` (none when the log does not exist); panics on a line
/// that is not a JSON alert.
pub fn log_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("unreadable alert line ({e}): {l:?}"));
            v["alert_id"].as_str().unwrap().to_string()
        })
        .collect()
}
