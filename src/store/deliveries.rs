//! Channel deliveries, kept in the outbox's file: one record per (alert, channel),
//! and per channel where it stands.
//!
//! A channel consumes the outbox like a reader of a log: its row in `channels` holds
//! a cursor (the last outbox entry it looked at), and [`Store::enqueue`] moves the
//! cursor over new alerts and records a delivery for each one the channel takes, in
//! one transaction — so an alert is queued for a channel exactly once. A channel
//! added later starts at the end of the outbox (it is not sent the past).
//!
//! Deliveries are sent in messages: one alert, or a digest. A message's members and
//! id are fixed in the store before its first attempt ([`Store::next_message`]), and
//! the attempt is counted before anything is sent ([`Store::begin_attempt`]), so a
//! message sent again after a crash is the same message with the same id and a higher
//! attempt number. A digest's window opens with its first alert and is stored, so it
//! survives a restart.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, from_ms, ms};
use crate::model::Severity;

/// The migration that adds channel deliveries.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE channels (
    name          TEXT PRIMARY KEY,
    cursor        INTEGER NOT NULL,
    window_opened INTEGER,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER,
    failing_since INTEGER,
    last_success  INTEGER,
    last_error    TEXT,
    last_error_at INTEGER
);
CREATE TABLE deliveries (
    channel  TEXT NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq      INTEGER NOT NULL REFERENCES outbox (seq) ON DELETE CASCADE,
    message  TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    state    TEXT NOT NULL DEFAULT 'queued',
    done_at  INTEGER,
    PRIMARY KEY (channel, seq)
) WITHOUT ROWID;
CREATE INDEX deliveries_open ON deliveries (channel, seq) WHERE done_at IS NULL;
CREATE INDEX deliveries_seq ON deliveries (seq);
"#;

/// How many outbox entries one [`Store::enqueue`] looks at.
const ENQUEUE_BATCH: usize = 512;

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryEnd {
    /// The receiver took it.
    Sent,
    /// The receiver refused it for good.
    Failed,
    /// It was older than the channel's `max_age` before it could be sent.
    Expired,
}

impl DeliveryEnd {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryEnd::Sent => "sent",
            DeliveryEnd::Failed => "failed",
            DeliveryEnd::Expired => "expired",
        }
    }
}

/// A message ready to send: its id, its alerts and how often it was tried.
#[derive(Debug, Clone, PartialEq)]
pub struct OutMessage {
    /// The alert's id, or the digest's.
    pub id: String,
    /// Attempts made so far (a crash after counting one counts too).
    pub attempts: u32,
    /// Whether it is a digest.
    pub digest: bool,
    /// Its alerts, oldest first: outbox sequence and alert line.
    pub alerts: Vec<(i64, String)>,
}

/// Where one channel stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelState {
    /// The channel's name.
    pub name: String,
    /// Alerts queued and not yet delivered (or given up).
    pub queued: u64,
    /// When it last delivered.
    pub last_success: Option<DateTime<Utc>>,
    /// The last error, and when.
    pub last_error: Option<(String, DateTime<Utc>)>,
    /// Failed attempts in a row (0 once one succeeds).
    pub failures: u32,
    /// Not before this is the next attempt made (backoff).
    pub next_attempt: Option<DateTime<Utc>>,
    /// Since when attempts have been failing, while they are.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the open digest window started, if one is open.
    pub window_opened: Option<DateTime<Utc>>,
}

/// What [`Store::sync_channels`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelSync {
    /// Channels new to the store.
    pub added: Vec<String>,
    /// Channels gone from the config, with the deliveries they still had queued.
    pub removed: Vec<(String, u64)>,
}

/// The fields a channel filters on.
#[derive(Deserialize)]
struct Filterable {
    rule: String,
    #[serde(default)]
    severity: Severity,
}

