//! What the store's unit tests share: an alert as a poll raises it, and one poll
//! committing alerts with their items.

use chrono::Utc;

use super::{PollRecord, Store};
use crate::model::{Alert, AlertFeed, AlertItem, Extraction, Item, Popup, Severity};

/// An alert `id` (its item's id and title too) of `rule` at `severity`, from feed `f`.
pub(super) fn alert(id: &str, rule: &str, severity: Severity) -> Alert {
    Alert {
        schema: 1,
        alert_id: id.into(),
        ts: Utc::now(),
        rule: rule.into(),
        severity,
        feed: AlertFeed {
            name: "f".into(),
            url: "u".into(),
        },
        item: AlertItem {
            id: id.into(),
            title: id.into(),
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

/// Commits one poll of feed `f` that found the alerts' items and raised `alerts`,
/// each with its popup decision.
pub(super) fn commit(s: &mut Store, alerts: &[(Alert, Popup)]) {
    let items: Vec<Item> = alerts
        .iter()
        .map(|(a, _)| Item {
            id: a.item.id.clone(),
            title: a.item.title.clone(),
            link: None,
            published: None,
            body: String::new(),
        })
        .collect();
    s.commit_poll(&PollRecord {
        feed: "f",
        url: "u",
        validators: None,
        status: "200",
        new_items: &items,
        alerts: alerts.iter().map(|(a, p)| (a, *p)).collect(),
        next_poll: Utc::now(),
    })
    .unwrap();
}

/// [`commit`] with every popup quiet.
pub(super) fn commit_quiet(s: &mut Store, alerts: &[Alert]) {
    let with: Vec<(Alert, Popup)> = alerts.iter().map(|a| (a.clone(), Popup::Quiet)).collect();
    commit(s, &with);
}
