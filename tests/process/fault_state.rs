//! A state file or folder newswatch cannot use, and a config path that is a folder:
//! `once` and `run` must stop at once with a clear error and a non-zero exit, and
//! leave every file as it was (no rewrite of somebody else's database, no "repair"
//! of a damaged one, no alert log started).
//!
//! As root (CI), permissions do not stop anything, so "cannot write here" is made
//! real with a read-only tmpfs; those cases are skipped without root outside CI.

use crate::common;
use crate::common::mounts;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::common::{Sandbox, wait_until};
use mounts::{Tmpfs, is_root, skip_or_fail};

/// Every file under `dir` with its bytes, sorted: "nothing changed" is equality.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// Runs `newswatch run` to its (early) end; it must exit by itself within 20 s.
fn run_daemon(config: &Path) -> Output {
    let mut child = common::newswatch()
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start daemon");
    let exited = wait_until(Duration::from_secs(20), || {
        child.try_wait().expect("try_wait").is_some()
    });
    if !exited {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("daemon output");
    assert!(exited, "`run` kept running: {}", common::stderr(&out));
    out
}

/// `once` and `run` both refuse with exit 1, an error containing every one of `want`,
/// no panic, and no change under `watched`.
fn refused(sb: &Sandbox, watched: &Path, want: &[&str]) {
    let before = snapshot(watched);
    for (how, out) in [("once", sb.once()), ("run", run_daemon(&sb.config()))] {
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{how}: {err}");
        for w in want {
            assert!(err.contains(w), "{how}: `{w}` not in: {err}");
        }
        assert!(!err.contains("panicked"), "{how}: {err}");
        assert_eq!(
            snapshot(watched),
            before,
            "{how} changed files under {}",
            watched.display()
        );
        assert!(!sb.path("alerts.jsonl").exists(), "{how} started a log");
    }
}

/// A sandbox whose demo feed gives alerts, with `state_dir` as given.
fn sandbox(state_dir: &str) -> Sandbox {
    let sb = Sandbox::new("");
    std::fs::create_dir_all(sb.path("demo")).unwrap();
    std::fs::copy(
        common::repo().join("config/demo/demo-feed.xml"),
        sb.path("demo/demo-feed.xml"),
    )
    .unwrap();
    let text = format!(
        "state_dir = \"{state_dir}\"\nalert_log = \"alerts.jsonl\"\nwatchlists = [\"watchlists/*.toml\"]\n\
         [desktop]\nenabled = false\n[[feed]]\nname = \"demo\"\nurl = \"demo/demo-feed.xml\"\nfirst_poll = \"all\"\n"
    );
    std::fs::write(sb.config(), text).unwrap();
    sb
}

/// A real state file with the demo's items and alerts in it.
fn real_state_file() -> Vec<u8> {
    let sb = sandbox("state");
    let out = sb.once();
    assert!(out.status.success(), "{}", common::stderr(&out));
    std::fs::read(sb.path("state/newswatch.sqlite3")).unwrap()
}

#[test]
fn foreign_garbage_and_damaged_state_files_are_refused_untouched() {
    let foreign = {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("other.db");
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE TABLE photos (id INTEGER, path TEXT); INSERT INTO photos VALUES (1, 'a.jpg');",
        )
        .unwrap();
        drop(c);
        std::fs::read(&p).unwrap()
    };
    let mut damaged = real_state_file();
    for b in damaged.iter_mut().skip(4096).step_by(97) {
        *b = 0xa5;
    }
    let mut header_gone = real_state_file();
    header_gone[..100].fill(0);
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "another program's database",
            foreign,
            &["not a newswatch state file", "newswatch.sqlite3"],
        ),
        (
            "random bytes",
            (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
            &["not a database"],
        ),
        (
            "pages scribbled over",
            damaged,
            &["is damaged", "newswatch.sqlite3"],
        ),
        ("header zeroed", header_gone, &["not a database"]),
    ];
    for (what, bytes, want) in cases {
        let sb = sandbox("state");
        std::fs::create_dir(sb.path("state")).unwrap();
        std::fs::write(sb.path("state/newswatch.sqlite3"), &bytes).unwrap();
        eprintln!("case: {what}");
        refused(&sb, &sb.path("state"), want);
    }
}

#[test]
fn state_dir_under_a_regular_file_is_refused() {
    let sb = sandbox("blocker/state");
    std::fs::write(sb.path("blocker"), "a file, not a folder").unwrap();
    refused(
        &sb,
        sb.dir.path(),
        &["cannot use state directory", "Not a directory"],
    );
}

#[test]
fn state_dir_that_cannot_be_written_is_refused() {
    if !is_root() {
        return skip_or_fail("state_dir_read_only", "needs root to mount a tmpfs");
    }
    // Empty and read-only: the state file cannot be created.
    let empty = match Tmpfs::mount("1m", "ro") {
        Ok(m) => m,
        Err(e) => return skip_or_fail("state_dir_read_only", &e),
    };
    let sb = sandbox(&empty.path().display().to_string());
    refused(
        &sb,
        empty.path(),
        &["cannot use state directory", "Read-only file system"],
    );

    // A good state file on a file system that turned read-only.
    let full = Tmpfs::mount("4m", "").expect("tmpfs");
    std::fs::write(full.join("newswatch.sqlite3"), real_state_file()).unwrap();
    full.remount("ro").expect("remount read-only");
    let sb = sandbox(&full.path().display().to_string());
    refused(
        &sb,
        full.path(),
        &["cannot use state directory", "Read-only file system"],
    );
}

#[test]
fn config_path_that_is_a_directory_is_refused() {
    let sb = sandbox("state");
    let before = snapshot(sb.dir.path());
    for cmd in ["once", "run", "check"] {
        let out = common::run(&[cmd, "--config", &sb.dir.path().display().to_string()]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains("is a directory") && err.contains("newswatch.toml"),
            "{cmd}: {err}"
        );
        assert_eq!(snapshot(sb.dir.path()), before, "{cmd} changed files");
    }
}