impl Store {
    /// Makes the store's channels those named: new ones start at the end of the
    /// outbox; removed ones are forgotten with their queued deliveries.
    pub fn sync_channels(&mut self, names: &[&str]) -> Result<ChannelSync, StoreError> {
        let tx = self.conn.transaction()?;
        let mut sync = ChannelSync::default();
        let known: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT name FROM channels")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for gone in known.iter().filter(|k| !names.contains(&k.as_str())) {
            let queued: i64 = tx.query_row(
                "SELECT count(*) FROM deliveries WHERE channel = ?1 AND done_at IS NULL",
                [gone],
                |r| r.get(0),
            )?;
            tx.execute("DELETE FROM channels WHERE name = ?1", [gone])?;
            sync.removed.push((gone.clone(), queued.max(0) as u64));
        }
        let end: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?;
        for name in names {
            let n = tx.execute(
                "INSERT INTO channels (name, cursor) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
                params![name, end],
            )?;
            if n > 0 {
                sync.added.push((*name).to_string());
            }
        }
        tx.commit()?;
        Ok(sync)
    }

    /// Queues for `channel` the alerts raised since it last looked that `takes`
    /// accepts (by rule and severity), and opens its digest window when `digest` and
    /// none is open. Returns how many were queued.
    pub fn enqueue(
        &mut self,
        channel: &str,
        takes: &dyn Fn(&str, Severity) -> bool,
        digest: bool,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        // In a cluster the team's shared consumer queues for the channels
        // (`enqueue_for`): the cursor only moves on.
        let team = self.team_channels;
        let tx = self.conn.transaction()?;
        let Some(cursor) = tx
            .prepare_cached("SELECT cursor FROM channels WHERE name = ?1")?
            .query_row([channel], |r| r.get::<_, i64>(0))
            .optional()?
        else {
            return Ok(0);
        };
        let mut queued = 0;
        let mut last = cursor;
        {
            let mut read = tx.prepare_cached(
                "SELECT seq, json FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = read.query_map(params![cursor, ENQUEUE_BATCH as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO deliveries (channel, seq) VALUES (?1, ?2)",
            )?;
            for row in rows {
                let (seq, json) = row?;
                last = seq;
                // A line that cannot be read cannot be filtered either: it is sent,
                // and the receiver sees what the log has.
                let take = !team
                    && serde_json::from_str::<Filterable>(&json)
                        .map_or(true, |f| takes(&f.rule, f.severity));
                if take {
                    queued += insert.execute(params![channel, seq])?;
                }
            }
        }
        if last != cursor {
            tx.prepare_cached("UPDATE channels SET cursor = ?2 WHERE name = ?1")?
                .execute(params![channel, last])?;
        }
        if digest && queued > 0 {
            tx.prepare_cached(
                "UPDATE channels SET window_opened = coalesce(window_opened, ?2) WHERE name = ?1",
            )?
            .execute(params![channel, ms(now)])?;
        }
        tx.commit()?;
        Ok(queued)
    }

    /// Whether entries past `channel`'s cursor are waiting to be looked at.
    pub fn channel_behind(&self, channel: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM outbox WHERE seq > (SELECT cursor FROM channels WHERE name = ?1) LIMIT 1",
            )?
            .exists([channel])?)
    }

    /// The next message `channel` is to send: one already formed (and perhaps tried)
    /// first; else the oldest queued alert alone; in digest mode (`digest` is the
    /// window), once the window that opened with its first alert has passed, up to
    /// `max_alerts` queued alerts together. `None`: nothing to send now.
    pub fn next_message(
        &mut self,
        channel: &str,
        digest: Option<std::time::Duration>,
        max_alerts: usize,
        now: DateTime<Utc>,
    ) -> Result<Option<OutMessage>, StoreError> {
        let tx = self.conn.transaction()?;
        let formed: Option<String> = tx
            .prepare_cached(
                "SELECT message FROM deliveries WHERE channel = ?1 AND done_at IS NULL
                 AND message IS NOT NULL ORDER BY seq LIMIT 1",
            )?
            .query_row([channel], |r| r.get(0))
            .optional()?;
        let id = match (formed, digest) {
            (Some(id), _) => Some(id),
            (None, None) => {
                let oldest: Option<(i64, String)> = tx
                    .prepare_cached(
                        "SELECT d.seq, o.alert_id FROM deliveries d JOIN outbox o ON o.seq = d.seq
                         WHERE d.channel = ?1 AND d.done_at IS NULL AND d.message IS NULL
                         ORDER BY d.seq LIMIT 1",
                    )?
                    .query_row([channel], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                match oldest {
                    Some((seq, alert_id)) => {
                        tx.prepare_cached(
                            "UPDATE deliveries SET message = ?3 WHERE channel = ?1 AND seq = ?2",
                        )?
                        .execute(params![channel, seq, alert_id])?;
                        Some(alert_id)
                    }
                    None => None,
                }
            }
            (None, Some(window)) => form_digest(&tx, channel, window, max_alerts, now)?,
        };
        let Some(id) = id else {
            tx.commit()?;
            return Ok(None);
        };
        let mut alerts = Vec::new();
        let mut attempts = 0i64;
        {
            let mut stmt = tx.prepare_cached(
                "SELECT d.seq, o.json, d.attempts FROM deliveries d JOIN outbox o ON o.seq = d.seq
                 WHERE d.channel = ?1 AND d.message = ?2 AND d.done_at IS NULL ORDER BY d.seq",
            )?;
            let rows = stmt.query_map(params![channel, id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (seq, json, tries) = row?;
                attempts = attempts.max(tries);
                alerts.push((seq, json));
            }
        }
        tx.commit()?;
        Ok(Some(OutMessage {
            digest: digest.is_some(),
            id,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            alerts,
        }))
    }

    /// When `channel`'s open digest window closes (`window` after it opened), if one
    /// is open.
    pub fn digest_due(
        &self,
        channel: &str,
        window: std::time::Duration,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let opened: Option<i64> = self
            .conn
            .prepare_cached("SELECT window_opened FROM channels WHERE name = ?1")?
            .query_row([channel], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(from_ms(opened)
            .map(|t| t + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX)))
    }

    /// Counts an attempt at message `id` of `channel`, before it is made; returns
    /// its number (1 for the first).
    pub fn begin_attempt(&mut self, channel: &str, id: &str) -> Result<u32, StoreError> {
        let n: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE deliveries SET attempts = attempts + 1
                 WHERE channel = ?1 AND message = ?2 AND done_at IS NULL RETURNING attempts",
            )?
            .query_map(params![channel, id], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?
            .into_iter()
            .max();
        Ok(u32::try_from(n.unwrap_or(1)).unwrap_or(u32::MAX))
    }

    /// Ends message `id` of `channel`: sent, or refused for good (`error` says why).
    /// Either way the channel answered, so it is not failing.
    pub fn end_message(
        &mut self,
        channel: &str,
        id: &str,
        end: DeliveryEnd,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "UPDATE deliveries SET state = ?3, done_at = ?4
             WHERE channel = ?1 AND message = ?2 AND done_at IS NULL",
        )?
        .execute(params![channel, id, end.as_str(), ms(now)])?;
        tx.prepare_cached(
            "UPDATE channels SET failures = 0, next_attempt = NULL, failing_since = NULL,
                last_success = CASE WHEN ?2 = 'sent' THEN ?3 ELSE last_success END,
                last_error = coalesce(?4, last_error),
                last_error_at = CASE WHEN ?4 IS NULL THEN last_error_at ELSE ?3 END
             WHERE name = ?1",
        )?
        .execute(params![channel, end.as_str(), ms(now), error])?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt of `channel` failed in a way worth retrying: counts the failure,
    /// keeps the error, and holds further attempts until `retry_at`. Returns the
    /// failures in a row so far.
    pub fn attempt_failed(
        &mut self,
        channel: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "UPDATE channels SET failures = failures + 1, last_error = ?2, last_error_at = ?3,
                    failing_since = coalesce(failing_since, ?3)
                 WHERE name = ?1 RETURNING failures",
            )?
            .query_row(params![channel, error, ms(now)], |r| r.get(0))
            .optional()?
            .unwrap_or(1);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Holds `channel`'s next attempt until `at`.
    pub fn retry_channel_at(&mut self, channel: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE channels SET next_attempt = ?2 WHERE name = ?1")?
            .execute(params![channel, ms(at)])?;
        Ok(())
    }

    /// Ends one delivery whose alert cannot be read (a damaged line): it is not sent.
    pub fn drop_delivery(
        &mut self,
        channel: &str,
        seq: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE deliveries SET state = 'failed', done_at = ?3 WHERE channel = ?1 AND seq = ?2",
            )?
            .execute(params![channel, seq, ms(now)])?;
        Ok(())
    }

    /// Gives up `channel`'s deliveries of alerts raised before `before`: returns how
    /// many, and when the oldest of them was raised.
    pub fn expire_deliveries(
        &mut self,
        channel: &str,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(usize, Option<DateTime<Utc>>), StoreError> {
        let tx = self.conn.transaction()?;
        let oldest: Option<i64> = tx
            .prepare_cached(
                "SELECT min(o.created) FROM deliveries d JOIN outbox o ON o.seq = d.seq
                 WHERE d.channel = ?1 AND d.done_at IS NULL AND o.created < ?2",
            )?
            .query_row(params![channel, ms(before)], |r| r.get(0))?;
        let n = tx
            .prepare_cached(
                "UPDATE deliveries SET state = 'expired', done_at = ?3
                 WHERE channel = ?1 AND done_at IS NULL
                 AND seq IN (SELECT seq FROM outbox WHERE created < ?2)",
            )?
            .execute(params![channel, ms(before), ms(now)])?;
        tx.commit()?;
        Ok((n, from_ms(oldest)))
    }

    /// Where each channel stands, by name.
    pub fn channel_states(&self) -> Result<Vec<ChannelState>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.name, (SELECT count(*) FROM deliveries d WHERE d.channel = c.name AND d.done_at IS NULL),
                c.last_success, c.last_error, c.last_error_at, c.failures, c.next_attempt,
                c.failing_since, c.window_opened
             FROM channels c ORDER BY c.name",
        )?;
        let rows = stmt.query_map([], |r| {
            let error: Option<String> = r.get(3)?;
            let error_at = from_ms(r.get(4)?);
            Ok(ChannelState {
                name: r.get(0)?,
                queued: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                last_success: from_ms(r.get(2)?),
                last_error: error.zip(error_at),
                failures: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                next_attempt: from_ms(r.get(6)?),
                failing_since: from_ms(r.get(7)?),
                window_opened: from_ms(r.get(8)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Where `channel` stands, if the store knows it.
    pub fn channel_state(&self, channel: &str) -> Result<Option<ChannelState>, StoreError> {
        Ok(self
            .channel_states()?
            .into_iter()
            .find(|c| c.name == channel))
    }
}

/// Forms the digest of `channel` when its window has passed: fixes up to
/// `max_alerts` queued deliveries as one message with a stable id, and closes the
/// window (or keeps it due, when more are queued than one message takes).
fn form_digest(
    tx: &rusqlite::Transaction<'_>,
    channel: &str,
    window: std::time::Duration,
    max_alerts: usize,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let opened: Option<i64> = tx
        .prepare_cached("SELECT window_opened FROM channels WHERE name = ?1")?
        .query_row([channel], |r| r.get(0))
        .optional()?
        .flatten();
    let Some(opened) = opened else {
        // Alerts queued while the channel had no digest (its config changed): their
        // window opens now.
        tx.prepare_cached(
            "UPDATE channels SET window_opened = ?2 WHERE name = ?1 AND EXISTS
             (SELECT 1 FROM deliveries WHERE channel = ?1 AND done_at IS NULL AND message IS NULL)",
        )?
        .execute(params![channel, ms(now)])?;
        return Ok(None);
    };
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    if ms(now) < opened.saturating_add(window_ms) {
        return Ok(None);
    }
    let members: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT d.seq, o.alert_id FROM deliveries d JOIN outbox o ON o.seq = d.seq
             WHERE d.channel = ?1 AND d.done_at IS NULL AND d.message IS NULL
             ORDER BY d.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![channel, max_alerts as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    if members.is_empty() {
        tx.prepare_cached("UPDATE channels SET window_opened = NULL WHERE name = ?1")?
            .execute([channel])?;
        return Ok(None);
    }
    let id = digest_id(channel, members.iter().map(|(_, id)| id.as_str()));
    {
        let mut mark = tx
            .prepare_cached("UPDATE deliveries SET message = ?3 WHERE channel = ?1 AND seq = ?2")?;
        for (seq, _) in &members {
            mark.execute(params![channel, seq, id])?;
        }
    }
    let more = tx
        .prepare_cached(
            "SELECT 1 FROM deliveries WHERE channel = ?1 AND done_at IS NULL AND message IS NULL LIMIT 1",
        )?
        .exists([channel])?;
    if !more {
        tx.prepare_cached("UPDATE channels SET window_opened = NULL WHERE name = ?1")?
            .execute([channel])?;
    }
    Ok(Some(id))
}

/// A digest's id: a hash of the channel and its alerts' ids, so the same digest has
/// the same id wherever it is computed.
fn digest_id<'a>(channel: &str, alert_ids: impl Iterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    h.update(channel.as_bytes());
    for id in alert_ids {
        h.update(b"\n");
        h.update(id.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Duration as Span;

    use super::*;
    use crate::model::Alert;
    use crate::store::test_support::{alert, commit_quiet as commit};

    fn all(_: &str, _: Severity) -> bool {
        true
    }

    fn ids(m: &OutMessage) -> Vec<String> {
        m.alerts
            .iter()
            .map(|(_, json)| serde_json::from_str::<Alert>(json).unwrap().alert_id)
            .collect()
    }

    #[test]
    fn a_channel_takes_what_is_raised_after_it_came_once_and_by_its_filter() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        commit(&mut s, &[alert("before", "tiktok", Severity::High)]);
        let sync = s.sync_channels(&["ops"]).unwrap();
        assert_eq!(sync.added, ["ops"]);
        commit(
            &mut s,
            &[
                alert("a", "tiktok", Severity::High),
                alert("b", "wechat", Severity::High),
                alert("c", "tiktok", Severity::Info),
            ],
        );
        let tiktok_medium_up =
            |rule: &str, sev: Severity| rule == "tiktok" && sev >= Severity::Medium;
        assert_eq!(s.enqueue("ops", &tiktok_medium_up, false, now).unwrap(), 1);
        assert_eq!(
            s.enqueue("ops", &all, false, now).unwrap(),
            0,
            "looked at once"
        );
        assert!(!s.channel_behind("ops").unwrap());
        let m = s.next_message("ops", None, 100, now).unwrap().unwrap();
        assert_eq!((m.id.as_str(), m.attempts, m.digest), ("a", 0, false));
        assert_eq!(s.channel_state("ops").unwrap().unwrap().queued, 1);
    }

    #[test]
    fn attempts_are_counted_before_sending_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        s.sync_channels(&["ops"]).unwrap();
        commit(
            &mut s,
            &[
                alert("a", "r", Severity::High),
                alert("b", "r", Severity::High),
            ],
        );
        s.enqueue("ops", &all, false, now).unwrap();
        let m = s.next_message("ops", None, 100, now).unwrap().unwrap();
        assert_eq!(s.begin_attempt("ops", &m.id).unwrap(), 1);
        // Killed here, mid-send: the next run sends the same message, attempt 2.
        drop(s);
        let mut s = Store::open(dir.path()).unwrap();
        let again = s.next_message("ops", None, 100, now).unwrap().unwrap();
        assert_eq!((again.id.as_str(), again.attempts), ("a", 1));
        assert_eq!(s.begin_attempt("ops", "a").unwrap(), 2);
        s.end_message("ops", "a", DeliveryEnd::Sent, None, now)
            .unwrap();
        let next = s.next_message("ops", None, 100, now).unwrap().unwrap();
        assert_eq!(next.id, "b");
        s.end_message("ops", "b", DeliveryEnd::Failed, Some("HTTP 400"), now)
            .unwrap();
        assert_eq!(s.next_message("ops", None, 100, now).unwrap(), None);
        let st = s.channel_state("ops").unwrap().unwrap();
        assert_eq!(st.queued, 0);
        assert_eq!(st.last_error.map(|(e, _)| e).as_deref(), Some("HTTP 400"));
        assert!(st.last_success.is_some());
    }

    #[test]
    fn a_digest_forms_when_its_window_has_passed_keeps_its_id_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let window = Duration::from_secs(900);
        let t0 = Utc::now();
        s.sync_channels(&["mail"]).unwrap();
        commit(
            &mut s,
            &[
                alert("a", "r", Severity::High),
                alert("b", "r", Severity::High),
            ],
        );
        s.enqueue("mail", &all, true, t0).unwrap();
        assert_eq!(s.next_message("mail", Some(window), 100, t0).unwrap(), None);
        let due = s.digest_due("mail", window).unwrap().unwrap();
        assert_eq!(
            due.timestamp_millis(),
            (t0 + Span::minutes(15)).timestamp_millis()
        );
        // A restart keeps the window; one more alert joins it.
        drop(s);
        let mut s = Store::open(dir.path()).unwrap();
        commit(&mut s, &[alert("c", "r", Severity::High)]);
        s.enqueue("mail", &all, true, t0 + Span::minutes(5))
            .unwrap();
        assert_eq!(
            s.digest_due("mail", window).unwrap(),
            Some(due),
            "the window is not moved"
        );
        let m = s
            .next_message("mail", Some(window), 2, due)
            .unwrap()
            .unwrap();
        assert!(m.digest);
        assert_eq!(ids(&m), ["a", "b"], "at most 2 per message");
        let again = s
            .next_message("mail", Some(window), 2, due)
            .unwrap()
            .unwrap();
        assert_eq!(again, m, "the same members and id until it ends");
        s.end_message("mail", &m.id, DeliveryEnd::Sent, None, due)
            .unwrap();
        let rest = s
            .next_message("mail", Some(window), 2, due)
            .unwrap()
            .unwrap();
        assert_eq!(ids(&rest), ["c"], "the rest is due at once");
        assert_ne!(rest.id, m.id);
        s.end_message("mail", &rest.id, DeliveryEnd::Sent, None, due)
            .unwrap();
        assert_eq!(s.digest_due("mail", window).unwrap(), None, "window closed");
    }

    #[test]
    fn old_alerts_are_given_up_and_removed_channels_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        s.sync_channels(&["a", "b"]).unwrap();
        commit(
            &mut s,
            &[
                alert("x", "r", Severity::High),
                alert("y", "r", Severity::High),
            ],
        );
        s.enqueue("a", &all, false, now).unwrap();
        s.enqueue("b", &all, false, now).unwrap();
        assert_eq!(
            s.expire_deliveries("a", now - Span::hours(1), now)
                .unwrap()
                .0,
            0
        );
        let (n, oldest) = s
            .expire_deliveries("a", now + Span::seconds(5), now)
            .unwrap();
        assert_eq!(n, 2);
        assert!(oldest.is_some());
        assert_eq!(s.channel_state("a").unwrap().unwrap().queued, 0);
        let sync = s.sync_channels(&["a"]).unwrap();
        assert_eq!(sync.removed, [("b".to_string(), 2)]);
        assert_eq!(s.channel_states().unwrap().len(), 1);
    }

    #[test]
    fn the_outbox_keeps_what_a_channel_still_owes() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        s.sync_channels(&["ops"]).unwrap();
        commit(
            &mut s,
            &[
                alert("x", "r", Severity::High),
                alert("y", "r", Severity::High),
            ],
        );
        let seqs: Vec<i64> = s.pending_log(10).unwrap().iter().map(|p| p.seq).collect();
        s.mark_logged(&seqs).unwrap();
        let later = now + Span::days(60);
        assert_eq!(
            s.prune_outbox(later).unwrap(),
            0,
            "not looked at by the channel yet"
        );
        s.enqueue("ops", &all, false, now).unwrap();
        assert_eq!(s.prune_outbox(later).unwrap(), 0, "still queued");
        s.next_message("ops", None, 1, now).unwrap();
        s.end_message("ops", "x", DeliveryEnd::Sent, None, now)
            .unwrap();
        assert_eq!(s.prune_outbox(later).unwrap(), 1, "x is done everywhere");
        assert_eq!(s.channel_state("ops").unwrap().unwrap().queued, 1);
    }

    #[test]
    fn failures_hold_the_channel_and_a_success_clears_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        s.sync_channels(&["ops"]).unwrap();
        assert_eq!(s.attempt_failed("ops", "HTTP 503", now).unwrap(), 1);
        assert_eq!(s.attempt_failed("ops", "HTTP 503", now).unwrap(), 2);
        s.retry_channel_at("ops", now + Span::seconds(30)).unwrap();
        let st = s.channel_state("ops").unwrap().unwrap();
        assert_eq!(st.failures, 2);
        assert!(st.failing_since.is_some() && st.next_attempt.is_some());
        s.end_message("ops", "none", DeliveryEnd::Sent, None, now)
            .unwrap();
        let st = s.channel_state("ops").unwrap().unwrap();
        assert_eq!(
            (st.failures, st.next_attempt, st.failing_since),
            (0, None, None)
        );
        assert_eq!(
            st.last_error.map(|(e, _)| e).as_deref(),
            Some("HTTP 503"),
            "kept for `channels`"
        );
    }
}
