//! Log rotation with the real binaries: the daemon reopens its alert log on SIGHUP
//! (logrotate's rename + postrotate), and `newswatch tail -f` keeps following across
//! the rename and across a truncation in place (copytruncate): every alert shows
//! exactly once, in order.

use crate::common;
use crate::common::service;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, wait_until};
use service::Daemon;

const LONG: Duration = Duration::from_secs(45);

/// `newswatch tail -f --json` on the sandbox's log; its stdout lines are collected.
fn tail_f(sb: &Sandbox) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut child = common::newswatch()
        .args(["tail", "-f", "--json", "--file"])
        .arg(sb.path("alerts.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tail -f");
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { return };
            sink.lock().unwrap().push(l);
        }
    });
    (child, lines)
}

fn item_ids(lines: &Mutex<Vec<String>>) -> Vec<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("tail --json prints JSON");
            v["item"]["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn tail_follows_rotation_and_truncation_while_the_daemon_reopens() {
    let server = FeedServer::start();
    let mut items = vec![("i1", "TikTok one", "TikTok", minutes_ago(5))];
    let serve = |items: &[(&str, &str, &str, String)]| {
        let v: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(a, b, c, d)| (*a, *b, *c, d.as_str()))
            .collect();
        server.set("/f", rss(&v), None);
    };
    serve(&items);
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"f\"\nurl = \"{}\"\ninterval = \"10s\"\n",
        server.url("/f")
    ));
    // tail -f starts before the log exists.
    let (mut tail, lines) = tail_f(&sb);
    let daemon = Daemon::start(&sb, &[]);
    assert!(
        wait_until(LONG, || item_ids(&lines) == ["i1"]),
        "first alert"
    );

    // logrotate (rename), then its postrotate `systemctl reload` = SIGHUP.
    std::fs::rename(sb.path("alerts.jsonl"), sb.path("alerts.jsonl.1")).unwrap();
    daemon.signal("-HUP");
    daemon.wait_log(1, &["alert log reopened"], LONG);
    assert!(
        sb.path("alerts.jsonl").exists(),
        "reopen creates the new file"
    );
    items.insert(0, ("i2", "TikTok two", "TikTok", minutes_ago(0)));
    serve(&items);
    assert!(
        wait_until(LONG, || item_ids(&lines) == ["i1", "i2"]),
        "alert after rotation: {:?}",
        item_ids(&lines)
    );
    assert_eq!(
        common::read_alerts(&sb.path("alerts.jsonl")).len(),
        1,
        "new file"
    );
    assert_eq!(
        common::read_alerts(&sb.path("alerts.jsonl.1")).len(),
        1,
        "old file"
    );

    // copytruncate: copy, then cut the live file to zero in place.
    std::fs::copy(sb.path("alerts.jsonl"), sb.path("alerts.jsonl.2")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(sb.path("alerts.jsonl"))
        .unwrap()
        .set_len(0)
        .unwrap();
    items.insert(0, ("i3", "TikTok three", "TikTok", minutes_ago(0)));
    serve(&items);
    assert!(
        wait_until(LONG, || item_ids(&lines) == ["i1", "i2", "i3"]),
        "alert after truncation: {:?}",
        item_ids(&lines)
    );
    let alerts = common::read_alerts(&sb.path("alerts.jsonl"));
    assert_eq!(
        alerts.len(),
        1,
        "written from the start of the truncated file"
    );

    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
    tail.kill().unwrap();
    tail.wait().unwrap();
    assert_eq!(
        item_ids(&lines),
        ["i1", "i2", "i3"],
        "each alert exactly once"
    );
}
