//! The desktop half of delivery: popups from the outbox, and what happens when they
//! cannot be shown.
//!
//! States: off (`[desktop] enabled = false`), unavailable (no session bus; retried now
//! and then), ready, and paused (a call timed out or found no server: it hangs or is
//! gone). While paused, popups are skipped at once, so the alert log never waits
//! behind a frozen server, and a probe task asks the server, with a growing pause,
//! whether it answers again; when it does, delivery resumes.
//!
//! Nothing lost from view goes unsaid. A popup skipped or failed while a notifier was
//! there, and an alert held back by its rule's cooldown, is owed a summary in the
//! outbox ([`crate::store::DueSummary`]); once the server answers and the summary is
//! due, one notification per rule says how many alerts were not shown and how to list
//! them ("4 more alerts for tiktok"). Being stored, what is owed survives a restart.
//! Without a desktop session at all nothing is owed: the alerts are in the log.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::{BATCH, DeliverError, DeliveryObserver, Progress};
use crate::config::Desktop;
use crate::model::Alert;
use crate::sink::desktop::{DEFAULT_OPENER, DesktopError, DesktopNotifier, Opener};
use crate::store::{SharedStore, lock};
use crate::store::{Store, StoreError};

/// How long to wait before trying the session bus again.
const BUS_RETRY: Duration = Duration::from_secs(60);
/// The first pause before asking a hung server whether it answers again; it doubles
/// after each unanswered probe, up to [`BUS_RETRY`].
const PROBE_FIRST: Duration = Duration::from_secs(1);

/// Where desktop delivery stands.
enum State {
    /// Notifications are switched off in the config.
    Off,
    /// No session bus or server; try again at `retry_at`.
    Unavailable { retry_at: Instant },
    /// Notifications go out.
    Ready(DesktopNotifier),
    /// The server hangs: popups are skipped (and owed a summary) until a probe is
    /// answered.
    Paused(Paused),
}

/// A hung server, and the probing that finds out when it answers again.
struct Paused {
    /// The notifier, kept: its connection to the bus is fine.
    notifier: DesktopNotifier,
    /// The probe under way, if any.
    probe: Option<JoinHandle<Result<(), DesktopError>>>,
    /// When to send the next probe (when none is under way).
    next_probe: Instant,
    /// The pause before the next probe after this one goes unanswered.
    backoff: Duration,
}

/// Desktop delivery: the notifier's state and the summaries owed.
pub(super) struct Popups {
    /// The `[desktop]` settings.
    cfg: Desktop,
    /// Where delivery stands.
    state: State,
    /// Whether the "no desktop" warning was given (it is given once).
    warned: bool,
    /// When the next owed summary falls due (a cooldown ends), as last read.
    next_summary: Option<Instant>,
    /// Woken when a probe finishes, so that delivery resumes without waiting for
    /// its next round.
    wake: Option<Arc<Notify>>,
}

impl Popups {
    /// Desktop delivery per `cfg`, connected at once when enabled.
    pub(super) async fn new(cfg: &Desktop) -> Self {
        let mut p = Popups {
            cfg: cfg.clone(),
            state: if cfg.enabled {
                State::Unavailable {
                    retry_at: Instant::now(),
                }
            } else {
                State::Off
            },
            warned: false,
            next_summary: None,
            wake: None,
        };
        p.connect().await;
        p
    }

    /// Wakes `wake` when a probe finishes.
    pub(super) fn set_wake(&mut self, wake: Arc<Notify>) {
        self.wake = Some(wake);
    }

    /// When delivery should look again without being woken: a summary falls due, or
    /// a probe is to be sent.
    pub(super) fn next_wake(&self) -> Option<Instant> {
        match &self.state {
            State::Ready(_) => self.next_summary,
            State::Paused(p) if p.probe.is_none() => Some(p.next_probe),
            _ => None,
        }
    }

