//! The daemon: wiring (config → engine, store, fetcher, deliverer), the schedule that
//! decides which feed is polled when, signals (TERM/INT stop, HUP reloads), sd_notify,
//! and ordered shutdown: stop starting polls, let the running ones finish (briefly),
//! then drain the outbox. `once` is one poll of every feed followed by delivery.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use sd_notify::NotifyState;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::engine::Engine;
use crate::poll::{PollContext, PollReport, poll_feed};
use crate::sink::deliver::{Deliverer, SharedStore};
use crate::sink::jsonl::AlertLog;
use crate::source::fetch::Fetcher;
use crate::source::hosts::Hosts;
use crate::source::schedule::Schedule;
use crate::store::Store;

/// How long running polls may take to finish once a stop is asked for.
const STOP_GRACE: Duration = Duration::from_millis(1500);

/// Everything a loaded configuration builds.
struct Loaded {
    config: Config,
    engine: Arc<Engine>,
}

fn load(path: &Path) -> anyhow::Result<Loaded> {
    let config = Config::load(path).map_err(|d| anyhow::anyhow!("{d}"))?;
    let engine = Engine::load(&config).map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(Loaded {
        config,
        engine: Arc::new(engine),
    })
}

/// Opens the store and the alert log and builds the poll context.
async fn open(loaded: &Loaded) -> anyhow::Result<(PollContext, Deliverer)> {
    let config = &loaded.config;
    let store = Store::open(&config.state_dir)
        .with_context(|| format!("cannot open the state in {}", config.state_dir.display()))?;
    let store: SharedStore = Arc::new(Mutex::new(store));
    let log = AlertLog::open(&config.alert_log)
        .with_context(|| format!("cannot open the alert log {}", config.alert_log.display()))?;
    let fetcher = Fetcher::new(&config.http)?;
    let ctx = PollContext {
        fetcher,
        store: store.clone(),
        engine: loaded.engine.clone(),
        wake: Arc::new(Notify::new()),
        hosts: Arc::new(Hosts::new(config.concurrency, config.polling.per_host)),
        polling: config.polling.clone(),
        commits: Default::default(),
    };
    let deliverer = Deliverer::new(store, log, &config.desktop).await;
    Ok((ctx, deliverer))
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
    let loaded = load(config_path)?;
    let (ctx, mut deliverer) = open(&loaded).await?;
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
    Ok(summary)
}

fn sd(state: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(state) {
        warn!(error = %e, "sd_notify failed");
    }
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(config_path: &Path) -> anyhow::Result<()> {
    // Handlers first: a signal during start-up must stop us cleanly, not kill us.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut loaded = load(config_path)?;
    let (mut ctx, deliverer) = open(&loaded).await?;
    let log_handle = deliverer.log_handle();
    let (stop_tx, stop_rx) = watch::channel(false);
    let delivery = tokio::spawn(deliverer.run(ctx.wake.clone(), stop_rx));

    let watchdog = sd_notify::watchdog_enabled().map(|d| d / 2);
    let mut watchdog_tick = tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(3600)));

    let mut schedule = Schedule::new();
    schedule.update(
        &loaded.config.feeds,
        &stored_next_polls(&ctx).await,
        Instant::now(),
    );
    // Polls under way, by task: a feed is never polled twice at once.
    let mut running: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut polls: JoinSet<PollReport> = JoinSet::new();
    info!(
        feeds = schedule.len(),
        rules = loaded.engine.rules.rules().len(),
        "newswatch running"
    );
    sd(&[
        NotifyState::Ready,
        NotifyState::Status(&format!("{} feeds", schedule.len())),
    ]);

    loop {
        let next = schedule.next_due();
        let sleep_until = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = term.recv() => { info!("SIGTERM: stopping"); break; }
            _ = int.recv() => { info!("SIGINT: stopping"); break; }
            _ = hup.recv() => {
                sd(&[NotifyState::Reloading, NotifyState::monotonic_usec_now().unwrap_or(NotifyState::Custom(""))]);
                match load(config_path) {
                    Ok(new) => {
                        if new.config.state_dir != loaded.config.state_dir {
                            warn!("state_dir changed: takes effect after a restart");
                        }
                        ctx.engine = new.engine.clone();
                        ctx.hosts.resize(new.config.concurrency, new.config.polling.per_host);
                        ctx.polling = new.config.polling.clone();
                        schedule.update(&new.config.feeds, &stored_next_polls(&ctx).await, Instant::now());
                        log_handle.set_path(&new.config.alert_log);
                        info!(feeds = schedule.len(), rules = new.engine.rules.rules().len(), "configuration reloaded");
                        loaded = new;
                    }
                    Err(e) => error!(error = %e, "new configuration rejected; the old one keeps running"),
                }
                log_handle.reopen();
                sd(&[NotifyState::Ready]);
            }
            _ = tokio::time::sleep_until(sleep_until), if next.is_some() => {
                for feed in schedule.take_due(Instant::now()) {
                    let name = feed.name.clone();
                    let ctx = ctx.clone();
                    // poll_feed waits for its host's and a global slot itself.
                    let task = polls.spawn(async move { poll_feed(&ctx, &feed).await });
                    running.insert(task.id(), name);
                }
            }
            Some(res) = polls.join_next_with_id() => {
                // A poll that panicked is retried after its interval, never forgotten.
                let (id, next_poll) = match res {
                    Ok((id, report)) => (id, Some(report.next_poll)),
                    Err(e) => (e.id(), None),
                };
                let Some(name) = running.remove(&id) else { continue };
                if next_poll.is_none() {
                    error!(feed = %name, "poll task failed; retrying after the interval");
                }
                schedule.finished(&name, next_poll, Instant::now());
            }
            _ = watchdog_tick.tick(), if watchdog.is_some() => {
                sd(&[NotifyState::Watchdog]);
            }
        }
    }

    sd(&[NotifyState::Stopping]);
    // Stop the sources first: running polls get a short grace, then are cancelled (an
    // unfinished poll has committed nothing, so it is simply done again next start).
    let grace = tokio::time::sleep(STOP_GRACE);
    tokio::pin!(grace);
    while !polls.is_empty() {
        tokio::select! {
            _ = polls.join_next() => {}
            _ = &mut grace => { polls.abort_all(); break; }
        }
    }
    // Then let the deliverer drain the outbox.
    let _ = stop_tx.send(true);
    if let Err(e) = delivery.await {
        error!(error = %e, "delivery task failed");
    }
    info!("stopped");
    Ok(())
}

/// Each known feed's stored next poll, so a restart keeps the schedule.
async fn stored_next_polls(ctx: &PollContext) -> HashMap<String, chrono::DateTime<Utc>> {
    let store = ctx.store.clone();
    let read = tokio::task::spawn_blocking(move || {
        crate::sink::deliver::lock(&store).feeds().map(|fs| {
            fs.into_iter()
                .filter_map(|f| Some((f.name, f.next_poll?)))
                .collect()
        })
    })
    .await;
    match read {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            warn!(error = %e, "cannot read the stored schedule; new slots for every feed");
            HashMap::new()
        }
        Err(e) => {
            warn!(error = %e, "cannot read the stored schedule; new slots for every feed");
            HashMap::new()
        }
    }
}
