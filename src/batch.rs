//! Group commit: polls that finish at about the same time share one SQLite
//! transaction. A poll queues its record and takes the store lock; whoever holds the
//! lock writes everything queued, so the others find their record already committed
//! when their turn comes. Each poll is still whole in one transaction (its items,
//! alerts and feed state together), and a caller returns only once its record is
//! committed. If a shared write fails, each record is retried alone, so one bad
//! record never fails the others.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::sink::deliver::{SharedStore, lock};
use crate::store::{FeedFacts, PollRecord, StoreError};

/// Where this poll's outcome lands once some poll has written it.
type Slot = Arc<Mutex<Option<Result<(), String>>>>;

/// One poll waiting to be committed: an owned form of [`PollRecord`] and
/// [`FeedFacts`].
#[derive(Debug)]
pub struct Queued {
    /// The record's owned parts.
    pub owned: OwnedPoll,
    done: Slot,
}

/// The owned parts of a successful poll's record.
#[derive(Debug)]
pub struct OwnedPoll {
    /// Feed name.
    pub feed: String,
    /// Configured URL or path.
    pub url: String,
    /// New validators (`None` after a 304: keep the old ones).
    pub validators: Option<crate::source::fetch::Validators>,
    /// `200` or `304`.
    pub status: &'static str,
    /// Items not seen before.
    pub items: Vec<crate::model::Item>,
    /// Their alerts, and whether each wants a desktop notification.
    pub raised: Vec<crate::engine::Raised>,
    /// When the feed is due next.
    pub next_poll: chrono::DateTime<chrono::Utc>,
    /// Where permanent redirects moved the feed.
    pub effective_url: Option<String>,
    /// The wait the document asks for.
    pub publisher_ttl: Option<std::time::Duration>,
}

impl OwnedPoll {
    fn record(&self) -> PollRecord<'_> {
        PollRecord {
            feed: &self.feed,
            url: &self.url,
            validators: self.validators.as_ref(),
            status: self.status,
            new_items: &self.items,
            alerts: self.raised.iter().map(|(a, n)| (a, *n)).collect(),
            next_poll: self.next_poll,
        }
    }

    fn facts(&self) -> FeedFacts<'_> {
        FeedFacts {
            effective_url: self.effective_url.as_deref(),
            publisher_ttl: self.publisher_ttl,
        }
    }
}

/// The queue of polls waiting for a write. One per store; share it by `Arc`.
#[derive(Debug, Default)]
pub struct CommitQueue {
    waiting: Mutex<Vec<Queued>>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a push, a take or a store: none leaves the data
    // half-changed, so a poisoned lock is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CommitQueue {
    /// Commits `poll`, together with whatever else is queued. Blocking: call it from
    /// the blocking pool. Returns once `poll` is committed (or has failed).
    pub fn commit(&self, store: &SharedStore, poll: OwnedPoll) -> Result<(), StoreError> {
        let done: Slot = Arc::new(Mutex::new(None));
        guard(&self.waiting).push(Queued {
            owned: poll,
            done: done.clone(),
        });
        let mut s = lock(store);
        // Drains happen only under the store lock, and a drainer fills every slot it
        // took before letting go: if ours is empty now, our record is still queued.
        if let Some(r) = guard(&done).take() {
            return r.map_err(StoreError::Batch);
        }
        let batch = std::mem::take(&mut *guard(&self.waiting));
        let records: Vec<(PollRecord<'_>, FeedFacts<'_>)> = batch
            .iter()
            .map(|q| (q.owned.record(), q.owned.facts()))
            .collect();
        let refs: Vec<(&PollRecord<'_>, &FeedFacts<'_>)> =
            records.iter().map(|(r, f)| (r, f)).collect();
        let results: Vec<Result<(), String>> = match s.commit_polls(&refs) {
            Ok(()) => vec![Ok(()); batch.len()],
            // One at a time, so only the record at fault fails.
            Err(_) => refs
                .iter()
                .map(|(r, f)| s.commit_poll_with(r, f).map_err(|e| e.to_string()))
                .collect(),
        };
        drop(refs);
        drop(records);
        for (q, r) in batch.iter().zip(results) {
            *guard(&q.done) = Some(r);
        }
        drop(s);
        guard(&done)
            .take()
            .unwrap_or_else(|| Err("the poll was not committed".into()))
            .map_err(StoreError::Batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Item;
    use crate::store::Store;

    fn poll(feed: &str, ids: &[&str]) -> OwnedPoll {
        OwnedPoll {
            feed: feed.into(),
            url: format!("http://x/{feed}"),
            validators: None,
            status: "200",
            items: ids
                .iter()
                .map(|id| Item {
                    id: id.to_string(),
                    title: "t".into(),
                    link: None,
                    published: None,
                    body: String::new(),
                })
                .collect(),
            raised: Vec::new(),
            next_poll: chrono::Utc::now(),
            effective_url: None,
            publisher_ttl: None,
        }
    }

    #[test]
    fn concurrent_polls_are_all_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(Mutex::new(Store::open(dir.path()).unwrap()));
        let queue = Arc::new(CommitQueue::default());
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (store, queue) = (store.clone(), queue.clone());
                std::thread::spawn(move || {
                    let name = format!("f{i}");
                    queue.commit(&store, poll(&name, &["a", "b"])).unwrap();
                    name
                })
            })
            .collect();
        for t in threads {
            let name = t.join().unwrap();
            let s = lock(&store);
            assert_eq!(
                s.unseen(&name, &["a", "b", "c"]).unwrap(),
                [false, false, true]
            );
            assert_eq!(s.feed_state(&name).unwrap().unwrap().items_seen, 2);
        }
        assert!(guard(&queue.waiting).is_empty());
    }
}
