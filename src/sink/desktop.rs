//! Desktop notifications for alerts, over the freedesktop.org notification protocol
//! (D-Bus `org.freedesktop.Notifications` on the session bus).
//!
//! The notification itself is composed with `notify-rust` (app name, summary, body,
//! urgency hint, actions), then sent over **one long-lived zbus connection** that this
//! module owns. The same connection carries one listener task that receives the
//! server's `ActionInvoked` and `NotificationClosed` signals, so a click on "Open"
//! runs the opener (`xdg-open <link>` by default) without a thread, connection or task
//! per notification.
//!
//! Why not `notify_rust::Notification::show_async`: it opens a new bus connection per
//! notification (with zbus's async-io executor, a thread per connection while the
//! handle lives), and its action waiting unwraps on bus errors. Servers such as dunst
//! send `ActionInvoked` only to the connection that sent `Notify`, so the connection
//! that notifies must be the one that listens: hence one shared connection.
//!
//! Guarantees:
//! - Every D-Bus wait is bounded: [`DesktopNotifier::connect`] and each
//!   [`DesktopNotifier::notify`] finish within the call timeout (one deadline per
//!   operation, shared by its calls), even when the server or the bus is frozen.
//! - Links come from feeds, so they are untrusted: only `http`/`https` URLs get an
//!   "Open" action, and the opener gets the link as one argument (never a shell).
//! - An action is honoured only when the signal comes from the server that showed
//!   the notification (a forged signal from another bus client opens nothing), and
//!   only once.
//! - The map from notification to link is bounded (oldest entries are evicted).

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::StreamExt;
use notify_rust::{Hint, Notification, Timeout, Urgency};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};
use zbus::zvariant::{self, DynamicType};
use zbus::{Connection, MatchRule, Message, MessageStream};

use crate::model::{Alert, Severity};

/// Well-known bus name, object path and interface of the notification server.
const SERVER_NAME: &str = "org.freedesktop.Notifications";
const SERVER_PATH: &str = "/org/freedesktop/Notifications";
const SERVER_INTERFACE: &str = "org.freedesktop.Notifications";

/// The application name the server shows (and groups notifications by).
pub const APP_NAME: &str = "newswatch";

/// The action keys that mean "open the item's link". `default` is what servers
/// invoke when the notification body is clicked; `open` is an explicit button.
pub const OPEN_ACTION_KEYS: [&str; 2] = ["default", "open"];

/// The label of the "Open" action.
pub const OPEN_ACTION_LABEL: &str = "Open";

/// The program that opens links unless the builder says otherwise.
pub const DEFAULT_OPENER: &str = "xdg-open";

/// How many shown notifications remember their link by default.
pub const DEFAULT_MAX_PENDING_ACTIONS: usize = 256;

/// The call timeout of [`DesktopNotifier::builder`] unless set.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest summary and body sent, in characters (servers show a few lines anyway).
const MAX_SUMMARY_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 1000;

/// Queue length of the signal stream; the listener drains it immediately.
const SIGNAL_QUEUE: usize = 64;

/// Why a desktop notification could not be shown. The daemon branches on the cause:
/// no session bus means "warn once and carry on without notifications"; the others
/// are per-alert failures.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// There is no session bus to talk to (no desktop session, or
    /// `DBUS_SESSION_BUS_ADDRESS` points nowhere).
    #[error(
        "no D-Bus session bus at {address}: {reason} \
         (desktop notifications need a desktop session; is DBUS_SESSION_BUS_ADDRESS set?)"
    )]
    NoSessionBus {
        /// The bus address that was tried (or why none could be determined).
        address: String,
        /// What went wrong connecting to it.
        reason: String,
    },
    /// The session bus works but no notification server is running on it.
    #[error("no notification server on the session bus: {0}")]
    NoServer(String),
    /// A D-Bus operation did not finish in time (hung server or bus).
    #[error(
        "desktop notification: {call} timed out after {timeout:?} (is the notification server hung?)"
    )]
    Timeout {
        /// The operation that timed out (`connect`, `Notify`, …).
        call: &'static str,
        /// The limit that was exceeded.
        timeout: Duration,
    },
    /// Anything else the bus or the server reported.
    #[error("desktop notification: {call} failed: {source}")]
    Failed {
        /// The operation that failed.
        call: &'static str,
        /// The underlying D-Bus error.
        #[source]
        source: zbus::Error,
    },
}

