//! The schedule: which feed is polled when. It decides *what* and *when*; the worker
//! that polls ([`crate::worker::poll`]) is separate, so the two can later live in different
//! processes (a work queue of poll jobs). Pure bookkeeping over instants: no sleeping,
//! no I/O, tested without a clock. Also the pure rules for the next wait: the
//! interval raised to what the publisher asks ([`next_wait`]) and the error backoff
//! ([`backoff`]), both within the `[polling]` bounds.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::config::{Feed, Polling};
use crate::source::hints::Hints;

/// New feeds' first polls are spread over at most this long after start.
const START_SPREAD: Duration = Duration::from_secs(30);
/// Feeds whose stored slot passed while the daemon was down are spread over at most
/// this long after a restart, so a restart never polls everything at once.
const RESTART_SPREAD: Duration = Duration::from_secs(300);

/// The wait after a successful poll: the feed's interval, raised to the longest wait
/// the publisher asks for (`ttl`, `max-age`, `Expires`, `Retry-After`; each capped at
/// `max_interval`, so a feed is never forgotten), and never below `min_interval`.
/// The feed's own interval is never shortened by the bounds' upper end.
pub fn next_wait(interval: Duration, hints: &Hints, bounds: &Polling) -> Duration {
    let asked = hints
        .longest()
        .map_or(Duration::ZERO, |a| a.min(bounds.max_interval));
    interval.max(asked).max(bounds.min_interval)
}

/// The wait after the `errors`-th consecutive failure: the interval doubled per
/// failure after the first, capped at `max_backoff` (or the interval, if longer), and
/// never shorter than a `Retry-After` (itself capped, so a feed is never given up).
pub fn backoff(
    interval: Duration,
    errors: u32,
    retry_after: Option<Duration>,
    bounds: &Polling,
) -> Duration {
    let base = interval.max(bounds.min_interval);
    let doubled = base.saturating_mul(1u32 << errors.saturating_sub(1).min(20));
    let wait = doubled.min(bounds.max_backoff.max(base));
    let cap = bounds.max_interval.max(bounds.max_backoff);
    retry_after.map_or(wait, |r| wait.max(r.min(cap)))
}

/// Feeds and their next slots.
#[derive(Debug, Default)]
pub struct Schedule {
    /// Every scheduled feed, by name.
    feeds: HashMap<String, Feed>,
    /// Next slot of each feed that is not being polled right now.
    due: Due,
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
        self.due.retain(|n| names.contains(n));
        for f in wanted {
            if !self.due.contains_key(&f.name) && !self.busy.contains(&f.name) {
                self.due
                    .insert(&f.name, first_due(f, stored.get(&f.name).copied(), now));
            }
            self.feeds.insert(f.name.clone(), f.clone());
        }
    }

    /// The earliest slot of a feed not being polled.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.first().map(|(t, _)| t)
    }

    /// The feed due first and when, and when the last of the waiting feeds is due: what
    /// the daemon says at start. `None` when nothing waits.
    pub fn due_span(&self) -> Option<(&str, Instant, Instant)> {
        let (at, first) = self.due.first()?;
        let last = self.due.last().map_or(at, |(t, _)| t);
        Some((first, at, last))
    }

    /// The feeds due at `now`; they are marked busy until [`finished`](Self::finished).
    pub fn take_due(&mut self, now: Instant) -> Vec<Feed> {
        let ready = self.due.take_until(now);
        let mut out = Vec::with_capacity(ready.len());
        for name in ready {
            if let Some(f) = self.feeds.get(&name) {
                self.busy.insert(name);
                out.push(f.clone());
            }
        }
        out
    }

    /// Makes `name` due by `at` at the latest (unless it is being polled).
    pub fn due_by(&mut self, name: &str, at: Instant) {
        if let Some(t) = self.due.get(name) {
            if at < t {
                self.due.insert(name, at);
            }
        }
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
        self.due.insert(name, now + wait);
    }

    /// Whether `name` is scheduled.
    pub fn contains(&self, name: &str) -> bool {
        self.feeds.contains_key(name)
    }
}

/// The feeds' next slots, by name and in time order, so that the next slot and the
/// feeds due are found without walking every feed (the daemon asks after every poll).
#[derive(Debug, Default)]
struct Due {
    /// Each feed's slot.
    at: HashMap<String, Instant>,
    /// The same, ordered by slot (then name).
    order: BTreeSet<(Instant, String)>,
}

impl Due {
    fn get(&self, name: &str) -> Option<Instant> {
        self.at.get(name).copied()
    }

    fn contains_key(&self, name: &str) -> bool {
        self.at.contains_key(name)
    }

    /// Sets the slot of `name` (replacing any it had).
    fn insert(&mut self, name: &str, t: Instant) {
        if let Some(old) = self.at.insert(name.to_string(), t) {
            self.order.remove(&(old, name.to_string()));
        }
        self.order.insert((t, name.to_string()));
    }

    /// Keeps the feeds whose name `keep` accepts.
    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.at.retain(|n, _| keep(n));
        self.order.retain(|(_, n)| keep(n));
    }

    /// The earliest slot and its feed.
    fn first(&self) -> Option<(Instant, &str)> {
        self.order.first().map(|(t, n)| (*t, n.as_str()))
    }

    /// The latest slot and its feed.
    fn last(&self) -> Option<(Instant, &str)> {
        self.order.last().map(|(t, n)| (*t, n.as_str()))
    }

    /// Removes and returns the feeds due at `now`, earliest first.
    fn take_until(&mut self, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        while self.order.first().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, name)) = self.order.pop_first() {
                self.at.remove(&name);
                out.push(name);
            }
        }
        out
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

