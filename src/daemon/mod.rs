//! The daemon: wiring (config → engine, store, fetcher, deliverer), the event loop,
//! signals, sd_notify, and ordered shutdown. `once` is one poll of every feed followed
//! by delivery.
//!
//! The event loop is one `select!` over: SIGTERM/SIGINT (stop), SIGHUP (reload config,
//! watchlists and knowledge base; reopen the alert log), edited config files (when
//! `watch_config` is on), the next due feed, finished polls, the watchdog tick and a
//! daily outbox clean-up. `WATCHDOG=1` is sent from this loop, and only while the
//! delivery loop is not stuck mid-round, so systemd restarts a daemon whose work has
//! stopped, not just one whose process died.
//!
//! Shutdown: `STOPPING=1`; no new polls; running polls get [`STOP_GRACE`] to finish
//! (an unfinished one has committed nothing and is simply redone next start); then the
//! deliverer drains the outbox, bounded by [`DRAIN_LIMIT`] so the whole stop fits in
//! the units' `TimeoutStopSec=30s` (what is left stays queued, never lost), while each
//! channel finishes the attempt it has under way (at most [`CHANNEL_GRACE`]).

mod reload;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use chrono::Utc;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{error, info, warn};

use crate::cluster::{Guarded, Membership, Node, Wiring};
use crate::config::{Config, FeedSource};
use crate::diag::Diagnostics;
use crate::service::dirs;
use crate::service::metrics::{self, Metrics};
use crate::service::notify::ServiceManager;
use crate::service::status::LiveStatus;
use crate::service::watch::{ConfigWatch, WATCH_EVERY};
use crate::sink::channel::queue::ChannelObserver;
use crate::sink::channel::set::{self as channels, ChannelSet};
use crate::sink::deliver::{Deliverer, DeliveryObserver, Progress};
use crate::sink::jsonl::AlertLog;
use crate::source::fetch::Fetcher;
use crate::source::hosts::Hosts;
use crate::source::schedule::{Schedule, stagger};
use crate::store::{SharedStore, StateLock, Store, lock};
use crate::worker::engine::Engine;
use crate::worker::poll::{PollContext, poll_feed};
use reload::Running;

/// In a cluster, how soon a due feed is looked at again while this instance does not
/// see the members yet (starting, or NATS out of reach), plus a stable per-feed offset
/// within [`NOT_JOINED_SPREAD`], so the feeds that came due meanwhile do not all go at
/// once when it does.
const NOT_JOINED_RETRY: Duration = Duration::from_secs(2);
/// See [`NOT_JOINED_RETRY`].
const NOT_JOINED_SPREAD: Duration = Duration::from_secs(30);
/// In a cluster, how long a feed another instance owns waits before it is looked at
/// again: a change of members that hands it to this instance makes it due at once
/// (`Running::members_changed`), so this is only a backstop, and it spares every
/// instance waking for each feed of the cluster at each of its intervals.
const NOT_OWNED_RECHECK: Duration = Duration::from_secs(3600);
/// How long running polls may take to finish once a stop is asked for.
pub const STOP_GRACE: Duration = Duration::from_millis(1500);
/// How long the outbox may take to drain at stop (the units allow 30 s in all).
pub const DRAIN_LIMIT: Duration = Duration::from_secs(20);
/// Delivered alerts older than this leave the outbox (the alert log keeps them).
const OUTBOX_KEEP: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often the outbox is cleaned.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);
/// How long a channel's attempt under way may take to finish when the channel is
/// stopped, restarted or removed (cut short, it is made again).
pub const CHANNEL_GRACE: Duration = Duration::from_secs(5);

/// Everything a loaded configuration builds.
pub(crate) struct Loaded {
    /// The validated config.
    config: Config,
    /// Its extractor and rules.
    engine: Arc<Engine>,
}

/// Reads and checks the config, its watchlists and knowledge base: every problem.
/// The warnings of a config that loads are logged (at start, `once` and reload).
fn load(path: &Path) -> Result<Loaded, Diagnostics> {
    let config = Config::load(path)?;
    let engine = Engine::load(&config)?;
    for w in &config.warnings {
        warn!(problem = %w, "configuration warning");
    }
    Ok(Loaded {
        config,
        engine: Arc::new(engine),
    })
}

/// What [`open`] opens: the poll context, the deliverer, and the lock that keeps
/// other `run`s and `once`s off the state while they are in use.
struct Opened {
    /// What every poll gets.
    ctx: PollContext,
    /// Delivers the outbox.
    deliverer: Deliverer,
    /// Held until the command ends.
    lock: StateLock,
}

