//! The channels as a cluster's team consumer sees them: which running channels take
//! an alert (by rule and severity), in digest mode or not, and how to wake them. In a
//! cluster the channels are fed by the team's shared consumer instead of the outbox
//! (so each fires once for the whole team); [`super::set::ChannelSet`] keeps this
//! roster in step with the channels it runs.

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::queue::{rule_patterns, takes};
use crate::config::channel::Channel;
use crate::model::Severity;

/// One running channel.
struct Member {
    /// Its name.
    name: String,
    /// The rule globs it takes.
    rules: Vec<glob::Pattern>,
    /// The lowest severity it takes.
    min: Severity,
    /// Whether it sends digests.
    digest: bool,
    /// Wakes its task.
    wake: Arc<Notify>,
}

/// The running channels; cheap to clone (all clones see the same roster).
#[derive(Clone, Default)]
pub struct TeamChannels(Arc<Mutex<Vec<Member>>>);

impl TeamChannels {
    /// The channels (name, digest mode) that take an alert of `rule` at `severity`.
    pub fn takers(&self, rule: &str, severity: Severity) -> Vec<(String, bool)> {
        self.roster()
            .iter()
            .filter(|m| takes(&m.rules, m.min, rule, severity))
            .map(|m| (m.name.clone(), m.digest))
            .collect()
    }

    /// Wakes every channel (deliveries were queued for them).
    pub fn wake(&self) {
        for m in self.roster().iter() {
            m.wake.notify_one();
        }
    }

    /// Makes the roster `channels`, each with its task's wake.
    pub(super) fn set<'a>(&self, channels: impl Iterator<Item = (&'a Channel, Arc<Notify>)>) {
        let members = channels
            .map(|(c, wake)| Member {
                name: c.name.clone(),
                rules: rule_patterns(c),
                min: c.min_severity,
                digest: c.digest.is_some(),
                wake,
            })
            .collect();
        *self.roster() = members;
    }

    fn roster(&self) -> std::sync::MutexGuard<'_, Vec<Member>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
