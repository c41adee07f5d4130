//! The state of a running daemon between events, and the reload: a new config is
//! checked completely before anything changes; then the engine is swapped (polls under
//! way finish with the one they started with), the schedule keeps the slots of kept
//! feeds, adds new ones and drops removed ones, and the alert log follows a moved path.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::{Loaded, load};
use crate::cluster::{self, Node};
use crate::config::FeedSource;
use crate::service::metrics::Metrics;
use crate::service::notify::ServiceManager;
use crate::service::status::LiveStatus;
use crate::service::watch::ConfigWatch;
use crate::sink::channel::set::ChannelSet;
use crate::sink::deliver::LogHandle;
use crate::source::fetch::Fetcher;
use crate::source::schedule::Schedule;
use crate::store::{FeedState, lock};
use crate::worker::poll::{PollContext, PollReport};

/// Over how long the feeds gained from a departed member are first polled.
const TAKE_OVER_SPREAD: std::time::Duration = std::time::Duration::from_secs(3);

/// Everything the event loop changes.
pub(super) struct Running {
    /// The config file (reloaded from the same path).
    pub config_path: PathBuf,
    /// The config and engine in force.
    pub loaded: Loaded,
    /// What every new poll gets (engine, fetcher, store).
    pub ctx: PollContext,
    /// What is polled when.
    pub schedule: Schedule,
    /// The status line's counts.
    pub status: LiveStatus,
    /// What the metrics endpoint shows.
    pub metrics: Arc<Metrics>,
    /// sd_notify.
    pub manager: ServiceManager,
    /// Reopens or moves the alert log.
    pub log_handle: LogHandle,
    /// Watches the config files when `watch_config` is on.
    pub watcher: Option<ConfigWatch>,
    /// The alert channels' delivery tasks.
    pub channels: ChannelSet,
    /// This instance's membership of a cluster (`[cluster]`); `None`: alone.
    pub cluster: Option<Arc<Node>>,
}

impl Running {
    /// Seeds the schedule, status and metrics from the store; returns the status line.
    pub async fn start(&mut self) -> String {
        let stored = stored_feeds(&self.ctx).await;
        let configured: HashSet<&str> = self
            .loaded
            .config
            .feeds
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        for f in stored
            .iter()
            .filter(|f| configured.contains(f.name.as_str()))
        {
            if let Some(t) = f.last_success {
                self.metrics.feed_succeeded(&f.name, t);
            }
        }
        let failing = stored
            .iter()
            .filter(|f| f.error_count > 0 && configured.contains(f.name.as_str()))
            .map(|f| f.name.clone());
        self.status = LiveStatus::new(
            failing,
            Local::now().date_naive(),
            alerts_today(&self.ctx).await,
        );
        self.schedule.update(
            &self.loaded.config.feeds,
            &next_polls(&stored),
            Instant::now(),
        );
        self.metrics.set_feed_count(self.schedule.len());
        self.apply_channels().await;
        self.status_line()
    }

    /// Runs the configured channels (started, restarted when changed, stopped when
    /// removed).
    async fn apply_channels(&mut self) {
        let cfg = &self.loaded.config;
        if let Err(e) = self
            .channels
            .apply(&cfg.channels, &cfg.http, super::CHANNEL_GRACE)
            .await
        {
            error!(error = %e, "cannot update the channels; they keep running as they were");
        }
    }

    /// The live status line.
    pub fn status_line(&mut self) -> String {
        self.status
            .line(self.schedule.len(), Local::now().date_naive())
    }

    /// A poll of `name` ended with `report` (`None`: its task died).
    pub fn finished(&mut self, name: &str, report: Option<&PollReport>) {
        let failed = report.is_none_or(|r| r.error.is_some());
        let (items, alerts) = report.map_or((0, 0), |r| (r.new_items, r.alerts));
        self.schedule
            .finished(name, report.map(|r| r.next_poll), Instant::now());
        if alerts > 0 {
            self.channels.wake();
        }
        if self.schedule.contains(name) {
            self.status
                .polled(name, failed, alerts, Local::now().date_naive());
            self.metrics.polled(name, failed, items, Utc::now());
        }
        let line = self.status_line();
        self.manager.status(&line);
    }

