//! The state file: one SQLite database in `state_dir` holding feed state (validators,
//! schedule, errors), the items already seen, and the alert outbox. A poll's new items
//! and their alerts are committed in one transaction; sinks deliver from the outbox and
//! mark delivery, so a crash anywhere loses nothing and repeats nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::model::{Alert, Item, Popup, Validators};

mod cluster;
mod deliveries;
mod rule_state;
mod shared;
mod state_lock;
mod summaries;
#[cfg(test)]
mod test_support;
pub use cluster::{RemoteAlert, SHARED_IDS, SharedFeed, Unpublished};
pub use deliveries::{ChannelState, ChannelSync, DeliveryEnd, OutMessage};
pub use rule_state::StoredItem;
pub use shared::{SharedStore, lock};
pub use state_lock::{LOCK_FILE, LockError, StateLock};
pub use summaries::DueSummary;

/// The file name inside `state_dir`.
pub const STATE_FILE: &str = "newswatch.sqlite3";
/// Marks a database as ours (`PRAGMA application_id`): "NWch".
const APPLICATION_ID: i64 = 0x4e57_6368;
/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE feeds (
    name            TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    last_poll       INTEGER,
    last_status     TEXT,
    last_success    INTEGER,
    next_poll       INTEGER,
    error_count     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    items_seen      INTEGER NOT NULL DEFAULT 0,
    first_poll_done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
    feed      TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    title     TEXT NOT NULL,
    link      TEXT,
    published INTEGER,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (feed, item_id)
) WITHOUT ROWID;
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    TEXT NOT NULL UNIQUE,
    created     INTEGER NOT NULL,
    rule        TEXT NOT NULL,
    notify      INTEGER NOT NULL,
    json        TEXT NOT NULL,
    logged_at   INTEGER,
    notified_at INTEGER
);
CREATE INDEX outbox_unlogged ON outbox (seq) WHERE logged_at IS NULL;
CREATE INDEX outbox_unnotified ON outbox (seq) WHERE notify = 1 AND notified_at IS NULL;
"#,
    rule_state::MIGRATION,
    // 2: where a permanent redirect moved the feed, a feed disabled by 410 Gone, and
    // the publisher's ttl (so 304 answers keep honouring it).
    r#"
ALTER TABLE feeds ADD COLUMN effective_url TEXT;
ALTER TABLE feeds ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN publisher_ttl INTEGER;
"#,
    summaries::MIGRATION,
    deliveries::MIGRATION,
    cluster::MIGRATION,
];

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is a newswatch state file (or looks like one) but SQLite finds it
    /// damaged; it is left untouched, for the user to restore or recover.
    #[error(
        "{path} is damaged ({detail}); it is left as it is: restore it from a backup, try `sqlite3 {path} .recover`, or move it away to start afresh (every feed's items are then new again)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's first complaint.
        detail: String,
    },
    /// The file exists but is not a newswatch state file; it is left untouched.
    #[error(
        "{0} is not a newswatch state file (another program's database?); move it away or set a different state_dir"
    )]
    Foreign(PathBuf),
    /// The state directory cannot be created or used.
    #[error("cannot use state directory {path}: {error}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// `state_dir` names something that is not a folder (a regular file).
    #[error(
        "state_dir {0} is a file, not a folder: newswatch keeps its state file ({STATE_FILE}) in that folder; move the file away or set state_dir to a folder"
    )]
    NotAFolder(PathBuf),
    /// The state file exists but SQLite cannot open or read it.
    #[error("cannot open the state file {path}: {error}")]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's complaint.
        error: rusqlite::Error,
    },
    /// SQLite reported an error. Its text is in this message, so it is not also the
    /// error's `source` (chained reports would print it twice).
    #[error("state file: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored alert could not be encoded.
    #[error("cannot encode alert: {0}")]
    Encode(#[from] serde_json::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

/// What the store knows about one feed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedState {
    /// Feed name.
    pub name: String,
    /// URL or path at the last poll.
    pub url: String,
    /// Validators for the next conditional request.
    pub validators: Validators,
    /// When it was last polled.
    pub last_poll: Option<DateTime<Utc>>,
    /// `200`, `304`, or a short error class.
    pub last_status: Option<String>,
    /// When it last succeeded (200 or 304).
    pub last_success: Option<DateTime<Utc>>,
    /// When it is due next.
    pub next_poll: Option<DateTime<Utc>>,
    /// Consecutive failures (0 after a success).
    pub error_count: u32,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Items remembered from this feed.
    pub items_seen: u64,
    /// Whether a first poll has succeeded (the first-poll policy applies until then).
    pub first_poll_done: bool,
    /// Where permanent redirects (301/308) from `url` led: the address polled while
    /// the configured URL stays `url`.
    pub effective_url: Option<String>,
    /// The feed answered 410 Gone at `url`; it is not polled until its URL changes.
    pub disabled: bool,
    /// The wait the feed document itself asks for (RSS `ttl`), from the last body.
    pub publisher_ttl: Option<std::time::Duration>,
}

