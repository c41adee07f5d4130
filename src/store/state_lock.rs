//! One newswatch per state directory. `run` and `once` hold an exclusive OS file lock
//! (`flock(2)`, through rustix) on [`LOCK_FILE`] in the state directory
//! for as long as they live; a second one refuses at once, naming the holder's pid,
//! which the holder writes into the file.
//!
//! Two daemons on one state would each deliver the outbox: both read the same
//! undelivered alerts before either marks them, and the alert log gets them twice.
//! `once` takes the same lock for the same reason (its delivery races the daemon's).
//! Commands that only read the state (`feeds`, `rules test --since`) take no lock.
//!
//! The kernel drops the lock when the holder's file is closed, which happens however
//! the process ends (kill -9 included), so a lock is never stale. The file itself stays
//! after the holder is gone; it is the lock on it that counts, not its existence. (File
//! locks may not work across machines on some network file systems: keep `state_dir`
//! on a local disk.)

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};
use rustix::io::Errno;

/// The lock file's name inside `state_dir`.
pub const LOCK_FILE: &str = "newswatch.lock";

/// Held while this process uses a state directory. Dropping it, or the process ending
/// in any way, releases the lock.
#[derive(Debug)]
pub struct StateLock {
    /// The locked file; the lock lives as long as this open file.
    _file: File,
}

/// Why the state directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "another newswatch (pid {pid}) is using {}: stop it first (it may be the service: `systemctl [--user] stop newswatch`), or give this one another state_dir", dir.display()
    )]
    Held {
        /// The holder's pid as it wrote it, or "unknown".
        pid: String,
        /// The state directory.
        dir: PathBuf,
    },
    /// The lock file could not be opened, locked or written.
    #[error("cannot lock the state directory ({path}): {error}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
}

impl StateLock {
    /// Locks the state directory `dir` (which must exist) for this process, or says
    /// which process holds it.
    pub fn acquire(dir: &Path) -> Result<StateLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |error| LockError::Io {
            path: path.clone(),
            error,
        };
        // Not truncated on open: until we hold the lock, the pid in it is the holder's.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => {
                return Err(LockError::Held {
                    pid: holder_pid(&mut file),
                    // The full path: a relative state_dir means little in a message.
                    dir: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
                });
            }
            Err(e) => return Err(io(e.into())),
        }
        file.set_len(0).map_err(io)?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes())
            .map_err(io)?;
        Ok(StateLock { _file: file })
    }
}

/// The pid the holder wrote, or "unknown" (it may be between locking and writing).
fn holder_pid(file: &mut File) -> String {
    let mut text = String::new();
    match file.read_to_string(&mut text) {
        Ok(_) if text.trim().parse::<u32>().is_ok() => text.trim().to_string(),
        _ => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_pid_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = std::fs::canonicalize(tmp.path()).unwrap();
        let first = StateLock::acquire(&dir).unwrap();
        let pid = std::process::id().to_string();
        assert_eq!(
            std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap(),
            format!("{pid}\n")
        );
        // A second open file description conflicts even within one process (flock).
        let err = StateLock::acquire(&dir).unwrap_err();
        assert!(
            matches!(&err, LockError::Held { pid: p, dir: d } if *p == pid && *d == dir),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(&format!(
                "another newswatch (pid {pid}) is using {}",
                dir.display()
            )),
            "{err}"
        );
        drop(first);
        // The file stays; the lock went with the open file.
        let _again = StateLock::acquire(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = StateLock::acquire(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(err, LockError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains(LOCK_FILE), "{err}");
    }
}
