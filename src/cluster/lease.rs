//! A feed's lease: before polling, the owner takes (or renews) the feed's key in the
//! lease bucket, holding its own name. `create` succeeds only when nobody holds the
//! key, `update` only at the revision read, so two instances that briefly disagree on
//! the owner (while membership changes) cannot both poll: the second finds the lease
//! taken. The bucket forgets a key `lease` after its last write, so the lease of an
//! instance that died frees itself.

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};

/// Whether `me` now holds the lease of the feed with `key`: taken when free, renewed
/// when already ours, refused when another instance holds it. An error: NATS is not
/// reachable (and the feed is not polled).
pub async fn acquire(leases: &kv::Store, key: &str, me: &str) -> anyhow::Result<bool> {
    let held = leases
        .entry(key)
        .await?
        .filter(|e| e.operation == Operation::Put);
    match held {
        None => match leases.create(key, me.to_string().into()).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == CreateErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e.into()),
        },
        Some(e) if e.value.as_ref() == me.as_bytes() => {
            match leases.update(key, me.to_string().into(), e.revision).await {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => Ok(false),
                Err(e) => Err(e.into()),
            }
        }
        Some(_) => Ok(false),
    }
}
