//! Committing a successful poll. Under the store lock: story grouping and cooldown are
//! decided against the alerts already stored (so two polls cannot both start the same
//! story), then the poll's items, alerts and feed state are written in one
//! transaction with the items' text kept for backtesting, then old state is pruned.

use std::collections::HashMap;

use tracing::warn;

use super::engine::{Engine, Raised};
use crate::duration::ago;
use crate::model::{Item, Popup, Validators};
use crate::rules::group::{self, Policy, Prior};
use crate::store::{FeedFacts, PollRecord, SharedStore, Store, StoreError, lock};

/// The owned parts of a successful poll's record.
#[derive(Debug)]
pub struct OwnedPoll {
    /// Feed name.
    pub feed: String,
    /// Configured URL or path.
    pub url: String,
    /// New validators (`None` after a 304: keep the old ones).
    pub validators: Option<Validators>,
    /// `200` or `304`.
    pub status: &'static str,
    /// Items not seen before.
    pub items: Vec<Item>,
    /// Their alerts, and what the desktop does with each.
    pub raised: Vec<Raised>,
    /// When the feed is due next.
    pub next_poll: chrono::DateTime<chrono::Utc>,
    /// Where permanent redirects moved the feed.
    pub effective_url: Option<String>,
    /// The wait the document asks for.
    pub publisher_ttl: Option<std::time::Duration>,
}

/// Commits `poll` (see the module doc). Blocking: call it from the blocking pool.
pub fn commit(store: &SharedStore, engine: &Engine, poll: OwnedPoll) -> Result<(), StoreError> {
    let mut s = lock(store);
    let raised = group(engine, &mut s, poll.raised)?;
    let rec = PollRecord {
        feed: &poll.feed,
        url: &poll.url,
        validators: poll.validators.as_ref(),
        status: poll.status,
        new_items: &poll.items,
        alerts: raised.iter().map(|(a, n)| (a, *n)).collect(),
        next_poll: poll.next_poll,
    };
    let facts = FeedFacts {
        effective_url: poll.effective_url.as_deref(),
        publisher_ttl: poll.publisher_ttl,
    };
    if engine.item_retention.is_some() && !poll.items.is_empty() {
        if let Some(e) = s.commit_poll_keeping_texts(&rec, &facts)? {
            warn!(feed = %poll.feed, error = %e, "cannot keep item texts for backtesting");
        }
    } else {
        s.commit_poll_with(&rec, &facts)?;
    }
    // Forgets item texts and grouping state older than they are needed. Failures are
    // logged: the poll itself is already safe.
    if let Some((texts_before, alerts_before)) = engine.prune_due(chrono::Utc::now()) {
        if let Err(e) = s.prune_rule_state(texts_before, alerts_before) {
            warn!(error = %e, "cannot prune old item texts and grouping state");
        }
    }
    Ok(())
}

/// Groups new alerts with the earlier alerts of their rule (see
/// [`crate::rules::group`]): sets `group_id` on repeats of a story and decides which
/// alerts get a desktop notification (not repeats; not within a rule's cooldown,
/// which holds them for a summary when it ends).
/// Call with the store locked until the alerts are committed, so that two polls
/// cannot both start the same group.
fn group(
    engine: &Engine,
    store: &mut Store,
    raised: Vec<Raised>,
) -> Result<Vec<Raised>, StoreError> {
    // This poll's own alerts, per rule: later ones group with earlier ones too.
    let mut batch: HashMap<String, Vec<Prior>> = HashMap::new();
    let mut out = Vec::with_capacity(raised.len());
    for (mut alert, popup) in raised {
        let Some(rule) = engine.rules.get(&alert.rule) else {
            out.push((alert, popup));
            continue;
        };
        let policy = Policy {
            notify: popup.shows(),
            window: rule.group_window,
            cooldown: rule.cooldown,
        };
        let look_back = policy.window.max(policy.cooldown).unwrap_or_default();
        let (stored, index) = store.recent_alerts(&alert.rule, ago(alert.ts, look_back))?;
        let mine = batch.entry(alert.rule.clone()).or_default();
        let fp = group::fingerprint(&alert);
        let d = group::decide_indexed(policy, &fp, stored, index, mine, alert.ts);
        mine.push(Prior {
            alert_id: alert.alert_id.clone(),
            group_id: d.group_id.clone(),
            created: alert.ts,
            fingerprint: fp,
            notified: d.notify,
        });
        alert.group_id = d.group_id;
        let popup = match (d.notify, d.held_until) {
            (true, _) => Popup::Show,
            (false, Some(until)) => Popup::Held(until),
            (false, None) => Popup::Quiet,
        };
        out.push((alert, popup));
    }
    Ok(out)
}
