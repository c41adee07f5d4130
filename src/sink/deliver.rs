//! The delivery loop: takes alerts from the store's outbox, appends them to the alert
//! log (synced before being marked delivered) and shows desktop notifications. It
//! consumes the outbox, not the code that raised the alerts, so it can be moved to
//! another process or a message queue later.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::desktop::{DEFAULT_OPENER, DesktopNotifier, Opener};
use super::jsonl::{AlertLog, already_written};
use crate::config::Desktop;
use crate::model::Alert;
use crate::store::{Store, StoreError};

/// The store, shared between pollers and the deliverer.
pub type SharedStore = Arc<Mutex<Store>>;

/// Locks the store. A poisoned lock only means another thread panicked mid-call; the
/// SQLite connection rolls back unfinished transactions, so the store is still sound.
pub fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Alerts delivered in one largest batch.
const BATCH: usize = 256;
/// How often the loop looks at the outbox without being woken.
const TICK: Duration = Duration::from_secs(5);
/// How long to wait before trying the session bus again.
const BUS_RETRY: Duration = Duration::from_secs(60);

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

enum DesktopState {
    Off,
    Unavailable { retry_at: Instant },
    Ready(DesktopNotifier),
}

/// Delivers the outbox to the sinks.
pub struct Deliverer {
    store: SharedStore,
    log: Arc<Mutex<AlertLog>>,
    desktop_cfg: Desktop,
    desktop: DesktopState,
    /// Whether the log tail has been checked for lines a crashed run wrote but did not mark.
    recovered: bool,
    /// Whether the "no desktop" warning was given (it is given once).
    warned: bool,
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
        let mut d = Deliverer {
            store,
            log: Arc::new(Mutex::new(log)),
            desktop_cfg: desktop.clone(),
            desktop: if desktop.enabled {
                DesktopState::Unavailable {
                    retry_at: Instant::now(),
                }
            } else {
                DesktopState::Off
            },
            recovered: false,
            warned: false,
        };
        d.connect_desktop().await;
        d
    }

    async fn connect_desktop(&mut self) {
        let DesktopState::Unavailable { retry_at } = self.desktop else {
            return;
        };
        if Instant::now() < retry_at {
            return;
        }
        let mut words = self.desktop_cfg.open_command.split_whitespace();
        let mut opener = Opener::new(words.next().unwrap_or(DEFAULT_OPENER));
        for w in words {
            opener = opener.arg(w);
        }
        let connecting = DesktopNotifier::builder()
            .call_timeout(self.desktop_cfg.timeout)
            .opener(opener)
            .connect();
        match connecting.await {
            Ok(n) => {
                info!("desktop notifications on");
                self.desktop = DesktopState::Ready(n);
            }
            Err(e) => {
                // One clear warning; then quietly retry now and then (a session may start).
                if !self.warned {
                    warn!(error = %e, "desktop notifications unavailable; alerts still go to the alert log");
                    self.warned = true;
                }
                self.desktop = DesktopState::Unavailable {
                    retry_at: Instant::now() + BUS_RETRY,
                };
            }
        }
    }

    /// A handle to reopen or move the alert log while the deliverer runs.
    pub fn log_handle(&self) -> LogHandle {
        LogHandle(self.log.clone())
    }

    /// Delivers everything in the outbox now.
    pub async fn deliver(&mut self) -> Result<Delivered, DeliverError> {
        let logged = self.deliver_log().await?;
        let notified = self.deliver_desktop().await?;
        Ok(Delivered { logged, notified })
    }

    async fn deliver_log(&mut self) -> Result<usize, DeliverError> {
        let store = self.store.clone();
        let log = self.log.clone();
        let recover = !self.recovered;
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
            }
        })
        .await
        .map_err(|e| DeliverError::Join(e.to_string()))??;
        self.recovered = true;
        Ok(n)
    }

    async fn deliver_desktop(&mut self) -> Result<usize, DeliverError> {
        self.connect_desktop().await;
        let mut shown = 0;
        loop {
            let store = self.store.clone();
            // Marked before showing: a popup is at most once, even across a crash.
            let batch = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
                let mut store = lock(&store);
                let batch = store.pending_desktop(BATCH)?;
                let seqs: Vec<i64> = batch.iter().map(|p| p.seq).collect();
                store.mark_notified(&seqs)?;
                Ok(batch)
            })
            .await
            .map_err(|e| DeliverError::Join(e.to_string()))??;
            if batch.is_empty() {
                return Ok(shown);
            }
            let DesktopState::Ready(notifier) = &self.desktop else {
                debug!(
                    count = batch.len(),
                    "no desktop session: notifications skipped"
                );
                continue;
            };
            for p in &batch {
                let alert: Alert = match serde_json::from_str(&p.json) {
                    Ok(a) => a,
                    Err(e) => {
                        warn!(alert_id = %p.alert_id, error = %e, "stored alert unreadable; not shown");
                        continue;
                    }
                };
                match notifier.notify(&alert).await {
                    Ok(()) => shown += 1,
                    Err(e) => {
                        warn!(rule = %alert.rule, alert_id = %alert.alert_id, error = %e, "desktop notification failed")
                    }
                }
            }
        }
    }

    /// Delivers whenever woken (or every few seconds) until `stop` turns true, then
    /// delivers what is left and returns.
    pub async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
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
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
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
