//! The store's shared handle: one [`Store`] (one SQLite connection) behind a mutex,
//! shared by the polls, the delivery loop and the daemon, each locking it from tokio's
//! blocking pool for one short step.

use std::sync::{Arc, Mutex, MutexGuard};

use super::Store;

/// The store, shared between pollers and the deliverer.
pub type SharedStore = Arc<Mutex<Store>>;

/// Locks the store. A poisoned lock only means another thread panicked mid-call; the
/// SQLite connection rolls back unfinished transactions, so the store is still sound.
pub fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}
