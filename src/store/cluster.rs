//! What a clustered instance keeps in its state file besides a lone one's: how far
//! its own alerts have been published to the cluster's stream, alerts that came from
//! other instances (in the outbox, so the log and the desktop deliver them exactly as
//! their own, once), channel deliveries handed over by the team's shared consumer,
//! and the poll state of a feed as it is shared with the instance that polls it next.
//!
//! A lone instance uses none of it: the migration only adds an unused column and an
//! empty table.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, ms};
use crate::model::{Alert, Popup, Validators};

/// The migration: outbox entries raised by other instances, and the publish cursor.
pub(super) const MIGRATION: &str = r#"
ALTER TABLE outbox ADD COLUMN remote INTEGER NOT NULL DEFAULT 0;
CREATE TABLE cluster_cursor (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// The publish cursor's name in `cluster_cursor`.
const PUBLISHED: &str = "published";
/// How many seen item ids a feed's shared state carries (newest first): more than a
/// feed document holds, so a new owner finds every item of the current document.
pub const SHARED_IDS: usize = 1000;

/// An alert raised here and not yet acknowledged by the cluster's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Unpublished {
    /// Outbox sequence number.
    pub seq: i64,
    /// The alert's id (the stream's message id: the server drops a repeat).
    pub alert_id: String,
    /// Its rule (the subject's last token).
    pub rule: String,
    /// Whether it pops up on the desktop.
    pub notify: bool,
    /// The alert line.
    pub json: String,
}

/// An alert read from the cluster's stream, for [`Store::insert_remote`].
#[derive(Debug, Clone, Copy)]
pub struct RemoteAlert<'a> {
    /// The alert.
    pub alert: &'a Alert,
    /// Its line as published (logged as it is).
    pub json: &'a str,
    /// Whether it pops up on the desktop.
    pub notify: bool,
}

/// A feed's poll state as the cluster shares it: what a new owner needs to send
/// conditional requests and re-alert nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SharedFeed {
    /// The URL the state belongs to (a feed whose URL changed starts afresh).
    pub url: String,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// Whether a first poll succeeded (the first-poll policy no longer applies).
    pub first_poll_done: bool,
    /// The ids of the items seen most recently, newest first, at most [`SHARED_IDS`].
    pub seen: Vec<String>,
}

impl Store {
    /// Makes the channels take their alerts from the team's shared consumer
    /// ([`enqueue_for`](Self::enqueue_for)) instead of the outbox: set in a cluster, so
    /// that a channel fires once for the whole team.
    pub fn set_team_channels(&mut self, on: bool) {
        self.team_channels = on;
    }

