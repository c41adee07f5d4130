//! Hostile publishers on real loopback sockets, all in one `newswatch once` with a
//! good feed: each hostile server costs only its own feed (a clear status and error in
//! `newswatch feeds`), the good feed still alerts, and the whole cycle ends within the
//! configured timeout.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::common::hostile;
use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, stderr, stdout};

#[test]
fn each_hostile_server_hurts_only_its_own_feed() {
    let good = FeedServer::start();
    good.set(
        "/good",
        rss(&[("g1", "TikTok news", "ByteDance's TikTok", &minutes_ago(5))]),
        None,
    );
    let silent = hostile::silent();
    let drip = hostile::drip();
    let endless = hostile::endless();
    let bomb = hostile::gzip_bomb(1 << 30);
    let redirects = hostile::redirect_loop();
    let errors = hostile::status("500 Internal Server Error", "");
    let limited = hostile::status("429 Too Many Requests", "retry-after: 3600\r\n");
    let html = hostile::html();
    let tls = hostile::self_signed_tls("<rss version=\"2.0\"><channel></channel></rss>");
    let gone = hostile::status("410 Gone", "");

    let feeds = [
        ("good", good.url("/good")),
        ("silent", silent.url("/f")),
        ("drip", drip.url("/f")),
        ("endless", endless.url("/f")),
        ("bomb", bomb.url("/f")),
        ("redirects", redirects.url("/a")),
        ("errors", errors.url("/f")),
        ("limited", limited.url("/f")),
        ("html", html.url("/f")),
        ("tls", hostile::https_url(&tls, "/f")),
        ("gone", gone.url("/f")),
    ];
    let mut toml = String::from("[http]\nconnect_timeout = \"2s\"\ntimeout = \"3s\"\n");
    for (name, url) in &feeds {
        toml.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\nfirst_poll = \"all\"\n"
        ));
    }
    let sb = Sandbox::new(&toml);

    let started = Instant::now();
    let out = sb.once();
    let took = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(3),
        "some feeds failed: {}",
        stderr(&out)
    );
    assert!(
        took < Duration::from_secs(15),
        "the cycle is bounded by the 3 s timeout, not by the servers: {took:?}"
    );
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["feed"]["name"], "good");

    let listing = common::run(&["feeds", "--json", "--config", &sb.config_arg()]);
    assert!(listing.status.success(), "{}", stderr(&listing));
    let rows: HashMap<String, serde_json::Value> = stdout(&listing)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["name"].as_str().unwrap().to_string(), v)
        })
        .collect();
    let expect = [
        ("good", "200", ""),
        ("silent", "timeout", "timed out"),
        ("drip", "timeout", "timed out"),
        ("endless", "too-large", "limit"),
        ("bomb", "too-large", "limit"),
        ("redirects", "redirect", "more than 5 redirects"),
        ("errors", "500", "HTTP 500"),
        ("limited", "429", "HTTP 429"),
        ("html", "parse", ""),
        ("tls", "tls", "certificate"),
        ("gone", "410", "HTTP 410"),
    ];
    for (name, status, error) in expect {
        let row = &rows[name];
        assert_eq!(row["status"], status, "{name}: {row}");
        let err = row["last_error"].as_str().unwrap_or("");
        assert!(err.contains(error), "{name}: {err}");
        let failing = status != "200";
        assert_eq!(row["error_count"], u32::from(failing), "{name}: {row}");
    }
    assert_eq!(rows["gone"]["disabled"], true);
    assert_eq!(rows["good"]["items_seen"], 1);
    // Every log line about a failure names its feed.
    let err = stderr(&out);
    for (name, _) in feeds.iter().skip(1) {
        assert!(err.contains(&format!("feed={name}")), "{name}: {err}");
    }
    assert!(err.contains("feed is gone (HTTP 410)"), "{err}");
    assert_eq!(redirects.requests(), 6, "the first request and 5 redirects");
    assert!(tls.requests() >= 1);

    // The next cycle leaves the gone feed alone and the others fail the same way.
    let gone_before = gone.requests();
    let out = sb.once();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        gone.requests(),
        gone_before,
        "a disabled feed is not polled"
    );
    assert_eq!(sb.alerts().len(), 1, "nothing twice");
    let table = common::run(&["feeds", "--config", &sb.config_arg()]);
    let table = stdout(&table);
    assert!(table.contains("410 (disabled)"), "{table}");
    assert!(table.contains("last error: HTTP 500"), "{table}");
}
