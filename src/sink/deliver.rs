//! The delivery loop: takes alerts from the store's outbox, appends them to the alert
//! log (synced before being marked delivered) and shows desktop notifications. It
//! consumes the outbox, not the code that raised the alerts, so it can be moved to
//! another process or a message queue later.
//!
//! Each alert written is logged once with its `feed`, `rule` and `item` fields (the
//! journal keeps them as fields) and reported to a [`DeliveryObserver`] (the daemon's
//! metrics). [`Progress`] lets the daemon's watchdog tell a delivery round that is
//! stuck from one that is waiting. The desktop half (popups, a hung server, summaries
//! of what was not shown) is [`popups`].

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::jsonl::{AlertLog, already_written};
use crate::config::Desktop;
use crate::store::{SharedStore, Store, StoreError, lock};

mod popups;
use popups::Popups;
pub use popups::opener_for;

/// What the delivery loop reports as it goes, to whoever counts it (the daemon hands
/// in its metrics). The sinks define what they report; they know nothing of who listens.
pub trait DeliveryObserver: Send + Sync {
    /// An alert of `rule` reached the alert log at `at`, for an item published at
    /// `published` (when the feed said).
    fn alert_logged(&self, rule: &str, published: Option<DateTime<Utc>>, at: DateTime<Utc>);
    /// A desktop notification failed.
    fn notification_failed(&self);
}

/// The observer of a deliverer nobody watches.
struct Unobserved;

impl DeliveryObserver for Unobserved {
    fn alert_logged(&self, _: &str, _: Option<DateTime<Utc>>, _: DateTime<Utc>) {}
    fn notification_failed(&self) {}
}

/// Alerts delivered in one largest batch.
const BATCH: usize = 256;
/// How often the loop looks at the outbox without being woken.
const TICK: Duration = Duration::from_secs(5);

/// Why a delivery round stopped early. Alerts stay in the outbox and are retried.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The alert log could not be written.
    #[error("cannot write alert log {path}: {error}")]
    Log {
        /// The log file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task died.
    #[error("delivery task failed: {0}")]
    Join(String),
}

/// Delivers the outbox to the sinks.
pub struct Deliverer {
    store: SharedStore,
    log: Arc<Mutex<AlertLog>>,
    /// Desktop notifications.
    popups: Popups,
    /// Whether the log tail has been checked for lines a crashed run wrote but did not mark.
    recovered: bool,
    /// Told what is delivered.
    observer: Arc<dyn DeliveryObserver>,
    /// Whether a round is under way, and since when it last moved.
    progress: Progress,
}

/// Whether the delivery loop is stuck: a round that has not moved for a while. Waiting
/// for work is not being stuck.
#[derive(Debug, Clone)]
pub struct Progress(Arc<ProgressInner>);

#[derive(Debug)]
struct ProgressInner {
    /// The clock's origin (tokio's clock, so paused-time tests work).
    base: Instant,
    /// Milliseconds after `base` of the last move of the current round; `IDLE` between rounds.
    moved_ms: AtomicU64,
}

const IDLE: u64 = u64::MAX;

impl Progress {
    fn new() -> Self {
        Progress(Arc::new(ProgressInner {
            base: Instant::now(),
            moved_ms: AtomicU64::new(IDLE),
        }))
    }

    /// The round moved on (started, or delivered something).
    fn moved(&self) {
        let ms = u64::try_from(self.0.base.elapsed().as_millis()).unwrap_or(IDLE - 1);
        self.0.moved_ms.store(ms.min(IDLE - 1), Ordering::Relaxed);
    }

    /// The round ended.
    fn idle(&self) {
        self.0.moved_ms.store(IDLE, Ordering::Relaxed);
    }

    /// How long the current round has not moved; `None` between rounds.
    pub fn stalled_for(&self) -> Option<Duration> {
        let ms = self.0.moved_ms.load(Ordering::Relaxed);
        (ms != IDLE).then(|| {
            self.0
                .base
                .elapsed()
                .saturating_sub(Duration::from_millis(ms))
        })
    }
}

/// The few alert fields the delivery loop logs and measures.
#[derive(Deserialize)]
struct AlertMeta {
    alert_id: String,
    rule: String,
    feed: FeedMeta,
    item: ItemMeta,
}

#[derive(Deserialize)]
struct FeedMeta {
    name: String,
}

#[derive(Deserialize)]
struct ItemMeta {
    id: String,
    #[serde(default)]
    title: String,
    published: Option<DateTime<Utc>>,
}

/// Logs and counts one alert that reached the alert log at `at`.
fn record_logged(json: &str, observer: &dyn DeliveryObserver, at: DateTime<Utc>) {
    match serde_json::from_str::<AlertMeta>(json) {
        Ok(a) => {
            info!(feed = %a.feed.name, rule = %a.rule, item = %a.item.id, title = %a.item.title,
                alert_id = %a.alert_id, "alert");
            observer.alert_logged(&a.rule, a.item.published, at);
        }
        Err(e) => warn!(error = %e, "alert written but unreadable for logging"),
    }
}

/// Reopens or moves the alert log of a running [`Deliverer`].
#[derive(Clone)]
pub struct LogHandle(Arc<Mutex<AlertLog>>);

impl LogHandle {
    /// Reopens the log file (after rotation by logrotate and the like).
    pub fn reopen(&self) {
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match log.reopen() {
            Ok(()) => info!(path = %log.path().display(), "alert log reopened"),
            Err(e) => {
                warn!(path = %log.path().display(), error = %e, "cannot reopen alert log; keeping the old handle")
            }
        }
    }

