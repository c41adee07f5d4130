//! A feed's lease: before polling, the owner takes (or renews) the feed's key in the
//! lease bucket, holding its own name. `create` succeeds only when nobody holds the
//! key, `update` only at the revision given, so two instances that briefly disagree on
//! the owner (while membership changes) cannot both poll: the second finds the lease
//! taken. The bucket forgets a key `lease` after its last write, so the lease of an
//! instance that died frees itself.
//!
//! An owner remembers the revision of its last write to each lease and renews at that
//! revision, one request: when that succeeds nobody has written the key since, so
//! nobody else has polled the feed, and the poll state here is the latest.

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};

use super::PerFeed;

/// The revision of this instance's last write to each lease it holds.
pub type Held = PerFeed<u64>;

/// What came of asking for a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Renewed at the revision this instance last wrote: it has held the feed since
    /// its last poll, and nobody else has polled it.
    Kept,
    /// Taken (free, or held under this name by an earlier run of this instance):
    /// another instance may have polled the feed since this one last did.
    Taken,
    /// Another instance holds it.
    Refused,
}

/// Takes or renews the lease of the feed with `key` for `me`. An error: NATS is not
/// reachable (and the feed is not polled).
pub async fn acquire(
    leases: &kv::Store,
    held: &Held,
    key: &str,
    me: &str,
) -> anyhow::Result<Taken> {
    if let Some(revision) = held.get(key) {
        match leases.update(key, me.to_string().into(), revision).await {
            Ok(r) => {
                held.set(key, r);
                return Ok(Taken::Kept);
            }
            // Lapsed, or written by another instance since: the slow way.
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                held.remove(key);
            }
            Err(e) => return Err(e.into()),
        }
    }
    match take(leases, key, me).await? {
        Some(r) => {
            held.set(key, r);
            Ok(Taken::Taken)
        }
        None => Ok(Taken::Refused),
    }
}

/// Creates the lease, or renews it when it already holds `me` (written before this
/// run); the revision written, or None when another instance holds it.
async fn take(leases: &kv::Store, key: &str, me: &str) -> anyhow::Result<Option<u64>> {
    match leases.create(key, me.to_string().into()).await {
        Ok(r) => return Ok(Some(r)),
        Err(e) if e.kind() == CreateErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    let held = leases
        .entry(key)
        .await?
        .filter(|e| e.operation == Operation::Put);
    match held {
        Some(e) if e.value.as_ref() == me.as_bytes() => {
            match leases.update(key, me.to_string().into(), e.revision).await {
                Ok(r) => Ok(Some(r)),
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => Ok(None),
                Err(e) => Err(e.into()),
            }
        }
        // Held by another, or lapsed between the two requests (the next turn takes it).
        _ => Ok(None),
    }
}