    /// The cluster's members changed from `before` to `now`: the feeds this instance
    /// gained are polled soon (spread over a few seconds), so a dead instance's feeds
    /// move at once; feeds it lost are skipped when they come due. On joining (no
    /// members before) the feeds keep the slots the schedule gave them.
    pub fn members_changed(
        &mut self,
        before: &cluster::members::Members,
        now: &cluster::members::Members,
    ) {
        let Some(node) = &self.cluster else {
            return;
        };
        if before.is_empty() {
            info!(members = now.len(), "cluster joined");
            return;
        }
        // Out of reach: nothing is owned meanwhile, nothing to make due.
        if now.is_empty() {
            return;
        }
        let gained = cluster::gained(&self.loaded.config.feeds, before, now, node.name());
        let at = Instant::now();
        for f in &gained {
            let soon = crate::source::schedule::stagger(&f.name, TAKE_OVER_SPREAD);
            self.schedule.due_by(&f.name, at + soon);
        }
        info!(
            members = now.len(),
            gained = gained.len(),
            "cluster membership changed"
        );
    }

    /// Reloads the config from its file (`why`: "SIGHUP", "files changed"). Invalid: every
    /// problem is logged and the old config keeps running. With `reopen_log`, the alert
    /// log is reopened either way (logrotate sends SIGHUP after moving it).
    pub async fn reload(&mut self, why: &str, reopen_log: bool) {
        self.manager.reloading();
        info!(reason = why, path = %self.config_path.display(), "reloading configuration");
        let path = self.config_path.clone();
        match tokio::task::spawn_blocking(move || load(&path)).await {
            Ok(Ok(new)) => self.apply(new).await,
            Ok(Err(problems)) => {
                for p in &problems.0 {
                    error!(problem = %p, "configuration error");
                }
                error!(
                    errors = problems.0.len(),
                    "new configuration rejected; the old one keeps running"
                );
            }
            Err(e) => error!(error = %e, "reload failed; the old configuration keeps running"),
        }
        if reopen_log {
            self.log_handle.reopen();
        }
        // Either way, the files as they are now are the baseline for the next change.
        self.watcher = self
            .loaded
            .config
            .watch_config
            .then(|| ConfigWatch::new(&self.loaded.config));
        let line = self.status_line();
        self.manager.ready(&line);
    }

