//! The schedule: which feed is polled when. It decides *what* and *when*; the worker
//! that polls ([`crate::poll`]) is separate, so the two can later live in different
//! processes (a work queue of poll jobs). Pure bookkeeping over instants: no sleeping,
//! no I/O, tested without a clock.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::config::Feed;

/// New feeds' first polls are spread over at most this long after start.
const START_SPREAD: Duration = Duration::from_secs(30);

/// Feeds and their next slots.
#[derive(Debug, Default)]
pub struct Schedule {
    /// Every scheduled feed, by name.
    feeds: HashMap<String, Feed>,
    /// Next slot of each feed that is not being polled right now.
    due: HashMap<String, Instant>,
    /// Feeds being polled; they get a slot when their poll ends.
    busy: HashSet<String>,
}

impl Schedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of feeds scheduled.
    pub fn len(&self) -> usize {
        self.feeds.len()
    }

    /// Whether no feed is scheduled.
    pub fn is_empty(&self) -> bool {
        self.feeds.is_empty()
    }

    /// Brings the schedule in line with `wanted`: new feeds get a first slot (their
    /// stored next poll, else a stable staggered offset), removed ones are dropped,
    /// kept ones keep their slot (and pick up changed settings).
    pub fn update(
        &mut self,
        wanted: &[Feed],
        stored: &HashMap<String, DateTime<Utc>>,
        now: Instant,
    ) {
        let names: HashSet<&str> = wanted.iter().map(|f| f.name.as_str()).collect();
        self.feeds.retain(|n, _| names.contains(n.as_str()));
        self.due.retain(|n, _| names.contains(n.as_str()));
        for f in wanted {
            if !self.due.contains_key(&f.name) && !self.busy.contains(&f.name) {
                self.due.insert(
                    f.name.clone(),
                    first_due(f, stored.get(&f.name).copied(), now),
                );
            }
            self.feeds.insert(f.name.clone(), f.clone());
        }
    }

    /// The earliest slot of a feed not being polled.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.values().min().copied()
    }

    /// The feeds due at `now`; they are marked busy until [`finished`](Self::finished).
    pub fn take_due(&mut self, now: Instant) -> Vec<Feed> {
        let ready: Vec<String> = self
            .due
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(n, _)| n.clone())
            .collect();
        let mut out = Vec::with_capacity(ready.len());
        for name in ready {
            self.due.remove(&name);
            if let Some(f) = self.feeds.get(&name) {
                self.busy.insert(name);
                out.push(f.clone());
            }
        }
        out
    }

    /// A poll of `name` ended; it is due again at `next` (`None`: one interval from
    /// now, used when the poll died without a report). Feeds removed meanwhile are
    /// forgotten.
    pub fn finished(&mut self, name: &str, next: Option<DateTime<Utc>>, now: Instant) {
        self.busy.remove(name);
        let Some(feed) = self.feeds.get(name) else {
            return;
        };
        let wait = match next {
            Some(t) => (t - Utc::now()).to_std().unwrap_or(Duration::ZERO),
            None => feed.interval,
        };
        self.due.insert(name.to_string(), now + wait);
    }
}

/// A stable offset in `0..spread` for feed `name` (from a SHA-256, so the same on every
/// run), so feeds do not all start at once.
pub fn stagger(name: &str, spread: Duration) -> Duration {
    let h = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    let ms = spread.as_millis().clamp(1, u64::MAX as u128) as u64;
    Duration::from_millis(u64::from_le_bytes(first) % ms)
}

/// When `feed` is first due: its stored next poll (never all at the same instant),
/// else a staggered slot within the first interval (at most [`START_SPREAD`]).
fn first_due(feed: &Feed, stored: Option<DateTime<Utc>>, now: Instant) -> Instant {
    let spread = stagger(&feed.name, feed.interval.min(START_SPREAD));
    match stored {
        Some(t) => {
            let wait = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            now + wait.max(spread.min(Duration::from_secs(2)))
        }
        None => now + spread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FeedSource, FirstPoll};

    fn feed(name: &str, secs: u64) -> Feed {
        Feed {
            name: name.into(),
            source: FeedSource::File(name.into()),
            interval: Duration::from_secs(secs),
            first_poll: FirstPoll::All,
        }
    }

    #[test]
    fn new_feeds_are_spread_and_polled_once_at_a_time() {
        let now = Instant::now();
        let mut s = Schedule::new();
        s.update(&[feed("a", 60), feed("b", 60)], &HashMap::new(), now);
        let first = s.next_due().unwrap();
        assert!(first >= now && first <= now + START_SPREAD);
        let all = s.take_due(now + START_SPREAD);
        assert_eq!(all.len(), 2);
        assert!(
            s.take_due(now + Duration::from_secs(3600)).is_empty(),
            "busy feeds are not due"
        );
        s.finished("a", Some(Utc::now() + chrono::Duration::seconds(60)), now);
        let next = s.next_due().unwrap();
        assert!(next > now + Duration::from_secs(55) && next <= now + Duration::from_secs(60));
        s.finished("b", None, now);
        assert_eq!(s.take_due(now + Duration::from_secs(61)).len(), 2);
    }

    #[test]
    fn reload_keeps_slots_adds_and_drops() {
        let now = Instant::now();
        let mut s = Schedule::new();
        let later: HashMap<String, DateTime<Utc>> =
            [("a".to_string(), Utc::now() + chrono::Duration::seconds(500))]
                .into_iter()
                .collect();
        s.update(&[feed("a", 600), feed("b", 600)], &later, now);
        let a_slot = s.due["a"];
        assert!(
            a_slot > now + Duration::from_secs(490),
            "stored next poll is kept across restarts"
        );
        let busy = s.take_due(now + START_SPREAD);
        assert_eq!(
            busy.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        s.update(&[feed("a", 600), feed("c", 600)], &HashMap::new(), now);
        assert_eq!(s.due["a"], a_slot);
        assert!(s.due.contains_key("c"));
        s.finished("b", None, now);
        assert!(
            !s.due.contains_key("b"),
            "a removed feed is forgotten when its poll ends"
        );
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn stagger_is_stable_and_bounded() {
        let d = Duration::from_secs(30);
        assert_eq!(stagger("bbc", d), stagger("bbc", d));
        assert!(stagger("bbc", d) < d);
        assert_eq!(stagger("x", Duration::ZERO), Duration::ZERO);
    }
}
