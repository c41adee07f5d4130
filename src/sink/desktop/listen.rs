//! The listener: `ActionInvoked` and `NotificationClosed` signals from the server that
//! showed our notifications; "Open" runs the opener on the remembered link.

use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use tracing::{debug, info, warn};
use zbus::MessageStream;

use super::notifier::Shared;
use super::{OPEN_ACTION_KEY, lock};

/// The one listener: handles `ActionInvoked` and `NotificationClosed` for every
/// notification this process showed, until the connection closes or the notifier is
/// dropped.
pub(super) async fn listen(mut stream: MessageStream, shared: Arc<Shared>) {
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
                let link = if key == OPEN_ACTION_KEY {
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
        .arg(opener.link_argument(&link))
        // What systemd told the daemon is the daemon's: the browser must not send
        // READY/WATCHDOG on its behalf or think its stderr is the journal.
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .env_remove("JOURNAL_STREAM")
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

/// Links of the notifications still shown, keyed by (server unique name,
/// notification id): ids are per server, and a restarted server reuses them.
/// Bounded: the oldest entries are evicted first.
#[derive(Debug)]
pub(super) struct PendingActions {
    /// Most entries kept.
    max: usize,
    /// The links.
    links: HashMap<(String, u32), String>,
    /// Keys, oldest first; always the same set as `links`.
    order: VecDeque<(String, u32)>,
}

impl PendingActions {
    pub(super) fn new(max: usize) -> Self {
        PendingActions {
            max: max.max(1),
            links: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub(super) fn insert(&mut self, server: String, id: u32, link: String) {
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

    pub(super) fn take(&mut self, server: &str, id: u32) -> Option<String> {
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
