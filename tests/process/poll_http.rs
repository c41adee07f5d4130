//! Feeds over real HTTP on loopback: new items become alerts, an unchanged feed is a
//! 304 that does nothing, and a restart (a new process) alerts nothing twice.

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, stderr};

#[test]
fn items_alert_once_then_304_then_only_new_items() {
    let server = FeedServer::start();
    let one = rss(&[(
        "a1",
        "TikTok faces new scrutiny",
        "<p>ByteDance's TikTok is under review.</p>",
        &minutes_ago(30),
    )]);
    server.set("/feed.xml", one.clone(), Some("\"v1\""));
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"loop\"\nurl = \"{}\"\n",
        server.url("/feed.xml")
    ));

    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["rule"], "tiktok");
    assert_eq!(alerts[0]["feed"]["name"], "loop");
    assert_eq!(alerts[0]["item"]["id"], "a1");
    assert_eq!(alerts[0]["schema"], 1);

    // Second poll: the stored ETag goes back and the server answers 304.
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert!(reqs[0].headers["user-agent"].starts_with("newswatch/"));
    assert_eq!(sb.alerts().len(), 1, "a 304 does nothing");

    // A new item appears (and the old one stays): only the new one alerts.
    let two = rss(&[
        (
            "a2",
            "WeChat update",
            "<p>Tencent's WeChat adds payments.</p>",
            &minutes_ago(1),
        ),
        (
            "a1",
            "TikTok faces new scrutiny",
            "<p>ByteDance's TikTok is under review.</p>",
            &minutes_ago(30),
        ),
    ]);
    server.set("/feed.xml", two, Some("\"v2\""));
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(alerts[1]["rule"], "wechat");
    assert_eq!(alerts[1]["item"]["id"], "a2");

    // Same feed, no validators matching (server forgot its ETag): still nothing new.
    server.set(
        "/feed.xml",
        rss(&[("a1", "TikTok faces new scrutiny", "x", &minutes_ago(30))]),
        None,
    );
    assert!(sb.once().status.success());
    assert_eq!(sb.alerts().len(), 2, "seen items never alert again");
}

#[test]
fn first_poll_alerts_only_on_recent_items() {
    let server = FeedServer::start();
    let feed = rss(&[
        ("new", "TikTok news today", "TikTok", &minutes_ago(60)),
        (
            "old",
            "TikTok news of last week",
            "TikTok",
            &minutes_ago(7 * 24 * 60),
        ),
    ]);
    server.set("/f", feed, None);
    let sb = Sandbox::new(&format!("[[feed]]\nurl = \"{}\"\n", server.url("/f")));
    assert!(sb.once().status.success());
    let ids: Vec<String> = sb
        .alerts()
        .iter()
        .map(|a| a["item"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["new"]);
}

#[test]
fn a_failing_feed_does_not_stop_the_others() {
    let server = FeedServer::start();
    server.set(
        "/good",
        rss(&[("g", "TikTok", "TikTok", &minutes_ago(5))]),
        None,
    );
    server.set("/html", "<html><body>not a feed</body></html>", None);
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"missing\"\nurl = \"{}\"\n[[feed]]\nname = \"html\"\nurl = \"{}\"\n[[feed]]\nname = \"good\"\nurl = \"{}\"\n[[feed]]\nname = \"nofile\"\nurl = \"does/not/exist.xml\"\n",
        server.url("/missing"),
        server.url("/html"),
        server.url("/good")
    ));
    let out = sb.once();
    assert_eq!(
        out.status.code(),
        Some(3),
        "some feeds failed: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    for name in ["missing", "html", "nofile"] {
        assert!(
            err.contains(&format!("feed={name}")),
            "each failure names its feed: {err}"
        );
    }
    assert!(err.contains("HTTP 404"), "{err}");
    assert_eq!(sb.alerts().len(), 1);
}

/// A JSON Feed's relative item URL becomes the absolute link that "Open" needs, and
/// the story it names is grouped with the same story from an RSS feed.
#[test]
fn json_feed_relative_urls_are_absolute_and_group_with_rss() {
    let server = FeedServer::start();
    let when = (chrono::Utc::now() - chrono::Duration::minutes(20)).to_rfc3339();
    let json = format!(
        r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "json",
            "feed_url": "http://example.org/feeds/main.json",
            "items": [{{"id": "j1", "url": "/2024/tiktok-story", "title": "TikTok ban: what the order says",
                "content_html": "<p>The order against TikTok takes effect in 45 days.</p>",
                "date_published": "{when}"}}]}}"#
    );
    server.set("/a.json", json, None);
    server.set(
        "/b.xml",
        rss(&[(
            "2024/tiktok-story",
            "ByteDance weighs its options after the ruling",
            "<p>Lawyers for ByteDance studied the ruling overnight.</p>",
            &minutes_ago(10),
        )]),
        None,
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"json\"\nurl = \"{}\"\n[[feed]]\nname = \"rss\"\nurl = \"{}\"\n",
        server.url("/a.json"),
        server.url("/b.xml")
    ));
    sb.only_tiktok_rule("");
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    let of = |feed: &str| alerts.iter().find(|a| a["feed"]["name"] == feed).unwrap();
    assert_eq!(
        of("json")["item"]["link"],
        "http://example.org/2024/tiktok-story"
    );
    let grouped: Vec<&serde_json::Value> =
        alerts.iter().filter(|a| !a["group_id"].is_null()).collect();
    assert_eq!(grouped.len(), 1, "one story, one group: {alerts:?}");
    let first = alerts.iter().find(|a| a["group_id"].is_null()).unwrap();
    assert_eq!(grouped[0]["group_id"], first["alert_id"]);
}
