//! Live reload of the running daemon, as a process: a valid new config applies (a new
//! feed is polled, a removed one stops, a new rule fires), an invalid one is rejected
//! with every error logged while the old one keeps alerting, and with `watch_config`
//! an edited watchlist applies without a signal.

use crate::common::service;

use std::time::Duration;

use crate::common::receiver::Receiver;
use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, wait_until};
use service::Daemon;

const LONG: Duration = Duration::from_secs(45);

fn feed(name: &str, url: &str) -> String {
    format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"10s\"\n")
}

fn requests(server: &FeedServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

fn rules(sb: &Sandbox) -> Vec<String> {
    sb.alerts()
        .iter()
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn valid_change_adds_and_removes_feeds_and_rules() {
    let server = FeedServer::start();
    server.set(
        "/a",
        rss(&[("a1", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    server.set(
        "/b",
        rss(&[(
            "b1",
            "Zebracorn sighted",
            "A Zebracorn was seen.",
            &minutes_ago(1),
        )]),
        None,
    );
    let sb = Sandbox::new(&feed("a", &server.url("/a")));
    let daemon = Daemon::start(&sb, &[]);
    assert!(
        wait_until(LONG, || rules(&sb) == ["tiktok"]),
        "feed a alerts"
    );

    // New config: feed a removed, feed b added, and a new rule.
    std::fs::write(
        sb.path("watchlists/zebra.toml"),
        "[[rule]]\nid = \"zebra\"\nseverity = \"low\"\nkeywords = [\"zebracorn\"]\n",
    )
    .unwrap();
    sb.write_config(&feed("b", &server.url("/b")));
    daemon.signal("-HUP");
    daemon.wait_log(1, &["configuration reloaded", "added=1", "removed=1"], LONG);
    let a_polls = requests(&server, "/a");

    assert!(
        wait_until(LONG, || rules(&sb) == ["tiktok", "zebra"]),
        "the new feed is polled and the new rule fires: {:?}\n{}",
        rules(&sb),
        daemon.log()
    );
    // Two polls of b take at least one 10 s interval, in which a would have been due.
    assert!(
        wait_until(LONG, || requests(&server, "/b") >= 2),
        "b is polled on its interval"
    );
    assert_eq!(
        requests(&server, "/a"),
        a_polls,
        "the removed feed is not polled"
    );
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
}

#[test]
fn reload_starts_added_channels_and_stops_removed_ones() {
    let server = FeedServer::start();
    server.set(
        "/a",
        rss(&[("a1", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    server.set(
        "/b",
        rss(&[("b1", "Douyin item", "Douyin", &minutes_ago(1))]),
        None,
    );
    let (one, two) = (Receiver::start(), Receiver::start());
    let channel = |name: &str, r: &Receiver| {
        format!(
            "[[channel]]\nname = \"{name}\"\nkind = \"webhook\"\nurl = \"{}\"\n",
            r.url("/")
        )
    };
    let sb = Sandbox::new(&format!(
        "{}{}",
        feed("a", &server.url("/a")),
        channel("one", &one)
    ));
    let daemon = Daemon::start(&sb, &[]);
    assert!(
        wait_until(LONG, || one.received().len() == 1),
        "channel one gets a's alert"
    );

    sb.write_config(&format!(
        "{}{}{}",
        feed("a", &server.url("/a")),
        feed("b", &server.url("/b")),
        channel("two", &two)
    ));
    daemon.signal("-HUP");
    daemon.wait_log(1, &["configuration reloaded", "channels=1"], LONG);
    daemon.wait_log(1, &["channel removed from the config", "channel=one"], LONG);
    daemon.wait_log(1, &["channel added", "channel=two"], LONG);
    assert!(
        wait_until(LONG, || two.received().len() == 1),
        "the added channel gets b's alert\n{}",
        daemon.log()
    );
    assert_eq!(
        two.received()[0].json()["item"]["id"],
        "b1",
        "only what was raised after it came"
    );
    assert_eq!(
        one.received().len(),
        1,
        "the removed channel gets nothing more"
    );
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
}

#[test]
fn invalid_change_is_rejected_and_the_old_config_keeps_alerting() {
    let server = FeedServer::start();
    server.set(
        "/a",
        rss(&[("a1", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    let sb = Sandbox::new(&feed("a", &server.url("/a")));
    let daemon = Daemon::start(&sb, &[]);
    assert!(
        wait_until(LONG, || rules(&sb) == ["tiktok"]),
        "feed a alerts"
    );

    let good = std::fs::read_to_string(sb.config()).unwrap();
    // Two problems, on lines 1 and 10 of the new file.
    std::fs::write(
        sb.config(),
        format!(
            "bogus = 1\n{}",
            good.replace("interval = \"10s\"", "interval = \"soon\"")
        ),
    )
    .unwrap();
    daemon.signal("-HUP");
    daemon.wait_log(1, &["new configuration rejected", "errors=2"], LONG);
    let log = daemon.log();
    assert!(
        log.contains("newswatch.toml:1:1: unknown key `bogus`"),
        "{log}"
    );
    assert!(log.contains("invalid duration `soon`"), "{log}");

    // The old config still polls and alerts.
    server.set(
        "/a",
        rss(&[
            ("a2", "WeChat item", "WeChat", &minutes_ago(0)),
            ("a1", "TikTok item", "TikTok", &minutes_ago(5)),
        ]),
        None,
    );
    assert!(
        wait_until(LONG, || rules(&sb) == ["tiktok", "wechat"]),
        "old config keeps alerting: {:?}\n{}",
        rules(&sb),
        daemon.log()
    );
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
}

#[test]
fn watch_config_applies_an_edited_watchlist_without_a_signal() {
    let server = FeedServer::start();
    server.set(
        "/a",
        rss(&[("a1", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    let sb = Sandbox::new(&feed("a", &server.url("/a")));
    let text = std::fs::read_to_string(sb.config()).unwrap();
    std::fs::write(sb.config(), format!("watch_config = true\n{text}")).unwrap();
    let daemon = Daemon::start(&sb, &[]);
    daemon.wait_log(1, &["newswatch running"], LONG);
    let before = daemon.count(&["configuration reloaded"]);
    std::fs::write(
        sb.path("watchlists/zebra.toml"),
        "[[rule]]\nid = \"zebra\"\nkeywords = [\"zebracorn\"]\n",
    )
    .unwrap();
    daemon.wait_log(
        1,
        &["reloading configuration", "config files changed"],
        LONG,
    );
    daemon.wait_log(before + 1, &["configuration reloaded"], LONG);
    server.set(
        "/a",
        rss(&[("a2", "Zebracorn", "Zebracorn news", &minutes_ago(0))]),
        None,
    );
    assert!(
        wait_until(LONG, || rules(&sb).contains(&"zebra".to_string())),
        "the new rule fires: {:?}\n{}",
        rules(&sb),
        daemon.log()
    );
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
}
