//! Committing a successful poll. Under the store lock: story grouping and cooldown are
//! decided against the alerts already stored (so two polls cannot both start the same
//! story), then the poll's items, alerts and feed state are written in one
//! transaction with the items' text kept for backtesting, then old state is pruned.

use tracing::warn;

use crate::engine::{Engine, Raised};
use crate::model::Item;
use crate::sink::deliver::{SharedStore, lock};
use crate::source::fetch::Validators;
use crate::store::{FeedFacts, PollRecord, StoreError};

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
    let raised = engine.group(&mut s, poll.raised)?;
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
    engine.after_commit(&mut s, chrono::Utc::now());
    Ok(())
}
