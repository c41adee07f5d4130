//! Several instances as one, through NATS JetStream (`[cluster]` in the config;
//! without it none of this runs). The pieces, one file each:
//!
//! - [`nats`]: the connection and the JetStream buckets and stream;
//! - [`members`]: heartbeats and the live members;
//! - [`hrw`]: which member owns a feed (rendezvous hashing: even, and only a leaving
//!   member's feeds move);
//! - [`lease`]: a feed's lease, taken before an instance first polls a feed and
//!   held while its heartbeat lives, so two instances never poll one feed at once
//!   while they disagree on its owner;
//! - [`share`]: a feed's poll state (validators, items seen), handed to the next owner;
//! - [`publish`]: this instance's alerts, from its outbox to the stream;
//! - [`consume`]: the stream into every instance's outbox (log, desktop), and into one
//!   instance's channels (the team's shared consumer);
//! - [`status`]: what `newswatch cluster` shows.
//!
//! [`Node`] ties them together for the daemon: it owns the background tasks, answers
//! "is this feed mine?", and wraps a poll in its lease and shared state.

pub mod consume;
pub mod hrw;
pub mod lease;
pub mod members;
pub mod nats;
pub mod publish;
pub mod share;
pub mod status;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{info, warn};

use crate::config::Feed;
use crate::config::cluster::Cluster;
use crate::sink::channel::team::TeamChannels;
use crate::store::{SharedStore, lock};
use crate::worker::poll::{PollContext, PollReport, poll_feed};
use lease::{Session, Taken};
use members::{Census, Members};
use nats::Resources;
use share::Known;

/// How long a stop may spend publishing the alerts still waiting.
const FLUSH_LIMIT: Duration = Duration::from_secs(3);
/// The wait before setting the JetStream resources up again after a failure.
const SETUP_RETRY: Duration = Duration::from_secs(1);

/// How a poll under the cluster went.
#[derive(Debug)]
pub enum Guarded {
    /// The feed was polled.
    Polled(PollReport),
    /// Not polled (another instance holds its lease, or NATS is out of reach); look
    /// again at this time.
    Skipped(DateTime<Utc>),
}

/// This instance's membership in the cluster.
pub struct Node {
    /// The `[cluster]` settings.
    cfg: Cluster,
    /// The JetStream handles, once set up.
    res: watch::Receiver<Option<Arc<Resources>>>,
    /// The live members.
    members: watch::Receiver<Members>,
    /// The feeds the heartbeat counts.
    census: Arc<Mutex<Census>>,
    /// Shared poll state already merged here.
    known: Known,
    /// This run's heartbeat session and the leases it holds.
    session: Arc<Session>,
    /// Woken when a poll queued alerts, so they are published at once.
    publish_wake: Arc<Notify>,
    /// The background tasks (setup, then heartbeats, publisher, consumers).
    task: JoinHandle<()>,
}

/// The inputs a [`Node`] works with.
pub struct Wiring {
    /// The state file.
    pub store: SharedStore,
    /// Wakes the delivery loop (log and desktop).
    pub deliver_wake: Arc<Notify>,
    /// The running channels.
    pub team: TeamChannels,
    /// The configured feed names.
    pub feeds: Vec<String>,
}

