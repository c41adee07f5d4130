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
//! When popups are lost from view (skipped while the server hangs, or held back by a
//! rule's cooldown), the delivery loop asks for one summary per rule instead
//! ([`DesktopNotifier::notify_summary`]), and while the server hangs it asks whether
//! it answers again ([`DesktopNotifier::probe`]) without holding up delivery.
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
//!
//! Files: `notifier` (the connection and `Notify` calls), `compose` (what a
//! notification says), `listen` (actions: "Open" runs the opener).
//!
//! Every notification names the desktop entry (`desktop-entry` hint) and its icon
//! (`app_icon`), both installed by the package and by `packaging/install-user.sh`, so
//! servers show them and list newswatch in their per-application settings.

mod compose;
mod listen;
mod notifier;

use std::ffi::OsString;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use compose::{escape_markup, openable_link, summary_text, urgency};
pub use notifier::{DesktopNotifier, DesktopNotifierBuilder};

/// The application name the server shows (and groups notifications by).
pub const APP_NAME: &str = "newswatch";

/// The icon the notifications carry: a name in the icon theme, installed with the
/// desktop entry (`newswatch.svg` in `hicolor/scalable/apps`).
pub const APP_ICON: &str = "newswatch";

/// The one action that opens the item's link. `default` is what servers invoke when
/// the notification itself is clicked; GNOME and KDE show no button for it and dunst
/// lists it in its menu under the label below. A second, named action would show up
/// as a second "Open" (a button beside the clickable body, a second menu entry).
pub const OPEN_ACTION_KEY: &str = "default";

/// The label of the "Open" action.
pub const OPEN_ACTION_LABEL: &str = "Open";

/// The program that opens links unless the builder says otherwise.
pub const DEFAULT_OPENER: &str = "xdg-open";

/// How many shown notifications remember their link by default.
pub const DEFAULT_MAX_PENDING_ACTIONS: usize = 256;

/// The call timeout of [`DesktopNotifier::builder`] unless set.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// Whether the service manager runs the command (`systemd-run` starting a
    /// service), which expands `$NAME` and `${NAME}` in its arguments: every `$` of
    /// the link is then doubled, so it arrives as written and a link cannot pull the
    /// session's environment into the address the browser asks for.
    expands_dollars: bool,
}

impl Opener {
    /// An opener running `program <link>`.
    pub fn new(program: impl Into<OsString>) -> Self {
        Opener {
            program: program.into(),
            args: Vec::new(),
            expands_dollars: false,
        }
    }

    /// Adds a fixed argument placed before the link.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Says that the command hands its arguments to the service manager, which
    /// expands `$` in them (`systemd-run` starting a service).
    pub fn through_service_manager(mut self) -> Self {
        self.expands_dollars = true;
        self
    }

    /// The last argument for `link`: the link itself, with `$` doubled when the
    /// service manager would expand it.
    pub fn link_argument(&self, link: &str) -> String {
        if self.expands_dollars {
            link.replace('$', "$$")
        } else {
            link.to_owned()
        }
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

/// Locks a mutex; a panic elsewhere while holding it leaves plain data that is still
/// usable, so poisoning is ignored.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