    /// Shows the popups waiting in the outbox, then the summaries due; returns how
    /// many popups were shown.
    pub(super) async fn deliver(
        &mut self,
        store: &SharedStore,
        observer: &dyn DeliveryObserver,
        progress: &Progress,
    ) -> Result<usize, DeliverError> {
        self.connect().await;
        self.follow_probe();
        let mut shown = 0;
        if !matches!(self.state, State::Ready(_) | State::Paused(_)) {
            // Off, or no session: nothing to show and nothing owed; marked in one
            // statement, without reading the alerts.
            let n = blocking(store, |s| s.skip_popups(Utc::now())).await?;
            if n > 0 {
                debug!(
                    count = n,
                    "desktop notifications not shown: desktop off, or no session"
                );
            }
        }
        // Ready or paused: what is not shown is owed a summary.
        while matches!(self.state, State::Ready(_) | State::Paused(_)) {
            let batch = blocking(store, move |s| s.take_popups(BATCH, Utc::now())).await?;
            if batch.is_empty() {
                break;
            }
            let State::Ready(notifier) = &self.state else {
                debug!(
                    count = batch.len(),
                    "desktop notifications not shown: the server hangs; summarised later"
                );
                continue;
            };
            let mut taken = Vec::with_capacity(batch.len());
            let mut hung = false;
            for p in &batch {
                if hung {
                    debug!(alert_id = %p.alert_id, "notification server hung: notification skipped, summarised later");
                    continue;
                }
                let alert: Alert = match serde_json::from_str(&p.json) {
                    Ok(a) => a,
                    Err(e) => {
                        warn!(alert_id = %p.alert_id, error = %e, "stored alert unreadable; not shown");
                        continue;
                    }
                };
                match notifier.notify(&alert).await {
                    Ok(()) => {
                        shown += 1;
                        taken.push(p.seq);
                    }
                    Err(e) => {
                        observer.notification_failed();
                        // A server that let one call time out will let the next ones time
                        // out too, each holding up the alert log behind it; one that is
                        // gone will fail them all.
                        hung = unreachable_server(&e);
                        warn!(feed = %alert.feed.name, rule = %alert.rule, item = %alert.item.id,
                            alert_id = %alert.alert_id, error = %e, "desktop notification failed")
                    }
                }
                progress.moved();
            }
            blocking(store, move |s| s.popups_shown(&taken)).await?;
            if hung {
                self.pause();
            }
        }
        self.summarise(store, observer, progress).await?;
        Ok(shown)
    }

    /// Shows the summaries due, one per rule, when the server answers.
    async fn summarise(
        &mut self,
        store: &SharedStore,
        observer: &dyn DeliveryObserver,
        progress: &Progress,
    ) -> Result<(), DeliverError> {
        let State::Ready(notifier) = &self.state else {
            return Ok(());
        };
        let due = blocking(store, |s| s.due_summaries(Utc::now())).await?;
        let mut hung = false;
        for d in due {
            match notifier.notify_summary(&d.rule, d.count).await {
                Ok(()) => {
                    info!(rule = %d.rule, count = d.count, "summary of alerts not shown on the desktop")
                }
                Err(e) => {
                    observer.notification_failed();
                    warn!(rule = %d.rule, count = d.count, error = %e, "summary notification failed");
                    if unreachable_server(&e) {
                        // Still owed: shown when the server answers again.
                        hung = true;
                        break;
                    }
                    // Refused: not asked again and again.
                }
            }
            blocking(store, move |s| s.summarised(&d)).await?;
            progress.moved();
        }
        if hung {
            self.pause();
        }
        let next = blocking(store, |s| s.next_summary_due(Utc::now())).await?;
        self.next_summary =
            next.map(|t| Instant::now() + (t - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        Ok(())
    }

    /// Connects when unavailable and it is time to try again.
    async fn connect(&mut self) {
        let State::Unavailable { retry_at } = self.state else {
            return;
        };
        if Instant::now() < retry_at {
            return;
        }
        let under_systemd = std::env::var_os("INVOCATION_ID").is_some();
        let opener = opener_for(
            &self.cfg.open_command,
            under_systemd,
            under_systemd.then(find_systemd_run).flatten(),
        );
        let connecting = DesktopNotifier::builder()
            .call_timeout(self.cfg.timeout)
            .opener(opener)
            .connect();
        match connecting.await {
            Ok(n) => {
                info!("desktop notifications on");
                self.state = State::Ready(n);
            }
            Err(e) => {
                // One clear warning; then quietly retry now and then (a session may start).
                if !self.warned {
                    warn!(error = %e, "desktop notifications unavailable; alerts still go to the alert log");
                    self.warned = true;
                }
                self.state = State::Unavailable {
                    retry_at: Instant::now() + BUS_RETRY,
                };
            }
        }
    }

    /// Ready → paused, after a call timed out or found no server.
    fn pause(&mut self) {
        let state = std::mem::replace(&mut self.state, State::Off);
        self.state = match state {
            State::Ready(notifier) => {
                warn!(
                    "notification server not answering (hung, or gone); desktop notifications \
                     paused, alerts still go to the alert log and what is not shown is \
                     summarised when it answers"
                );
                State::Paused(Paused {
                    notifier,
                    probe: None,
                    next_probe: Instant::now() + PROBE_FIRST,
                    backoff: PROBE_FIRST,
                })
            }
            other => other,
        };
    }

    /// While paused: sends the next probe when it is time, and acts on its answer.
    fn follow_probe(&mut self) {
        let State::Paused(p) = &mut self.state else {
            return;
        };
        let answer = match &mut p.probe {
            Some(h) => match h.now_or_never() {
                Some(answer) => answer,
                None => return, // under way
            },
            None => {
                if Instant::now() >= p.next_probe {
                    let probe = p.notifier.probe();
                    let wake = self.wake.clone();
                    p.probe = Some(tokio::spawn(async move {
                        let answer = probe.await;
                        if let Some(w) = wake {
                            w.notify_one();
                        }
                        answer
                    }));
                }
                return;
            }
        };
        p.probe = None;
        match answer {
            Ok(Ok(())) => {
                info!("notification server answers again; desktop notifications resumed");
                let state = std::mem::replace(&mut self.state, State::Off);
                if let State::Paused(p) = state {
                    self.state = State::Ready(p.notifier);
                }
            }
            Ok(Err(DesktopError::Timeout { .. } | DesktopError::NoServer(_))) => {
                p.backoff = (p.backoff * 2).min(BUS_RETRY);
                p.next_probe = Instant::now() + p.backoff;
            }
            Ok(Err(e)) => {
                // The connection itself failed (the bus went away): connect afresh.
                warn!(error = %e, "desktop notifications: the session bus connection failed; reconnecting");
                self.state = State::Unavailable {
                    retry_at: Instant::now(),
                };
            }
            Err(e) => {
                warn!(error = %e, "desktop notification probe failed");
                p.next_probe = Instant::now() + p.backoff;
            }
        }
    }
}

/// Whether `e` says the server is hung or gone (rather than that it refused this one
/// notification): then the next calls would fail too, and delivery pauses.
fn unreachable_server(e: &DesktopError) -> bool {
    matches!(e, DesktopError::Timeout { .. } | DesktopError::NoServer(_))
}

/// Runs `f` on the store in the blocking pool.
async fn blocking<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, DeliverError> {
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&mut lock(&store)))
        .await
        .map_err(|e| DeliverError::Join(e.to_string()))??)
}