    async fn apply(&mut self, new: Loaded) {
        let (old, cfg) = (&self.loaded.config, &new.config);
        for (changed, key) in [
            (old.state_dir != cfg.state_dir, "state_dir"),
            (old.metrics != cfg.metrics, "[metrics]"),
            (old.desktop != cfg.desktop, "[desktop]"),
            (old.cluster != cfg.cluster, "[cluster]"),
        ] {
            if changed {
                warn!(key, "this setting changed; it takes effect after a restart");
            }
        }
        if old.http != cfg.http {
            let f = Fetcher::new(&cfg.http);
            let ready = match cfg
                .feeds
                .iter()
                .any(|f| matches!(f.source, FeedSource::Http(_)))
            {
                true => f.http_ready(),
                false => Ok(()),
            };
            match ready {
                Ok(()) => self.ctx.fetcher = f,
                Err(e) => warn!(error = %e, "new [http] settings unusable; keeping the old ones"),
            }
        }
        // Polls under way keep the slots they hold; new polls use the new limits.
        self.ctx.hosts.resize(cfg.concurrency, cfg.polling.per_host);
        self.ctx.polling = cfg.polling.clone();
        let kept: HashSet<&str> = cfg.feeds.iter().map(|f| f.name.as_str()).collect();
        let removed: Vec<&str> = old
            .feeds
            .iter()
            .map(|f| f.name.as_str())
            .filter(|n| !kept.contains(n))
            .collect();
        let before: HashSet<&str> = old.feeds.iter().map(|f| f.name.as_str()).collect();
        let added = kept.iter().filter(|n| !before.contains(*n)).count();
        for name in &removed {
            self.metrics.feed_removed(name);
        }
        self.status.retain_feeds(&kept);
        let alert_log_moved = old.alert_log != cfg.alert_log;
        self.ctx.engine = new.engine.clone();
        let stored = stored_feeds(&self.ctx).await;
        self.schedule
            .update(&cfg.feeds, &next_polls(&stored), Instant::now());
        self.metrics.set_feed_count(self.schedule.len());
        if let Some(node) = &self.cluster {
            node.set_feeds(cfg.feeds.iter().map(|f| f.name.clone()).collect());
        }
        if alert_log_moved {
            self.log_handle.set_path(&cfg.alert_log);
            self.log_handle.reopen();
        }
        let channels: HashSet<&str> = cfg.channels.iter().map(|c| c.name.as_str()).collect();
        for gone in old
            .channels
            .iter()
            .filter(|c| !channels.contains(c.name.as_str()))
        {
            self.metrics.channel_removed(&gone.name);
        }
        info!(
            feeds = self.schedule.len(),
            added,
            removed = removed.len(),
            rules = new.engine.rules.rules().len(),
            channels = cfg.channels.len(),
            "configuration reloaded"
        );
        self.loaded = new;
        self.apply_channels().await;
    }
}

/// Every feed the store knows.
pub(super) async fn stored_feeds(ctx: &PollContext) -> Vec<FeedState> {
    let store = ctx.store.clone();
    match tokio::task::spawn_blocking(move || lock(&store).feeds()).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            warn!(error = %e, "cannot read the stored feed state; new slots for every feed");
            Vec::new()
        }
        Err(e) => {
            warn!(error = %e, "cannot read the stored feed state; new slots for every feed");
            Vec::new()
        }
    }
}

/// How far in the future a stored last poll may lie before the wall clock is taken to
/// have moved back since (clocks of one machine drift by less).
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(5);

/// Each known feed's stored next poll, so a restart keeps the schedule. A feed whose
/// last poll lies in the future was polled while the wall clock ran ahead (a wrong
/// clock at boot, corrected since): its stored next poll is off by as much as the
/// clock moved, maybe years, so it is dropped and the feed gets a fresh slot.
fn next_polls(stored: &[FeedState]) -> HashMap<String, DateTime<Utc>> {
    let latest_sane = Utc::now() + CLOCK_SLACK;
    stored
        .iter()
        .filter(|f| f.last_poll.is_none_or(|t| t <= latest_sane))
        .filter_map(|f| Some((f.name.clone(), f.next_poll?)))
        .collect()
}

/// Alerts raised since local midnight, for the status line after a restart.
async fn alerts_today(ctx: &PollContext) -> u64 {
    let midnight = Local::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(Local).earliest())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let store = ctx.store.clone();
    match tokio::task::spawn_blocking(move || lock(&store).alerts_since(midnight)).await {
        Ok(Ok(n)) => n,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(name: &str, last_poll_s: i64, next_poll_s: i64) -> FeedState {
        let now = Utc::now();
        FeedState {
            name: name.into(),
            last_poll: Some(now + chrono::Duration::seconds(last_poll_s)),
            next_poll: Some(now + chrono::Duration::seconds(next_poll_s)),
            ..FeedState::default()
        }
    }

    #[test]
    fn a_schedule_from_a_clock_that_ran_ahead_is_not_kept() {
        let ten_years = 10 * 365 * 86400;
        let kept = next_polls(&[
            state("normal", -5, 600),
            state("backoff", -5, 6 * 3600),
            state("clock-ran-ahead", ten_years, ten_years + 600),
        ]);
        assert!(kept.contains_key("normal") && kept.contains_key("backoff"));
        assert!(!kept.contains_key("clock-ran-ahead"), "{kept:?}");
    }
}
