//! One newswatch per state directory: a second `run` (or a `once`) beside a running
//! daemon exits 1 at once naming the daemon's pid, commands that only read the state
//! still work, and a daemon killed with SIGKILL leaves no stale lock behind.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::server::live_feed;
use crate::common::service::Daemon;
use crate::common::{self, minutes_ago, rss, run, stderr, stdout, wait_until};

#[test]
fn a_second_run_is_refused_while_one_runs_and_sigkill_leaves_no_stale_lock() {
    let (server, sb) = live_feed();
    let mut first = Daemon::start(&sb, &[]);
    first.wait_log(1, &["newswatch running"], Duration::from_secs(20));
    let state = std::fs::canonicalize(sb.path("state")).unwrap();
    let refusal = format!(
        "another newswatch (pid {}) is using {}",
        first.child.id(),
        state.display()
    );

    // A second daemon on the same config stops at once, naming the first.
    let mut second = Daemon::start(&sb, &[]);
    let status = second.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1), "{}", second.log());
    assert!(second.log().contains(&refusal), "{}", second.log());
    assert_eq!(second.count(&["newswatch running"]), 0, "{}", second.log());

    // `once` would deliver the same outbox: refused the same way.
    let out = sb.once();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&refusal), "{}", stderr(&out));
    // Reading the state takes no lock.
    let out = run(&["feeds", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("live"), "{}", stdout(&out));

    // The first daemon works on; then it dies without a chance to clean up.
    assert!(
        wait_until(Duration::from_secs(40), || sb.alerts().len() == 1),
        "first alert:\n{}",
        first.log()
    );
    assert!(common::crash::signal(first.child.id(), libc::SIGKILL));
    first.wait_exit(Duration::from_secs(10));

    // A new daemon starts at once: the kernel released the lock with the process.
    let third = Daemon::start(&sb, &[]);
    third.wait_log(1, &["newswatch running"], Duration::from_secs(20));
    let lock_file = std::fs::read_to_string(sb.path("state/newswatch.lock")).unwrap();
    assert_eq!(lock_file.trim(), third.child.id().to_string());
    server.set(
        "/f",
        rss(&[
            ("two", "TikTok again", "TikTok", &minutes_ago(1)),
            ("one", "TikTok item", "TikTok", &minutes_ago(5)),
        ]),
        Some("\"2\""),
    );
    assert!(
        wait_until(Duration::from_secs(40), || sb.alerts().len() == 2),
        "the new daemon alerts:\n{}",
        third.log()
    );
    let (status, log) = third.stop(Duration::from_secs(30));
    assert!(status.success(), "{log}");
    let ids: HashSet<String> = sb
        .alerts()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "each alert once: {:?}", sb.alerts());
}
