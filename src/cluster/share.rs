//! A feed's poll state shared through the feeds bucket: after each successful poll
//! the owner puts what it knows (validators, first-poll mark, the ids of the items
//! seen most recently); before polling, an instance merges in the state another
//! instance wrote since it last looked, so it sends conditional requests and raises
//! nothing that was raised already.

use std::collections::HashMap;
use std::sync::Mutex;

use async_nats::jetstream::kv::{self, Operation};

use crate::store::{SharedFeed, SharedStore, lock};

/// The revision of each feed's shared state this instance has merged or written
/// (state at that revision is already in the local store), and for what it wrote, a
/// hash of the bytes: a poll that changed nothing puts nothing.
#[derive(Default)]
pub struct Known(Mutex<HashMap<String, Seen>>);

impl Known {
    /// The map, behind a lock a panicked holder does not poison.
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        super::locked(&self.0)
    }

    /// What is known of `key`.
    fn get(&self, key: &str) -> Option<Seen> {
        self.map().get(key).copied()
    }

    /// Records what is known of `key`.
    fn set(&self, key: &str, seen: Seen) {
        self.map().insert(key.to_string(), seen);
    }
}

/// What [`Known`] holds of one feed.
#[derive(Clone, Copy)]
pub struct Seen {
    revision: u64,
    /// The hash of the state written at `revision`; None for state merged.
    written: Option<u64>,
}

/// A hash of shared state bytes (only compared with this instance's own).
fn digest(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(bytes)
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
    if entry.operation != Operation::Put
        || known.get(key).map(|s| s.revision) == Some(entry.revision)
    {
        return Ok(0);
    }
    let shared: SharedFeed = serde_json::from_slice(&entry.value)?;
    let (store, name) = (store.clone(), feed.to_string());
    let added =
        tokio::task::spawn_blocking(move || lock(&store).import_feed(&name, &shared)).await??;
    let seen = Seen {
        revision: entry.revision,
        written: None,
    };
    known.set(key, seen);
    Ok(added)
}

/// Puts the local poll state of `feed` into the bucket (after a successful poll),
/// unless it is what this instance put last and nobody has written since.
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
    let bytes = serde_json::to_vec(&shared)?;
    let hash = digest(&bytes);
    if known.get(key).and_then(|s| s.written) == Some(hash) {
        return Ok(());
    }
    let revision = bucket.put(key, bytes.into()).await?;
    let seen = Seen {
        revision,
        written: Some(hash),
    };
    known.set(key, seen);
    Ok(())
}
