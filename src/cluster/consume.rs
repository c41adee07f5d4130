//! Reading the alert stream, with durable pull consumers and explicit acks (a message
//! is acknowledged only once what it asks for is committed to the state file, so a
//! crash or an outage redelivers it and nothing is lost):
//!
//! - each instance's own consumer (`member-<name>`) puts every alert of the cluster
//!   into its outbox, where the alert log and the desktop deliver it like one raised
//!   here; an alert already there (raised here, or redelivered) is not added twice,
//!   so each log holds each alert exactly once;
//! - the team's shared consumer (`team`), read by every instance and delivering each
//!   message to one of them, queues the alert for that instance's channels, so a
//!   webhook or an email fires once for the whole team.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::Notify;
use tracing::{info, warn};

use super::nats::Resources;
use super::publish::NOTIFY_HEADER;
use crate::model::{Alert, Severity};
use crate::sink::channel::team::TeamChannels;
use crate::store::{RemoteAlert, SharedStore, lock};

/// The wait before reading again after a failure.
const RETRY: Duration = Duration::from_secs(1);
/// How long a delivered message may stay unacknowledged before it is sent again.
const ACK_WAIT: Duration = Duration::from_secs(30);
/// At most this many messages are committed in one transaction.
const BATCH: usize = 256;

/// What a consumer does with each alert.
#[derive(Clone)]
pub enum Role {
    /// This instance's own consumer: into the outbox.
    Member,
    /// The team's shared consumer: into the outbox and the channels' queues.
    Team(TeamChannels),
}

/// Reads durable consumer `name` with `role` until the task is dropped; starts again
/// after any failure (an outage, a restarted server). `wake` is told when an alert
/// new to the outbox waits for the log and the desktop.
pub async fn run(res: Resources, store: SharedStore, name: String, role: Role, wake: Arc<Notify>) {
    let mut failing = false;
    loop {
        match read(&res, &store, &name, &role, &wake).await {
            Ok(()) => {}
            Err(e) => {
                if !failing {
                    warn!(consumer = %name, error = %e, "cannot read the cluster's alerts; retrying");
                }
                failing = true;
            }
        }
        tokio::time::sleep(RETRY).await;
        if failing {
            // The next read logs only if it fails again after having worked.
            if read_ready(&res, &name).await {
                info!(consumer = %name, "reading the cluster's alerts again");
                failing = false;
            }
        }
    }
}

/// Whether consumer `name` can be reached.
async fn read_ready(res: &Resources, name: &str) -> bool {
    res.stream.consumer_info(name).await.is_ok()
}

