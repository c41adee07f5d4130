//! The HTTP side of polling through `newswatch once` on loopback: what each request
//! carries (honest User-Agent, Accept, compression, validators verbatim), permanent
//! redirects moving a feed while temporary ones do not, the per-host limit, and the
//! proxy taken from the environment.

use crate::common;

use std::collections::HashMap;
use std::time::Duration;

use crate::common::server::{FeedServer, Resource};
use crate::common::{Sandbox, hostile, minutes_ago, rss, stderr, stdout};

fn redirect(status: u16, to: &str) -> Resource {
    Resource {
        status,
        body: Vec::new(),
        etag: None,
        headers: vec![("location".into(), to.into())],
    }
}

fn feeds_json(sb: &Sandbox) -> HashMap<String, serde_json::Value> {
    let out = common::run(&["feeds", "--json", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn requests_are_honest_conditional_and_compressed() {
    let server = FeedServer::start();
    let body = rss(&[("z1", "TikTok zipped", "TikTok", &minutes_ago(3))]);
    server.set_resource(
        "/zipped",
        Resource {
            status: 200,
            body: hostile::gzip_stored(body.as_bytes()),
            etag: Some("W/\"weird etag\"".into()),
            headers: vec![
                ("content-encoding".into(), "gzip".into()),
                (
                    "last-modified".into(),
                    "Sat, 01 Aug 2020 10:00:00 GMT".into(),
                ),
            ],
        },
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"zipped\"\nurl = \"{}\"\n",
        server.url("/zipped")
    ));
    assert!(sb.once().status.success());
    assert_eq!(sb.alerts().len(), 1, "the gzip body was decoded and parsed");
    assert!(sb.once().status.success());
    let reqs = server.requests();
    let first = &reqs[0].headers;
    let ua = &first["user-agent"];
    assert!(
        ua.starts_with(&format!("newswatch/{} (", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    for enc in ["gzip", "br", "deflate"] {
        assert!(first["accept-encoding"].contains(enc), "{first:?}");
    }
    assert!(
        first["accept"].starts_with("application/rss+xml"),
        "{first:?}"
    );
    assert!(!first.contains_key("if-none-match"));
    let second = &reqs[1].headers;
    assert_eq!(second["if-none-match"], "W/\"weird etag\"", "verbatim");
    assert_eq!(second["if-modified-since"], "Sat, 01 Aug 2020 10:00:00 GMT");
    assert_eq!(feeds_json(&sb)["zipped"]["status"], "304");
}

#[test]
fn a_permanent_redirect_moves_the_feed_a_temporary_one_does_not() {
    let server = FeedServer::start();
    server.set_resource("/old", redirect(301, "/hop"));
    server.set_resource("/hop", redirect(308, "/new"));
    server.set(
        "/new",
        rss(&[("m1", "TikTok moved", "TikTok", &minutes_ago(2))]),
        Some("\"n\""),
    );
    server.set_resource("/tmp", redirect(302, "/target"));
    server.set(
        "/target",
        rss(&[("t1", "WeChat", "WeChat", &minutes_ago(2))]),
        Some("\"t\""),
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"moved\"\nurl = \"{}\"\n[[feed]]\nname = \"temp\"\nurl = \"{}\"\n",
        server.url("/old"),
        server.url("/tmp")
    ));
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("feed moved permanently").count(), 1, "{err}");
    assert!(err.contains(&server.url("/new")), "{err}");
    let rows = feeds_json(&sb);
    assert_eq!(rows["moved"]["effective_url"], server.url("/new"));
    assert_eq!(
        rows["moved"]["url"],
        server.url("/old"),
        "the config is not rewritten"
    );
    assert!(rows["temp"]["effective_url"].is_null());
    let alerts = sb.alerts();
    let moved = alerts
        .iter()
        .find(|a| a["feed"]["name"] == "moved")
        .unwrap();
    assert_eq!(moved["feed"]["url"], server.url("/old"));

    let before = server.paths().len();
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("feed moved permanently"),
        "logged once, not every poll"
    );
    let mut later: Vec<String> = server.paths()[before..].to_vec();
    later.sort();
    assert_eq!(
        later,
        ["/new", "/target", "/tmp"],
        "the moved feed goes straight to /new"
    );
    let table = stdout(&common::run(&["feeds", "--config", &sb.config_arg()]));
    assert!(
        table.contains(&format!("moved permanently to {}", server.url("/new"))),
        "{table}"
    );

    // Pointing the config elsewhere forgets the move.
    sb.write_config(&format!(
        "[[feed]]\nname = \"moved\"\nurl = \"{}\"\n",
        server.url("/new")
    ));
    assert!(sb.once().status.success());
    assert!(feeds_json(&sb)["moved"]["effective_url"].is_null());
}

#[test]
fn one_host_gets_at_most_per_host_requests_at_once() {
    let slow = FeedServer::start();
    let other = FeedServer::start();
    slow.set_delay(Duration::from_millis(300));
    other.set_delay(Duration::from_millis(300));
    let mut toml = String::new();
    for i in 0..6 {
        let path = format!("/s{i}");
        slow.set(
            &path,
            rss(&[(&format!("s{i}"), "x", "x", &minutes_ago(1))]),
            None,
        );
        toml.push_str(&format!(
            "[[feed]]\nname = \"s{i}\"\nurl = \"{}\"\n",
            slow.url(&path)
        ));
    }
    for i in 0..3 {
        let path = format!("/o{i}");
        other.set(
            &path,
            rss(&[(&format!("o{i}"), "x", "x", &minutes_ago(1))]),
            None,
        );
        toml.push_str(&format!(
            "[[feed]]\nname = \"o{i}\"\nurl = \"{}\"\n",
            other.url(&path)
        ));
    }
    let sb = Sandbox::new(&toml);
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(slow.max_in_flight(), 2, "the default per-host limit");
    assert_eq!(
        other.max_in_flight(),
        2,
        "its own two, not waiting for the slow host"
    );
    assert_eq!(slow.requests().len(), 6);

    // The limit is a setting.
    let text = std::fs::read_to_string(sb.config()).unwrap();
    let text = text.replace("[desktop]", "[polling]\nper_host = 3\n[desktop]");
    std::fs::write(sb.config(), text).unwrap();
    let fresh = FeedServer::start();
    fresh.set_delay(Duration::from_millis(300));
    for i in 0..6 {
        let path = format!("/s{i}");
        fresh.set(
            &path,
            rss(&[(&format!("s{i}"), "x", "x", &minutes_ago(1))]),
            None,
        );
    }
    let text = std::fs::read_to_string(sb.config())
        .unwrap()
        .replace(&slow.url(""), &fresh.url(""));
    std::fs::write(sb.config(), text).unwrap();
    assert!(sb.once().status.success());
    assert_eq!(fresh.max_in_flight(), 3);
}

#[test]
fn the_proxy_comes_from_the_environment() {
    // The "proxy" is the test server: it sees the absolute URL in the request line.
    let proxy = FeedServer::start();
    let target = "http://feeds.example.invalid/proxied.xml";
    proxy.set(
        target,
        rss(&[("p1", "TikTok via proxy", "TikTok", &minutes_ago(1))]),
        None,
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"proxied\"\nurl = \"{target}\"\n"
    ));
    let out = common::newswatch()
        .args(["once", "--config", &sb.config_arg()])
        .env("HTTP_PROXY", proxy.url(""))
        .env("http_proxy", proxy.url(""))
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.paths(), [target]);
    assert_eq!(sb.alerts().len(), 1);
}