    /// The alerts raised here past the publish cursor, oldest first, at most `limit`.
    pub fn unpublished(&self, limit: usize) -> Result<Vec<Unpublished>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, alert_id, rule, notify, json FROM outbox
             WHERE remote = 0 AND seq > coalesce((SELECT seq FROM cluster_cursor WHERE name = ?1), 0)
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![PUBLISHED, limit as i64], |r| {
            Ok(Unpublished {
                seq: r.get(0)?,
                alert_id: r.get(1)?,
                rule: r.get(2)?,
                notify: r.get(3)?,
                json: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets the publish cursor, the first time this state joins a cluster, to the end
    /// of the outbox: what a lone instance raised before is its own history, not sent
    /// to the others. Later starts keep the cursor where it stands.
    pub fn start_publishing(&mut self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO cluster_cursor (name, seq)
                 VALUES (?1, (SELECT coalesce(max(seq), 0) FROM outbox))",
            )?
            .execute([PUBLISHED])?;
        Ok(())
    }

    /// Moves the publish cursor over the other instances' alerts that follow it, up to
    /// this instance's first unpublished one (or the end of the outbox), in one
    /// statement: the publisher's idle look ([`Store::unpublished`]) would otherwise
    /// walk every alert the cluster raised since this instance last published one.
    /// Nothing is written when the cursor stays (an idle instance writes nothing).
    pub fn pass_remote(&mut self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "WITH target(seq) AS (SELECT coalesce(
                     (SELECT min(o.seq) - 1 FROM outbox o
                      WHERE o.remote = 0
                        AND o.seq > (SELECT seq FROM cluster_cursor WHERE name = ?1)),
                     (SELECT coalesce(max(seq), 0) FROM outbox)))
                 UPDATE cluster_cursor SET seq = (SELECT seq FROM target)
                 WHERE name = ?1 AND seq < (SELECT seq FROM target)",
            )?
            .execute([PUBLISHED])?;
        Ok(())
    }

    /// Records that everything up to `seq` is in the stream.
    pub fn mark_published(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO cluster_cursor (name, seq) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET seq = max(seq, excluded.seq)",
            )?
            .execute(params![PUBLISHED, seq])?;
        Ok(())
    }

    /// The outbox sequence number of each of `ids`, where the outbox holds it already
    /// (raised here, or read from the stream before): the consumers read a whole alert
    /// only when it is new here.
    pub fn outbox_seqs(&self, ids: &[&str]) -> Result<Vec<Option<i64>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq FROM outbox WHERE alert_id = ?1")?;
        ids.iter()
            .map(|id| Ok(stmt.query_row([id], |r| r.get(0)).optional()?))
            .collect()
    }

    /// Adds alerts raised by other instances to the outbox (and to their rules'
    /// grouping history), each unless its id is there already, in one transaction.
    /// Returns each one's outbox sequence number and whether it was new.
    pub fn insert_remote(
        &mut self,
        batch: &[RemoteAlert<'_>],
    ) -> Result<Vec<(i64, bool)>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut done = Vec::with_capacity(batch.len());
        let mut added = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO outbox (alert_id, created, rule, notify, json, remote)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)",
            )?;
            let mut seq_of = tx.prepare_cached("SELECT seq FROM outbox WHERE alert_id = ?1")?;
            let now = ms(Utc::now());
            for r in batch {
                let a = r.alert;
                if insert.execute(params![a.alert_id, now, a.rule, r.notify, r.json])? > 0 {
                    let popup = if r.notify { Popup::Show } else { Popup::Quiet };
                    added.push((a, popup));
                    done.push((tx.last_insert_rowid(), true));
                } else {
                    done.push((seq_of.query_row([&a.alert_id], |row| row.get(0))?, false));
                }
            }
        }
        let remembered = super::rule_state::remember_alerts(&tx, &added)?;
        tx.commit()?;
        self.recent.add(remembered);
        Ok(done)
    }

    /// Queues outbox entry `seq` for each of `channels` (name, digest mode) that the
    /// store knows, in one transaction: the team's shared consumer hands an alert to
    /// this instance's channels so. Returns how many deliveries were new.
    pub fn enqueue_for(
        &mut self,
        seq: i64,
        channels: &[(String, bool)],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut queued = 0;
        for (name, digest) in channels {
            let known = tx
                .prepare_cached("SELECT 1 FROM channels WHERE name = ?1")?
                .exists([name])?;
            if !known {
                continue;
            }
            let n = tx
                .prepare_cached("INSERT OR IGNORE INTO deliveries (channel, seq) VALUES (?1, ?2)")?
                .execute(params![name, seq])?;
            if n > 0 && *digest {
                tx.prepare_cached(
                    "UPDATE channels SET window_opened = coalesce(window_opened, ?2) WHERE name = ?1",
                )?
                .execute(params![name, ms(Utc::now())])?;
            }
            queued += n;
        }
        tx.commit()?;
        Ok(queued)
    }

    /// The shared form of `feed`'s poll state, if it has been polled.
    pub fn shared_feed(&self, feed: &str) -> Result<Option<SharedFeed>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT url, etag, last_modified, first_poll_done FROM feeds WHERE name = ?1",
            )?
            .query_row([feed], |r| {
                Ok(SharedFeed {
                    url: r.get(0)?,
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
                    first_poll_done: r.get(3)?,
                    seen: Vec::new(),
                })
            })
            .optional()?;
        let Some(mut shared) = row else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT item_id FROM items WHERE feed = ?1 ORDER BY seen_at DESC LIMIT ?2",
        )?;
        let ids = stmt.query_map(params![feed, SHARED_IDS as i64], |r| r.get(0))?;
        shared.seen = ids.collect::<Result<_, _>>()?;
        Ok(Some(shared))
    }

    /// Merges the shared poll state of `feed` into this store before this instance
    /// polls it: its items count as seen, its validators and first-poll mark are
    /// taken. State of another URL is ignored. Returns how many ids were new here.
    pub fn import_feed(&mut self, feed: &str, shared: &SharedFeed) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO feeds (name, url) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
        )?
        .execute(params![feed, shared.url])?;
        let same_url = tx
            .prepare_cached("SELECT 1 FROM feeds WHERE name = ?1 AND url = ?2")?
            .exists(params![feed, shared.url])?;
        if !same_url {
            return Ok(0);
        }
        let v = Validators {
            etag: shared.etag.clone(),
            last_modified: shared.last_modified.clone(),
        };
        tx.prepare_cached(
            "UPDATE feeds SET etag = ?2, last_modified = ?3,
                first_poll_done = max(first_poll_done, ?4) WHERE name = ?1",
        )?
        .execute(params![
            feed,
            v.etag,
            v.last_modified,
            shared.first_poll_done
        ])?;
        let now = ms(Utc::now());
        let mut added = 0;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO items (feed, item_id, title, seen_at) VALUES (?1, ?2, '', ?3)",
            )?;
            for id in &shared.seen {
                added += ins.execute(params![feed, id, now])?;
            }
        }
        tx.execute(
            "UPDATE feeds SET items_seen = items_seen + ?2 WHERE name = ?1",
            params![feed, added as i64],
        )?;
        tx.commit()?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::Severity;
    use crate::store::test_support::{alert as make, commit_quiet};

    fn alert(id: &str) -> Alert {
        make(id, "r1", Severity::Medium)
    }

    /// Inserts one remote alert `id` with line `json`.
    fn remote(s: &mut Store, id: &str, json: &str) -> (i64, bool) {
        let a = alert(id);
        let r = RemoteAlert {
            alert: &a,
            json,
            notify: true,
        };
        s.insert_remote(&[r]).unwrap()[0]
    }

    #[test]
    fn own_alerts_are_published_in_order_and_remote_ones_never() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        commit_quiet(&mut s, &[alert("a1"), alert("a2")]);
        let (seq, new) = remote(&mut s, "b1", "{\"x\":1}");
        assert!(new);
        assert_eq!(remote(&mut s, "b1", "{}"), (seq, false));
        // An id this instance raised itself is not added again either.
        assert!(!remote(&mut s, "a1", "{}").1);
        assert_eq!(
            s.outbox_seqs(&["b1", "zz", "a1"]).unwrap(),
            [Some(seq), None, Some(seq - 2)],
        );
        // A batch: one transaction; a repeat inside it is not added twice.
        let (c1, c2) = (alert("c1"), alert("c2"));
        let r = |a| RemoteAlert {
            alert: a,
            json: "{}",
            notify: false,
        };
        let done = s.insert_remote(&[r(&c1), r(&c2), r(&c1)]).unwrap();
        let flags: Vec<bool> = done.iter().map(|d| d.1).collect();
        assert_eq!(flags, [true, true, false]);
        assert!(done[0].0 > seq && done[1].0 > done[0].0);
        assert_eq!(
            done[2].0, done[0].0,
            "the repeat names the first one's entry"
        );
        let un = s.unpublished(10).unwrap();
        let ids: Vec<&str> = un.iter().map(|u| u.alert_id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2"]);
        s.mark_published(un[0].seq).unwrap();
        assert_eq!(s.unpublished(10).unwrap().len(), 1);
        s.mark_published(un[1].seq).unwrap();
        s.mark_published(un[0].seq).unwrap();
        assert!(
            s.unpublished(10).unwrap().is_empty(),
            "the cursor never moves back"
        );
        // The remote alerts are logged like any other.
        assert_eq!(s.pending_log(10).unwrap().len(), 5);
    }

    #[test]
    fn the_cursor_passes_other_instances_alerts_but_never_an_own_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.start_publishing().unwrap();
        let cursor = |s: &Store| -> i64 {
            s.conn
                .query_row("SELECT seq FROM cluster_cursor", [], |r| r.get(0))
                .unwrap()
        };
        let mut last = 0;
        for n in 0..5 {
            last = remote(&mut s, &format!("b{n}"), "{}").0;
        }
        s.pass_remote().unwrap();
        assert_eq!(
            cursor(&s),
            last,
            "remote alerts alone: the cursor goes to the end"
        );
        commit_quiet(&mut s, &[alert("a1")]);
        remote(&mut s, "b9", "{}");
        s.pass_remote().unwrap();
        let un = s.unpublished(10).unwrap();
        let ids: Vec<&str> = un.iter().map(|u| u.alert_id.as_str()).collect();
        assert_eq!(ids, ["a1"], "an own alert waits for its acknowledgement");
        assert_eq!(cursor(&s), un[0].seq - 1);
        s.mark_published(un[0].seq).unwrap();
        s.pass_remote().unwrap();
        assert!(s.unpublished(10).unwrap().is_empty());
    }

    #[test]
    fn what_was_raised_alone_before_joining_is_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        commit_quiet(&mut s, &[alert("old")]);
        s.start_publishing().unwrap();
        assert!(s.unpublished(10).unwrap().is_empty());
        commit_quiet(&mut s, &[alert("new")]);
        // A restart keeps the cursor where it stands.
        s.start_publishing().unwrap();
        let ids: Vec<String> = s
            .unpublished(10)
            .unwrap()
            .into_iter()
            .map(|u| u.alert_id)
            .collect();
        assert_eq!(ids, ["new"]);
    }

    #[test]
    fn shared_state_round_trips_into_another_store() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut a = Store::open(d1.path()).unwrap();
        commit_quiet(&mut a, &[alert("a1")]);
        let shared = a.shared_feed("f").unwrap().unwrap();
        assert!(shared.first_poll_done);
        assert!(!shared.seen.is_empty());
        assert_eq!(shared.url, "u");
        let mut b = Store::open(d2.path()).unwrap();
        assert_eq!(b.import_feed("f", &shared).unwrap(), shared.seen.len());
        let ids: Vec<&str> = shared.seen.iter().map(String::as_str).collect();
        assert!(b.unseen("f", &ids).unwrap().iter().all(|u| !u));
        let st = b.feed_state("f").unwrap().unwrap();
        assert!(st.first_poll_done);
        assert_eq!(st.validators.etag, shared.etag);
        // State of another URL is not taken.
        let other = SharedFeed {
            url: "http://elsewhere/".into(),
            seen: vec!["zz".into()],
            ..shared
        };
        assert_eq!(b.import_feed("f", &other).unwrap(), 0);
        assert_eq!(b.unseen("f", &["zz"]).unwrap(), [true]);
    }
}
