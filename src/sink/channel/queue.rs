//! One channel's consumer of the outbox: it queues the alerts the channel takes
//! (rules, least severity), gives up those older than `max_age` with one summary
//! line, forms the next message (one alert, or a digest once its window has passed),
//! counts the attempt, sends it and records the outcome — delivered; refused for good
//! (one error line, the next message goes on); or retried after a backoff that
//! doubles per failure and honours `Retry-After`. Each channel runs as a task of its
//! own, so a slow or dead channel delays nothing else.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tracing::{debug, error, info, warn};

use super::outcome::retry_wait;
use super::{Message, Outcome, Queued, Sender};
use crate::config::channel::Channel;
use crate::model::{Alert, Severity};
use crate::store::{DeliveryEnd, OutMessage, SharedStore, Store, StoreError, lock};

/// Most alerts in one digest message.
pub const MAX_DIGEST: usize = 100;
/// How often a channel looks at the outbox without being woken.
const TICK: Duration = Duration::from_secs(5);
/// How often old alerts are looked for (at most), so that a channel down for long
/// says so in one line now and then, not one line per alert.
const EXPIRE_EVERY: Duration = Duration::from_secs(3600);

/// What a channel's queue reports as it goes, to whoever counts it (the daemon's
/// metrics).
pub trait ChannelObserver: Send + Sync {
    /// `alerts` alerts reached `channel` at `at`.
    fn channel_delivered(&self, channel: &str, alerts: usize, at: DateTime<Utc>);
    /// An attempt at `channel` failed; `permanent`: refused for good.
    fn channel_failed(&self, channel: &str, permanent: bool);
    /// `alerts` alerts were given up as older than the channel's `max_age`.
    fn channel_given_up(&self, channel: &str, alerts: usize);
    /// `channel` has `queued` alerts waiting.
    fn channel_queue(&self, channel: &str, queued: u64);
}

/// The observer of a queue nobody watches.
pub struct Unobserved;

impl ChannelObserver for Unobserved {
    fn channel_delivered(&self, _: &str, _: usize, _: DateTime<Utc>) {}
    fn channel_failed(&self, _: &str, _: bool) {}
    fn channel_given_up(&self, _: &str, _: usize) {}
    fn channel_queue(&self, _: &str, _: u64) {}
}

/// What one step did, and when the next is worth taking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Something was queued, sent or settled: step again now.
    Moved,
    /// Nothing to do before this time (a backoff, a digest window), unless woken.
    WaitUntil(DateTime<Utc>),
    /// Nothing queued: wait to be woken.
    Idle,
}

/// One channel's queue.
pub struct ChannelQueue {
    /// The channel and its client.
    sender: Sender,
    /// The outbox and the delivery records.
    store: SharedStore,
    /// The rule ids and globs it takes; empty: every rule.
    rules: Vec<glob::Pattern>,
    /// Told what happens.
    observer: Arc<dyn ChannelObserver>,
    /// When old alerts were last looked for.
    last_expiry: Option<DateTime<Utc>>,
}

impl ChannelQueue {
    /// The queue of `sender`'s channel. Its rule patterns were checked with the config.
    pub fn new(sender: Sender, store: SharedStore, observer: Arc<dyn ChannelObserver>) -> Self {
        let rules = rule_patterns(sender.channel());
        ChannelQueue {
            sender,
            store,
            rules,
            observer,
            last_expiry: None,
        }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.sender.channel().name
    }

    /// Whether the channel takes alerts of `rule` with `severity`.
    pub fn takes(&self, rule: &str, severity: Severity) -> bool {
        takes(
            &self.rules,
            self.sender.channel().min_severity,
            rule,
            severity,
        )
    }

