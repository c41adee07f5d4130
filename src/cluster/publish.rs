//! Publishing this instance's alerts: the local outbox stays the source of truth; this
//! task sends each alert raised here to the stream (subject by rule, the alert id as
//! `Nats-Msg-Id`, so the server drops a repeat) and moves the publish cursor only over
//! alerts the server acknowledged. During a NATS outage alerts wait in the outbox and
//! go out, in order, once it is back.

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use tokio::sync::Notify;
use tracing::{info, warn};

use super::nats::{Resources, subject};
use crate::store::{SharedStore, Unpublished, lock};

/// Header saying whether the alert pops up on the desktop ("1") or not ("0").
pub const NOTIFY_HEADER: &str = "Newswatch-Notify";
/// How many alerts one round sends before waiting for their acknowledgements.
const BATCH: usize = 256;
/// How often the outbox is looked at when nothing wakes the task: a safety net only
/// (every poll that queues alerts wakes it, and a wake is never lost), so an idle
/// instance does not query its state file twice a second.
const TICK: Duration = Duration::from_secs(5);
/// The wait after a failed round.
const RETRY: Duration = Duration::from_secs(1);

/// Publishes the outbox's own alerts until the task is dropped; `wake` is notified
/// when a poll queued alerts.
pub async fn run(res: Resources, store: SharedStore, wake: Arc<Notify>) {
    let mut failing = false;
    loop {
        match round(&res, &store).await {
            Ok(0) => {
                if failing {
                    info!("alerts are published to the cluster again");
                    failing = false;
                }
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(TICK) => {}
                }
            }
            Ok(_) => failing = false,
            Err(e) => {
                if !failing {
                    warn!(error = %e, "cannot publish alerts to the cluster; they wait in the outbox");
                    failing = true;
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Publishes what is left at a stop, for at most `limit` (the rest goes at the next
/// start).
pub async fn flush(res: &Resources, store: &SharedStore, limit: Duration) {
    let _ = tokio::time::timeout(limit, async {
        while let Ok(n) = round(res, store).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// One round: up to [`BATCH`] alerts sent, their acknowledgements awaited, the cursor
/// moved over those acknowledged in order. Returns how many were acknowledged.
async fn round(res: &Resources, store: &SharedStore) -> anyhow::Result<usize> {
    let st = store.clone();
    let batch: Vec<Unpublished> = tokio::task::spawn_blocking(move || {
        let mut s = lock(&st);
        s.pass_remote()?;
        s.unpublished(BATCH)
    })
    .await??;
    if batch.is_empty() {
        return Ok(0);
    }
    let mut acks = Vec::with_capacity(batch.len());
    let mut error = None;
    for u in &batch {
        let mut headers = HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, u.alert_id.as_str());
        headers.insert(NOTIFY_HEADER, if u.notify { "1" } else { "0" });
        match res
            .js
            .publish_with_headers(subject(&u.rule), headers, u.json.clone().into())
            .await
        {
            Ok(ack) => acks.push((u.seq, ack)),
            Err(e) => {
                error = Some(anyhow::Error::from(e));
                break;
            }
        }
    }
    let mut last = None;
    let mut done = 0;
    for (seq, ack) in acks {
        match ack.await {
            Ok(_) => {
                last = Some(seq);
                done += 1;
            }
            Err(e) => {
                error.get_or_insert(e.into());
                break;
            }
        }
    }
    if let Some(seq) = last {
        let st = store.clone();
        tokio::task::spawn_blocking(move || lock(&st).mark_published(seq)).await??;
    }
    match error {
        Some(e) => Err(e),
        None => Ok(done),
    }
}