/// The command that opens an item's link when the user clicks "Open": the program,
/// fixed arguments, then the link as the last argument. Run directly, never through
/// a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opener {
    /// The program (looked up in `PATH` when it has no slash).
    program: OsString,
    /// Arguments before the link.
    args: Vec<OsString>,
}

impl Opener {
    /// An opener running `program <link>`.
    pub fn new(program: impl Into<OsString>) -> Self {
        Opener {
            program: program.into(),
            args: Vec::new(),
        }
    }

    /// Adds a fixed argument placed before the link.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }
}

impl Default for Opener {
    /// `xdg-open <link>`: the desktop's preferred browser.
    fn default() -> Self {
        Opener::new(DEFAULT_OPENER)
    }
}

/// Counters of what the notifier did, for logs and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DesktopStats {
    /// Notifications the server accepted.
    pub shown: u64,
    /// Notifications that failed (including timeouts).
    pub failed: u64,
    /// "Open" actions that started the opener.
    pub actions_opened: u64,
    /// `ActionInvoked` signals that matched no notification of ours from the server
    /// that showed it: other applications' notifications, late or forged signals.
    pub actions_ignored: u64,
}

/// Options for [`DesktopNotifier`]; start with [`DesktopNotifier::builder`].
#[derive(Debug, Clone)]
pub struct DesktopNotifierBuilder {
    /// Bound on connecting, and on each `notify` as a whole.
    call_timeout: Duration,
    /// A bus address to use instead of the session bus of the environment.
    address: Option<String>,
    /// What runs when the user clicks "Open".
    opener: Opener,
    /// How many shown notifications remember their link.
    max_pending_actions: usize,
}

impl DesktopNotifierBuilder {
    /// Bounds connecting and each `notify` (default 5 s).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Connects to this D-Bus address (e.g. `unix:path=/run/user/1000/bus`) instead of
    /// the session bus named by `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// Replaces the command that opens links (default `xdg-open`).
    pub fn opener(mut self, opener: Opener) -> Self {
        self.opener = opener;
        self
    }

    /// How many shown notifications remember their link (default 256, at least 1);
    /// older ones are forgotten and their "Open" does nothing.
    pub fn max_pending_actions(mut self, max: usize) -> Self {
        self.max_pending_actions = max.max(1);
        self
    }

    /// Connects to the bus and starts the action listener. Must run inside a tokio
    /// runtime; the listener lives as long as the returned notifier.
    pub async fn connect(self) -> Result<DesktopNotifier, DesktopError> {
        let deadline = Instant::now() + self.call_timeout;
        let address = match &self.address {
            Some(a) => a.parse::<zbus::Address>(),
            None => zbus::Address::session(),
        }
        .map_err(|e| DesktopError::NoSessionBus {
            address: self
                .address
                .clone()
                .or_else(|| std::env::var("DBUS_SESSION_BUS_ADDRESS").ok())
                .unwrap_or_else(|| "(none)".to_owned()),
            reason: e.to_string(),
        })?;
        let described = address.to_string();
        let no_bus = |e: zbus::Error| match e {
            zbus::Error::InputOutput(io) => DesktopError::NoSessionBus {
                address: described.clone(),
                reason: io.to_string(),
            },
            other => DesktopError::Failed {
                call: "connect",
                source: other,
            },
        };
        let builder = zbus::connection::Builder::address(address).map_err(&no_bus)?;
        let conn = bounded(deadline, self.call_timeout, "connect", builder.build())
            .await?
            .map_err(&no_bus)?;

        // Both signals we care about come from the server's object on its interface.
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(SERVER_INTERFACE)
            .and_then(|b| b.path(SERVER_PATH))
            .map(|b| b.build())
            .map_err(|source| DesktopError::Failed {
                call: "AddMatch",
                source,
            })?;
        let stream = bounded(
            deadline,
            self.call_timeout,
            "AddMatch",
            MessageStream::for_match_rule(rule, &conn, Some(SIGNAL_QUEUE)),
        )
        .await?
        .map_err(|source| DesktopError::Failed {
            call: "AddMatch",
            source,
        })?;

        let shared = Arc::new(Shared {
            pending: Mutex::new(PendingActions::new(self.max_pending_actions)),
            opener: self.opener,
            counters: Counters::default(),
        });
        let listener = tokio::spawn(listen(stream, Arc::clone(&shared)));
        debug!(address = %described, "connected to the session bus for desktop notifications");
        Ok(DesktopNotifier {
            conn,
            call_timeout: self.call_timeout,
            shared,
            caps: Mutex::new(None),
            listener,
        })
    }
}

