//! Broken input never panics: every fixture cut at many points, with bytes flipped,
//! doubled and spliced, must give items or an error — and never
//! `ParseError::Panicked` (which would mean a parser, ours or feed-rs, crashed and
//! the guard caught it). Deterministic, so a failure reproduces.

use std::path::{Path, PathBuf};

use newswatch::source::parse::{ParseError, parse_feed};

use crate::common::Rng;

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds")];
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds");
    if std::env::var_os("NEWSWATCH_FUZZ_CORPUS").is_some() && corpus.is_dir() {
        dirs.push(corpus);
    }
    let mut out = Vec::new();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x != "tsv") {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Parses; a panic in our own code fails the test. feed-rs has panics of its own on
/// some broken input (e.g. slicing an author's e-mail inside a multi-byte character):
/// those are contained (`ParseError::Panicked`, after the tolerant reader had its
/// chance) and counted.
fn check(name: &str, what: &str, bytes: &[u8]) -> usize {
    match parse_feed(bytes, Some("https://example.org/feed/")) {
        Err(ParseError::Panicked(m)) if m.contains("/feed-rs-") => 1,
        Err(ParseError::Panicked(m)) => panic!("{name} ({what}): our code panicked: {m}"),
        _ => 0,
    }
}

#[test]
fn cut_and_mangled_documents_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut contained = 0;
    for (name, bytes) in inputs() {
        let step = (bytes.len() / 64).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            contained += check(&name, &format!("cut at {cut}"), &bytes[..cut]);
        }
        for round in 0..64 {
            let mut b = bytes.clone();
            for _ in 0..1 + rng.below(8) {
                if b.is_empty() {
                    break;
                }
                let at = rng.below(b.len());
                match rng.below(5) {
                    0 => b[at] = rng.next_u64() as u8,
                    1 => b[at] = b"<>&;\"'/]![-?\0"[rng.below(13)],
                    2 => {
                        let end = (at + rng.below(64)).min(b.len());
                        let piece = b[at..end].to_vec();
                        let to = rng.below(b.len());
                        b.splice(to..to, piece);
                    }
                    3 => {
                        let end = (at + rng.below(32)).min(b.len());
                        b.drain(at..end);
                    }
                    _ => b.insert(at, 0xC3),
                }
            }
            contained += check(&name, &format!("mangled, round {round}"), &b);
        }
    }
    eprintln!("feed-rs panics contained: {contained}");
}

#[test]
fn hostile_shapes_never_panic() {
    let deep = "<a>".repeat(20_000);
    let many_attrs = format!("<rss {}>", "a=\"&\" ".repeat(10_000));
    let entities = format!(
        "<rss><item><title>{}</title></item></rss>",
        "&nbsp;&#X41;&bogus;&#99999999;".repeat(2_000)
    );
    let long_date = format!(
        "<rss><item><pubDate>{}</pubDate></item></rss>",
        "9".repeat(10_000)
    );
    let cases: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        many_attrs.into_bytes(),
        entities.into_bytes(),
        long_date.into_bytes(),
        b"<rss><item><title><![CDATA[".to_vec(),
        b"<?xml version='1.0' encoding='utf-16'?><rss/>".to_vec(),
        b"<?xml encoding=\"x-unknown\"?><rss><item/></rss>".to_vec(),
        b"\xff\xfe<\x00".to_vec(),
        b"\x00\x00\x00<\x00\x00\x00r".to_vec(),
        b"\xfe\xff\xd8\x00".to_vec(),
        b"<rss version=\"2.0\"><channel><item><guid></guid><link> </link></item></channel></rss>".to_vec(),
        b"{\"items\": [{\"id\": null, \"url\": 5, \"date_published\": []}]}".to_vec(),
        b"<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"::bad::\"><entry><link href=\"//x\"/></entry></feed>".to_vec(),
    ];
    for (i, c) in cases.iter().enumerate() {
        assert_eq!(check("hostile", &i.to_string(), c), 0, "case {i}");
    }
}
