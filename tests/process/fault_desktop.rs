//! The notification server hangs (a real dunst, frozen with SIGSTOP, keeps its bus
//! name and never answers): alerts must keep flowing to the alert log at their usual
//! pace, not one `desktop.timeout` per queued notification later, and the daemon must
//! still stop promptly.
//!
//! Needs Xvfb, dbus and dunst (`tests/common/desktop.rs`): skipped outside CI without
//! them, a failure in CI.

use crate::common;
use crate::common::crash;

use std::fs::File;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::desktop::{DesktopSession, deadline};
use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss_owned, wait_until};

fn stories(range: std::ops::Range<usize>) -> Vec<(String, String, String, String)> {
    range
        .rev()
        .map(|n| {
            (
                format!("story-{n}"),
                format!("TikTok story {n}"),
                format!("TikTok, owned by ByteDance, said story {n} was news."),
                minutes_ago(1),
            )
        })
        .collect()
}

#[test]
fn a_hung_notification_server_does_not_hold_up_the_alert_log() {
    let Some(mut session) = DesktopSession::start_or_skip("hung_notification_server") else {
        return;
    };
    let server = FeedServer::start();
    server.set("/f", rss_owned(&stories(0..1)), Some("\"1\""));
    // Sandbox: desktop on, 1 s per call to the notification server.
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"news\"\nurl = \"{}\"\ninterval = \"10s\"\nfirst_poll = \"all\"\n",
        server.url("/f")
    ));
    let stderr = sb.path("daemon.log");
    let mut child = common::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .envs(session.env())
        .stdout(Stdio::null())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .expect("start daemon");
    let log_text = || std::fs::read_to_string(&stderr).unwrap_or_default();
    session
        .wait_for_notify_blocking(deadline(40))
        .unwrap_or_else(|e| panic!("first notification: {e}\n{}", log_text()));
    assert_eq!(sb.alerts().len(), 1);

    // The server hangs; 30 stories arrive at once, then one more a poll later.
    session.pause_server();
    server.set("/f", rss_owned(&stories(0..31)), Some("\"2\""));
    assert!(
        wait_until(Duration::from_secs(30), || sb.alerts().len() == 31),
        "the batch reached the log:\n{}",
        log_text()
    );
    let published = Instant::now();
    server.set("/f", rss_owned(&stories(0..32)), Some("\"3\""));
    // One poll interval (10 s) and a little: not 30 notification timeouts (30 s).
    let flowed = wait_until(Duration::from_secs(45), || sb.alerts().len() == 32);
    let took = published.elapsed();
    assert!(
        flowed,
        "the later story never reached the log:\n{}",
        log_text()
    );
    assert!(
        took < Duration::from_secs(16),
        "the later story took {took:?} to reach the log behind the hung server:\n{}",
        log_text()
    );
    assert!(
        log_text().contains("timed out"),
        "the hang is logged:\n{}",
        log_text()
    );

    // And it still stops promptly, the server still frozen.
    crash::signal(child.id(), libc::SIGTERM);
    let mut status = None;
    assert!(
        wait_until(Duration::from_secs(10), || {
            status = child.try_wait().unwrap();
            status.is_some()
        }),
        "no prompt stop with the server hung:\n{}",
        log_text()
    );
    assert!(status.unwrap().success());
    session.resume_server();
    let ids: std::collections::HashSet<String> = sb
        .alerts()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 32, "each alert once");
}