/// An alert waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Outbox sequence number (delivery order).
    pub seq: i64,
    /// The alert's id.
    pub alert_id: String,
    /// The alert line, as it goes into the log.
    pub json: String,
}

/// The outcome of one successful poll, committed atomically.
#[derive(Debug)]
pub struct PollRecord<'a> {
    /// Feed name.
    pub feed: &'a str,
    /// Feed URL or path.
    pub url: &'a str,
    /// New validators, or `None` after a 304 (keep the old ones).
    pub validators: Option<&'a Validators>,
    /// `200`, `304`…
    pub status: &'a str,
    /// Items not seen before.
    pub new_items: &'a [Item],
    /// Alerts for them: the alert and what the desktop does with it.
    pub alerts: Vec<(&'a Alert, Popup)>,
    /// When this feed is due next.
    pub next_poll: DateTime<Utc>,
}

/// What a poll learned about the feed itself, committed with its [`PollRecord`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedFacts<'a> {
    /// Where permanent redirects moved the feed (`None`: poll `url` itself).
    pub effective_url: Option<&'a str>,
    /// The wait the document asks for (RSS `ttl`).
    pub publisher_ttl: Option<std::time::Duration>,
}

/// A failed poll, recorded with its error.
#[derive(Debug)]
pub struct FailureRecord<'a> {
    /// Feed name.
    pub feed: &'a str,
    /// The configured URL or path.
    pub url: &'a str,
    /// Short error class (`timeout`, `500`, `parse`…).
    pub status: &'a str,
    /// The error message.
    pub error: &'a str,
    /// When the feed is due again (after the backoff).
    pub next_poll: DateTime<Utc>,
    /// The feed is gone (410): stop polling it until its URL changes.
    pub disable: bool,
}

/// An open state file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// Each rule's recent alerts, for grouping without re-reading them per poll.
    recent: rule_state::RecentAlerts,
    /// In a cluster: channels are fed by the team's shared consumer
    /// ([`Store::enqueue_for`]), not from the outbox by [`Store::enqueue`].
    team_channels: bool,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|v| Utc.timestamp_millis_opt(v).single())
}

