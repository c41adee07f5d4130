//! `full_text` pages under the feeds' politeness: they count against their host's
//! `per_host` limit with the feeds of that host (and wait for it without stalling
//! the polls that wait for a global slot), and a page answered 429 with `Retry-After`
//! keeps the client away from that host. Real servers on 127.0.0.1.

use std::time::Duration;

use super::full_text::{alert_of, fined_page, linked_feed};
use crate::common::server::{FeedServer, Resource};
use crate::common::{Sandbox, stderr};

/// A sandbox whose config gets `top` as top-level keys (before `[desktop]`).
fn sandbox_with(top: &str, feeds: &str) -> Sandbox {
    let sb = Sandbox::new(feeds);
    let text = std::fs::read_to_string(sb.config()).unwrap();
    std::fs::write(
        sb.config(),
        text.replace("[desktop]", &format!("{top}[desktop]")),
    )
    .unwrap();
    sb.only_tiktok_rule("");
    sb
}

#[test]
fn pages_share_their_hosts_limit_with_the_feeds_and_every_poll_goes_on() {
    // One slow publisher serving both the feeds and their pages; only the pages name
    // TikTok. Two polls at once and two requests at once to the host: with the feeds
    // of that host queued for its slots, pages must still get theirs.
    let server = FeedServer::start();
    server.set_delay(Duration::from_millis(100));
    let mut feeds = String::new();
    let mut ids = Vec::new();
    for f in 0..8 {
        let items: Vec<(String, String)> = (0..2)
            .map(|k| (format!("f{f}-{k}"), server.url(&format!("/p/{f}-{k}"))))
            .collect();
        for (id, link) in &items {
            let path = link.trim_start_matches(&server.url(""));
            server.set_resource(
                path,
                Resource {
                    status: 200,
                    body: fined_page(6).into_bytes(),
                    etag: None,
                    headers: vec![("content-type".into(), "text/html".into())],
                },
            );
            ids.push(id.clone());
        }
        server.set(
            &format!("/f{f}.xml"),
            linked_feed(
                &items,
                "Regulator decides",
                "A regulator decided on Friday.",
            ),
            None,
        );
        feeds.push_str(&format!(
            "[[feed]]\nname = \"f{f}\"\nurl = \"{}\"\nfull_text = \"always\"\n",
            server.url(&format!("/f{f}.xml"))
        ));
    }
    let sb = sandbox_with(
        "concurrency = 2\n[http]\ntimeout = \"20s\"\n[polling]\nper_host = 2\n",
        &feeds,
    );
    let out = sb.once();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    let alerts = sb.alerts();
    for id in &ids {
        let a = alert_of(&alerts, id);
        assert_eq!(a.len(), 1, "{id}: {alerts:#?}\n{log}");
        assert_eq!(a[0]["text_source"]["from"], "page", "{id}: {:#}", a[0]);
    }
    assert_eq!(server.requests().len(), 8 + ids.len());
    assert_eq!(server.max_in_flight(), 2, "feeds and pages, two at once");
}

#[test]
fn a_page_answering_retry_after_keeps_the_client_off_its_host() {
    // Every page is "429, come back in an hour", answered slowly: with one request
    // at once per host, the first answer arrives before any other page is asked for,
    // and after it none is.
    let server = FeedServer::start();
    server.set_delay(Duration::from_millis(300));
    let items: Vec<(String, String)> = (0..4)
        .map(|k| (format!("item-{k}"), server.url(&format!("/p/{k}"))))
        .collect();
    for (_, link) in &items {
        server.set_resource(
            link.trim_start_matches(&server.url("")),
            Resource {
                status: 429,
                body: b"slow down".to_vec(),
                etag: None,
                headers: vec![
                    ("retry-after".into(), "3600".into()),
                    ("content-type".into(), "text/html".into()),
                ],
            },
        );
    }
    server.set(
        "/feed.xml",
        linked_feed(&items, "A story", "TikTok was fined on Friday."),
        None,
    );
    let sb = sandbox_with(
        "[polling]\nper_host = 1\n",
        &format!(
            "[[feed]]\nname = \"f\"\nurl = \"{}\"\nfull_text = \"always\"\n",
            server.url("/feed.xml")
        ),
    );
    let out = sb.once();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    let pages: Vec<String> = server
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/p/"))
        .collect();
    assert_eq!(pages.len(), 1, "one page asked, then none: {pages:?}");
    // Every item still alerts on its feed's text, and says why not on its page.
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), items.len(), "{alerts:#?}");
    let errors: Vec<String> = alerts
        .iter()
        .map(|a| {
            assert_eq!(a["text_source"]["from"], "feed", "{a:#}");
            a["text_source"]["error"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        errors.iter().filter(|e| e.contains("HTTP 429")).count(),
        1,
        "{errors:?}"
    );
    assert_eq!(
        errors
            .iter()
            .filter(|e| e.contains("asked us to wait (Retry-After)"))
            .count(),
        3,
        "{errors:?}"
    );
}