/// The opener for `open_command`. Under systemd (`$INVOCATION_ID` set: the user unit)
/// the default `xdg-open` runs as a transient service of the user's service manager
/// (`systemd-run --user --collect`): the browser it may start is then the manager's
/// child, not the daemon's, so it is outside the unit's sandbox (which it would not
/// survive: read-only home, no W^X memory), outside its cgroup (a stop, restart or
/// watchdog kill of newswatch does not take it along), and gone from the unit list
/// when it exits. The manager expands `$` in the arguments, hence
/// [`Opener::through_service_manager`].
pub fn opener_for(open_command: &str, under_systemd: bool, systemd_run: Option<PathBuf>) -> Opener {
    let mut words = open_command.split_whitespace();
    let program = words.next().unwrap_or(DEFAULT_OPENER);
    let mut opener = match systemd_run {
        Some(run) if under_systemd && program == DEFAULT_OPENER => Opener::new(run)
            .arg("--user")
            .arg("--collect")
            .arg("--quiet")
            .arg("--description=newswatch: open a link")
            .arg("--")
            .arg(program)
            .through_service_manager(),
        _ => Opener::new(program),
    };
    for w in words {
        opener = opener.arg(w);
    }
    opener
}

/// `systemd-run` from `PATH`, if there.
fn find_systemd_run() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("systemd-run"))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_opener_runs_as_a_service_of_its_own_under_systemd() {
        let run = Some(PathBuf::from("/usr/bin/systemd-run"));
        let o = opener_for("xdg-open", true, run.clone());
        assert_eq!(
            o,
            Opener::new("/usr/bin/systemd-run")
                .arg("--user")
                .arg("--collect")
                .arg("--quiet")
                .arg("--description=newswatch: open a link")
                .arg("--")
                .arg("xdg-open")
                .through_service_manager()
        );
        // The manager would expand `${HOME}`: the link arrives as written.
        assert_eq!(
            o.link_argument("https://example.org/?q=${HOME}&p=$PATH"),
            "https://example.org/?q=$${HOME}&p=$$PATH"
        );
        let direct = opener_for("xdg-open", false, run.clone());
        assert_eq!(direct, Opener::new("xdg-open"));
        assert_eq!(direct.link_argument("https://e.org/$x"), "https://e.org/$x");
        assert_eq!(opener_for("xdg-open", true, None), Opener::new("xdg-open"));
        let custom = opener_for("firefox --new-tab", true, run);
        assert_eq!(
            custom,
            Opener::new("firefox").arg("--new-tab"),
            "{custom:?}"
        );
    }
}
