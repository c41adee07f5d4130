//! Placeholder until the desktop notifier lands: reports that no session bus is there.

use std::time::Duration;

use crate::model::Alert;

/// Desktop notifier (placeholder).
#[derive(Debug)]
pub struct DesktopNotifier;

/// Why a notification could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// No session bus.
    #[error("no desktop session bus: {0}")]
    NoSessionBus(String),
}

impl DesktopNotifier {
    /// Connects to the session bus.
    pub async fn connect(_timeout: Duration) -> Result<Self, DesktopError> {
        Err(DesktopError::NoSessionBus("not built yet".into()))
    }

    /// Shows one notification.
    pub async fn notify(&self, _alert: &Alert) -> Result<(), DesktopError> {
        Ok(())
    }
}
