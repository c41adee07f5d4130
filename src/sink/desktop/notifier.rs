//! The notifier: one long-lived zbus connection to the session bus, `Notify` calls
//! bounded by one deadline per operation, and the listener task started on connect.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify_rust::Notification;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::debug;
use zbus::zvariant::{self, DynamicType};
use zbus::{Connection, MatchRule, Message, MessageStream};

use super::compose::{build_notification, build_summary, openable_link};
use super::listen::{PendingActions, listen};
use super::{
    DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_PENDING_ACTIONS, DesktopError, DesktopStats, Opener, lock,
};
use crate::model::Alert;

/// Well-known bus name, object path and interface of the notification server.
const SERVER_NAME: &str = "org.freedesktop.Notifications";
const SERVER_PATH: &str = "/org/freedesktop/Notifications";
const SERVER_INTERFACE: &str = "org.freedesktop.Notifications";

/// Queue length of the signal stream; the listener drains it immediately.
const SIGNAL_QUEUE: usize = 64;

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
pub(super) struct Shared {
    /// Notifications with an "Open" action that the server still shows.
    pub(super) pending: Mutex<PendingActions>,
    /// What runs on "Open".
    pub(super) opener: Opener,
    /// Statistics.
    pub(super) counters: Counters,
}

/// The atomic form of [`DesktopStats`].
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) shown: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) actions_opened: AtomicU64,
    pub(super) actions_ignored: AtomicU64,
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
        self.count(&result);
        result
    }

    /// Shows the summary of `count` alerts of `rule` that were lost from view
    /// ("4 more alerts for tiktok", and the `newswatch tail` command that lists them).
    /// Bounded by the call timeout like [`Self::notify`].
    pub async fn notify_summary(&self, rule: &str, count: u64) -> Result<(), DesktopError> {
        let result = async {
            let deadline = Instant::now() + self.call_timeout;
            let body_markup = self.body_markup(deadline).await?;
            let id = self
                .send(deadline, &build_summary(rule, count, body_markup), None)
                .await?;
            debug!(rule = %rule, count, notification_id = id, "summary notification shown");
            Ok(())
        }
        .await;
        self.count(&result);
        result
    }

    /// Asks the server for its name (`GetServerInformation`), bounded by the call
    /// timeout: `Ok` once a server that hung answers again. The future owns a handle
    /// on the connection, so it can run as a task of its own while delivery goes on.
    pub fn probe(&self) -> impl Future<Output = Result<(), DesktopError>> + Send + 'static {
        let conn = self.conn.clone();
        let limit = self.call_timeout;
        async move {
            let deadline = Instant::now() + limit;
            call_on(&conn, deadline, limit, "GetServerInformation", &())
                .await
                .map(drop)
        }
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

    /// Counts a notification shown or failed.
    fn count<T>(&self, result: &Result<T, DesktopError>) {
        let counter = match result {
            Ok(_) => &self.shared.counters.shown,
            Err(_) => &self.shared.counters.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    async fn try_notify(&self, alert: &Alert) -> Result<(), DesktopError> {
        let deadline = Instant::now() + self.call_timeout;
        let body_markup = self.body_markup(deadline).await?;
        let link = openable_link(alert.item.link.as_deref());
        let n = build_notification(alert, body_markup, link.is_some());
        let id = self.send(deadline, &n, link).await?;
        debug!(rule = %alert.rule, notification_id = id, "desktop notification shown");
        Ok(())
    }

    /// Sends `n` with a `Notify` call; remembers `link` for its "Open" action.
    /// Returns the server's id for the notification.
    async fn send(
        &self,
        deadline: Instant,
        n: &Notification,
        link: Option<String>,
    ) -> Result<u32, DesktopError> {
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
        Ok(id)
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
        call_on(&self.conn, deadline, self.call_timeout, method, body).await
    }
}

/// One method call on the notification server over `conn`, bounded by `deadline`
/// (`limit` is what a timeout reports).
async fn call_on<B>(
    conn: &Connection,
    deadline: Instant,
    limit: Duration,
    method: &'static str,
    body: &B,
) -> Result<Message, DesktopError>
where
    B: serde::Serialize + DynamicType,
{
    let call = conn.call_method(
        Some(SERVER_NAME),
        SERVER_PATH,
        Some(SERVER_INTERFACE),
        method,
        body,
    );
    bounded(deadline, limit, method, call)
        .await?
        .map_err(|e| classify(method, e))
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