    /// Queues new alerts, gives up old ones, and makes at most one attempt.
    pub async fn step(&mut self) -> Result<Step, QueueError> {
        let now = Utc::now();
        let name = self.name().to_string();
        let ch = self.sender.channel().clone();
        let takes = {
            let (rules, min) = (self.rules.clone(), ch.min_severity);
            move |rule: &str, sev: Severity| takes(&rules, min, rule, sev)
        };
        let digest = ch.digest.is_some();
        let n = self
            .blocking(move |s, name| {
                let mut n = 0;
                loop {
                    let got = s.enqueue(name, &takes, digest, now)?;
                    n += got;
                    if !s.channel_behind(name)? {
                        return Ok(n);
                    }
                }
            })
            .await?;
        if n > 0 {
            debug!(channel = %name, alerts = n, "queued for the channel");
        }
        self.expire(now).await?;
        let state = self.blocking(|s, name| s.channel_state(name)).await?;
        if let Some(state) = &state {
            self.observer.channel_queue(&name, state.queued);
            if let Some(at) = state.next_attempt.filter(|t| *t > now) {
                return Ok(Step::WaitUntil(at));
            }
        }
        let window = ch.digest;
        let Some(msg) = self
            .blocking(move |s, name| s.next_message(name, window, MAX_DIGEST, now))
            .await?
        else {
            let due = match window {
                Some(w) => self.blocking(move |s, name| s.digest_due(name, w)).await?,
                None => None,
            };
            return Ok(due.map_or(Step::Idle, Step::WaitUntil));
        };
        self.attempt(msg, state.map_or(0, |s| s.failures)).await
    }

    /// Makes one attempt at `msg` and records what became of it.
    async fn attempt(&mut self, msg: OutMessage, failures_before: u32) -> Result<Step, QueueError> {
        let name = self.name().to_string();
        let mut alerts = Vec::with_capacity(msg.alerts.len());
        let mut unreadable = Vec::new();
        for (seq, json) in msg.alerts {
            match serde_json::from_str::<Alert>(&json) {
                Ok(alert) => alerts.push(Queued { alert, json }),
                Err(e) => unreadable.push((seq, e.to_string())),
            }
        }
        for (seq, e) in unreadable {
            error!(channel = %name, seq, error = %e, "stored alert unreadable; not sent to the channel");
            self.blocking(move |s, name| s.drop_delivery(name, seq, Utc::now()))
                .await?;
        }
        if alerts.is_empty() {
            return Ok(Step::Moved);
        }
        let id = msg.id;
        let attempt = {
            let id = id.clone();
            self.blocking(move |s, name| s.begin_attempt(name, &id))
                .await?
        };
        let message = Message {
            id: &id,
            attempt,
            alerts: &alerts,
            digest: msg.digest,
        };
        let outcome = self.sender.send(&message).await;
        let now = Utc::now();
        let ids: Vec<&str> = alerts.iter().map(|q| q.alert.alert_id.as_str()).collect();
        let ids = ids.join(",");
        match outcome {
            Outcome::Delivered => {
                self.end(&id, DeliveryEnd::Sent, None, now).await?;
                if failures_before > 0 {
                    info!(channel = %name, failures = failures_before, "channel delivering again");
                }
                info!(channel = %name, message = %id, alert_id = %ids, alerts = alerts.len(), attempt,
                    "delivered to channel");
                self.observer.channel_delivered(&name, alerts.len(), now);
                Ok(Step::Moved)
            }
            Outcome::Failed(e) => {
                self.end(&id, DeliveryEnd::Failed, Some(e.clone()), now)
                    .await?;
                error!(channel = %name, message = %id, alert_id = %ids, attempt, error = %e,
                    "channel refused the alert; not sent again");
                self.observer.channel_failed(&name, true);
                Ok(Step::Moved)
            }
            Outcome::Retry { reason, after } => {
                let failures = {
                    let reason = reason.clone();
                    self.blocking(move |s, name| s.attempt_failed(name, &reason, now))
                        .await?
                };
                let ch = self.sender.channel();
                let wait = retry_wait(ch.retry, ch.max_retry, failures, after, ch.max_age);
                let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                self.blocking(move |s, name| s.retry_channel_at(name, at))
                    .await?;
                let retry_in = humantime::format_duration(wait).to_string();
                if failures == 1 {
                    warn!(channel = %name, message = %id, attempt, error = %reason, retry_in = %retry_in,
                        "channel delivery failed; the alert stays queued and is retried");
                } else {
                    debug!(channel = %name, message = %id, attempt, failures, error = %reason,
                        retry_in = %retry_in, "channel delivery failed again");
                }
                self.observer.channel_failed(&name, false);
                Ok(Step::WaitUntil(at))
            }
        }
    }