impl Store {
    /// Opens (creating if needed) the state file in `dir`. A foreign or corrupted
    /// file is an error and is never overwritten.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        if dir.exists() && !dir.is_dir() {
            return Err(StoreError::NotAFolder(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(|error| StoreError::Dir {
            path: dir.to_path_buf(),
            error,
        })?;
        probe_writable(dir).map_err(|error| StoreError::Dir {
            path: dir.to_path_buf(),
            error,
        })?;
        let path = dir.join(STATE_FILE);
        Self::open_file(&path)
    }

    /// Opens (creating if needed) the state file at `path`. Every error names the
    /// file; one SQLite cannot read at all ("file is not a database": damaged past its
    /// header, or not a database) is [`StoreError::Corrupt`].
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        Self::open_file_inner(path).map_err(|e| match e {
            StoreError::Sqlite(error) => match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: "not a database: a damaged header, or another kind of file".into(),
                },
                _ => StoreError::Open {
                    path: path.to_path_buf(),
                    error,
                },
            },
            other => other,
        })
    }

    fn open_file_inner(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Reading the schema first turns "file is not a database" into an error here,
        // before anything is written.
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if tables > 0 && app_id != APPLICATION_ID {
            return Err(StoreError::Foreign(path.to_path_buf()));
        }
        // Still before anything is written: a damaged file is reported, not modified
        // (switching to WAL, or a failing poll, would write into it).
        if tables > 0 {
            let verdict: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
            if verdict != "ok" {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: verdict,
                });
            }
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with NORMAL: a commit is durable against a killed process (the WAL is in
        // the OS's hands before COMMIT returns) without an fsync per poll; only power
        // loss may drop the last commits, and then items are re-polled and their
        // stable alert ids keep the log free of repeats. FULL cost one fsync per feed
        // per cycle: a third of `once`'s CPU at 1,000 feeds.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoint every ~16 MB of WAL rather than 4: a page changed by many polls
        // in between is copied back once.
        conn.pragma_update(None, "wal_autocheckpoint", 4000)?;
        // Every statement is prepared once and kept (there are about twenty).
        conn.set_prepared_statement_cache_capacity(64);
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store {
            conn,
            recent: rule_state::RecentAlerts::default(),
            team_channels: false,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tx = self.conn.transaction()?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// The stored state of one feed.
    pub fn feed_state(&self, name: &str) -> Result<Option<FeedState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{FEED_SELECT} WHERE name = ?1"))?;
        Ok(stmt.query_row([name], feed_row).optional()?)
    }

    /// Every feed the store knows, by name.
    pub fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{FEED_SELECT} ORDER BY name"))?;
        let rows = stmt.query_map([], feed_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// For each id, whether the feed has never yielded it before.
    pub fn unseen(&self, feed: &str, ids: &[&str]) -> Result<Vec<bool>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM items WHERE feed = ?1 AND item_id = ?2")?;
        ids.iter()
            .map(|id| Ok(!stmt.exists(params![feed, id])?))
            .collect()
    }

    /// Commits a successful poll: new items, their alerts and the feed's state, in
    /// one transaction (what was known of redirects and ttl is kept).
    pub fn commit_poll(&mut self, rec: &PollRecord<'_>) -> Result<(), StoreError> {
        self.commit(rec, None)
    }

    /// [`commit_poll`](Self::commit_poll), also recording where the feed moved and
    /// the ttl it asks for (and re-enabling it), in the same transaction.
    pub fn commit_poll_with(
        &mut self,
        rec: &PollRecord<'_>,
        facts: &FeedFacts<'_>,
    ) -> Result<(), StoreError> {
        self.commit(rec, Some(facts))
    }

    /// [`commit_poll_with`](Self::commit_poll_with), also keeping the new items' text
    /// for backtesting, in the same transaction: one commit per poll instead of two.
    /// Keeping the texts is best effort: if it fails, only it is undone, the poll is
    /// committed, and its error is returned as `Ok(Some(_))`.
    pub fn commit_poll_keeping_texts(
        &mut self,
        rec: &PollRecord<'_>,
        facts: &FeedFacts<'_>,
    ) -> Result<Option<StoreError>, StoreError> {
        let now = ms(Utc::now());
        let mut tx = self.conn.transaction()?;
        let remembered = write_poll(&tx, rec, Some(facts), now)?;
        let texts = {
            let sp = tx.savepoint()?;
            match rule_state::insert_item_texts(&sp, rec.feed, rec.new_items, now) {
                Ok(()) => {
                    sp.commit()?;
                    None
                }
                // Dropping the savepoint rolls back to it.
                Err(e) => Some(e),
            }
        };
        tx.commit()?;
        self.recent.add(remembered);
        Ok(texts)
    }

    fn commit(
        &mut self,
        rec: &PollRecord<'_>,
        facts: Option<&FeedFacts<'_>>,
    ) -> Result<(), StoreError> {
        let now = ms(Utc::now());
        let tx = self.conn.transaction()?;
        let remembered = write_poll(&tx, rec, facts, now)?;
        tx.commit()?;
        self.recent.add(remembered);
        Ok(())
    }

    /// Records a failed poll; returns the new count of consecutive failures. A
    /// changed URL starts the count (and forgets the old URL's redirect) afresh.
    pub fn record_failure(&mut self, rec: &FailureRecord<'_>) -> Result<u32, StoreError> {
        let now = ms(Utc::now());
        self.conn
            .prepare_cached(
                "INSERT INTO feeds (name, url) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
            )?
            .execute(params![rec.feed, rec.url])?;
        // Right-hand sides see the row as it was, so `url = ?2` compares the old URL.
        let count: i64 = self.conn.prepare_cached("UPDATE feeds SET url = ?2, last_poll = ?3, last_status = ?4, last_error = ?5, next_poll = ?6,
                error_count = CASE WHEN url = ?2 THEN error_count ELSE 0 END + 1,
                effective_url = CASE WHEN url = ?2 THEN effective_url ELSE NULL END,
                disabled = ?7
             WHERE name = ?1 RETURNING error_count")?.query_row(
            params![
                rec.feed,
                rec.url,
                now,
                rec.status,
                rec.error,
                ms(rec.next_poll),
                rec.disable
            ],
            |r| r.get(0),
        )?;
        Ok(count.clamp(0, u32::MAX as i64) as u32)
    }

    /// Moves a feed's next poll without counting a poll (a host asked us to wait).
    pub fn set_next_poll(
        &mut self,
        feed: &str,
        url: &str,
        next_poll: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO feeds (name, url, next_poll) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET next_poll = ?3",
            )?
            .execute(params![feed, url, ms(next_poll)])?;
        Ok(())
    }

    /// Alerts not yet written to the alert log, oldest first.
    pub fn pending_log(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        select_pending(&self.conn, "logged_at IS NULL", limit)
    }

    /// Marks alerts as written to the log (after the write was synced).
    pub fn mark_logged(&mut self, seqs: &[i64]) -> Result<(), StoreError> {
        self.mark("logged_at", seqs)
    }

    fn mark(&mut self, column: &str, seqs: &[i64]) -> Result<(), StoreError> {
        let now = ms(Utc::now());
        let tx = self.conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached(&format!("UPDATE outbox SET {column} = ?1 WHERE seq = ?2"))?;
            for seq in seqs {
                stmt.execute(params![now, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many alerts were raised at or after `since` (still in the outbox).
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE created >= ?1",
            [ms(since)],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Deletes delivered alerts older than `before` from the outbox: written to the
    /// log, shown (or not meant to be), and done with by every channel (looked at,
    /// and delivered or given up).
    pub fn prune_outbox(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "DELETE FROM outbox WHERE created < ?1 AND logged_at IS NOT NULL
                 AND (notify = 0 OR notified_at IS NOT NULL)
                 AND seq <= (SELECT coalesce(min(cursor), 9223372036854775807) FROM channels)
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = outbox.seq AND d.done_at IS NULL)",
            )?
            .execute([ms(before)])?)
    }

    /// Runs SQLite's integrity check; `Ok(())` when it says "ok".
    pub fn integrity_check(&self) -> Result<Result<(), String>, StoreError> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(if r == "ok" { Ok(()) } else { Err(r) })
    }
}

