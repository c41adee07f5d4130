//! The channels of a running daemon: one task per channel ([`ChannelQueue::run`]),
//! started, restarted with new settings, or stopped as the config says — at start and
//! on every reload — and the store's channel records kept in step (a channel gone
//! from the config is forgotten with what it had queued, one line saying so). `once`
//! drains every channel instead ([`drain`]).
//!
//! This is the whole seam between the daemon and channel delivery: a consumer of the
//! outbox that needs only the store and the channels' settings. Running it in one
//! instance of several (channels that must fire once for the whole team) means
//! starting it in that instance only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{error, info, warn};

use super::Sender;
use super::queue::{ChannelObserver, ChannelQueue, QueueError};
use super::team::TeamChannels;
use crate::config::Http;
use crate::config::channel::Channel;
use crate::store::{SharedStore, lock};

/// One channel's running task.
struct Running {
    /// The settings it runs with (a change restarts it).
    channel: Channel,
    /// The `[http]` settings it runs with.
    http: Http,
    /// Wakes it when alerts were raised.
    wake: Arc<Notify>,
    /// Asks it to stop after the attempt under way.
    stop: watch::Sender<bool>,
    /// The task.
    task: JoinHandle<()>,
}

/// The running channels.
pub struct ChannelSet {
    /// The outbox and delivery records.
    store: SharedStore,
    /// Told what the channels do.
    observer: Arc<dyn ChannelObserver>,
    /// By name.
    running: HashMap<String, Running>,
    /// The same channels, for a cluster's team consumer.
    team: TeamChannels,
}

impl ChannelSet {
    /// No channels yet; [`apply`](Self::apply) starts them.
    pub fn new(store: SharedStore, observer: Arc<dyn ChannelObserver>) -> Self {
        ChannelSet {
            store,
            observer,
            running: HashMap::new(),
            team: TeamChannels::default(),
        }
    }

    /// Runs exactly `channels`: starts new ones, restarts changed ones, stops removed
    /// ones (each after the attempt it has under way, at most `grace`), and makes the
    /// store's channel records match.
    pub async fn apply(
        &mut self,
        channels: &[Channel],
        http: &Http,
        grace: Duration,
    ) -> Result<(), QueueError> {
        sync_store(&self.store, channels).await?;
        let wanted: HashMap<&str, &Channel> =
            channels.iter().map(|c| (c.name.as_str(), c)).collect();
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(name, r)| {
                wanted
                    .get(name.as_str())
                    .is_none_or(|c| **c != r.channel || r.http != *http)
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in stale {
            if let Some(r) = self.running.remove(&name) {
                stop_task(&name, r, grace).await;
            }
        }
        for c in channels {
            if self.running.contains_key(&c.name) {
                continue;
            }
            let sender = match Sender::new(c, http) {
                Ok(s) => s,
                Err(e) => {
                    error!(channel = %c.name, error = %e, "channel cannot start; its alerts stay queued");
                    continue;
                }
            };
            let queue = ChannelQueue::new(sender, self.store.clone(), self.observer.clone());
            let wake = Arc::new(Notify::new());
            let (stop, stop_rx) = watch::channel(false);
            let task = tokio::spawn(queue.run(wake.clone(), stop_rx));
            self.running.insert(
                c.name.clone(),
                Running {
                    channel: c.clone(),
                    http: http.clone(),
                    wake,
                    stop,
                    task,
                },
            );
        }
        self.team
            .set(self.running.values().map(|r| (&r.channel, r.wake.clone())));
        Ok(())
    }

    /// The running channels as a cluster's team consumer feeds them (kept in step by
    /// [`apply`](Self::apply)).
    pub fn team(&self) -> TeamChannels {
        self.team.clone()
    }

    /// Tells every channel that alerts may have been raised.
    pub fn wake(&self) {
        for r in self.running.values() {
            r.wake.notify_one();
        }
    }

    /// How many channels run.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether no channel runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Stops every channel after the attempt it has under way, waiting at most
    /// `grace` in all; an attempt cut short is made again next start (same ids).
    pub async fn stop(&mut self, grace: Duration) {
        for r in self.running.values() {
            let _ = r.stop.send(true);
        }
        let deadline = tokio::time::Instant::now() + grace;
        for (name, r) in self.running.drain() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            stop_task(&name, r, left).await;
        }
    }
}

/// Stops one channel's task, waiting at most `grace` for its attempt under way.
async fn stop_task(name: &str, r: Running, grace: Duration) {
    let _ = r.stop.send(true);
    let mut task = r.task;
    if tokio::time::timeout(grace, &mut task).await.is_err() {
        warn!(channel = %name, "channel attempt still under way at stop; it is made again next start");
        task.abort();
    }
}

/// Makes the store's channel records those of `channels`, saying what changed: a
/// channel new to the store takes the alerts raised from now on, so this comes before
/// the polls that raise them.
pub async fn sync_store(store: &SharedStore, channels: &[Channel]) -> Result<(), QueueError> {
    let names: Vec<String> = channels.iter().map(|c| c.name.clone()).collect();
    let store = store.clone();
    let sync = tokio::task::spawn_blocking(move || {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        lock(&store).sync_channels(&names)
    })
    .await
    .map_err(|e| QueueError::Join(e.to_string()))??;
    for name in &sync.added {
        info!(channel = %name, "channel added; it takes alerts raised from now on");
    }
    for (name, queued) in &sync.removed {
        if *queued > 0 {
            warn!(channel = %name, queued, "channel removed from the config; its queued alerts are dropped (they stay in the alert log)");
        } else {
            info!(channel = %name, "channel removed from the config");
        }
    }
    Ok(())
}

/// Delivers what every channel can deliver now, all channels at once (`once`):
/// nothing waits for a backoff or a digest window; the rest stays queued.
pub async fn drain(
    store: &SharedStore,
    channels: &[Channel],
    http: &Http,
    observer: Arc<dyn ChannelObserver>,
) -> Result<(), QueueError> {
    sync_store(store, channels).await?;
    let mut set = JoinSet::new();
    for c in channels {
        match Sender::new(c, http) {
            Ok(sender) => {
                let mut q = ChannelQueue::new(sender, store.clone(), observer.clone());
                set.spawn(async move {
                    let name = q.name().to_string();
                    (name, q.drain().await)
                });
            }
            Err(e) => {
                error!(channel = %c.name, error = %e, "channel cannot start; its alerts stay queued")
            }
        }
    }
    while let Some(done) = set.join_next().await {
        match done {
            Ok((_, Ok(()))) => {}
            Ok((name, Err(e))) => {
                warn!(channel = %name, error = %e, "channel delivery stopped; alerts stay queued")
            }
            Err(e) => warn!(error = %e, "channel task failed; alerts stay queued"),
        }
    }
    Ok(())
}