    /// Records the end of message `id`.
    async fn end(
        &self,
        id: &str,
        end: DeliveryEnd,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let id = id.to_string();
        self.blocking(move |s, name| s.end_message(name, &id, end, error.as_deref(), now))
            .await
    }

    /// Gives up alerts older than `max_age` (looked for at most every
    /// [`EXPIRE_EVERY`], or every quarter of `max_age` when that is shorter).
    async fn expire(&mut self, now: DateTime<Utc>) -> Result<(), QueueError> {
        let ch = self.sender.channel();
        let every = EXPIRE_EVERY.min(ch.max_age / 4);
        let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
        if self.last_expiry.is_some_and(|t| now - t < every) {
            return Ok(());
        }
        self.last_expiry = Some(now);
        let max_age = ch.max_age;
        let before = now - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
        let (n, oldest) = self
            .blocking(move |s, name| s.expire_deliveries(name, before, now))
            .await?;
        if n > 0 {
            let since = self.blocking(|s, name| s.channel_state(name)).await?;
            let failing_since = since.and_then(|s| s.failing_since);
            warn!(channel = %self.name(), count = n, max_age = %humantime::format_duration(max_age),
                oldest = ?oldest, failing_since = ?failing_since,
                "gave up on alerts older than the channel's max_age; they stay in the alert log");
            self.observer.channel_given_up(self.name(), n);
        }
        Ok(())
    }

    /// Steps until nothing more can be done now (`once`): no waiting for backoffs or
    /// digest windows; what is left stays queued for the next run.
    pub async fn drain(&mut self) -> Result<(), QueueError> {
        while self.step().await? == Step::Moved {}
        Ok(())
    }

    /// Steps whenever woken, when a wait ends, or every few seconds, until `stop`
    /// turns true (an attempt under way is finished first).
    pub async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        let mut failing = false;
        loop {
            if *stop.borrow() {
                return;
            }
            let nap = match self.step().await {
                Ok(Step::Moved) => {
                    failing = false;
                    continue;
                }
                Ok(Step::WaitUntil(at)) => {
                    failing = false;
                    (at - Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .min(TICK)
                }
                Ok(Step::Idle) => {
                    failing = false;
                    TICK
                }
                Err(e) => {
                    if !failing {
                        warn!(channel = %self.name(), error = %e,
                            "channel queue: state file failed; alerts stay queued and are retried");
                    }
                    failing = true;
                    TICK
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(nap) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Runs `f` on the store in the blocking pool, with the channel's name.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &str) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, QueueError> {
        let store = self.store.clone();
        let name = self.name().to_string();
        Ok(
            tokio::task::spawn_blocking(move || f(&mut lock(&store), &name))
                .await
                .map_err(|e| QueueError::Join(e.to_string()))??,
        )
    }
}

/// Why a step stopped early. The alerts stay queued; the step is taken again later.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The state file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task died.
    #[error("channel task failed: {0}")]
    Join(String),
}

/// The rule globs `channel` takes (checked with the config; empty: every rule).
pub(super) fn rule_patterns(channel: &Channel) -> Vec<glob::Pattern> {
    channel
        .rules
        .iter()
        .filter_map(|r| glob::Pattern::new(&r.pattern).ok())
        .collect()
}

/// Whether a channel taking `rules` (empty: all) from `min` up takes an alert of
/// `rule` with `severity`.
pub(super) fn takes(
    rules: &[glob::Pattern],
    min: Severity,
    rule: &str,
    severity: Severity,
) -> bool {
    severity >= min && (rules.is_empty() || rules.iter().any(|p| p.matches(rule)))
}
