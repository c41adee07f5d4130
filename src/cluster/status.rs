//! What `newswatch cluster` shows: the live members (feeds owned, last heartbeat) and
//! how far each consumer of the alert stream is behind.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;

use super::{members, nats};
use crate::config::cluster::Cluster;

/// How long the command waits for the servers.
const WAIT: Duration = Duration::from_secs(10);

/// The cluster as one instance sees it.
#[derive(Debug, Serialize)]
pub struct ClusterStatus {
    /// This instance's name.
    pub me: String,
    /// The live members, by name.
    pub members: Vec<MemberStatus>,
    /// Alerts in the stream.
    pub stream_messages: u64,
    /// Each durable consumer of the stream.
    pub consumers: Vec<ConsumerLag>,
}

/// One live member.
#[derive(Debug, Serialize)]
pub struct MemberStatus {
    /// Its name.
    pub name: String,
    /// Its process id.
    pub pid: u32,
    /// Feeds it owns.
    pub feeds_owned: usize,
    /// Feeds in its config.
    pub feeds_total: usize,
    /// Its last heartbeat (its clock).
    pub last_heartbeat: DateTime<Utc>,
}

/// One consumer's lag.
#[derive(Debug, Serialize)]
pub struct ConsumerLag {
    /// `member-<name>` or `team`.
    pub name: String,
    /// Alerts not yet delivered to it.
    pub pending: u64,
    /// Alerts delivered and not yet acknowledged.
    pub ack_pending: usize,
}

/// Reads the cluster's state from its servers.
pub async fn read(cfg: &Cluster) -> anyhow::Result<ClusterStatus> {
    let servers = cfg.servers.join(", ");
    tokio::time::timeout(WAIT, read_inner(cfg))
        .await
        .with_context(|| format!("no answer from NATS ({servers}) within {}s", WAIT.as_secs()))?
}

async fn read_inner(cfg: &Cluster) -> anyhow::Result<ClusterStatus> {
    let client = nats::connect(cfg).await?;
    let mut res = nats::setup(client, cfg).await?;
    let members = members::heartbeats(&res)
        .await?
        .into_iter()
        .map(|h| MemberStatus {
            name: h.name,
            pid: h.pid,
            feeds_owned: h.feeds_owned,
            feeds_total: h.feeds_total,
            last_heartbeat: h.at,
        })
        .collect();
    let stream_messages = res.stream.info().await?.state.messages;
    let mut consumers: Vec<ConsumerLag> = res
        .stream
        .consumers()
        .map_ok(|c| ConsumerLag {
            name: c.name,
            pending: c.num_pending,
            ack_pending: c.num_ack_pending,
        })
        .try_collect()
        .await?;
    consumers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ClusterStatus {
        me: cfg.name.clone(),
        members,
        stream_messages,
        consumers,
    })
}
