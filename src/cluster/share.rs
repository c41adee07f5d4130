//! A feed's poll state shared through the feeds bucket: after each successful poll
//! the owner puts what it knows (validators, first-poll mark, the ids of the items
//! seen most recently); before polling, an instance merges in the state another
//! instance wrote since it last looked, so it sends conditional requests and raises
//! nothing that was raised already.

use std::collections::HashMap;
use std::sync::Mutex;

use async_nats::jetstream::kv::{self, Operation};

use crate::store::{SharedFeed, SharedStore, lock};

/// The revision of each feed's shared state this instance has merged or written:
/// state at that revision is already in the local store.
#[derive(Default)]
pub struct Known(Mutex<HashMap<String, u64>>);

impl Known {
    fn get(&self, key: &str) -> Option<u64> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
    }

    fn set(&self, key: &str, revision: u64) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), revision);
    }
}

/// Merges the shared state of `feed` (bucket key `key`) into the local store, unless
/// it is the state already merged or written here. Returns how many item ids were new.
pub async fn take_over(
    bucket: &kv::Store,
    store: &SharedStore,
    known: &Known,
    feed: &str,
    key: &str,
) -> anyhow::Result<usize> {
    let Some(entry) = bucket.entry(key).await? else {
        return Ok(0);
    };
    if entry.operation != Operation::Put || known.get(key) == Some(entry.revision) {
        return Ok(0);
    }
    let shared: SharedFeed = serde_json::from_slice(&entry.value)?;
    let (store, name) = (store.clone(), feed.to_string());
    let added =
        tokio::task::spawn_blocking(move || lock(&store).import_feed(&name, &shared)).await??;
    known.set(key, entry.revision);
    Ok(added)
}

/// Puts the local poll state of `feed` into the bucket (after a successful poll).
pub async fn publish(
    bucket: &kv::Store,
    store: &SharedStore,
    known: &Known,
    feed: &str,
    key: &str,
) -> anyhow::Result<()> {
    let (st, name) = (store.clone(), feed.to_string());
    let shared = tokio::task::spawn_blocking(move || lock(&st).shared_feed(&name)).await??;
    let Some(shared) = shared else {
        return Ok(());
    };
    let revision = bucket.put(key, serde_json::to_vec(&shared)?.into()).await?;
    known.set(key, revision);
    Ok(())
}
