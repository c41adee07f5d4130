//! A feed's lease, bound to its holder's heartbeat: before its first poll of a feed
//! an owner writes its claim (its name and this run's id) into the feed's key in the
//! lease bucket, and from then on polls without asking again. The claim lasts as long
//! as the run's heartbeat does: another instance may take the key only when the
//! holder's heartbeat is gone from the members bucket or belongs to a later run. So a
//! steady poll costs no request at all, and the lease of an instance that died frees
//! itself when its heartbeat expires (`member_timeout`), as its feeds move.
//!
//! Writes are compare-and-set (`create` only when the key is free, `update` only at
//! the revision read), so two instances that briefly disagree on a feed's owner
//! (while membership changes) cannot both take it. An instance that no longer owns a
//! feed releases its lease (deletes the key at its revision) once its poll in hand is
//! over, and the new owner, refused until then, takes it at its next try.
//!
//! The run keeps its own side of the bargain through its [`Session`]: it polls only
//! while its last heartbeat, counted from when it was sent, cannot have expired at
//! the server; and when a heartbeat was answered too late for that (NATS was out of
//! reach), every lease it holds is checked again before its next poll, since another
//! instance may have taken it in between.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};
use tokio::time::Instant;
use tracing::warn;

use super::members::Heartbeat;

/// What came of asking for a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Held since this run last polled the feed: nobody else has polled it since.
    Kept,
    /// Taken now (free, or left by a run that is gone): another instance may have
    /// polled the feed since this one last did.
    Taken,
    /// Another live run holds it.
    Refused,
}

/// One lease this run holds.
#[derive(Debug, Clone)]
struct Hold {
    /// The feed's name (its ownership is decided by name).
    feed: String,
    /// The revision of the claim written (or found) by this run.
    revision: u64,
    /// A poll of the feed is under way: it is released only afterwards.
    polling: bool,
    /// Written or confirmed since this run's heartbeat last lapsed.
    verified: bool,
}

/// This run's side of the leases: its claim, how long its heartbeat certainly lives,
/// and the leases it holds.
pub struct Session {
    /// The member's name.
    name: String,
    /// The claim written into a lease: the name and this run's id.
    claim: String,
    /// This run's id (in its heartbeats).
    run: String,
    /// Until when the last heartbeat cannot have expired at the server (None: no
    /// heartbeat answered yet).
    until: Mutex<Option<Instant>>,
    /// The leases held, by key.
    holds: Mutex<HashMap<String, Hold>>,
    /// Leases no longer held here whose polls ended after the feed moved away, to be
    /// released (key, revision).
    ended: Mutex<Vec<(String, u64)>>,
}

