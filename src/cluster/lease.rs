//! A feed's lease: before polling, the owner takes (or renews) the feed's key in the
//! lease bucket, holding its own name. `create` succeeds only when nobody holds the
//! key, `update` only at the revision given, so two instances that briefly disagree on
//! the owner (while membership changes) cannot both poll: the second finds the lease
//! taken. The bucket forgets a key `lease` after its last write, so the lease of an
//! instance that died frees itself.
//!
//! An owner remembers the revision of its last write to each lease and renews at that
//! revision, one request: when that succeeds nobody has written the key since, so
//! nobody else has polled the feed, and the poll state here is the latest. It does
//! not try once `lease` has passed since that write: the key is gone by then, and
//! feeds polled less often than that (most of them) would pay a request each poll
//! only to be refused.

use std::time::{Duration, Instant};

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};

use super::PerFeed;

/// This instance's last write to a lease.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// The revision written.
    revision: u64,
    /// When the write was answered (after the server made it).
    at: Instant,
}

impl Written {
    /// A write answered just now.
    fn now(revision: u64) -> Self {
        Self {
            revision,
            at: Instant::now(),
        }
    }

    /// The revision to renew at, unless `lease` has passed since the write: then
    /// the bucket has forgotten the key (or is about to), and renewing it would only
    /// be refused.
    fn renewable(self, lease: Duration) -> Option<u64> {
        (self.at.elapsed() < lease).then_some(self.revision)
    }
}

/// This instance's last write to each lease it holds.
pub type Held = PerFeed<Written>;

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

/// Takes or renews the lease of the feed with `key` for `me`, in a bucket that
/// forgets a key `lease` after its last write. An error: NATS is not reachable (and
/// the feed is not polled).
pub async fn acquire(
    leases: &kv::Store,
    held: &Held,
    key: &str,
    me: &str,
    lease: Duration,
) -> anyhow::Result<Taken> {
    if let Some(revision) = held.get(key).and_then(|w| w.renewable(lease)) {
        match leases.update(key, me.to_string().into(), revision).await {
            Ok(r) => {
                held.set(key, Written::now(r));
                return Ok(Taken::Kept);
            }
            // Lapsed, or written by another instance since: the slow way.
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {}
            Err(e) => return Err(e.into()),
        }
    }
    // A write remembered here is replaced when the lease is taken, and forgotten
    // when another instance holds it.
    match take(leases, key, me).await? {
        Some(r) => {
            held.set(key, Written::now(r));
            Ok(Taken::Taken)
        }
        None => {
            held.remove(key);
            Ok(Taken::Refused)
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_renewed_at_its_revision_only_while_it_can_still_exist() {
        let lease = Duration::from_secs(15);
        assert_eq!(Written::now(7).renewable(lease), Some(7));
        let Some(long_ago) = Instant::now().checked_sub(Duration::from_secs(16)) else {
            return; // a machine up for less than 16 s: nothing to check
        };
        let lapsed = Written {
            revision: 7,
            at: long_ago,
        };
        assert_eq!(lapsed.renewable(lease), None);
        assert_eq!(lapsed.renewable(Duration::from_secs(60)), Some(7));
    }
}
