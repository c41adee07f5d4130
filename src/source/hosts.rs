//! Politeness per host: at most `per_host` requests in flight to one host:port, at
//! most `global` polls at once overall, and a host:port that answered 429/503 with
//! `Retry-After` is left alone until then (only that host:port: other ports and
//! other hosts of the same domain are not punished). Times are tokio [`Instant`]s,
//! so tests drive them with a paused clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// A poll arriving this close to the end of its host's block goes ahead: slots are
/// handed over as wall-clock times, so the feed that caused the block may come back
/// a few milliseconds early and must not hold itself back.
const BLOCK_GRACE: Duration = Duration::from_secs(1);

/// What one host:port has: its request slots and how long it asked us to stay away.
#[derive(Debug)]
struct Host {
    /// Requests in flight to this host:port.
    slots: Arc<Semaphore>,
    /// Until when the host asked for no requests (`Retry-After`).
    blocked_until: Option<Instant>,
}

#[derive(Debug)]
struct Inner {
    global: Arc<Semaphore>,
    global_n: usize,
    per_host: usize,
    hosts: HashMap<String, Host>,
}

/// The shared limits. One per daemon (or `once` run); cheap to share by `Arc`.
#[derive(Debug)]
pub struct Hosts {
    inner: Mutex<Inner>,
}

/// Held while a request to a host is in flight; dropping it frees the host slot.
#[derive(Debug)]
pub struct HostSlot(#[allow(dead_code)] OwnedSemaphorePermit);

/// Held for the whole poll (fetch and processing); bounds the polls at once.
#[derive(Debug)]
pub struct PollSlot(#[allow(dead_code)] OwnedSemaphorePermit);

/// The key politeness is counted by: `host:port`, the port explicit.
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

impl Hosts {
    /// Limits of `global` polls at once and `per_host` requests per host:port.
    pub fn new(global: usize, per_host: usize) -> Self {
        Hosts {
            inner: Mutex::new(Inner {
                global: Arc::new(Semaphore::new(global.max(1))),
                global_n: global.max(1),
                per_host: per_host.max(1),
                hosts: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing here can be left half-updated by a panic: every update is one store.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies new limits (after a reload). Polls holding old slots finish under the
    /// old limits; new ones wait under the new. `Retry-After` blocks are kept.
    pub fn resize(&self, global: usize, per_host: usize) {
        let mut inner = self.lock();
        if inner.global_n != global.max(1) {
            inner.global_n = global.max(1);
            inner.global = Arc::new(Semaphore::new(inner.global_n));
        }
        if inner.per_host != per_host.max(1) {
            inner.per_host = per_host.max(1);
            let n = inner.per_host;
            for h in inner.hosts.values_mut() {
                h.slots = Arc::new(Semaphore::new(n));
            }
        }
    }

    /// Until when `host` asked us to stay away, if that is more than a moment ahead.
    pub fn blocked_until(&self, host: &str, now: Instant) -> Option<Instant> {
        self.lock()
            .hosts
            .get(host)
            .and_then(|h| h.blocked_until)
            .filter(|t| *t > now + BLOCK_GRACE)
    }

    /// Keeps every feed of `host` away for `wait` from `now` (a later block wins).
    pub fn block(&self, host: &str, now: Instant, wait: Duration) {
        let until = now + wait;
        let mut inner = self.lock();
        let per_host = inner.per_host;
        let h = inner.hosts.entry(host.to_string()).or_insert_with(|| Host {
            slots: Arc::new(Semaphore::new(per_host)),
            blocked_until: None,
        });
        h.blocked_until = Some(h.blocked_until.map_or(until, |t| t.max(until)));
    }

    /// Waits for a poll slot (the global limit).
    pub async fn poll_slot(&self) -> PollSlot {
        let global = self.lock().global.clone();
        // The semaphore is never closed, so acquiring only fails if it were; then the
        // poll runs unthrottled rather than not at all.
        match global.acquire_owned().await {
            Ok(p) => PollSlot(p),
            Err(_) => PollSlot(fresh_permit()),
        }
    }

    /// Waits for a request slot on `host`.
    pub async fn host_slot(&self, host: &str) -> HostSlot {
        let slots = {
            let mut inner = self.lock();
            let per_host = inner.per_host;
            inner
                .hosts
                .entry(host.to_string())
                .or_insert_with(|| Host {
                    slots: Arc::new(Semaphore::new(per_host)),
                    blocked_until: None,
                })
                .slots
                .clone()
        };
        match slots.acquire_owned().await {
            Ok(p) => HostSlot(p),
            Err(_) => HostSlot(fresh_permit()),
        }
    }

    /// How many hosts are known (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().hosts.len()
    }

    /// Whether no host is known yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A permit of a semaphore of its own: the fallback when a shared one is closed.
fn fresh_permit() -> OwnedSemaphorePermit {
    let s = Arc::new(Semaphore::new(1));
    match s.try_acquire_owned() {
        Ok(p) => p,
        // A new semaphore of one permit always has that permit.
        Err(_) => unreachable!("a fresh semaphore has a permit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_host_and_port() {
        let k = |s: &str| host_key(&Url::parse(s).unwrap());
        assert_eq!(k("https://example.org/feed"), "example.org:443");
        assert_eq!(k("http://example.org/feed"), "example.org:80");
        assert_eq!(k("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
        assert_ne!(k("http://a.example.org/"), k("http://b.example.org/"));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_blocks_one_host_until_it_passes() {
        let hosts = Hosts::new(4, 2);
        let now = Instant::now();
        hosts.block("a:80", now, Duration::from_secs(120));
        hosts.block("a:80", now, Duration::from_secs(30));
        assert_eq!(
            hosts.blocked_until("a:80", now),
            Some(now + Duration::from_secs(120)),
            "a shorter block never shortens a longer one"
        );
        assert_eq!(
            hosts.blocked_until("a:81", now),
            None,
            "other ports are free"
        );
        tokio::time::advance(Duration::from_secs(121)).await;
        assert_eq!(hosts.blocked_until("a:80", Instant::now()), None);
    }

    #[tokio::test(start_paused = true)]
    async fn per_host_and_global_slots() {
        let hosts = Hosts::new(3, 2);
        let a1 = hosts.host_slot("a").await;
        let _a2 = hosts.host_slot("a").await;
        let third = tokio::time::timeout(Duration::from_secs(1), hosts.host_slot("a")).await;
        assert!(third.is_err(), "a third request to one host waits");
        let _b = tokio::time::timeout(Duration::from_secs(1), hosts.host_slot("b"))
            .await
            .expect("another host is not held up");
        drop(a1);
        tokio::time::timeout(Duration::from_secs(1), hosts.host_slot("a"))
            .await
            .expect("a freed slot is reused");
        let _g: Vec<PollSlot> = vec![
            hosts.poll_slot().await,
            hosts.poll_slot().await,
            hosts.poll_slot().await,
        ];
        let fourth = tokio::time::timeout(Duration::from_secs(1), hosts.poll_slot()).await;
        assert!(fourth.is_err(), "the global limit holds");
    }
}