/// When `feed` is first due: its stored next poll if that is still ahead (the
/// schedule survives restarts); if it passed while we were down, a stable offset
/// within [`RESTART_SPREAD`] (or the interval); a feed never polled, a stable offset
/// within [`START_SPREAD`] (or the interval), so start-up is never one burst.
fn first_due(feed: &Feed, stored: Option<DateTime<Utc>>, now: Instant) -> Instant {
    match stored {
        Some(t) => match (t - Utc::now()).to_std() {
            Ok(wait) if !wait.is_zero() => now + wait,
            _ => now + stagger(&feed.name, feed.interval.min(RESTART_SPREAD)),
        },
        None => now + stagger(&feed.name, feed.interval.min(START_SPREAD)),
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
            full_text: crate::config::FullText::Off,
            tags: Vec::new(),
        }
    }

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn next_wait_follows_the_publisher_within_bounds() {
        let bounds = Polling::default();
        let m15 = Duration::from_secs(900);
        let hint = |secs: u64| Hints {
            ttl: Some(Duration::from_secs(secs)),
            ..Hints::default()
        };
        assert_eq!(next_wait(m15, &Hints::default(), &bounds), m15);
        assert_eq!(
            next_wait(m15, &hint(60), &bounds),
            m15,
            "hints never speed up"
        );
        assert_eq!(
            next_wait(m15, &hint(3600), &bounds),
            Duration::from_secs(3600)
        );
        let week = 7 * 86_400;
        assert_eq!(
            next_wait(m15, &hint(week), &bounds),
            bounds.max_interval,
            "publishers cannot stretch past max_interval"
        );
        let two_days = Duration::from_secs(2 * 86_400);
        assert_eq!(
            next_wait(two_days, &hint(60), &bounds),
            two_days,
            "the feed's own interval is kept"
        );
        let slow = Polling {
            min_interval: Duration::from_secs(1800),
            ..Polling::default()
        };
        assert_eq!(
            next_wait(m15, &Hints::default(), &slow),
            Duration::from_secs(1800)
        );
        let mixed = Hints {
            max_age: Some(Duration::from_secs(1200)),
            expires: Some(Duration::from_secs(2400)),
            retry_after: Some(Duration::from_secs(600)),
            ttl: None,
        };
        assert_eq!(next_wait(m15, &mixed, &bounds), Duration::from_secs(2400));
    }

    #[test]
    fn backoff_doubles_caps_and_respects_retry_after() {
        let b = Polling::default();
        assert_eq!(backoff(MIN, 1, None, &b), MIN);
        assert_eq!(backoff(MIN, 2, None, &b), 2 * MIN);
        assert_eq!(backoff(MIN, 3, None, &b), 4 * MIN);
        assert_eq!(
            backoff(MIN, 40, None, &b),
            b.max_backoff,
            "capped, never gives up"
        );
        assert_eq!(
            backoff(MIN, 1, Some(Duration::from_secs(600)), &b),
            Duration::from_secs(600)
        );
        assert_eq!(
            backoff(MIN, 1, Some(Duration::from_secs(365 * 86_400)), &b),
            b.max_interval,
            "an absurd Retry-After is capped"
        );
        let day = Duration::from_secs(86_400);
        assert_eq!(
            backoff(day, 5, None, &b),
            day,
            "never faster than the interval"
        );
        let short_cap = Polling {
            max_backoff: Duration::from_secs(300),
            ..Polling::default()
        };
        assert_eq!(backoff(MIN, 10, None, &short_cap), Duration::from_secs(300));
    }

    #[test]
    fn overdue_feeds_are_spread_after_a_restart() {
        let now = Instant::now();
        let past = Utc::now() - chrono::Duration::hours(5);
        let stored: HashMap<String, DateTime<Utc>> =
            (0..200).map(|i| (format!("f{i}"), past)).collect();
        let feeds: Vec<Feed> = (0..200).map(|i| feed(&format!("f{i}"), 3600)).collect();
        let mut s = Schedule::new();
        s.update(&feeds, &stored, now);
        let slots: Vec<Instant> = s.due.at.values().copied().collect();
        assert!(slots.iter().all(|t| *t >= now && *t < now + RESTART_SPREAD));
        let early = slots
            .iter()
            .filter(|t| **t < now + Duration::from_secs(10))
            .count();
        assert!(early < 30, "not a burst: {early} of 200 in the first 10 s");
        let mut again = Schedule::new();
        again.update(&feeds, &stored, now);
        assert_eq!(s.due.at, again.due.at, "offsets are stable across restarts");
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
        let a_slot = s.due.at["a"];
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
        assert_eq!(s.due.at["a"], a_slot);
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

    #[test]
    fn due_feeds_come_in_slot_order_and_the_index_follows_every_change() {
        let now = Instant::now();
        let mut d = Due::default();
        let s = Duration::from_secs;
        d.insert("c", now + s(3));
        d.insert("a", now + s(1));
        d.insert("b", now + s(2));
        assert_eq!(d.first(), Some((now + s(1), "a")));
        assert_eq!(d.last(), Some((now + s(3), "c")));
        // Moved earlier: the order follows, and the old slot is gone.
        d.insert("c", now);
        assert_eq!(d.first(), Some((now, "c")));
        assert_eq!(d.order.len(), 3);
        assert_eq!(d.take_until(now + s(1)), ["c", "a"]);
        assert!(!d.contains_key("a") && d.contains_key("b"));
        d.retain(|n| n != "b");
        assert_eq!((d.first(), d.order.len(), d.at.len()), (None, 0, 0));
    }
}