/// Opens the store (refusing if another newswatch uses it) and the alert log, and
/// builds the poll context.
async fn open(loaded: &Loaded, clustered: bool) -> anyhow::Result<Opened> {
    let config = &loaded.config;
    // The store first: it creates the folder and explains a folder it cannot use. It
    // only reads a file that is in use until the lock below is ours.
    let store = Store::open(&config.state_dir)
        .with_context(|| format!("cannot open the state in {}", config.state_dir.display()))?;
    let lock = StateLock::acquire(&config.state_dir)?;
    let mut store = store;
    // In a cluster the channels are fed by the team's shared consumer, so each fires
    // once for the whole team (`once` polls alone and feeds them from the outbox).
    store.set_team_channels(clustered);
    let store: SharedStore = Arc::new(Mutex::new(store));
    let log = AlertLog::open(&config.alert_log)
        .with_context(|| format!("cannot open the alert log {}", config.alert_log.display()))?;
    let fetcher = Fetcher::new(&config.http);
    if config
        .feeds
        .iter()
        .any(|f| matches!(f.source, FeedSource::Http(_)))
    {
        fetcher.http_ready()?;
    }
    let ctx = PollContext {
        fetcher,
        store: store.clone(),
        engine: loaded.engine.clone(),
        wake: Arc::new(Notify::new()),
        hosts: Arc::new(Hosts::new(config.concurrency, config.polling.per_host)),
        polling: config.polling.clone(),
    };
    let deliverer = Deliverer::new(store, log, &config.desktop).await;
    Ok(Opened {
        ctx,
        deliverer,
        lock,
    })
}

/// What `once` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OnceSummary {
    /// Feeds polled.
    pub feeds: usize,
    /// Feeds whose poll failed.
    pub failed: usize,
    /// Items not seen before.
    pub new_items: usize,
    /// Alerts raised.
    pub alerts: usize,
    /// Alert lines written to the log (may include alerts queued by an earlier run).
    pub logged: usize,
}

/// One poll of every feed, then delivery of everything queued.
pub async fn once(config_path: &Path) -> anyhow::Result<OnceSummary> {
    Ok(once_for_exit(config_path).await?.0)
}