impl Session {
    /// A session for member `name`, with a fresh run id.
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let run = format!("{:x}-{:x}", std::process::id(), nanos);
        Self::with_run(name, &run)
    }

    /// A session for member `name` with run id `run` (tests give their own).
    pub fn with_run(name: &str, run: &str) -> Self {
        Self {
            name: name.to_string(),
            claim: format!("{name} {run}"),
            run: run.to_string(),
            until: Mutex::new(None),
            holds: Mutex::new(HashMap::new()),
            ended: Mutex::new(Vec::new()),
        }
    }

    /// This run's id, as its heartbeats carry it.
    pub fn run(&self) -> &str {
        &self.run
    }

    fn holds(&self) -> std::sync::MutexGuard<'_, HashMap<String, Hold>> {
        super::locked(&self.holds)
    }

    fn until(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        super::locked(&self.until)
    }

    /// A heartbeat sent at `sent` was answered at `answered`; the bucket keeps it for
    /// `timeout` after the server wrote it, which was after `sent`. When the answer
    /// came after the previous heartbeat could have expired, the key may have been
    /// missing for a while and others may have taken leases: each is checked again.
    pub fn beat(&self, sent: Instant, answered: Instant, timeout: Duration) {
        let mut until = self.until();
        if until.is_none_or(|u| answered >= u) {
            for h in self.holds().values_mut() {
                h.verified = false;
            }
        }
        *until = Some(sent + timeout);
    }

    /// Whether this run's heartbeat is certainly alive at the server now: it polls
    /// only then.
    pub fn alive(&self) -> bool {
        self.until().is_some_and(|u| Instant::now() < u)
    }

    /// Starts a poll of the feed with `key` when this run holds its lease (verified):
    /// true, and the lease is not released until [`Session::end`].
    fn begin(&self, key: &str) -> bool {
        match self.holds().get_mut(key) {
            Some(h) if h.verified => {
                h.polling = true;
                true
            }
            _ => false,
        }
    }

    /// Records a lease written or confirmed at `revision`, with a poll starting.
    fn hold(&self, key: &str, feed: &str, revision: u64) {
        let h = Hold {
            feed: feed.to_string(),
            revision,
            polling: true,
            verified: true,
        };
        self.holds().insert(key.to_string(), h);
    }

    /// Forgets the lease of `key` (another run holds it).
    fn drop_hold(&self, key: &str) {
        self.holds().remove(key);
    }

    /// A poll of the feed with `key` is over (done, failed, cancelled or panicked:
    /// [`Polling`] calls this when dropped). When the feed is no longer this
    /// instance's (`owned` false), the lease is forgotten here and waits in
    /// [`Session::lost`]'s list to be released.
    pub fn end(&self, key: &str, owned: bool) {
        let mut holds = self.holds();
        if owned {
            if let Some(h) = holds.get_mut(key) {
                h.polling = false;
            }
        } else if let Some(h) = holds.remove(key) {
            drop(holds);
            self.ended().push((key.to_string(), h.revision));
        }
    }

    fn ended(&self) -> std::sync::MutexGuard<'_, Vec<(String, u64)>> {
        super::locked(&self.ended)
    }

    /// The leases whose poll ended after the feed moved away, to release (forgotten
    /// here). [`Session::lost`] returns them as well.
    pub fn ended_away(&self) -> Vec<(String, u64)> {
        std::mem::take(&mut *self.ended())
    }

    /// The leases to release: those held of feeds `owned` says are no longer this
    /// instance's, with no poll under way, and those whose poll ended after the feed
    /// moved away. Forgotten here; returned as (key, revision).
    pub fn lost(&self, owned: impl Fn(&str) -> bool) -> Vec<(String, u64)> {
        let mut out = self.ended_away();
        let mut holds = self.holds();
        let gone: Vec<String> = holds
            .iter()
            .filter(|(_, h)| !h.polling && !owned(&h.feed))
            .map(|(k, _)| k.clone())
            .collect();
        out.extend(
            gone.into_iter()
                .filter_map(|k| holds.remove(&k).map(|h| (k, h.revision))),
        );
        out
    }

    /// How many leases this run holds.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.holds().len()
    }
}

/// A poll under way under a lease: dropping it (the poll done, or its task cancelled
/// or panicking) ends it, so a lease is never left marked as being polled.
pub struct Polling<'a, F: Fn() -> bool> {
    session: &'a Session,
    key: &'a str,
    /// Whether the feed is still this instance's when the poll ends.
    owned: F,
}

impl<'a, F: Fn() -> bool> Polling<'a, F> {
    /// A poll of the feed with `key` that [`acquire`] let start.
    pub fn new(session: &'a Session, key: &'a str, owned: F) -> Self {
        Self {
            session,
            key,
            owned,
        }
    }
}

impl<F: Fn() -> bool> Drop for Polling<'_, F> {
    fn drop(&mut self) {
        self.session.end(self.key, (self.owned)());
    }
}

