//! The metrics endpoint, scraped for real over loopback: off by default, and when on
//! it serves the Prometheus text format with polls, errors, items, alerts,
//! notification failures, per-feed last success, the publication-to-alert latency and
//! what each channel delivered.

use crate::common;
use crate::common::service;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::receiver::Receiver;
use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, wait_until};
use service::Daemon;

const LONG: Duration = Duration::from_secs(45);

/// GET `path` from `addr` with a plain HTTP/1.1 client: (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the metrics endpoint");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// The value of the sample line starting with `name` (name plus labels), if any.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn scrape_over_loopback() {
    let server = FeedServer::start();
    server.set(
        "/ok",
        rss(&[("one", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    let hook = Receiver::start();
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"good\"\nurl = \"{}\"\ninterval = \"10s\"\n\
         [[feed]]\nname = \"bad\"\nurl = \"{}\"\ninterval = \"10s\"\n\
         [[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\n\
         [metrics]\nenabled = true\nlisten = \"127.0.0.1:0\"\n",
        server.url("/ok"),
        server.url("/missing"),
        hook.url("/")
    ));
    let daemon = Daemon::start(&sb, &[]);
    daemon.wait_log(1, &["metrics endpoint listening"], LONG);
    let log = daemon.log();
    let addr = log
        .lines()
        .find(|l| l.contains("metrics endpoint listening"))
        .and_then(|l| l.split("addr=").nth(1))
        .and_then(|a| a.split_whitespace().next())
        .expect("the log names the address")
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let mut body = String::new();
    let scraped = wait_until(LONG, || {
        let (status, b) = get(&addr, "/metrics");
        assert!(status.contains("200"), "{status}");
        body = b;
        sample(&body, "newswatch_polls_total").unwrap_or(0.0) >= 2.0
            && sample(&body, "newswatch_alerts_total{rule=\"tiktok\"}").is_some()
            && sample(&body, "newswatch_channel_alerts_total{channel=\"hook\"}").is_some()
    });
    assert!(scraped, "both feeds polled, the alert logged:\n{body}");
    assert!(
        sample(&body, "newswatch_poll_errors_total").unwrap() >= 1.0,
        "{body}"
    );
    assert_eq!(
        sample(&body, "newswatch_channel_alerts_total{channel=\"hook\"}"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(hook.received().len(), 1);
    assert!(
        sample(&body, "newswatch_items_total").unwrap() >= 1.0,
        "{body}"
    );
    assert_eq!(sample(&body, "newswatch_feeds"), Some(2.0), "{body}");
    assert_eq!(
        sample(&body, "newswatch_notification_failures_total"),
        Some(0.0),
        "{body}"
    );
    let last = sample(
        &body,
        "newswatch_feed_last_success_timestamp_seconds{feed=\"good\"}",
    )
    .expect("last success of the good feed");
    let now = chrono::Utc::now().timestamp() as f64;
    assert!((now - 120.0..=now + 1.0).contains(&last), "{last} vs {now}");
    assert!(
        !body.contains("feed=\"bad\""),
        "a feed that never succeeded has no last success:\n{body}"
    );
    // Published five minutes before: the alert lands in the 600 s bucket, not 120 s.
    assert_eq!(
        sample(&body, "newswatch_alert_latency_seconds_count"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            "newswatch_alert_latency_seconds_bucket{le=\"120.0\"}"
        ),
        Some(0.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            "newswatch_alert_latency_seconds_bucket{le=\"600.0\"}"
        ),
        Some(1.0),
        "{body}"
    );
    assert!(body.contains("# TYPE newswatch_polls counter"), "{body}");
    assert!(
        body.contains("# HELP newswatch_alert_latency_seconds "),
        "{body}"
    );

    let (status, _) = get(&addr, "/nope");
    assert!(status.contains("404"), "{status}");

    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "the endpoint closes with the daemon"
    );
}

#[test]
fn off_by_default_and_never_on_a_public_address() {
    let sb = Sandbox::new("[metrics]\nenabled = true\nlisten = \"0.0.0.0:9464\"\n");
    let out = common::run(&["check", "--config", &sb.config_arg()]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains(
            "newswatch.toml:10:10: `metrics.listen`: 0.0.0.0:9464 is not a loopback address"
        ),
        "{err}"
    );
    let sb = Sandbox::new("");
    let daemon = Daemon::start(&sb, &[]);
    daemon.wait_log(1, &["newswatch running"], LONG);
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{log}");
    assert!(!log.contains("metrics endpoint"), "{log}");
}