/// [`once`] in a process that exits next: it also hands back what it loaded (the
/// config, the knowledge base, the matchers and rules), for the caller to let go
/// without freeing it. Dropping it walks every allocation, a fifth of the CPU of a
/// `once` with nothing new; the kernel takes it back at exit in one go.
pub async fn once_for_exit(config_path: &Path) -> anyhow::Result<(OnceSummary, impl Sized)> {
    let loaded = load(config_path).map_err(|d| anyhow!("{d}"))?;
    let Opened {
        ctx,
        mut deliverer,
        lock: _lock,
    } = open(&loaded, false).await?;
    // Channels new to the store take what this poll raises.
    channels::sync_store(&ctx.store, &loaded.config.channels)
        .await
        .context("registering the channels")?;
    let mut set = JoinSet::new();
    for feed in loaded.config.feeds.clone() {
        let ctx = ctx.clone();
        // poll_feed waits for its host's and a global slot itself.
        set.spawn(async move { poll_feed(&ctx, &feed).await });
    }
    let mut summary = OnceSummary {
        feeds: loaded.config.feeds.len(),
        ..OnceSummary::default()
    };
    while let Some(res) = set.join_next().await {
        match res {
            Ok(r) => {
                summary.failed += usize::from(r.error.is_some());
                summary.new_items += r.new_items;
                summary.alerts += r.alerts;
            }
            Err(e) => {
                error!(error = %e, "poll task failed");
                summary.failed += 1;
            }
        }
    }
    let delivered = deliverer.deliver().await.context("delivering alerts")?;
    summary.logged = delivered.logged;
    let config = &loaded.config;
    if !config.channels.is_empty() {
        channels::drain(
            &ctx.store,
            &config.channels,
            &config.http,
            Arc::new(Metrics::new()),
        )
        .await
        .context("delivering to the channels")?;
    }
    Ok((summary, loaded))
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(config_path: &Path) -> anyhow::Result<()> {
    // Handlers first: a signal during start-up must stop us cleanly, not kill us.
    let mut signals = Signals::install()?;
    let loaded = load(config_path).map_err(|d| anyhow!("{d}"))?;
    for problem in dirs::check_env(&loaded.config) {
        warn!(problem = %problem, "state or alert log outside the unit's directories");
    }
    let (mut rt, background) = start(config_path, loaded).await?;
    let mut polls = Polls::default();
    serve(&mut rt, &mut signals, &mut polls, &background.progress).await;
    stop(&mut rt, polls, background).await;
    Ok(())
}

/// The signals the daemon acts on.
struct Signals {
    /// SIGTERM: stop.
    term: Signal,
    /// SIGINT: stop.
    int: Signal,
    /// SIGHUP: reload the config, reopen the alert log.
    hup: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// The tasks that run beside the event loop until the stop.
struct Background {
    /// Whether the delivery loop is stuck, for the watchdog.
    progress: Progress,
    /// Tells the delivery loop and the metrics endpoint to finish.
    stop_tx: watch::Sender<bool>,
    /// The delivery loop.
    delivery: JoinHandle<()>,
    /// The metrics endpoint, when enabled.
    endpoint: Option<JoinHandle<()>>,
    /// The state directory's lock, released when the daemon ends.
    _lock: StateLock,
}

/// Opens the store and the alert log, starts the delivery loop and the metrics
/// endpoint, seeds the schedule from the store, and tells systemd it is ready.
async fn start(config_path: &Path, loaded: Loaded) -> anyhow::Result<(Running, Background)> {
    let metrics = Arc::new(Metrics::new());
    let Opened {
        ctx,
        mut deliverer,
        lock,
    } = open(&loaded, loaded.config.cluster.is_some()).await?;
    deliverer.set_observer(metrics.clone());
    let progress = deliverer.progress();
    let (stop_tx, stop_rx) = watch::channel(false);
    let endpoint = match loaded.config.metrics {
        Some(addr) => {
            let listener = metrics::bind(addr)
                .await
                .with_context(|| format!("cannot listen for metrics on {addr}"))?;
            Some(tokio::spawn(metrics::serve(
                listener,
                metrics.clone(),
                stop_rx.clone(),
            )))
        }
        None => None,
    };
    let log_handle = deliverer.log_handle();
    let delivery = tokio::spawn(deliverer.run(ctx.wake.clone(), stop_rx));
    let watcher = loaded
        .config
        .watch_config
        .then(|| ConfigWatch::new(&loaded.config));
    let channels = ChannelSet::new(ctx.store.clone(), metrics.clone());
    let mut rt = Running {
        config_path: config_path.to_path_buf(),
        loaded,
        ctx,
        schedule: Schedule::new(),
        status: LiveStatus::new([], Utc::now().date_naive(), 0),
        metrics,
        manager: ServiceManager::from_env(),
        log_handle,
        watcher,
        channels,
        cluster: None,
    };
    let line = rt.start().await;
    // The cluster after the channels: the team's consumer hands alerts to them.
    if let Some(c) = &rt.loaded.config.cluster {
        let wiring = Wiring {
            store: rt.ctx.store.clone(),
            deliver_wake: rt.ctx.wake.clone(),
            team: rt.channels.team(),
            feeds: rt
                .loaded
                .config
                .feeds
                .iter()
                .map(|f| f.name.clone())
                .collect(),
        };
        rt.cluster = Some(Node::start(c, wiring).await?);
    }
    log_start(&rt);
    rt.manager.ready(&line);
    let background = Background {
        progress,
        stop_tx,
        delivery,
        endpoint,
        _lock: lock,
    };
    Ok((rt, background))
}

/// The start line: what is loaded (feeds, rules, channels if any) and when the first polls are due (they are spread
/// over up to 30 s, or longer after a restart, and nothing else is logged until then).
fn log_start(rt: &Running) {
    let feeds = rt.schedule.len();
    let rules = rt.loaded.engine.rules.rules().len();
    let state_dir = rt.loaded.config.state_dir.display().to_string();
    let watchdog_ms = rt.manager.watchdog_interval().map(|d| d.as_millis() as u64);
    let now = Instant::now();
    let wait = |at: Instant| {
        let d = at.saturating_duration_since(now);
        crate::duration::short_span(chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
    };
    let channels = rt.loaded.config.channels.len();
    let loaded = match channels {
        0 => format!("{feeds} feed(s), {rules} rule(s)"),
        n => format!("{feeds} feed(s), {rules} rule(s), {n} channel(s)"),
    };
    match rt.schedule.due_span() {
        Some((feed, first, last)) => {
            let (first_in, all_in) = (wait(first), wait(last));
            info!(feeds, rules, channels, state_dir, watchdog_ms, first_feed = %feed,
                first_poll_in = %first_in, all_polled_within = %all_in,
                "newswatch running: {loaded}; first poll in {first_in} ({feed}), every feed within {all_in}");
        }
        None => warn!(
            rules,
            channels,
            state_dir,
            config = %rt.config_path.display(),
            "newswatch running with no feed to poll: add [[feed]] entries to the config and reload"
        ),
    }
}

/// Polls under way, by task: a feed is never polled twice at once.
#[derive(Default)]
struct Polls {
    /// The poll tasks.
    set: JoinSet<Guarded>,
    /// Which feed each task polls.
    feeds: HashMap<tokio::task::Id, String>,
}

impl Polls {
    /// Starts a poll of each feed that is due.
    /// In a cluster, a feed another instance owns is not polled: it is looked at
    /// again after [`NOT_OWNED_RECHECK`] (or as soon as the members change so that it
    /// is this instance's).
    fn start_due(&mut self, rt: &mut Running) {
        let now = Instant::now();
        for feed in rt.schedule.take_due(now) {
            let name = feed.name.clone();
            let ctx = rt.ctx.clone();
            // poll_feed waits for its host's and a global slot itself.
            let task = match &rt.cluster {
                None => self
                    .set
                    .spawn(async move { Guarded::Polled(poll_feed(&ctx, &feed).await) }),
                Some(node) if !node.joined() => {
                    let wait = NOT_JOINED_RETRY + stagger(&name, NOT_JOINED_SPREAD);
                    let soon = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    rt.schedule.finished(&name, Some(soon), now);
                    continue;
                }
                Some(node) if !node.owns(&name) => {
                    let later = chrono::Duration::from_std(NOT_OWNED_RECHECK).unwrap_or_default();
                    rt.schedule.finished(&name, Some(Utc::now() + later), now);
                    continue;
                }
                Some(node) => {
                    let node = node.clone();
                    self.set.spawn(async move { node.poll(&ctx, &feed).await })
                }
            };
            self.feeds.insert(task.id(), name);
        }
    }

    /// Books a finished poll task. A poll that panicked is retried after its interval,
    /// never forgotten.
    fn finished(
        &mut self,
        rt: &mut Running,
        res: Result<(tokio::task::Id, Guarded), tokio::task::JoinError>,
    ) {
        let (id, report) = match res {
            Ok((id, Guarded::Polled(report))) => (id, Some(report)),
            Ok((id, Guarded::Skipped(next))) => {
                if let Some(name) = self.feeds.remove(&id) {
                    rt.schedule.finished(&name, Some(next), Instant::now());
                }
                return;
            }
            Err(e) => (e.id(), None),
        };
        let Some(name) = self.feeds.remove(&id) else {
            return;
        };
        if report.is_none() {
            error!(feed = %name, "poll task failed; retrying after the interval");
        }
        rt.finished(&name, report.as_ref());
    }
}

/// An interval whose missed ticks are skipped, not bunched.
fn ticker(every: Duration) -> tokio::time::Interval {
    let mut t = tokio::time::interval(every);
    t.set_missed_tick_behavior(MissedTickBehavior::Delay);
    t
}

/// The event loop, until SIGTERM or SIGINT: signals, edited config files (when
/// `watch_config` is on), due feeds, finished polls, the watchdog and the daily outbox
/// clean-up.
async fn serve(rt: &mut Running, signals: &mut Signals, polls: &mut Polls, progress: &Progress) {
    let watchdog = rt.manager.watchdog_interval();
    let watchdog_limit = rt.manager.watchdog_timeout().unwrap_or(Duration::MAX);
    let mut watchdog_tick = ticker(watchdog.unwrap_or(Duration::from_secs(3600)));
    let mut watch_tick = ticker(WATCH_EVERY);
    let mut prune_tick = ticker(PRUNE_EVERY);
    let mut membership = rt.cluster.as_ref().map(|n| n.membership());
    loop {
        let next = rt.schedule.next_due();
        let sleep_until = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = signals.term.recv() => { info!("SIGTERM: stopping"); return; }
            _ = signals.int.recv() => { info!("SIGINT: stopping"); return; }
            _ = signals.hup.recv() => rt.reload("SIGHUP", true).await,
            _ = watch_tick.tick(), if rt.watcher.is_some() => {
                if rt.watcher.as_mut().is_some_and(ConfigWatch::changed) {
                    rt.reload("config files changed", false).await;
                }
            }
            _ = tokio::time::sleep_until(sleep_until), if next.is_some() => polls.start_due(rt),
            Some(res) = polls.set.join_next_with_id() => polls.finished(rt, res),
            _ = watchdog_tick.tick(), if watchdog.is_some() => {
                match progress.stalled_for().filter(|d| *d >= watchdog_limit) {
                    None => rt.manager.watchdog(),
                    Some(d) => warn!(stalled_ms = d.as_millis() as u64,
                        "delivery has not moved; withholding the watchdog keep-alive"),
                }
            }
            _ = prune_tick.tick() => prune(&rt.ctx.store).await,
            (before, now) = members_changed(&mut membership) => rt.members_changed(&before, &now),
        }
    }
}

/// The next change of the cluster's members (never, when alone).
async fn members_changed(
    m: &mut Option<Membership>,
) -> (
    crate::cluster::members::Members,
    crate::cluster::members::Members,
) {
    match m {
        Some(m) => m.changed().await,
        None => std::future::pending().await,
    }
}

/// The ordered stop: `STOPPING=1`; running polls get [`STOP_GRACE`], then are
/// cancelled; then the deliverer drains the outbox within [`DRAIN_LIMIT`] and the
/// metrics endpoint closes.
async fn stop(rt: &mut Running, mut polls: Polls, background: Background) {
    rt.manager
        .stopping("stopping: finishing polls and deliveries");
    // Stop the sources first: running polls get a short grace, then are cancelled.
    let grace = tokio::time::sleep(STOP_GRACE);
    tokio::pin!(grace);
    while !polls.set.is_empty() {
        tokio::select! {
            _ = polls.set.join_next() => {}
            _ = &mut grace => { polls.set.abort_all(); break; }
        }
    }
    // Leave the cluster, so the others take this instance's feeds at once.
    if let Some(node) = &rt.cluster {
        node.leave(&rt.ctx.store).await;
    }
    // Then let the deliverer drain the outbox (and the metrics endpoint close), and
    // the channels finish the attempts under way.
    let _ = background.stop_tx.send(true);
    let (drained, ()) = tokio::join!(
        tokio::time::timeout(DRAIN_LIMIT, background.delivery),
        rt.channels.stop(CHANNEL_GRACE)
    );
    match drained {
        Ok(Ok(())) => {}
        Ok(Err(e)) => error!(error = %e, "delivery task failed"),
        Err(_) => {
            warn!("delivery did not finish in time; the rest stays queued for the next start")
        }
    }
    if let Some(endpoint) = background.endpoint {
        endpoint.abort();
    }
    info!("stopped");
}

/// The channels report to the metrics.
impl ChannelObserver for Metrics {
    fn channel_delivered(&self, channel: &str, alerts: usize, at: chrono::DateTime<Utc>) {
        Metrics::channel_delivered(self, channel, alerts, at);
    }
    fn channel_failed(&self, channel: &str, permanent: bool) {
        Metrics::channel_failed(self, channel, permanent);
    }
    fn channel_given_up(&self, channel: &str, alerts: usize) {
        Metrics::channel_given_up(self, channel, alerts);
    }
    fn channel_queue(&self, channel: &str, queued: u64) {
        Metrics::channel_queue(self, channel, queued);
    }
}

/// Drops delivered alerts older than [`OUTBOX_KEEP`] from the outbox.
async fn prune(store: &SharedStore) {
    let store = store.clone();
    let before =
        Utc::now() - chrono::Duration::from_std(OUTBOX_KEEP).unwrap_or(chrono::Duration::MAX);
    match tokio::task::spawn_blocking(move || lock(&store).prune_outbox(before)).await {
        Ok(Ok(n)) if n > 0 => info!(removed = n, "old delivered alerts removed from the outbox"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => warn!(error = %e, "cannot clean the outbox"),
        Err(e) => warn!(error = %e, "cannot clean the outbox"),
    }
}

/// The delivery loop reports into the metrics: the daemon wires the two together, so
/// neither the sinks nor the service layer import each other.
impl DeliveryObserver for Metrics {
    fn alert_logged(
        &self,
        rule: &str,
        published: Option<chrono::DateTime<Utc>>,
        at: chrono::DateTime<Utc>,
    ) {
        Metrics::alert_logged(self, rule, published, at);
    }

    fn notification_failed(&self) {
        Metrics::notification_failed(self);
    }
}