/// Takes the lease of `feed` (bucket key `key`) for `me`, or finds it kept since the
/// last poll; a lease another run holds is taken only when that run's heartbeat is
/// gone from `members`. On `Kept` and `Taken` a poll starts, and [`Session::end`]
/// must follow it ([`Polling`] sees to that). An error: NATS is not reachable (and
/// the feed is not polled).
pub async fn acquire(
    leases: &kv::Store,
    members: &kv::Store,
    me: &Session,
    key: &str,
    feed: &str,
) -> anyhow::Result<Taken> {
    if me.begin(key) {
        return Ok(Taken::Kept);
    }
    match leases.create(key, me.claim.clone().into()).await {
        Ok(r) => {
            me.hold(key, feed, r);
            return Ok(Taken::Taken);
        }
        Err(e) if e.kind() == CreateErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    let Some(entry) = leases.entry(key).await? else {
        // Released between the two requests: the next try creates it.
        return Ok(Taken::Refused);
    };
    if entry.operation != Operation::Put {
        return Ok(Taken::Refused);
    }
    if entry.value.as_ref() == me.claim.as_bytes() {
        // This run's own claim, not taken by anyone since (taking writes over it).
        me.hold(key, feed, entry.revision);
        return Ok(Taken::Taken);
    }
    let claim = String::from_utf8_lossy(&entry.value);
    let (holder, run) = claim.split_once(' ').unwrap_or((&claim, ""));
    if holder != me.name && alive(members, holder, run).await? {
        me.drop_hold(key);
        return Ok(Taken::Refused);
    }
    match leases
        .update(key, me.claim.clone().into(), entry.revision)
        .await
    {
        Ok(r) => {
            me.hold(key, feed, r);
            Ok(Taken::Taken)
        }
        // Someone else took it first.
        Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
            me.drop_hold(key);
            Ok(Taken::Refused)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether run `run` of member `holder` still has its heartbeat in `members`. A
/// heartbeat that cannot be read counts as alive: taking a live run's lease would
/// mean two pollers, waiting only a delay.
async fn alive(members: &kv::Store, holder: &str, run: &str) -> anyhow::Result<bool> {
    let Some(entry) = members.entry(holder).await? else {
        return Ok(false);
    };
    if entry.operation != Operation::Put {
        return Ok(false);
    }
    Ok(match serde_json::from_slice::<Heartbeat>(&entry.value) {
        Ok(beat) => beat.run.is_empty() || beat.run == run,
        Err(_) => true,
    })
}

/// Releases the leases `lost` (key and revision): each is deleted at its revision,
/// so a lease someone has taken since stays theirs. Returns those that could not be
/// released (NATS out of reach), to try again.
pub async fn release(leases: &kv::Store, lost: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut left = Vec::new();
    for (key, revision) in lost {
        match leases.delete_expect_revision(&key, Some(revision)).await {
            Ok(()) => {}
            Err(e) if e.kind() == kv::DeleteErrorKind::WrongLastRevision => {}
            Err(e) => {
                warn!(error = %e, "cannot release a feed's lease; trying again");
                left.push((key, revision));
            }
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_polls_only_while_its_heartbeat_cannot_have_expired() {
        let s = Session::with_run("a", "r1");
        assert!(!s.alive(), "no heartbeat answered yet");
        let now = Instant::now();
        s.beat(now, now, Duration::from_secs(10));
        assert!(s.alive());
        s.beat(now, now, Duration::ZERO);
        assert!(!s.alive());
    }

    #[test]
    fn a_heartbeat_answered_too_late_makes_every_lease_checked_again() {
        let s = Session::with_run("a", "r1");
        let t0 = Instant::now();
        let timeout = Duration::from_secs(10);
        s.beat(t0, t0, timeout);
        s.hold("k", "feed", 3);
        s.end("k", true);
        assert!(s.begin("k"), "held and verified: kept without a request");
        s.end("k", true);
        // Answered in time: still kept.
        s.beat(
            t0 + Duration::from_secs(5),
            t0 + Duration::from_secs(6),
            timeout,
        );
        assert!(s.begin("k"));
        s.end("k", true);
        // Answered after the last heartbeat could have expired (sent at t0 + 5 s).
        s.beat(
            t0 + Duration::from_secs(8),
            t0 + Duration::from_secs(15),
            timeout,
        );
        assert!(!s.begin("k"), "another run may have taken it meanwhile");
    }

    #[test]
    fn a_lease_no_longer_owned_is_released_only_after_its_poll() {
        let s = Session::with_run("a", "r1");
        s.hold("k1", "f1", 4); // being polled
        s.hold("k2", "f2", 5);
        s.end("k2", true);
        s.hold("k3", "f3", 6);
        s.end("k3", true);
        let mut lost = s.lost(|f| f == "f3");
        lost.sort();
        assert_eq!(lost, vec![("k2".to_string(), 5)], "f1's poll is under way");
        // f1's poll ends (here its task is dropped) with the feed gone: released next.
        drop(Polling::new(&s, "k1", || false));
        assert_eq!(s.lost(|_| true), vec![("k1".to_string(), 4)]);
        assert!(s.lost(|_| true).is_empty(), "released once");
        assert_eq!(s.held(), 1, "f3 is still held");
    }

    #[test]
    fn a_poll_that_panics_still_ends() {
        let s = Session::with_run("a", "r1");
        s.hold("k", "f", 9);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _polling = Polling::new(&s, "k", || true);
            panic!("a poll that panics");
        }));
        assert!(caught.is_err());
        // Not left marked as being polled: a move of the feed releases it.
        assert_eq!(s.lost(|_| false), vec![("k".to_string(), 9)]);
    }
}
