//! The notification server hangs (a real dunst, frozen with SIGSTOP, keeps its bus
//! name and never answers): alerts must keep flowing to the alert log at their usual
//! pace, not one `desktop.timeout` per queued notification later, and the daemon must
//! still stop promptly. When it answers again (SIGCONT), what it did not show is
//! summarised, also after a restart of the daemon in between.
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

/// Starts `newswatch run` on `sb` in `session`, its stderr in `daemon.log`.
fn start_daemon(sb: &Sandbox, session: &DesktopSession) -> std::process::Child {
    common::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .envs(session.env())
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(sb.path("daemon.log"))
                .unwrap(),
        )
        .spawn()
        .expect("start daemon")
}

/// A sandbox polling `server`'s `/f` every 10 s with one rule, `tiktok`, and a daemon
/// on it that has shown the first story's popup; then the server hangs and five more
/// stories come, logged but not shown. Returns the daemon.
fn five_alerts_behind_a_hung_server(
    session: &mut DesktopSession,
    server: &FeedServer,
    sb: &Sandbox,
) -> std::process::Child {
    server.set(
        "/f",
        rss_owned(&common::distinct_stories(0..1)),
        Some("\"1\""),
    );
    sb.only_tiktok_rule("");
    let child = start_daemon(sb, session);
    let log_text = || std::fs::read_to_string(sb.path("daemon.log")).unwrap_or_default();
    session
        .wait_for_notify_blocking(deadline(45))
        .unwrap_or_else(|e| panic!("first notification: {e}\n{}", log_text()));
    // Shown, so answered: frozen before it answered, its popup would be owed too.
    common::desktop::poll_until_blocking(deadline(10), || {
        session.displayed_count().ok().filter(|&n| n >= 1)
    })
    .unwrap_or_else(|| panic!("dunst never showed the first popup\n{}", session.logs()));
    session.pause_server();
    server.set(
        "/f",
        rss_owned(&common::distinct_stories(0..6)),
        Some("\"2\""),
    );
    assert!(
        wait_until(Duration::from_secs(45), || sb.alerts().len() == 6
            && log_text().contains("desktop notifications paused")),
        "the five stories reach the log and notifications pause:\n{}",
        log_text()
    );
    child
}

/// The popups the hung server did not show are summarised, once, when it answers
/// again: one notification per rule with how many there were (every alert whose
/// popup the server did not confirm: the one whose call timed out, and the four
/// skipped after it).
#[test]
fn popups_lost_while_the_server_hung_are_summarised_when_it_answers() {
    let Some(mut session) = DesktopSession::start_or_skip("summary_after_hang") else {
        return;
    };
    let server = FeedServer::start();
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"news\"\nurl = \"{}\"\ninterval = \"10s\"\nfirst_poll = \"all\"\n",
        server.url("/f")
    ));
    let mut child = five_alerts_behind_a_hung_server(&mut session, &server, &sb);
    let log_text = || std::fs::read_to_string(sb.path("daemon.log")).unwrap_or_default();

    session.resume_server();
    let summary = common::desktop::poll_until_blocking(deadline(60), || {
        session
            .notify_calls()
            .into_iter()
            .find(|c| c.summary.contains("more alert"))
    })
    .unwrap_or_else(|| panic!("no summary after the server resumed:\n{}", log_text()));
    assert_eq!(summary.summary, "5 more alerts for tiktok", "{summary:?}");
    assert!(
        summary.body.ends_with("newswatch tail --rule tiktok"),
        "{summary:?}"
    );
    assert!(
        log_text().contains("desktop notifications resumed"),
        "{}",
        log_text()
    );
    // Nothing else is owed, and one summary was shown.
    assert!(common::owes_no_summary(&sb.path("state")));
    let summaries = session
        .notify_calls()
        .iter()
        .filter(|c| c.summary.contains("more alert"))
        .count();
    assert_eq!(summaries, 1);

    crash::signal(child.id(), libc::SIGTERM);
    assert!(wait_until(Duration::from_secs(10), || child
        .try_wait()
        .unwrap()
        .is_some()));
}

/// What is owed is kept in the state file: a daemon killed (SIGKILL) while the server
/// hangs owes the summary, and the next one shows it.
#[test]
fn a_summary_owed_when_the_daemon_is_killed_is_shown_after_a_restart() {
    let Some(mut session) = DesktopSession::start_or_skip("summary_after_restart") else {
        return;
    };
    let server = FeedServer::start();
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"news\"\nurl = \"{}\"\ninterval = \"10s\"\nfirst_poll = \"all\"\n",
        server.url("/f")
    ));
    let mut child = five_alerts_behind_a_hung_server(&mut session, &server, &sb);
    crash::signal(child.id(), libc::SIGKILL);
    child.wait().unwrap();
    session.resume_server();

    let mut child = start_daemon(&sb, &session);
    let log_text = || std::fs::read_to_string(sb.path("daemon.log")).unwrap_or_default();
    let summary = common::desktop::poll_until_blocking(deadline(45), || {
        session
            .notify_calls()
            .into_iter()
            .find(|c| c.summary.contains("more alert"))
    })
    .unwrap_or_else(|| panic!("no summary after the restart:\n{}", log_text()));
    assert_eq!(summary.summary, "5 more alerts for tiktok", "{summary:?}");
    assert_eq!(sb.alerts().len(), 6, "nothing logged twice");

    crash::signal(child.id(), libc::SIGTERM);
    assert!(wait_until(Duration::from_secs(10), || child
        .try_wait()
        .unwrap()
        .is_some()));
}
