//! `full_text`: a new item's linked page read and made its body. Against real servers
//! on 127.0.0.1: a publisher whose pages hold what the feed's summaries leave out, a
//! hostile one whose pages are each broken in their own way, and a page that is still
//! loading when the process is SIGKILLed.

use std::io::Write;
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crate::common::server::{FeedServer, Resource};
use crate::common::{Sandbox, hostile, newswatch, rss_linked, run, stderr, stdout, wait_until};

/// An article page with the usual chrome around it.
pub(super) fn page(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/tech\">Tech</a></nav>\
         <article><h1>{title}</h1>\n{body}</article>\
         <footer><a href=\"/terms\">Terms</a> Copyright Example News</footer></body></html>"
    )
}

/// Paragraphs of filler news prose (long enough for readability to take them).
pub(super) fn prose(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "Officials met again on day {i} of the talks, and the companies involved said \
                 they would keep working with the authorities on the questions that remain open, \
                 according to people familiar with the discussions."
            )
        })
        .collect()
}

/// A page of `n` filler paragraphs whose last says that TikTok was fined.
pub(super) fn fined_page(n: usize) -> String {
    let mut paragraphs = prose(n);
    paragraphs.push("TikTok was fined again.".into());
    page(
        "TikTok fined",
        &paragraphs.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

/// An RSS document of one item per (id, link), each with `title` and `summary`.
pub(super) fn linked_feed(links: &[(String, String)], title: &str, summary: &str) -> String {
    let items: Vec<(&str, &str, &str, &str)> = links
        .iter()
        .map(|(id, link)| (id.as_str(), title, link.as_str(), summary))
        .collect();
    rss_linked(&items)
}

pub(super) fn alert_of<'a>(
    alerts: &'a [serde_json::Value],
    item: &str,
) -> Vec<&'a serde_json::Value> {
    alerts.iter().filter(|a| a["item"]["id"] == item).collect()
}

#[test]
fn the_linked_page_becomes_the_body_and_the_alert_says_where_its_text_came_from() {
    let server = FeedServer::start();
    let story = server.url("/story/1");
    let long_story = server.url("/story/2");
    // The summary names no company: only the page says who was fined.
    let summary = "A European regulator announced a decision on Friday.";
    let long_summary = format!(
        "TikTok faces a new inquiry in Europe. {}",
        "The regulator said the inquiry would look at how accounts are set up. ".repeat(12)
    );
    server.set(
        "/a.xml",
        rss_linked(&[
            ("short-1", "Regulator announces decision", &story, summary),
            ("long-2", "New inquiry", &long_story, &long_summary),
        ]),
        None,
    );
    server.set(
        "/b.xml",
        rss_linked(&[("off-1", "Regulator announces decision", &story, summary)]),
        None,
    );
    let mut paragraphs = vec![summary.to_string()];
    paragraphs.push(
        "The Irish Data Protection Commission fined TikTok 345 million euros over its \
         handling of children's data; TikTok said it would appeal. Caf\u{e9} owners in \
         Dublin were unmoved."
            .into(),
    );
    paragraphs.extend(prose(6));
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    // Served in windows-1252, as the header says: "Café" must survive.
    let html = page("Regulator fines TikTok", &refs);
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
    server.set_resource(
        "/story/1",
        Resource {
            status: 200,
            body: latin1.into_owned(),
            etag: None,
            headers: vec![(
                "content-type".into(),
                "text/html; charset=windows-1252".into(),
            )],
        },
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"a\"\nurl = \"{}\"\nfull_text = \"auto\"\n[[feed]]\nname = \"b\"\nurl = \"{}\"\n",
        server.url("/a.xml"),
        server.url("/b.xml")
    ));
    sb.only_tiktok_rule("");
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = sb.alerts();

    let short = alert_of(&alerts, "short-1");
    assert_eq!(short.len(), 1, "{alerts:#?}");
    let a = short[0];
    assert_eq!(a["feed"]["name"], "a");
    assert_eq!(a["text_source"]["from"], "page", "{a:#}");
    assert_eq!(a["text_source"]["url"], story);
    assert!(a["text_source"]["words"].as_u64().unwrap() > 150, "{a:#}");
    let text = a["extraction"]["text"].as_str().unwrap();
    // Title, the feed's summary as the lead, then the article without its copy of the
    // summary, its chrome or its mojibake.
    assert!(
        text.starts_with(&format!(
            "Regulator announces decision\n\n{summary}\n\nThe Irish Data Protection"
        )),
        "{text}"
    );
    assert_eq!(text.matches(summary).count(), 1, "{text}");
    assert!(text.contains("Café owners"), "{text}");
    assert!(!text.contains("Home") && !text.contains("Terms"), "{text}");
    assert!(
        a["snippet"].as_str().unwrap().contains("fined TikTok"),
        "{a:#}"
    );

    // Long enough on its own: no page fetched, and the alert says the feed's text.
    let long = alert_of(&alerts, "long-2");
    assert_eq!(long.len(), 1, "{alerts:#?}");
    assert_eq!(long[0]["text_source"], serde_json::json!({"from": "feed"}));
    // full_text off (the default): the summary alone names nobody.
    assert!(alert_of(&alerts, "off-1").is_empty(), "{alerts:#?}");

    let pages: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/story/"))
        .collect();
    assert_eq!(
        pages.len(),
        1,
        "only the short item's page, once: {pages:?}"
    );
    assert_eq!(pages[0].path, "/story/1");
    assert!(
        pages[0].headers["user-agent"].starts_with("newswatch/"),
        "{pages:?}"
    );
    assert!(
        pages[0].headers["accept"].starts_with("text/html"),
        "{pages:?}"
    );

    // Seen items are not fetched again, nor alerted again.
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.alerts().len(), alerts.len());
    assert_eq!(
        server
            .paths()
            .iter()
            .filter(|p| p.starts_with("/story/"))
            .count(),
        1
    );

    // The text kept for `rules test --since` is the text the rule read.
    let out = run(&[
        "rules",
        "test",
        "--since",
        "1d",
        "--json",
        "--config",
        &sb.config_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fired: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        fired
            .iter()
            .any(|f| f["item"]["id"] == "short-1" && f["rule"] == "tiktok"),
        "{fired:#?}"
    );
}