impl Node {
    /// Joins the cluster: connects (returning at once; the client keeps trying while
    /// the servers are out of reach) and starts the background tasks.
    pub async fn start(cfg: &Cluster, w: Wiring) -> anyhow::Result<Arc<Node>> {
        let st = w.store.clone();
        tokio::task::spawn_blocking(move || lock(&st).start_publishing())
            .await?
            .context("cannot set the publish cursor")?;
        let client = nats::connect(cfg).await?;
        let (res_tx, res) = watch::channel(None);
        let (members_tx, members) = watch::channel(Members::default());
        let census = Arc::new(Mutex::new(Census::default()));
        locked(&census).set_feeds(w.feeds);
        let publish_wake = Arc::new(Notify::new());
        let session = Arc::new(Session::new(&cfg.name));
        let task = {
            let (cfg, census, publish_wake) = (cfg.clone(), census.clone(), publish_wake.clone());
            let (session, members) = (session.clone(), members.clone());
            tokio::spawn(async move {
                let r = loop {
                    match nats::setup(client.clone(), &cfg).await {
                        Ok(r) => break r,
                        Err(e) => {
                            warn!(error = %format!("{e:#}"), "cannot set up the cluster's buckets and stream; retrying");
                            tokio::time::sleep(SETUP_RETRY).await;
                        }
                    }
                };
                info!(member = %cfg.name, "joined the cluster");
                res_tx.send_replace(Some(Arc::new(r.clone())));
                // Dropping the set (when this task is aborted) aborts them all.
                let mut set = JoinSet::new();
                set.spawn(members::run(
                    r.clone(),
                    cfg.clone(),
                    census,
                    members_tx,
                    session.clone(),
                ));
                set.spawn(release_lost(r.clone(), cfg.clone(), session, members));
                set.spawn(publish::run(r.clone(), w.store.clone(), publish_wake));
                let own = nats::member_consumer(&cfg.name);
                let role = consume::Role::Member;
                set.spawn(consume::run(
                    r.clone(),
                    w.store.clone(),
                    own,
                    role,
                    w.deliver_wake.clone(),
                ));
                let team = consume::Role::Team(w.team);
                let name = nats::TEAM_CONSUMER.to_string();
                set.spawn(consume::run(r, w.store, name, team, w.deliver_wake));
                while set.join_next().await.is_some() {}
            })
        };
        Ok(Arc::new(Node {
            cfg: cfg.clone(),
            res,
            members,
            census,
            known: Known::default(),
            session,
            publish_wake,
            task,
        }))
    }

    /// This instance's name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// Whether this instance sees the cluster's members (it has joined, and NATS has
    /// been reachable within `member_timeout`). Until then no feed is anyone's here:
    /// due feeds wait, they are not skipped.
    pub fn joined(&self) -> bool {
        !self.members.borrow().is_empty()
    }

    /// Whether this instance owns `feed` among the members it sees now.
    pub fn owns(&self, feed: &str) -> bool {
        owner_is(feed, &self.members.borrow(), &self.cfg.name)
    }

    /// The membership, to wait for its changes.
    pub fn membership(&self) -> Membership {
        let rx = self.members.clone();
        let last = rx.borrow().clone();
        Membership { rx, last }
    }

    /// The configured feeds changed (reload).
    pub fn set_feeds(&self, feeds: Vec<String>) {
        locked(&self.census).set_feeds(feeds);
    }

    /// Polls `feed` if this instance holds or can take its lease: first merging the
    /// state its previous owner shared (when the lease was not kept since this run's
    /// last poll), afterwards sharing the new state. A feed this instance no longer
    /// owns once the poll is over has its lease released.
    pub async fn poll(&self, ctx: &PollContext, feed: &Feed) -> Guarded {
        let later = self.retry_at();
        let res = self.res.borrow().clone();
        let Some(res) = res else {
            return Guarded::Skipped(later);
        };
        // A run whose heartbeat may have expired may have lost its leases; and the
        // members may have changed since the daemon looked (one hash per member).
        if !self.session.alive() || !self.owns(&feed.name) {
            return Guarded::Skipped(later);
        }
        let key = nats::feed_key(&feed.name);
        let taken = match lease::acquire(&res.leases, &res.members, &self.session, &key, &feed.name)
            .await
        {
            Ok(Taken::Refused) => return Guarded::Skipped(later),
            Ok(t) => t,
            Err(e) => {
                warn!(feed = %feed.name, error = %e, "cannot take the feed's lease; not polled");
                return Guarded::Skipped(later);
            }
        };
        // Ends the poll however it ends; a lease no longer this instance's is then
        // released by `release_lost` within a heartbeat.
        let _polling = lease::Polling::new(&self.session, &key, || self.owns(&feed.name));
        self.poll_held(ctx, feed, &res, &key, taken).await
    }

