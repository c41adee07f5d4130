//! Noticing edits of the config, watchlist and knowledge-base files (`watch_config =
//! true`), so they apply without a SIGHUP.
//!
//! It compares a fingerprint (inode, size, modification time) of every file the
//! running config read, and of the folders holding watchlists and knowledge-base files
//! (a file added there changes the folder), every [`WATCH_EVERY`]. No inotify: a
//! handful of `stat` calls a few times a minute costs nothing, works on every file
//! system (NFS, bind mounts, ConfigMaps that swap symlinks) and needs no dependency.
//! A change applies once the files have stopped changing for one period, so a reload
//! does not catch an editor half-way through saving.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Config;

/// How often the files are looked at.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// What is known about one watched path: `None` when it does not exist.
type Stamp = Option<(u64, u64, i64, i64)>;

/// The files behind a running config, and what they looked like.
#[derive(Debug)]
pub struct ConfigWatch {
    /// Paths watched.
    paths: Vec<PathBuf>,
    /// Their stamps when the running config was loaded (or last rejected).
    loaded: Vec<Stamp>,
    /// Stamps of a change seen but not yet settled.
    changing: Option<Vec<Stamp>>,
}

impl ConfigWatch {
    /// Watches the files `config` was built from, as they are now.
    pub fn new(config: &Config) -> Self {
        let paths = watched_paths(config);
        let loaded = stamps(&paths);
        ConfigWatch {
            paths,
            loaded,
            changing: None,
        }
    }

    /// Looks again; true when the files changed and have since stayed the same for one
    /// period: time to reload. Call [`ConfigWatch::new`] again after reloading (or
    /// rejecting) so the same change does not fire twice.
    pub fn changed(&mut self) -> bool {
        let now = stamps(&self.paths);
        if now == self.loaded {
            self.changing = None;
            return false;
        }
        let settled = self.changing.as_ref() == Some(&now);
        self.changing = Some(now);
        settled
    }
}

/// The config file, each watchlist and knowledge-base file, and their folders.
fn watched_paths(config: &Config) -> Vec<PathBuf> {
    let mut set = BTreeSet::new();
    set.insert(config.path.clone());
    for f in config.watchlists.iter().chain(&config.entities) {
        set.insert(f.clone());
        if let Some(dir) = f.parent() {
            set.insert(dir.to_path_buf());
        }
    }
    set.into_iter().collect()
}

fn stamps(paths: &[PathBuf]) -> Vec<Stamp> {
    paths.iter().map(|p| stamp(p)).collect()
}

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_fires_once_settled() {
        let dir = tempfile::tempdir().unwrap();
        let wl = dir.path().join("watchlists");
        std::fs::create_dir(&wl).unwrap();
        std::fs::write(wl.join("a.toml"), "").unwrap();
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, "watchlists = []\n").unwrap();
        let mut config = Config::parse(&path, "watchlists = []\n").unwrap();
        config.watchlists = vec![wl.join("a.toml")];
        let mut w = ConfigWatch::new(&config);
        assert!(!w.changed(), "nothing changed");
        std::fs::write(&path, "watchlists = []\ninterval = \"1h\"\n").unwrap();
        assert!(!w.changed(), "a change is first seen, not yet settled");
        assert!(w.changed(), "unchanged for one period: reload");
        let mut w = ConfigWatch::new(&config);
        std::fs::write(wl.join("b.toml"), "").unwrap();
        assert!(!w.changed());
        assert!(w.changed(), "a new file in a watchlist folder counts");
    }
}