/// Writes a 200 head for an HTML page with `extra` header lines; false when the
/// client has gone.
fn html_head(s: &mut TcpStream, extra: &str) -> bool {
    let ct = if extra.contains("content-type") {
        ""
    } else {
        "content-type: text/html\r\n"
    };
    write!(s, "HTTP/1.1 200 OK\r\n{ct}{extra}\r\n").is_ok()
}

#[test]
fn broken_pages_leave_each_item_its_feed_text_and_one_log_line() {
    let good: String = fined_page(8);
    let feed = Arc::new(std::sync::Mutex::new(String::new()));
    let feed_doc = feed.clone();
    let server = hostile::serve(move |path, s| match path {
        "/feed.xml" => {
            let doc = feed_doc.lock().unwrap().clone();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\n\r\n{doc}",
                doc.len()
            );
        }
        // 100 MB of paragraphs, chunked: stopped by the size cap.
        "/huge" => {
            if !html_head(s, "transfer-encoding: chunked\r\n") {
                return;
            }
            let chunk = "<p>word word word word word word word word</p>".repeat(1500);
            let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            for _ in 0..(100 << 20) / chunk.len() {
                if s.write_all(framed.as_bytes()).is_err() {
                    return;
                }
            }
        }
        "/deep" => {
            let body = format!("{}<p>TikTok</p>", "<div>".repeat(100_000));
            let _ = html_head(s, &format!("content-length: {}\r\n", body.len()))
                && s.write_all(body.as_bytes()).is_ok();
        }
        // A readable article with bytes that are not UTF-8 though the header says so.
        "/invalid" => {
            let body = good.replace("fined again", "fined \u{1}again").into_bytes();
            let body: Vec<u8> = body
                .into_iter()
                .flat_map(|b| if b == 1 { vec![0xff, 0xfe] } else { vec![b] })
                .collect();
            let _ = html_head(
                s,
                &format!(
                    "content-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            ) && s.write_all(&body).is_ok();
        }
        "/binary" => {
            let body = [
                0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
            ];
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .and_then(|()| s.write_all(&body));
        }
        "/loop-a" | "/loop-b" => {
            let to = if path == "/loop-a" {
                "/loop-b"
            } else {
                "/loop-a"
            };
            let _ = write!(
                s,
                "HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n"
            );
        }
        // Starts a page and never finishes it (a byte a second, for at most a minute).
        "/never" => {
            if !html_head(s, "content-length: 100000\r\n") {
                return;
            }
            for _ in 0..60 {
                if s.write_all(b"<p>").and_then(|()| s.flush()).is_err() {
                    return;
                }
                thread::sleep(Duration::from_secs(1));
            }
        }
        "/good" => {
            let _ = html_head(s, &format!("content-length: {}\r\n", good.len()))
                && s.write_all(good.as_bytes()).is_ok();
        }
        _ => {
            let _ = write!(s, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let broken = ["huge", "deep", "binary", "loop-a", "never", "missing"];
    let links: Vec<(String, String)> = broken
        .iter()
        .chain(&["invalid", "good"])
        .map(|p| (format!("item-{p}"), server.url(&format!("/{p}"))))
        .collect();
    *feed.lock().unwrap() = linked_feed(&links, "A story", "TikTok was fined on Friday.");
    let sb = Sandbox::new(&format!(
        "[http]\ntimeout = \"3s\"\nmax_body = \"1MiB\"\n[[feed]]\nname = \"hostile\"\nurl = \"{}\"\nfull_text = \"always\"\n",
        server.url("/feed.xml")
    ));
    sb.only_tiktok_rule("");
    let out = sb.once();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    let alerts = sb.alerts();
    assert_eq!(
        alerts.len(),
        broken.len() + 2,
        "every item alerted: {alerts:#?}\n{log}"
    );
    for p in broken {
        let id = format!("item-{p}");
        let a = alert_of(&alerts, &id);
        assert_eq!(a[0]["text_source"]["from"], "feed", "{id}: {:#}", a[0]);
        let error = a[0]["text_source"]["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty(), "{id}: {:#}", a[0]);
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("page not used") && l.contains(&format!("item={id} ")))
            .collect();
        assert_eq!(lines.len(), 1, "{id}: one log line\n{log}");
    }
    let expect = [
        ("item-huge", "limit"),
        ("item-deep", "nested deeper"),
        ("item-binary", "not HTML (image/png)"),
        ("item-loop-a", "redirects"),
        ("item-never", "within 3s"),
        ("item-missing", "HTTP 404"),
    ];
    for (id, why) in expect {
        let error = alert_of(&alerts, id)[0]["text_source"]["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(error.contains(why), "{id}: {error}");
    }
    assert_eq!(
        alert_of(&alerts, "item-good")[0]["text_source"]["from"],
        "page"
    );
    // Invalid bytes are replaced, and the rest of the page is read.
    let invalid = alert_of(&alerts, "item-invalid")[0];
    assert_eq!(invalid["text_source"]["from"], "page", "{invalid:#}");
    assert!(
        invalid["extraction"]["text"]
            .as_str()
            .unwrap()
            .contains("fined \u{FFFD}\u{FFFD}again"),
        "{invalid:#}"
    );
}

#[test]
fn a_crash_while_a_page_loads_alerts_nothing_twice() {
    let released = Arc::new(AtomicBool::new(false));
    let asked = Arc::new(AtomicUsize::new(0));
    let (r, n) = (released.clone(), asked.clone());
    let feed_doc = Arc::new(std::sync::Mutex::new(String::new()));
    let doc = feed_doc.clone();
    let article = fined_page(6);
    let server = hostile::serve(move |path, s| {
        if path == "/feed.xml" {
            let doc = doc.lock().unwrap().clone();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\n\r\n{doc}",
                doc.len()
            );
            return;
        }
        n.fetch_add(1, Ordering::SeqCst);
        // Held until the test lets it go (at most a minute).
        for _ in 0..6000 {
            if r.load(Ordering::SeqCst) {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = html_head(s, &format!("content-length: {}\r\n", article.len()))
            && s.write_all(article.as_bytes()).is_ok();
    });
    *feed_doc.lock().unwrap() = rss_linked(&[(
        "story-1",
        "Regulator decides",
        &server.url("/story"),
        "A regulator decided on Friday.",
    )]);
    let sb = Sandbox::new(&format!(
        "[http]\ntimeout = \"60s\"\n[[feed]]\nname = \"f\"\nurl = \"{}\"\nfull_text = \"auto\"\n",
        server.url("/feed.xml")
    ));
    sb.only_tiktok_rule("");
    let mut child = newswatch()
        .args(["once", "--config", &sb.config_arg()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(30), || asked
        .load(Ordering::SeqCst)
        == 1));
    // SIGKILL between the page fetch and the commit.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(sb.alerts().is_empty());
    released.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let out = sb.once();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let alerts = sb.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0]["text_source"]["from"], "page");
    // The page was fetched again after the crash, and not after the commit.
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}