/// Shows alerts as desktop notifications and opens their link on "Open".
///
/// One per process: it holds one bus connection and one listener task (aborted on
/// drop). `notify` takes `&self`, so share it behind an `Arc`.
#[derive(Debug)]
pub struct DesktopNotifier {
    /// The one connection: notifications go out and signals come back on it.
    conn: Connection,
    /// Bound on each `notify` as a whole.
    call_timeout: Duration,
    /// State the listener task shares.
    shared: Arc<Shared>,
    /// What the current server supports, learnt on first use, forgotten when a
    /// different server answers (it was restarted or replaced).
    caps: Mutex<Option<ServerCaps>>,
    /// The action listener; aborted on drop.
    listener: JoinHandle<()>,
}

/// What the notifier and its listener share.
#[derive(Debug)]
struct Shared {
    /// Notifications with an "Open" action that the server still shows.
    pending: Mutex<PendingActions>,
    /// What runs on "Open".
    opener: Opener,
    /// Statistics.
    counters: Counters,
}

/// The atomic form of [`DesktopStats`].
#[derive(Debug, Default)]
struct Counters {
    shown: AtomicU64,
    failed: AtomicU64,
    actions_opened: AtomicU64,
    actions_ignored: AtomicU64,
}

/// The capabilities of the server that answered `GetCapabilities`.
#[derive(Debug, Clone)]
struct ServerCaps {
    /// Its unique bus name.
    server: String,
    /// Whether it interprets markup in the body (then text must be escaped).
    body_markup: bool,
}