/// Writes one successful poll (items, alerts, feed state) inside `tx`. Returns the
/// grouping rows it added, for the in-memory copy once `tx` commits.
fn write_poll(
    tx: &rusqlite::Transaction<'_>,
    rec: &PollRecord<'_>,
    facts: Option<&FeedFacts<'_>>,
    now: i64,
) -> Result<Vec<(String, crate::rules::group::Prior)>, StoreError> {
    let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO items (feed, item_id, title, link, published, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
    let mut added = 0i64;
    for i in rec.new_items {
        let row = params![rec.feed, i.id, i.title, i.link, i.published.map(ms), now];
        added += ins.execute(row)? as i64;
    }
    let mut out = tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (alert_id, created, rule, notify, json, summary_due) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
    for (alert, popup) in &rec.alerts {
        let summary_due = match popup {
            Popup::Held(until) => Some(ms(*until)),
            Popup::Show | Popup::Quiet => None,
        };
        out.execute(params![
            alert.alert_id,
            now,
            alert.rule,
            popup.shows(),
            serde_json::to_string(alert)?,
            summary_due
        ])?;
    }
    let remembered = rule_state::remember_alerts(tx, &rec.alerts)?;
    tx.prepare_cached(
        "INSERT INTO feeds (name, url) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
    )?
    .execute(params![rec.feed, rec.url])?;
    tx.prepare_cached("UPDATE feeds SET url = ?2, last_poll = ?3, last_status = ?4, last_success = ?3, next_poll = ?5,
                error_count = 0, last_error = NULL, items_seen = items_seen + ?6, first_poll_done = 1,
                disabled = 0
             WHERE name = ?1")?.execute(
            params![rec.feed, rec.url, now, rec.status, ms(rec.next_poll), added],
        )?;
    if let Some(f) = facts {
        tx.prepare_cached(
            "UPDATE feeds SET effective_url = ?2, publisher_ttl = ?3 WHERE name = ?1",
        )?
        .execute(params![
            rec.feed,
            f.effective_url,
            f.publisher_ttl
                .map(|d| d.as_secs().min(i64::MAX as u64) as i64)
        ])?;
    }
    if let Some(v) = rec.validators {
        tx.prepare_cached("UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE name = ?1")?
            .execute(params![rec.feed, v.etag, v.last_modified])?;
    }
    Ok(remembered)
}

/// Up to `limit` outbox entries meeting `cond` (an SQL condition), oldest first.
fn select_pending(conn: &Connection, cond: &str, limit: usize) -> Result<Vec<Pending>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT seq, alert_id, json FROM outbox WHERE {cond} ORDER BY seq LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Pending {
            seq: r.get(0)?,
            alert_id: r.get(1)?,
            json: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Creates and removes a file in `dir`, so a state directory that cannot be written
/// (read-only file system, no permission) is reported with the system's reason,
/// rather than as SQLite's "unable to open database file".
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".{STATE_FILE}.probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

const FEED_SELECT: &str =
    "SELECT name, url, etag, last_modified, last_poll, last_status, last_success, next_poll,
    error_count, last_error, items_seen, first_poll_done, effective_url, disabled, publisher_ttl
    FROM feeds";

fn feed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    Ok(FeedState {
        name: r.get(0)?,
        url: r.get(1)?,
        validators: Validators {
            etag: r.get(2)?,
            last_modified: r.get(3)?,
        },
        last_poll: from_ms(r.get(4)?),
        last_status: r.get(5)?,
        last_success: from_ms(r.get(6)?),
        next_poll: from_ms(r.get(7)?),
        error_count: r.get::<_, i64>(8)?.clamp(0, u32::MAX as i64) as u32,
        last_error: r.get(9)?,
        items_seen: r.get::<_, i64>(10)?.max(0) as u64,
        first_poll_done: r.get(11)?,
        effective_url: r.get(12)?,
        disabled: r.get(13)?,
        publisher_ttl: r
            .get::<_, Option<i64>>(14)?
            .map(|s| std::time::Duration::from_secs(s.max(0) as u64)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_commit_marks_items_seen_and_queues_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        assert_eq!(s.unseen("f", &["a", "b"]).unwrap(), vec![true, true]);
        let v = Validators {
            etag: Some("\"x\"".into()),
            last_modified: None,
        };
        let facts = FeedFacts {
            effective_url: Some("https://moved.example/feed"),
            publisher_ttl: Some(std::time::Duration::from_secs(3600)),
        };
        s.commit_poll_with(
            &PollRecord {
                feed: "f",
                url: "u",
                validators: Some(&v),
                status: "200",
                new_items: &[Item {
                    id: "a".into(),
                    title: "A".into(),
                    link: None,
                    published: None,
                    body: String::new(),
                }],
                alerts: vec![],
                next_poll: Utc::now(),
            },
            &facts,
        )
        .unwrap();
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.unseen("f", &["a", "b"]).unwrap(), vec![false, true]);
        let st = s.feed_state("f").unwrap().unwrap();
        assert_eq!(st.validators, v);
        assert_eq!(st.items_seen, 1);
        assert!(st.first_poll_done);
        assert_eq!(
            st.effective_url.as_deref(),
            Some("https://moved.example/feed")
        );
        assert_eq!(st.publisher_ttl, Some(std::time::Duration::from_secs(3600)));
        assert!(!st.disabled);
        assert_eq!(s.integrity_check().unwrap(), Ok(()));
    }

    #[test]
    fn foreign_database_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (7);")
            .unwrap();
        drop(c);
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Foreign(_))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn garbage_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        // One message, naming the file, said once even in a chained report.
        let chained = format!("{:#}", anyhow::Error::from(err));
        assert!(
            chained.starts_with(&format!("{} is damaged (not a database", path.display())),
            "{chained}"
        );
        assert_eq!(chained.matches("not a database").count(), 1, "{chained}");
        assert_eq!(std::fs::read(&path).unwrap(), vec![0x42u8; 8192]);
    }

    #[test]
    fn a_state_dir_that_is_a_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        std::fs::write(&path, "x").unwrap();
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "state_dir {} is a file, not a folder",
                path.display()
            )),
            "{err}"
        );
        assert!(!err.contains("os error"), "{err}");
    }

    fn failure<'a>(url: &'a str, disable: bool) -> FailureRecord<'a> {
        FailureRecord {
            feed: "f",
            url,
            status: "timeout",
            error: "slow",
            next_poll: Utc::now(),
            disable,
        }
    }

    #[test]
    fn damaged_file_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let path = dir.path().join(STATE_FILE);
        // Scribble over every page but the first (the header and schema stay readable).
        let mut bytes = std::fs::read(&path).unwrap();
        for b in bytes.iter_mut().skip(4096).step_by(61) {
            *b = 0xa5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("is damaged"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn failures_count_up_gone_disables_and_a_new_url_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        assert_eq!(s.record_failure(&failure("u", false)).unwrap(), 1);
        assert_eq!(s.record_failure(&failure("u", true)).unwrap(), 2);
        let st = s.feed_state("f").unwrap().unwrap();
        assert_eq!(st.last_error.as_deref(), Some("slow"));
        assert!(st.disabled);
        assert_eq!(
            s.record_failure(&failure("v", false)).unwrap(),
            1,
            "another URL is another feed's history"
        );
        assert!(!s.feed_state("f").unwrap().unwrap().disabled);
        let later = Utc::now() + chrono::Duration::hours(1);
        s.set_next_poll("f", "v", later).unwrap();
        let st = s.feed_state("f").unwrap().unwrap();
        assert_eq!(st.next_poll.map(|t| t.timestamp()), Some(later.timestamp()));
        assert_eq!(st.error_count, 1, "a deferral is not a failure");
    }

    #[test]
    fn a_version_1_file_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        c.execute(
            "INSERT INTO feeds (name, url, error_count) VALUES ('old', 'http://x/', 3)",
            [],
        )
        .unwrap();
        drop(c);
        let s = Store::open(dir.path()).unwrap();
        let st = s.feed_state("old").unwrap().unwrap();
        assert_eq!(st.error_count, 3);
        assert_eq!(st.effective_url, None);
        assert!(!st.disabled);
    }
}
