//! `newswatch run` as a process: it stays up, polls on the feed's interval, alerts on
//! items that appear later, stops promptly and cleanly on SIGTERM and SIGINT, and says
//! at start what it loaded and when the first polls come.

use crate::common;

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::server::live_feed;
use crate::common::service::Daemon;
use crate::common::{Sandbox, minutes_ago, rss, wait_until};

fn start(sb: &Sandbox) -> Child {
    common::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start daemon")
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits (at most `timeout`) for the process to exit; returns its exit status.
fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let mut status = None;
    let stopped = wait_until(timeout, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    assert!(stopped, "daemon did not stop within {timeout:?}");
    status.unwrap()
}

#[test]
fn polls_on_interval_alerts_later_items_and_stops_on_sigterm() {
    let (server, sb) = live_feed();
    let mut child = start(&sb);

    assert!(
        wait_until(Duration::from_secs(40), || sb.alerts().len() == 1),
        "first alert"
    );
    server.set(
        "/f",
        rss(&[
            ("two", "WeChat item", "WeChat", &minutes_ago(0)),
            ("one", "TikTok item", "TikTok", &minutes_ago(5)),
        ]),
        Some("\"2\""),
    );
    // The next poll comes one interval after the first.
    assert!(
        wait_until(Duration::from_secs(40), || sb.alerts().len() == 2),
        "alert for the later item"
    );
    assert_eq!(sb.alerts()[1]["item"]["id"], "two");
    let polls = server.requests().len();
    assert!(polls >= 2);

    signal(&child, "-TERM");
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("SIGTERM: stopping") && err.contains("stopped"),
        "{err}"
    );
    assert_eq!(sb.alerts().len(), 2, "nothing lost, nothing twice");
}

#[test]
fn sigint_stops_even_while_a_fetch_hangs() {
    // A server that accepts and never answers: the stop must not wait for its timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"hang\"\nurl = \"http://{addr}/f\"\ninterval = \"10s\"\n"
    ));
    let mut child = start(&sb);
    // Wait until the daemon's fetch is stuck on the silent server.
    let stuck = wait_until(Duration::from_secs(20), || {
        accepted.load(std::sync::atomic::Ordering::SeqCst) > 0
    });
    assert!(stuck, "the daemon connected");
    signal(&child, "-INT");
    // Well inside the 30 s fetch timeout: the stop does not wait for the stuck fetch.
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
}

/// The first polls are spread over up to 30 s after start, so the start line says what
/// was loaded and when they come.
#[test]
fn start_line_says_what_is_loaded_and_when_the_first_polls_are_due() {
    let sb = Sandbox::new(
        "[[feed]]\nname = \"a\"\nurl = \"a.xml\"\ninterval = \"1h\"\n\
         [[feed]]\nname = \"b\"\nurl = \"b.xml\"\ninterval = \"1h\"\n",
    );
    for f in ["a.xml", "b.xml"] {
        std::fs::write(sb.path(f), rss(&[])).unwrap();
    }
    let daemon = Daemon::start(&sb, &[]);
    // Three rules: the shipped watchlists.
    let head = "newswatch running: 2 feed(s), 3 rule(s); first poll in ";
    daemon.wait_log(1, &[head], Duration::from_secs(20));
    let log = daemon.log();
    let line = log.lines().find(|l| l.contains(head)).unwrap();
    // "first poll in 12s (a), every feed within 27s": new feeds start within 30 s.
    let rest = &line[line.find(head).unwrap() + head.len()..];
    let secs = |s: &str| -> u64 {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        assert!(s[digits.len()..].starts_with("s "), "{line}");
        digits.parse().unwrap()
    };
    let first = secs(rest);
    assert!(
        rest.contains(" (a), every feed within ") || rest.contains(" (b), every feed within "),
        "{line}"
    );
    let all = secs(&rest[rest.find("within ").unwrap() + "within ".len()..]);
    assert!(first <= all && all < 30, "{line}");
    let (status, log) = daemon.stop(Duration::from_secs(30));
    assert!(status.success(), "{log}");
}