impl DesktopNotifier {
    /// A builder with the defaults: session bus from the environment, 5 s timeout,
    /// `xdg-open`, 256 remembered notifications.
    pub fn builder() -> DesktopNotifierBuilder {
        DesktopNotifierBuilder {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            address: None,
            opener: Opener::default(),
            max_pending_actions: DEFAULT_MAX_PENDING_ACTIONS,
        }
    }

    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`, else
    /// `$XDG_RUNTIME_DIR/bus`) with default options; `Err` with a clear message
    /// ([`DesktopError::NoSessionBus`]) when there is none. Bounded by `call_timeout`,
    /// which also bounds every later `notify`.
    pub async fn connect(call_timeout: Duration) -> Result<Self, DesktopError> {
        Self::builder().call_timeout(call_timeout).connect().await
    }

    /// Shows one notification for the alert: summary `"<rule>: <item title>"`, body the
    /// alert's snippet (escaped when the server reads markup), urgency from the
    /// severity, and an "Open" action when the item has an http(s) link. Returns within
    /// the call timeout whatever the server does.
    pub async fn notify(&self, alert: &Alert) -> Result<(), DesktopError> {
        let result = self.try_notify(alert).await;
        let counter = match &result {
            Ok(()) => &self.shared.counters.shown,
            Err(_) => &self.shared.counters.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        result
    }

    /// What the notifier has done so far.
    pub fn stats(&self) -> DesktopStats {
        let c = &self.shared.counters;
        DesktopStats {
            shown: c.shown.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            actions_opened: c.actions_opened.load(Ordering::Relaxed),
            actions_ignored: c.actions_ignored.load(Ordering::Relaxed),
        }
    }

    async fn try_notify(&self, alert: &Alert) -> Result<(), DesktopError> {
        let deadline = Instant::now() + self.call_timeout;
        let body_markup = self.body_markup(deadline).await?;
        let link = openable_link(alert.item.link.as_deref());
        let n = build_notification(alert, body_markup, link.is_some());
        let hints: HashMap<&str, zvariant::Value<'_>> = n.hints.iter().map(Into::into).collect();
        let args = (
            &n.appname,
            0u32, // replaces_id: always a new notification
            &n.icon,
            &n.summary,
            &n.body,
            &n.actions,
            hints,
            i32::from(n.timeout),
        );
        let reply = self.call(deadline, "Notify", &args).await?;
        let id: u32 = reply
            .body()
            .deserialize()
            .map_err(|source| DesktopError::Failed {
                call: "Notify",
                source,
            })?;
        let server = reply.header().sender().map(|s| s.as_str().to_owned());
        {
            let mut caps = lock(&self.caps);
            if caps.as_ref().map(|c| Some(&c.server)) != Some(server.as_ref()) {
                *caps = None; // another server answered: learn its capabilities again
            }
        }
        if let (Some(link), Some(server)) = (link, server) {
            lock(&self.shared.pending).insert(server, id, link);
        }
        debug!(rule = %alert.rule, notification_id = id, "desktop notification shown");
        Ok(())
    }

    /// Whether the server reads markup in bodies; asks it once per server.
    async fn body_markup(&self, deadline: Instant) -> Result<bool, DesktopError> {
        if let Some(caps) = lock(&self.caps).as_ref() {
            return Ok(caps.body_markup);
        }
        let reply = self.call(deadline, "GetCapabilities", &()).await?;
        let list: Vec<String> =
            reply
                .body()
                .deserialize()
                .map_err(|source| DesktopError::Failed {
                    call: "GetCapabilities",
                    source,
                })?;
        let body_markup = list.iter().any(|c| c == "body-markup");
        if let Some(server) = reply.header().sender() {
            *lock(&self.caps) = Some(ServerCaps {
                server: server.as_str().to_owned(),
                body_markup,
            });
        }
        Ok(body_markup)
    }

    /// One method call on the notification server, bounded by `deadline`.
    async fn call<B>(
        &self,
        deadline: Instant,
        method: &'static str,
        body: &B,
    ) -> Result<Message, DesktopError>
    where
        B: serde::Serialize + DynamicType,
    {
        let call = self.conn.call_method(
            Some(SERVER_NAME),
            SERVER_PATH,
            Some(SERVER_INTERFACE),
            method,
            body,
        );
        bounded(deadline, self.call_timeout, method, call)
            .await?
            .map_err(|e| classify(method, e))
    }
}

impl Drop for DesktopNotifier {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// Runs `fut` until `deadline`; `Timeout` (reporting `limit`) when it is not done.
async fn bounded<T>(
    deadline: Instant,
    limit: Duration,
    call: &'static str,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, DesktopError> {
    tokio::time::timeout_at(deadline, fut)
        .await
        .map_err(|_| DesktopError::Timeout {
            call,
            timeout: limit,
        })
}

/// Maps a failed call to the error the caller can branch on.
fn classify(call: &'static str, e: zbus::Error) -> DesktopError {
    const NO_SERVER: [&str; 3] = [
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.Spawn.",
    ];
    let name = match &e {
        zbus::Error::MethodError(name, _, _) => Some(name.as_str().to_owned()),
        zbus::Error::FDO(fdo) => Some(zbus::DBusError::name(fdo.as_ref()).to_string()),
        _ => None,
    };
    match name {
        Some(n) if NO_SERVER.iter().any(|p| n.starts_with(p)) => {
            DesktopError::NoServer(e.to_string())
        }
        _ => DesktopError::Failed { call, source: e },
    }
}

/// The one listener: handles `ActionInvoked` and `NotificationClosed` for every
/// notification this process showed, until the connection closes or the notifier is
/// dropped.
async fn listen(mut stream: MessageStream, shared: Arc<Shared>) {
    while let Some(msg) = stream.next().await {
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %e, "bad message from the notification server");
                continue;
            }
        };
        let header = msg.header();
        let Some(sender) = header.sender().map(|s| s.as_str().to_owned()) else {
            continue;
        };
        match header.member().map(|m| m.as_str()) {
            Some("ActionInvoked") => {
                let Ok((id, key)) = msg.body().deserialize::<(u32, String)>() else {
                    continue;
                };
                let link = if OPEN_ACTION_KEYS.contains(&key.as_str()) {
                    lock(&shared.pending).take(&sender, id)
                } else {
                    None
                };
                match link {
                    Some(link) => open_link(&shared, link),
                    None => {
                        shared
                            .counters
                            .actions_ignored
                            .fetch_add(1, Ordering::Relaxed);
                        debug!(notification_id = id, action = %key, sender = %sender,
                            "action for no notification of ours; ignored");
                    }
                }
            }
            Some("NotificationClosed") => {
                if let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() {
                    lock(&shared.pending).take(&sender, id);
                }
            }
            _ => {}
        }
    }
    debug!("desktop notification listener stopped: the bus connection closed");
}

/// Starts the opener on `link` and reaps it in the background. The opener may run as
/// long as it likes (some `xdg-open` fallbacks wait for the browser).
fn open_link(shared: &Shared, link: String) {
    let opener = &shared.opener;
    let mut cmd = tokio::process::Command::new(&opener.program);
    cmd.args(&opener.args)
        .arg(&link)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match cmd.spawn() {
        Ok(mut child) => {
            shared
                .counters
                .actions_opened
                .fetch_add(1, Ordering::Relaxed);
            info!(link = %link, "opening the alert's link");
            let program = opener.program.clone();
            tokio::spawn(async move {
                match child.wait().await {
                    Ok(status) if status.success() => {}
                    Ok(status) => {
                        warn!(opener = ?program, %status, link = %link, "link opener failed")
                    }
                    Err(e) => warn!(opener = ?program, error = %e, "waiting for the link opener"),
                }
            });
        }
        Err(e) => {
            warn!(opener = ?opener.program, error = %e, link = %link, "could not start the link opener")
        }
    }
}

/// Builds the notification for `alert`.
fn build_notification(alert: &Alert, body_markup: bool, with_open: bool) -> Notification {
    // The summary is one line of plain text (the spec allows no markup there).
    let title = alert
        .item
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let summary = if title.is_empty() {
        alert.rule.clone()
    } else {
        format!("{}: {title}", alert.rule)
    };
    let summary = truncate(&summary, MAX_SUMMARY_CHARS);
    let snippet = truncate(&alert.snippet, MAX_BODY_CHARS);
    let body = if body_markup {
        escape_markup(&snippet)
    } else {
        snippet
    };
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(&summary)
        .body(&body)
        .urgency(urgency(alert.severity))
        .timeout(Timeout::Default);
    if with_open {
        for key in OPEN_ACTION_KEYS {
            n.action(key, OPEN_ACTION_LABEL);
        }
    }
    // Lets servers find the icon and settings of an installed newswatch.desktop.
    n.hint(Hint::DesktopEntry(APP_NAME.to_owned()));
    n
}

/// The notification urgency for a severity: only critical alerts stay on screen.
pub fn urgency(severity: Severity) -> Urgency {
    match severity {
        Severity::Critical => Urgency::Critical,
        Severity::High | Severity::Medium => Urgency::Normal,
        Severity::Low | Severity::Info => Urgency::Low,
    }
}

/// The link as it will be opened, when it is an absolute http(s) URL; `None` for
/// anything else (`file:`, `javascript:`, relative, or text starting with `-` that
/// an opener could take for an option).
pub fn openable_link(link: Option<&str>) -> Option<String> {
    let url = url::Url::parse(link?.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Escapes text for the notification body markup (a small subset of HTML): `&`, `<`
/// and `>` become entities, so feed text shows as written.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => {
            format!("{}…", &text[..cut])
        }
        _ => text.to_owned(),
    }
}

/// Locks a mutex; a panic elsewhere while holding it leaves plain data that is still
/// usable, so poisoning is ignored.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Links of the notifications still shown, keyed by (server unique name,
/// notification id): ids are per server, and a restarted server reuses them.
/// Bounded: the oldest entries are evicted first.
#[derive(Debug)]
struct PendingActions {
    /// Most entries kept.
    max: usize,
    /// The links.
    links: HashMap<(String, u32), String>,
    /// Keys, oldest first; always the same set as `links`.
    order: VecDeque<(String, u32)>,
}

impl PendingActions {
    fn new(max: usize) -> Self {
        PendingActions {
            max: max.max(1),
            links: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn insert(&mut self, server: String, id: u32, link: String) {
        let key = (server, id);
        if self.links.insert(key.clone(), link).is_some() {
            self.order.retain(|k| *k != key);
        }
        self.order.push_back(key);
        while self.links.len() > self.max {
            match self.order.pop_front() {
                Some(old) => {
                    self.links.remove(&old);
                }
                None => break,
            }
        }
    }

    fn take(&mut self, server: &str, id: u32) -> Option<String> {
        let key = (server.to_owned(), id);
        let link = self.links.remove(&key)?;
        self.order.retain(|k| *k != key);
        Some(link)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.links.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        for (input, want) in [
            ("plain", "plain"),
            ("A & B", "A &amp; B"),
            ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("already &amp;", "already &amp;amp;"),
            ("quotes \" ' stay", "quotes \" ' stay"),
        ] {
            assert_eq!(escape_markup(input), want, "{input}");
        }
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééééé", 4), "ééé…");
        assert_eq!(truncate("", 3), "");
    }

    #[test]
    fn only_http_links_open() {
        for (input, want) in [
            (
                Some("https://example.org/a?b=1"),
                Some("https://example.org/a?b=1"),
            ),
            (Some("  http://example.org  "), Some("http://example.org/")),
            (Some("file:///etc/passwd"), None),
            (Some("javascript:alert(1)"), None),
            (Some("--help"), None),
            (Some("/relative"), None),
            (None, None),
        ] {
            assert_eq!(openable_link(input).as_deref(), want, "{input:?}");
        }
    }

    fn alert(title: &str, snippet: &str) -> Alert {
        Alert {
            schema: crate::model::ALERT_SCHEMA,
            alert_id: "a".into(),
            ts: chrono::DateTime::UNIX_EPOCH,
            rule: "tiktok".into(),
            severity: Severity::High,
            feed: crate::model::AlertFeed {
                name: "f".into(),
                url: "u".into(),
            },
            item: crate::model::AlertItem {
                id: "i".into(),
                title: title.into(),
                link: None,
                published: None,
            },
            matched: Vec::new(),
            snippet: snippet.into(),
            extraction: Default::default(),
            group_id: None,
        }
    }

    #[test]
    fn builds_the_notification() {
        let n = build_notification(&alert("Ban\n  looms", "A & <b>"), true, true);
        assert_eq!(n.appname, APP_NAME);
        assert_eq!(n.summary, "tiktok: Ban looms");
        assert_eq!(n.body, "A &amp; &lt;b&gt;");
        assert_eq!(n.actions, ["default", "Open", "open", "Open"]);
        assert!(n.hints.contains(&Hint::Urgency(Urgency::Normal)));

        let n = build_notification(&alert("", "A & <b>"), false, false);
        assert_eq!(n.summary, "tiktok");
        assert_eq!(n.body, "A & <b>");
        assert!(n.actions.is_empty());

        let long = "x".repeat(5000);
        let n = build_notification(&alert(&long, &long), false, false);
        assert_eq!(n.summary.chars().count(), MAX_SUMMARY_CHARS);
        assert_eq!(n.body.chars().count(), MAX_BODY_CHARS);
    }

    #[test]
    fn severity_maps_to_urgency() {
        assert_eq!(urgency(Severity::Critical), Urgency::Critical);
        assert_eq!(urgency(Severity::High), Urgency::Normal);
        assert_eq!(urgency(Severity::Medium), Urgency::Normal);
        assert_eq!(urgency(Severity::Low), Urgency::Low);
        assert_eq!(urgency(Severity::Info), Urgency::Low);
    }

    #[test]
    fn pending_actions_are_bounded_and_per_server() {
        let mut p = PendingActions::new(2);
        p.insert(":1.1".into(), 1, "a".into());
        p.insert(":1.1".into(), 2, "b".into());
        p.insert(":1.1".into(), 3, "c".into());
        assert_eq!(p.len(), 2);
        assert_eq!(p.take(":1.1", 1), None, "oldest evicted");
        assert_eq!(p.take(":1.9", 2), None, "other server");
        assert_eq!(p.take(":1.1", 2).as_deref(), Some("b"));
        assert_eq!(p.take(":1.1", 2), None, "only once");
        p.insert(":1.1".into(), 3, "c2".into());
        assert_eq!(p.order.len(), p.links.len());
        assert_eq!(p.take(":1.1", 3).as_deref(), Some("c2"));
        assert_eq!(p.len(), 0);
        assert!(p.order.is_empty());
    }
}
