//! The alert log cannot be written: a full disk (a small real tmpfs, filled up) or a
//! log made read-only under the running daemon (the immutable flag, which stops root
//! too). Alerts must stay in the outbox, the error must be logged clearly, the log
//! must not be left with a torn line, and delivery must resume by itself when the
//! fault goes away — each alert then written exactly once.
//!
//! Needs root (mount, chattr): skipped outside CI without it, a failure in CI.

use crate::common;
use crate::common::crash;
use crate::common::mounts;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss_owned, wait_until};
use mounts::{Immutable, Tmpfs, is_root, set_immutable, skip_or_fail};

/// A config with the shipped watchlists, the log at `alert_log`, one feed at `url`.
fn configure(sb: &Sandbox, alert_log: &Path, url: &str) {
    let text = format!(
        "state_dir = \"state\"\nalert_log = \"{}\"\nwatchlists = [\"watchlists/*.toml\"]\n\
         [desktop]\nenabled = false\n\
         [[feed]]\nname = \"news\"\nurl = \"{url}\"\ninterval = \"10s\"\nfirst_poll = \"all\"\n",
        alert_log.display()
    );
    std::fs::write(sb.config(), text).unwrap();
}

/// A TikTok story with a body of a few kilobytes (so one batch spans several pages).
fn story(n: usize) -> (String, String, String, String) {
    let body = format!(
        "<p>TikTok, owned by ByteDance, said story {n} was about its app.</p><p>{}</p>",
        "Regulators and users followed the case closely. ".repeat(60)
    );
    (
        format!("story-{n}"),
        format!("TikTok story {n}"),
        body,
        minutes_ago(1),
    )
}

fn start(sb: &Sandbox, stderr: &Path) -> Child {
    common::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .stdout(Stdio::null())
        .stderr(File::create(stderr).unwrap())
        .spawn()
        .expect("start daemon")
}

fn stop(mut child: Child) {
    crash::signal(child.id(), libc::SIGTERM);
    let mut status = None;
    assert!(
        wait_until(Duration::from_secs(30), || {
            status = child.try_wait().unwrap();
            status.is_some()
        }),
        "the daemon did not stop"
    );
    assert!(status.unwrap().success(), "{status:?}");
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The log's alert ids; every line must be a complete alert.
fn ids(log: &Path) -> Vec<String> {
    let (ids, bad) = crash::log_ids(log);
    assert_eq!(bad, 0, "torn or unreadable lines in {}", log.display());
    ids
}

fn unique(mut v: Vec<String>) -> usize {
    let n = v.len();
    v.sort();
    v.dedup();
    assert_eq!(v.len(), n, "an alert was written twice: {v:?}");
    n
}

#[test]
fn disk_full_keeps_alerts_queued_and_delivery_resumes_when_space_returns() {
    if !is_root() {
        return skip_or_fail("disk_full", "needs root to mount a tmpfs");
    }
    let disk = match Tmpfs::mount("1m", "") {
        Ok(d) => d,
        Err(e) => return skip_or_fail("disk_full", &e),
    };
    let log = disk.join("alerts.jsonl");
    // Full, but for one page: the batch's write gets part-way and then fails.
    let filler: PathBuf = disk.fill("filler", 4096);
    let server = FeedServer::start();
    let stories: Vec<_> = (0..3).map(story).collect();
    server.set("/f", rss_owned(&stories), Some("\"1\""));
    let sb = Sandbox::new("");
    configure(&sb, &log, &server.url("/f"));
    let stderr = sb.path("daemon.log");
    let child = start(&sb, &stderr);

    assert!(
        wait_until(Duration::from_secs(60), || {
            let t = text(&stderr);
            t.contains("delivery failed; alerts stay queued") && t.contains("No space left")
        }),
        "no clear error about the full disk:\n{}",
        text(&stderr)
    );
    let state = crash::view_state(&sb.path("state")).expect("state");
    assert_eq!(state.pending_log.len(), 3, "the alerts wait in the outbox");
    assert_eq!(
        crash::size(&log),
        0,
        "the part of the batch that fit was rolled back"
    );

    std::fs::remove_file(&filler).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || crash::log_ids(&log).0.len()
            == 3),
        "delivery did not resume once space returned:\n{}",
        text(&stderr)
    );
    assert_eq!(unique(ids(&log)), 3);
    assert!(
        crash::view_state(&sb.path("state"))
            .unwrap()
            .pending_log
            .is_empty()
    );
    stop(child);
    assert_eq!(unique(ids(&log)), 3, "nothing more at stop");
}

#[test]
fn read_only_alert_log_keeps_alerts_queued_and_delivery_resumes_when_writable() {
    if !is_root() {
        return skip_or_fail("read_only_log", "needs root for chattr +i");
    }
    let server = FeedServer::start();
    let mut stories = vec![story(0)];
    server.set("/f", rss_owned(&stories), Some("\"1\""));
    let sb = Sandbox::new("");
    let log = sb.path("alerts.jsonl");
    configure(&sb, &log, &server.url("/f"));
    let stderr = sb.path("daemon.log");
    let child = start(&sb, &stderr);
    assert!(
        wait_until(Duration::from_secs(40), || crash::log_ids(&log).0.len()
            == 1),
        "first alert:\n{}",
        text(&stderr)
    );

    // The log turns read-only under the running daemon (its open handle included).
    if let Err(e) = set_immutable(&log, true) {
        stop(child);
        return skip_or_fail("read_only_log", &format!("chattr +i not supported: {e}"));
    }
    let guard = Immutable(log.clone());
    stories.insert(0, story(1));
    stories.insert(0, story(2));
    server.set("/f", rss_owned(&stories), Some("\"2\""));
    assert!(
        wait_until(Duration::from_secs(40), || {
            let t = text(&stderr);
            t.contains("delivery failed; alerts stay queued")
                && t.contains("Operation not permitted")
        }),
        "no clear error about the read-only log:\n{}",
        text(&stderr)
    );
    let state = crash::view_state(&sb.path("state")).expect("state");
    assert_eq!(
        state.pending_log.len(),
        2,
        "the new alerts wait in the outbox"
    );
    assert_eq!(ids(&log).len(), 1);

    set_immutable(&log, false).unwrap();
    drop(guard);
    assert!(
        wait_until(Duration::from_secs(30), || crash::log_ids(&log).0.len()
            == 3),
        "delivery did not resume once the log was writable:\n{}",
        text(&stderr)
    );
    stop(child);
    assert_eq!(unique(ids(&log)), 3);
}

#[test]
fn read_only_file_system_at_start_is_a_clear_error_and_nothing_is_lost() {
    if !is_root() {
        return skip_or_fail("read_only_fs", "needs root to mount a tmpfs");
    }
    let ro = match Tmpfs::mount("1m", "ro") {
        Ok(d) => d,
        Err(e) => return skip_or_fail("read_only_fs", &e),
    };
    let server = FeedServer::start();
    server.set("/f", rss_owned(&[story(0)]), Some("\"1\""));
    let sb = Sandbox::new("");
    let log = ro.join("alerts.jsonl");
    configure(&sb, &log, &server.url("/f"));
    let out = sb.once();
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("alert log") && err.contains("Read-only file system"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!log.exists());
    assert!(
        server.requests().is_empty(),
        "nothing was fetched (and so nothing marked seen) without a place for alerts"
    );
}
