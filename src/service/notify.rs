//! sd_notify for `Type=notify` units: `READY=1` once the feeds are loaded, a short
//! `STATUS=` line, `WATCHDOG=1` keep-alives, `RELOADING=1` (with `MONOTONIC_USEC`, as
//! `Type=notify-reload` requires) / `READY=1` around reloads, and `STOPPING=1`.
//!
//! Without `NOTIFY_SOCKET` (not started by systemd) every call does nothing. A failed
//! send is logged once, never fatal: the daemon's work does not depend on it.

use std::time::Duration;

use sd_notify::NotifyState;
use tracing::warn;

/// The link to the service manager.
#[derive(Debug)]
pub struct ServiceManager {
    /// `WATCHDOG_USEC` when the watchdog is on for this process.
    watchdog: Option<Duration>,
    /// The last `STATUS=` sent, so an unchanged line is not sent again.
    last_status: String,
    /// Whether a send failure has been logged (it is logged once).
    warned: bool,
}

impl ServiceManager {
    /// Reads `WATCHDOG_USEC` / `WATCHDOG_PID` from the environment.
    pub fn from_env() -> Self {
        ServiceManager {
            watchdog: sd_notify::watchdog_enabled(),
            last_status: String::new(),
            warned: false,
        }
    }

    /// How often to send `WATCHDOG=1`: half the watchdog timeout, as sd_watchdog_enabled(3)
    /// recommends; `None` when the watchdog is off.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog.map(|d| (d / 2).max(Duration::from_millis(1)))
    }

    /// The full watchdog timeout, if on.
    pub fn watchdog_timeout(&self) -> Option<Duration> {
        self.watchdog
    }

    /// `READY=1` with a status line: start-up is done, or a reload is over.
    pub fn ready(&mut self, status: &str) {
        self.last_status = status.to_string();
        self.send(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// `RELOADING=1` with the current `CLOCK_MONOTONIC` time.
    pub fn reloading(&mut self) {
        match NotifyState::monotonic_usec_now() {
            Ok(now) => self.send(&[
                NotifyState::Reloading,
                now,
                NotifyState::Status("reloading configuration"),
            ]),
            Err(_) => self.send(&[
                NotifyState::Reloading,
                NotifyState::Status("reloading configuration"),
            ]),
        }
    }

    /// `STOPPING=1` with a status line.
    pub fn stopping(&mut self, status: &str) {
        self.send(&[NotifyState::Stopping, NotifyState::Status(status)]);
    }

    /// `STATUS=` when the line changed since the last one sent.
    pub fn status(&mut self, status: &str) {
        if self.last_status != status {
            self.last_status = status.to_string();
            self.send(&[NotifyState::Status(status)]);
        }
    }

    /// `WATCHDOG=1`: the event loop is alive and working.
    pub fn watchdog(&mut self) {
        if self.watchdog.is_some() {
            self.send(&[NotifyState::Watchdog]);
        }
    }

    fn send(&mut self, state: &[NotifyState<'_>]) {
        if let Err(e) = sd_notify::notify(state) {
            if !self.warned {
                warn!(error = %e, "cannot notify the service manager (NOTIFY_SOCKET)");
                self.warned = true;
            }
        }
    }
}