    /// Points the log at `path` (a reloaded config may move it); opened on the next reopen.
    pub fn set_path(&self, path: &std::path::Path) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .set_path(path);
    }
}

/// What one round delivered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Lines appended to the alert log.
    pub logged: usize,
    /// Notifications shown.
    pub notified: usize,
}

impl Deliverer {
    /// A deliverer writing to `log`, with desktop notifications per `desktop`.
    pub async fn new(store: SharedStore, log: AlertLog, desktop: &Desktop) -> Self {
        Deliverer {
            store,
            log: Arc::new(Mutex::new(log)),
            popups: Popups::new(desktop).await,
            recovered: false,
            observer: Arc::new(Unobserved),
            progress: Progress::new(),
        }
    }

    /// Reports deliveries to `observer` (instead of to nobody).
    pub fn set_observer(&mut self, observer: Arc<dyn DeliveryObserver>) {
        self.observer = observer;
    }

    /// Tells whether delivery is stuck, for the watchdog.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// A handle to reopen or move the alert log while the deliverer runs.
    pub fn log_handle(&self) -> LogHandle {
        LogHandle(self.log.clone())
    }

    /// Delivers everything in the outbox now.
    pub async fn deliver(&mut self) -> Result<Delivered, DeliverError> {
        self.progress.moved();
        let result = self.deliver_rounds().await;
        self.progress.idle();
        result
    }

    async fn deliver_rounds(&mut self) -> Result<Delivered, DeliverError> {
        let logged = self.deliver_log().await?;
        let notified = self.deliver_desktop().await?;
        Ok(Delivered { logged, notified })
    }

    async fn deliver_log(&mut self) -> Result<usize, DeliverError> {
        let store = self.store.clone();
        let log = self.log.clone();
        let recover = !self.recovered;
        let (observer, progress) = (self.observer.clone(), self.progress.clone());
        let n = tokio::task::spawn_blocking(move || -> Result<usize, DeliverError> {
            let mut store = lock(&store);
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            if recover {
                recover_written(&mut store, &log)?;
            }
            let mut total = 0;
            loop {
                let batch = store.pending_log(BATCH)?;
                if batch.is_empty() {
                    return Ok(total);
                }
                let lines: Vec<&str> = batch.iter().map(|p| p.json.as_str()).collect();
                log.append(&lines).map_err(|error| DeliverError::Log {
                    path: log.path().display().to_string(),
                    error,
                })?;
                let seqs: Vec<i64> = batch.iter().map(|p| p.seq).collect();
                store.mark_logged(&seqs)?;
                total += batch.len();
                let now = Utc::now();
                for p in &batch {
                    record_logged(&p.json, observer.as_ref(), now);
                }
                progress.moved();
            }
        })
        .await
        .map_err(|e| DeliverError::Join(e.to_string()))??;
        self.recovered = true;
        Ok(n)
    }

    async fn deliver_desktop(&mut self) -> Result<usize, DeliverError> {
        self.popups
            .deliver(&self.store, self.observer.as_ref(), &self.progress)
            .await
    }

    /// Delivers whenever woken (or every few seconds) until `stop` turns true, then
    /// delivers what is left and returns.
    pub async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        self.popups.set_wake(wake.clone());
        let mut failing = false;
        loop {
            match self.deliver().await {
                Ok(d) if d.logged > 0 || d.notified > 0 => {
                    debug!(logged = d.logged, notified = d.notified, "delivered");
                    failing = false;
                }
                Ok(_) => failing = false,
                Err(e) => {
                    if !failing {
                        warn!(error = %e, "delivery failed; alerts stay queued and are retried");
                    }
                    failing = true;
                }
            }
            if *stop.borrow() {
                return;
            }
            // A summary falling due or a probe to send may come sooner than the tick.
            let nap = self.popups.next_wake().map_or(TICK, |at| {
                at.saturating_duration_since(Instant::now()).min(TICK)
            });
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(nap) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Marks outbox entries that already stand in the log (a previous run wrote them, then
/// died before marking). Only the pending lines' total size can have been written, so
/// that much of the log's tail is enough to look at.
fn recover_written(store: &mut Store, log: &AlertLog) -> Result<(), DeliverError> {
    let pending = store.pending_log(usize::MAX >> 1)?;
    if pending.is_empty() {
        return Ok(());
    }
    let window: u64 = pending.iter().map(|p| p.json.len() as u64 + 1).sum();
    let ids: HashSet<&str> = pending.iter().map(|p| p.alert_id.as_str()).collect();
    let found = already_written(log.path(), &ids, window).map_err(|error| DeliverError::Log {
        path: log.path().display().to_string(),
        error,
    })?;
    if !found.is_empty() {
        info!(
            count = found.len(),
            "alerts written by the previous run before it stopped; not writing them again"
        );
        let seqs: Vec<i64> = pending
            .iter()
            .filter(|p| found.contains(&p.alert_id))
            .map(|p| p.seq)
            .collect();
        store.mark_logged(&seqs)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn progress_tells_stuck_from_idle() {
        let p = Progress::new();
        assert_eq!(p.stalled_for(), None);
        p.moved();
        tokio::time::advance(Duration::from_secs(7)).await;
        assert_eq!(p.stalled_for(), Some(Duration::from_secs(7)));
        p.moved();
        assert_eq!(p.stalled_for(), Some(Duration::ZERO));
        p.idle();
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(p.stalled_for(), None, "waiting for work is not being stuck");
    }
}
