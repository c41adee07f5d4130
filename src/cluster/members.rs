//! Membership: each instance puts its heartbeat into the members bucket every
//! `heartbeat` and lists the live members (the bucket forgets a key `member_timeout`
//! after its last put, so a dead instance drops out by itself). The list goes out on
//! a watch channel; the daemon moves feeds when it changes. An instance that has not
//! been able to list the members for `member_timeout` sees nobody, itself included,
//! and so owns nothing: it stops polling rather than poll what others have taken. A
//! member goes when two listings in a row miss it (one can miss a live member).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, warn};

use super::hrw;
use super::lease::Session;
use super::nats::Resources;
use crate::config::cluster::Cluster;

/// One instance's heartbeat, as stored in the members bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The instance's name.
    pub name: String,
    /// Its process id.
    pub pid: u32,
    /// The feeds it owns now.
    pub feeds_owned: usize,
    /// The feeds in its config.
    pub feeds_total: usize,
    /// When it sent this heartbeat (its clock).
    pub at: DateTime<Utc>,
    /// The id of its current run (a restarted instance gets a new one, and the
    /// leases its earlier run held are free to take); empty from older versions.
    #[serde(default)]
    pub run: String,
}

/// The live members, sorted by name.
pub type Members = Arc<Vec<String>>;

/// What the heartbeat counts: the configured feeds, and how many of them this
/// instance owns among the members last seen (recounted only when either changes).
#[derive(Default)]
pub struct Census {
    /// Feed names in the config.
    feeds: Vec<String>,
    /// `(members, owned)` of the last count.
    counted: Option<(Members, usize)>,
}

impl Census {
    /// The configured feeds changed (start, reload).
    pub fn set_feeds(&mut self, feeds: Vec<String>) {
        self.feeds = feeds;
        self.counted = None;
    }

    /// How many feeds `me` owns among `members`.
    fn owned(&mut self, me: &str, members: &Members) -> usize {
        if let Some((m, n)) = &self.counted {
            if Arc::ptr_eq(m, members) {
                return *n;
            }
        }
        let n = self
            .feeds
            .iter()
            .filter(|f| hrw::owner(f, members) == Some(me))
            .count();
        self.counted = Some((members.clone(), n));
        n
    }
}

/// Sends heartbeats and publishes the live members on `tx` until the task is dropped.
pub async fn run(
    res: Resources,
    cfg: Cluster,
    census: Arc<Mutex<Census>>,
    tx: watch::Sender<Members>,
    session: Arc<Session>,
) {
    let mut tick = tokio::time::interval(cfg.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_listed = Instant::now();
    // Instances started together see each other after a heartbeat or two: the
    // members are not told before, so the first split is not undone at once.
    let settled = Instant::now() + cfg.heartbeat * 2;
    let mut failing = false;
    let mut absent = Absent::default();
    loop {
        tick.tick().await;
        let current = tx.borrow().clone();
        let (owned, total) = {
            let mut c = super::locked(&census);
            (c.owned(&cfg.name, &current), c.feeds.len())
        };
        let beat = Heartbeat {
            name: cfg.name.clone(),
            pid: std::process::id(),
            feeds_owned: owned,
            feeds_total: total,
            at: Utc::now(),
            run: session.run().to_string(),
        };
        match beat_and_list(&res, &beat, &session, cfg.member_timeout).await {
            Ok(list) => {
                if failing {
                    info!(members = list.len(), "cluster reachable again");
                    failing = false;
                }
                last_listed = Instant::now();
                let list = absent.steady(list);
                if *list != **current && Instant::now() >= settled {
                    info!(members = %list.join(","), "cluster members changed");
                    tx.send_replace(Arc::new(list));
                }
            }
            Err(e) => {
                if !failing {
                    warn!(error = %e, "cannot reach the cluster; feeds stay with their owners, and this instance stops polling once its view is older than member_timeout");
                    failing = true;
                }
                if last_listed.elapsed() >= cfg.member_timeout && !current.is_empty() {
                    warn!(
                        "cluster unreachable for member_timeout: this instance owns no feed until it is back"
                    );
                    tx.send_replace(Arc::new(Vec::new()));
                }
            }
        }
    }
}

/// Members missing from one listing: a member is dropped only when two listings in a
/// row miss it. A listing can miss a live member whose heartbeat was being replaced
/// while the bucket was read (the bucket keeps one entry per key, and the old one is
/// gone before the listing reaches the new), and a member dropped by mistake moves
/// its feeds away and back.
#[derive(Default)]
struct Absent {
    /// The last listing.
    last: Vec<String>,
}

impl Absent {
    /// The members to go by after listing `list` (sorted): everyone in it, and
    /// everyone in the listing before who is missing for the first time.
    fn steady(&mut self, list: Vec<String>) -> Vec<String> {
        let mut out = list.clone();
        out.extend(
            self.last
                .iter()
                .filter(|m| list.binary_search(m).is_err())
                .cloned(),
        );
        out.sort();
        self.last = list;
        out
    }
}

/// Puts `beat` (telling `session` when it was sent and answered; the bucket keeps
/// it for `timeout`) and lists the live members.
async fn beat_and_list(
    res: &Resources,
    beat: &Heartbeat,
    session: &Session,
    timeout: Duration,
) -> anyhow::Result<Vec<String>> {
    let value = serde_json::to_vec(beat)?;
    let sent = Instant::now();
    res.members.put(&beat.name, value.into()).await?;
    session.beat(sent, Instant::now(), timeout);
    let mut list: Vec<String> = res.members.keys().await?.try_collect().await?;
    list.sort();
    Ok(list)
}

/// Every live member's last heartbeat (what `newswatch cluster` shows).
pub async fn heartbeats(res: &Resources) -> anyhow::Result<Vec<Heartbeat>> {
    let mut keys: Vec<String> = res.members.keys().await?.try_collect().await?;
    keys.sort();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(v) = res.members.get(&k).await? {
            match serde_json::from_slice::<Heartbeat>(&v) {
                Ok(h) => out.push(h),
                Err(e) => warn!(member = %k, error = %e, "unreadable heartbeat"),
            }
        }
    }
    Ok(out)
}

/// Says goodbye: removes this instance's heartbeat so its feeds move at once (a
/// stop; a crash waits for the entry to expire).
pub async fn leave(res: &Resources, name: &str) {
    let _ = tokio::time::timeout(Duration::from_secs(2), res.members.delete(name)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_member_goes_only_when_two_listings_in_a_row_miss_it() {
        let mut a = Absent::default();
        assert_eq!(a.steady(names(&["a", "b", "c"])), names(&["a", "b", "c"]));
        // One listing misses "b": still a member.
        assert_eq!(a.steady(names(&["a", "c"])), names(&["a", "b", "c"]));
        // Back: nothing moved.
        assert_eq!(a.steady(names(&["a", "b", "c"])), names(&["a", "b", "c"]));
        // Missed twice in a row: gone.
        assert_eq!(a.steady(names(&["a", "b"])), names(&["a", "b", "c"]));
        assert_eq!(a.steady(names(&["a", "b"])), names(&["a", "b"]));
        // A newcomer counts at once.
        assert_eq!(a.steady(names(&["a", "b", "d"])), names(&["a", "b", "d"]));
    }
}
