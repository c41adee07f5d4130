//! `newswatch article FILE|URL [--json]` and `article --batch`, run as a user runs
//! them: page files on disk in their own charsets, pages served on 127.0.0.1, and
//! file names piped on stdin.

use std::io::Write;
use std::process::Stdio;

use crate::common::server::{FeedServer, Resource};
use crate::common::{newswatch, run, stderr, stdout};

/// A news page in the usual chrome, with its metadata in the head; `head` adds to it.
fn news_page(head: &str, lang: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head>{head}\
         <title>Regulator fines video app maker | Example News</title>\
         <meta property=\"article:published_time\" content=\"2024-03-05T09:30:00+01:00\">\
         <meta name=\"author\" content=\"Ada Reporter\"></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><article>\
         <h1>Regulator fines video app maker</h1>\
         <p>The Irish Data Protection Commission fined the maker of a video app 345 million \
         euros on Friday, saying it had failed to protect the data of children who used it.</p>\
         <p>The company said it disagreed with the decision and would consider its options; \
         caf\u{e9} owners near its Dublin office said they had heard nothing of it.</p>\
         <p>Regulators in several other countries are looking at the same practices, and \
         lawyers expect further fines as the authorities compare notes on the accounts.</p>\
         </article><aside><h2>Most read</h2><a href=\"/x\">Something else</a></aside>\
         <footer>Copyright Example News. <a href=\"/terms\">Terms</a></footer></body></html>"
    )
}

fn assert_article(a: &serde_json::Value) {
    assert_eq!(a["title"], "Regulator fines video app maker", "{a:#}");
    assert_eq!(a["byline"], "Ada Reporter", "{a:#}");
    assert_eq!(a["published"], "2024-03-05T08:30:00Z", "{a:#}");
    let text = a["text"].as_str().unwrap();
    assert!(
        text.starts_with("The Irish Data Protection Commission fined"),
        "{text}"
    );
    assert!(text.contains("café owners"), "{text}");
    for chrome in ["Home", "Most read", "Something else", "Terms"] {
        assert!(!text.contains(chrome), "{chrome} kept: {text}");
    }
    let words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    assert_eq!(a["words"].as_u64().unwrap() as usize, words, "{a:#}");
}

#[test]
fn article_of_a_file_and_of_a_url_gives_its_text_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    // A file in windows-1252, as its <meta> says: "café" must come through.
    let html = news_page("<meta charset=\"windows-1252\">", "en-GB");
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
    let file = dir.path().join("page.html");
    std::fs::write(&file, &latin1).unwrap();
    let out = run(&["article", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1, "one JSON object");
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_article(&a);
    assert_eq!(a["lang"], "en-GB");

    // Without --json: the title, a blank line, the text.
    let out = run(&["article", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plain = stdout(&out);
    assert!(
        plain.starts_with(&format!(
            "Regulator fines video app maker\n\n{}",
            a["text"].as_str().unwrap()
        )),
        "{plain}"
    );

    // A URL: UTF-8 marked only by its byte-order mark.
    let server = FeedServer::start();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(news_page("", "en").as_bytes());
    server.set_resource(
        "/story",
        Resource {
            status: 200,
            body: bom,
            etag: None,
            headers: vec![("content-type".into(), "text/html".into())],
        },
    );
    let out = run(&["article", &server.url("/story"), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_article(&a);
    assert_eq!(a["lang"], "en");
    assert!(server.requests()[0].headers["user-agent"].starts_with("newswatch/"));

    // What is not a page is a clear error, not a panic.
    server.set_resource(
        "/logo.png",
        Resource {
            status: 200,
            body: b"\x89PNG\r\n\x1a\n".to_vec(),
            etag: None,
            headers: vec![("content-type".into(), "image/png".into())],
        },
    );
    let out = run(&["article", &server.url("/logo.png")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not HTML (image/png)"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn article_batch_prints_one_line_per_file_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.html");
    std::fs::write(&good, news_page("<meta charset=\"utf-8\">", "en")).unwrap();
    let empty = dir.path().join("empty.html");
    std::fs::write(
        &empty,
        "<html><head><title>x</title></head><body></body></html>",
    )
    .unwrap();
    let missing = dir.path().join("missing.html");
    let mut child = newswatch()
        .args(["article", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for f in [&good, &missing, &empty, &good] {
            writeln!(stdin, "{}", f.display()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    let names = [&good, &missing, &empty, &good].map(|p| p.display().to_string());
    assert_eq!(files, names);
    assert_article(&lines[0]);
    assert_eq!(lines[0], lines[3]);
    assert!(
        lines[1]["error"].as_str().unwrap().contains("cannot read"),
        "{:#}",
        lines[1]
    );
    assert!(lines[1].get("text").is_none());
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("no article text"),
        "{:#}",
        lines[2]
    );
}
