//! Helpers for killing a real daemon at chosen moments and looking at what it left
//! behind: signals by pid, "is the whole process frozen yet", "does it hold SQLite's
//! WAL write lock" (read from `/proc/locks`), "is the alert log's last line torn", and
//! a read-only look at the state file through a copy (so the test never changes the
//! files the next run recovers from).

use std::collections::HashSet;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Sends `sig` to `pid`; false if the process is gone.
pub fn signal(pid: u32, sig: libc::c_int) -> bool {
    // SAFETY: kill(2) has no memory-safety preconditions; the pid is our own child.
    unsafe { libc::kill(pid as libc::pid_t, sig) == 0 }
}

/// The state letter (R, S, D, T, t, Z…) of every thread of `pid`.
pub fn thread_states(pid: u32) -> Vec<char> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| fs::read_to_string(t.path().join("stat")).ok())
        // The state follows the command name, which is in parentheses and may hold spaces.
        .filter_map(|s| {
            s.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        })
        .collect()
}

/// Sends SIGSTOP and waits (at most `timeout`) until no thread of `pid` runs user code:
/// each is stopped, or still inside a system call it cannot leave without stopping.
/// True when every thread is stopped outright.
pub fn freeze(pid: u32, timeout: Duration) -> bool {
    signal(pid, libc::SIGSTOP);
    let deadline = Instant::now() + timeout;
    loop {
        let states = thread_states(pid);
        if !states.is_empty() && states.iter().all(|s| matches!(s, 'T' | 't')) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::yield_now();
    }
}

/// The inode of `path`, if it exists.
pub fn inode(path: &Path) -> Option<u64> {
    fs::metadata(path).ok().map(|m| m.ino())
}

/// Whether `pid` holds a POSIX write lock on byte 120 of the file with inode `shm_ino`:
/// SQLite's WAL write lock (the first lock slot after the 120-byte wal-index header), held
/// from a write transaction's first write to its commit or rollback.
pub fn holds_wal_write_lock(pid: u32, shm_ino: u64) -> bool {
    let Ok(locks) = fs::read_to_string("/proc/locks") else {
        return false;
    };
    locks.lines().any(|l| {
        // "1: POSIX  ADVISORY  WRITE 4242 fd:01:123456 120 120" (blocked waiters have "->").
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() >= 8
            && f[1] == "POSIX"
            && f[3] == "WRITE"
            && f[4] == pid.to_string()
            && f[5].rsplit(':').next() == Some(shm_ino.to_string().as_str())
            && f[6] == "120"
    })
}

/// The size of `path` (0 if absent).
pub fn size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |m| m.len())
}

/// The last byte of `path`, if it has one.
pub fn last_byte(path: &Path) -> Option<u8> {
    let mut f = fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    if len == 0 {
        return None;
    }
    f.seek(SeekFrom::Start(len - 1)).ok()?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b).ok()?;
    Some(b[0])
}

/// What the state file says, read from a copy of it (database and WAL).
#[derive(Debug, Default)]
pub struct StateView {
    /// Alert ids waiting to be written to the log.
    pub pending_log: Vec<String>,
    /// Every alert id in the outbox.
    pub outbox: usize,
    /// Items remembered.
    pub items: usize,
}

/// A read-only look at the state file in `state_dir` through a copy (database and
/// WAL) in a temporary folder: the original is not touched. The folder lives as long
/// as the connection is needed.
pub fn open_copy(state_dir: &Path) -> Option<(tempfile::TempDir, rusqlite::Connection)> {
    let db = state_dir.join("newswatch.sqlite3");
    if !db.exists() {
        return None;
    }
    let tmp = tempfile::tempdir().ok()?;
    let copy = tmp.path().join("newswatch.sqlite3");
    fs::copy(&db, &copy).ok()?;
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    if wal.exists() {
        fs::copy(&wal, format!("{}-wal", copy.display())).ok()?;
    }
    let conn = rusqlite::Connection::open(&copy).ok()?;
    Some((tmp, conn))
}

/// Reads the state file in `state_dir` through a copy (see [`open_copy`]).
pub fn view_state(state_dir: &Path) -> Option<StateView> {
    let (_tmp, conn) = open_copy(state_dir)?;
    let mut stmt = conn
        .prepare("SELECT alert_id FROM outbox WHERE logged_at IS NULL ORDER BY seq")
        .ok()?;
    let pending_log = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    let outbox: i64 = conn
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .ok()?;
    let items: i64 = conn
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .ok()?;
    Some(StateView {
        pending_log,
        outbox: outbox as usize,
        items: items as usize,
    })
}

/// One channel delivery as the state file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// The channel.
    pub channel: String,
    /// The alert.
    pub alert_id: String,
    /// `queued`, `sent`, `failed` or `expired`.
    pub state: String,
    /// Attempts counted.
    pub attempts: u32,
}

/// Every channel delivery the state file in `state_dir` records (through a copy).
pub fn deliveries(state_dir: &Path) -> Option<Vec<DeliveryRow>> {
    let (_tmp, conn) = open_copy(state_dir)?;
    let mut stmt = conn
        .prepare(
            "SELECT d.channel, o.alert_id, d.state, d.attempts FROM deliveries d
             JOIN outbox o ON o.seq = d.seq ORDER BY d.channel, d.seq",
        )
        .ok()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(DeliveryRow {
                channel: r.get(0)?,
                alert_id: r.get(1)?,
                state: r.get(2)?,
                attempts: r.get(3)?,
            })
        })
        .ok()?;
    rows.collect::<Result<_, _>>().ok()
}

/// The alert ids of the log's complete lines, and how many lines are not JSON objects
/// with an `alert_id` (a torn last line included).
pub fn log_ids(path: &Path) -> (Vec<String>, usize) {
    let bytes = fs::read(path).unwrap_or_default();
    let mut ids = Vec::new();
    let mut bad = 0;
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v) => match v.get("alert_id").and_then(|a| a.as_str()) {
                Some(id) => ids.push(id.to_string()),
                None => bad += 1,
            },
            Err(_) => bad += 1,
        }
    }
    (ids, bad)
}

/// Of `pending` alert ids, those that already stand in the log: written by a run that
/// was killed before it marked them.
pub fn written_but_unmarked(pending: &[String], log: &Path) -> usize {
    let (ids, _) = log_ids(log);
    let logged: HashSet<&str> = ids.iter().map(String::as_str).collect();
    pending
        .iter()
        .filter(|p| logged.contains(p.as_str()))
        .count()
}

/// Starts `newswatch run` on `sb`'s config, stderr appended to `log` (kept across
/// the runs a crash test kills and restarts), stdout dropped.
pub fn start_daemon(sb: &super::Sandbox, log: &Path) -> std::process::Child {
    let err = fs::File::options()
        .create(true)
        .append(true)
        .open(log)
        .expect("daemon log");
    super::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .stdout(std::process::Stdio::null())
        .stderr(err)
        .spawn()
        .expect("start daemon")
}
