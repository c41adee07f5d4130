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

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use futures_util::StreamExt;
use tokio::sync::Notify;
use tracing::{info, warn};

use super::nats::Resources;
use super::publish::NOTIFY_HEADER;
use crate::model::Alert;
use crate::sink::channel::team::TeamChannels;
use crate::store::{SharedStore, lock};

/// The wait before reading again after a failure.
const RETRY: Duration = Duration::from_secs(1);
/// How long a delivered message may stay unacknowledged before it is sent again.
const ACK_WAIT: Duration = Duration::from_secs(30);

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
    let mut messages = consumer.messages().await?;
    while let Some(msg) = messages.next().await {
        let msg = msg?;
        let notify = msg
            .headers
            .as_ref()
            .and_then(|h| h.get(NOTIFY_HEADER))
            .is_none_or(|v| v.as_str() != "0");
        match serde_json::from_slice::<Alert>(&msg.payload) {
            Ok(alert) => {
                let json = String::from_utf8_lossy(&msg.payload).into_owned();
                take(store, role, wake, alert, json, notify).await?;
            }
            // Nothing can be done with it; acknowledged so it does not come back.
            Err(e) => {
                warn!(subject = %msg.subject, error = %e, "unreadable alert in the stream; skipped")
            }
        }
        msg.ack().await.map_err(|e| anyhow::anyhow!("ack: {e}"))?;
    }
    Ok(())
}

/// Commits one alert as `role` says, then wakes who delivers it.
async fn take(
    store: &SharedStore,
    role: &Role,
    wake: &Notify,
    alert: Alert,
    json: String,
    notify: bool,
) -> anyhow::Result<()> {
    let st = store.clone();
    let takers = match role {
        Role::Member => Vec::new(),
        Role::Team(team) => team.takers(&alert.rule, alert.severity),
    };
    let (added, queued) = tokio::task::spawn_blocking(move || {
        let mut s = lock(&st);
        let (seq, added) = s.insert_remote(&alert, &json, notify)?;
        let queued = if takers.is_empty() {
            0
        } else {
            s.enqueue_for(seq, &takers)?
        };
        Ok::<_, crate::store::StoreError>((added, queued))
    })
    .await??;
    if added {
        wake.notify_one();
    }
    if let (Role::Team(team), true) = (role, queued > 0) {
        team.wake();
    }
    Ok(())
}