    /// When a feed not polled now (no lease, NATS out of reach) is tried again: a
    /// heartbeat from now, when a lease refused may have been released.
    fn retry_at(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.cfg.heartbeat).unwrap_or_default()
    }

    /// [`Node::poll`] once the lease is held.
    async fn poll_held(
        &self,
        ctx: &PollContext,
        feed: &Feed,
        res: &Resources,
        key: &str,
        taken: Taken,
    ) -> Guarded {
        // Kept: nobody else polled it since this instance did; nothing to merge.
        let merged = match taken {
            Taken::Kept => Ok(0),
            _ => share::take_over(&res.feeds, &ctx.store, &self.known, &feed.name, key).await,
        };
        match merged {
            Ok(0) => {}
            Ok(n) => info!(feed = %feed.name, items = n, "took over the feed's shared state"),
            Err(e) => {
                // Polling without it could alert again what was alerted elsewhere.
                warn!(feed = %feed.name, error = %e, "cannot read the feed's shared state; not polled");
                return Guarded::Skipped(self.retry_at());
            }
        }
        let report = poll_feed(ctx, feed).await;
        // After a 304 nothing changed that the next owner needs.
        if report.error.is_none() && report.status != "304" {
            if let Err(e) =
                share::publish(&res.feeds, &ctx.store, &self.known, &feed.name, key).await
            {
                warn!(feed = %feed.name, error = %e, "cannot share the feed's poll state");
            }
        }
        if report.alerts > 0 {
            self.publish_wake.notify_one();
        }
        Guarded::Polled(report)
    }

    /// Leaves the cluster: stops the background tasks, publishes the alerts still
    /// waiting (for at most [`FLUSH_LIMIT`]) and removes this instance's heartbeat, so
    /// its feeds move at once.
    pub async fn leave(&self, store: &SharedStore) {
        self.task.abort();
        let res = self.res.borrow().clone();
        if let Some(res) = res {
            publish::flush(&res, store, FLUSH_LIMIT).await;
            members::leave(&res, &self.cfg.name).await;
        }
    }
}

/// Releases the leases of feeds this instance no longer owns whenever the members
/// change, and each heartbeat those whose poll ended after the feed moved away and
/// those NATS did not take.
async fn release_lost(
    res: Resources,
    cfg: Cluster,
    session: Arc<Session>,
    mut members: watch::Receiver<Members>,
) {
    let mut left = Vec::new();
    let mut tick = tokio::time::interval(cfg.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = members.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = members.borrow_and_update().clone();
                // An empty view is NATS out of reach, not a cluster without this
                // instance: nothing to hand over then.
                if !now.is_empty() {
                    left.extend(session.lost(|f| owner_is(f, &now, &cfg.name)));
                }
            }
            // Not every lease again (that waits for a change of members): only the
            // polls that ended since.
            _ = tick.tick() => left.extend(session.ended_away()),
        }
        if !left.is_empty() {
            left = lease::release(&res.leases, std::mem::take(&mut left)).await;
        }
    }
}

/// Whether `me` owns `feed` among `members`.
fn owner_is(feed: &str, members: &Members, me: &str) -> bool {
    hrw::owner(feed, members) == Some(me)
}

/// Locks `m`, also after a holder panicked: the cluster's shared maps and counts stay
/// usable (each write is one insert or assignment, never half done).
pub(crate) fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Changes of the live members, as the daemon waits for them.
pub struct Membership {
    /// The members' channel.
    rx: watch::Receiver<Members>,
    /// The members last returned that were not empty.
    last: Members,
}

impl Membership {
    /// Waits for the members to change; returns the last members seen before that
    /// were not empty (an empty view is NATS out of reach: what this instance owned
    /// before it is what it owns again afterwards, unless the members changed), and
    /// the members now. Never returns once the node has left.
    pub async fn changed(&mut self) -> (Members, Members) {
        if self.rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        let now = self.rx.borrow_and_update().clone();
        let before = self.last.clone();
        if !now.is_empty() {
            self.last = now.clone();
        }
        (before, now)
    }
}

/// The feeds of `feeds` that `me` owns among `now` and did not among `before`.
pub fn gained<'a>(feeds: &'a [Feed], before: &Members, now: &Members, me: &str) -> Vec<&'a Feed> {
    feeds
        .iter()
        .filter(|f| owner_is(&f.name, now, me) && !owner_is(&f.name, before, me))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(names: &[&str]) -> Members {
        Arc::new(names.iter().map(|s| s.to_string()).collect())
    }

    #[tokio::test]
    async fn a_change_is_measured_from_the_last_members_seen_not_an_outage() {
        let (tx, rx) = watch::channel(members(&[]));
        let last = rx.borrow().clone();
        let mut m = Membership { rx, last };
        tx.send_replace(members(&["a", "b"]));
        assert_eq!(m.changed().await, (members(&[]), members(&["a", "b"])));
        // NATS out of reach: nobody is seen.
        tx.send_replace(members(&[]));
        assert_eq!(m.changed().await, (members(&["a", "b"]), members(&[])));
        // Back, and "b" left meanwhile: what "a" gained is counted from before the
        // outage, so b's feeds are made due.
        tx.send_replace(members(&["a"]));
        assert_eq!(m.changed().await, (members(&["a", "b"]), members(&["a"])));
    }
}