/// Reads messages until the consumer's stream ends or fails.
async fn read(
    res: &Resources,
    store: &SharedStore,
    name: &str,
    role: &Role,
    wake: &Notify,
) -> anyhow::Result<()> {
    let consumer: PullConsumer = res
        .stream
        .get_or_create_consumer(
            name,
            pull::Config {
                durable_name: Some(name.to_string()),
                ack_policy: AckPolicy::Explicit,
                deliver_policy: DeliverPolicy::All,
                ack_wait: ACK_WAIT,
                ..Default::default()
            },
        )
        .await?;
    // Whatever has arrived, up to BATCH messages, is committed in one transaction.
    let mut chunks = consumer.messages().await?.ready_chunks(BATCH);
    while let Some(chunk) = chunks.next().await {
        let mut messages = Vec::with_capacity(chunk.len());
        let mut failed = None;
        for m in chunk {
            match m {
                Ok(m) => messages.push(m),
                Err(e) => failed = Some(anyhow::Error::from(e)),
            }
        }
        let incoming: Vec<Incoming> = messages.iter().filter_map(Incoming::read).collect();
        take(store, role, wake, incoming).await?;
        for msg in &messages {
            msg.ack().await.map_err(|e| anyhow::anyhow!("ack: {e}"))?;
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// What decides what to do with an alert from the stream: read from its line without
/// the rest (the extraction is most of it), which is read only when the alert is new
/// here.
#[derive(Deserialize)]
struct Head {
    alert_id: String,
    rule: String,
    severity: Severity,
}

/// A message's alert, its head read.
struct Incoming {
    head: Head,
    json: String,
    notify: bool,
}

impl Incoming {
    /// The alert in `msg`; None (logged) for one that cannot be read, which is
    /// acknowledged like the others so it does not come back.
    fn read(msg: &Message) -> Option<Incoming> {
        let notify = msg
            .headers
            .as_ref()
            .and_then(|h| h.get(NOTIFY_HEADER))
            .is_none_or(|v| v.as_str() != "0");
        match serde_json::from_slice::<Head>(&msg.payload) {
            Ok(head) => Some(Incoming {
                head,
                json: String::from_utf8_lossy(&msg.payload).into_owned(),
                notify,
            }),
            Err(e) => {
                warn!(subject = %msg.subject, error = %e, "unreadable alert in the stream; skipped");
                None
            }
        }
    }
}

/// Commits a batch of alerts as `role` says, then wakes who delivers them. The
/// member's consumer adds those new to the outbox; the team's queues each for the
/// channels that take it (adding it to the outbox first where it is not there yet),
/// and has nothing to do for an alert no channel takes.
async fn take(
    store: &SharedStore,
    role: &Role,
    wake: &Notify,
    incoming: Vec<Incoming>,
) -> anyhow::Result<()> {
    let wanted: Vec<(Incoming, Vec<(String, bool)>)> = incoming
        .into_iter()
        .filter_map(|i| match role {
            Role::Member => Some((i, Vec::new())),
            Role::Team(team) => {
                let takers = team.takers(&i.head.rule, i.head.severity);
                (!takers.is_empty()).then_some((i, takers))
            }
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let st = store.clone();
    let (added, queued) = tokio::task::spawn_blocking(move || commit(&st, wanted)).await??;
    if added {
        wake.notify_one();
    }
    if let (Role::Team(team), true) = (role, queued > 0) {
        team.wake();
    }
    Ok(())
}

/// The blocking part of [`take`]: which alerts are new here (one look at the
/// outbox), the new ones read whole without holding the store, then added and queued
/// in one transaction. Returns whether any was added and how many deliveries were
/// queued.
fn commit(
    store: &SharedStore,
    wanted: Vec<(Incoming, Vec<(String, bool)>)>,
) -> Result<(bool, usize), crate::store::StoreError> {
    let ids: Vec<&str> = wanted
        .iter()
        .map(|(i, _)| i.head.alert_id.as_str())
        .collect();
    let seqs = lock(store).outbox_seqs(&ids)?;
    let mut known = Vec::new();
    let mut fresh = Vec::new();
    for ((i, takers), seq) in wanted.into_iter().zip(seqs) {
        match seq {
            Some(seq) => known.push((seq, takers)),
            None => match serde_json::from_str::<Alert>(&i.json) {
                Ok(alert) => fresh.push((alert, i, takers)),
                Err(e) => {
                    warn!(alert = %i.head.alert_id, error = %e, "unreadable alert in the stream; skipped")
                }
            },
        }
    }
    let mut s = lock(store);
    let batch: Vec<RemoteAlert<'_>> = fresh
        .iter()
        .map(|(alert, i, _)| RemoteAlert {
            alert,
            json: &i.json,
            notify: i.notify,
        })
        .collect();
    let done = s.insert_remote(&batch)?;
    let added = done.iter().any(|&(_, new)| new);
    let mut queued = 0;
    let inserted = done
        .iter()
        .zip(&fresh)
        .map(|(&(seq, _), (_, _, t))| (seq, t));
    for (seq, takers) in known.iter().map(|(seq, t)| (*seq, t)).chain(inserted) {
        if !takers.is_empty() {
            queued += s.enqueue_for(seq, takers)?;
        }
    }
    Ok((added, queued))
}
