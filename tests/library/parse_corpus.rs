//! `parse_feed` over whole corpora, without Python: the shared corpus
//! (`../shared/corpus/feeds`, gofeed and ROME test feeds) against the counts Python's
//! feedparser gives (`tests/fixtures/feeds/expected-counts.tsv`, written by
//! `scripts/compare-feedparser.py --write-expected`), and every feed fixture of the
//! feed-rs crate. No file may panic; no file feedparser reads may be an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newswatch::source::parse::{ParseError, parse_feed};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `path → (feedparser count, newswatch count, why they differ)`.
fn expected() -> HashMap<String, (usize, usize, String)> {
    let tsv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/expected-counts.tsv");
    let text = std::fs::read_to_string(&tsv).expect("expected-counts.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let n = |i: usize| c.get(i).and_then(|v| v.parse().ok()).expect(l);
            (
                c[0].to_string(),
                (n(1), n(2), c.get(3).unwrap_or(&"").to_string()),
            )
        })
        .collect()
}

#[test]
fn shared_corpus_matches_feedparser() {
    let root = std::env::var_os("NEWSWATCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds"));
    if !root.is_dir() {
        eprintln!(
            "skipped: no corpus at {} (set NEWSWATCH_CORPUS)",
            root.display()
        );
        return;
    }
    let expected = expected();
    let mut problems = Vec::new();
    let mut seen = 0;
    for path in files_under(&root) {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).unwrap();
        let result = parse_feed(&bytes, None);
        if let Err(ParseError::Panicked(m)) = &result {
            problems.push(format!("{rel}: panicked: {m}"));
            continue;
        }
        let Some((fp, nw, why)) = expected.get(&rel) else {
            // Neither tool finds entries here.
            match &result {
                Ok(items) if !items.is_empty() => {
                    problems.push(format!("{rel}: {} items, expected none", items.len()))
                }
                _ => {}
            }
            continue;
        };
        seen += 1;
        match result {
            Ok(items) if items.len() == *nw => {}
            Ok(items) => problems.push(format!("{rel}: {} items, expected {nw}", items.len())),
            Err(e) => problems.push(format!("{rel}: {e} (feedparser reads {fp})")),
        }
        if fp != nw && why.is_empty() {
            problems.push(format!(
                "{rel}: differs from feedparser ({fp} vs {nw}) with no reason given"
            ));
        }
    }
    assert!(
        seen == expected.len(),
        "{} files of expected-counts.tsv are missing from the corpus",
        expected.len() - seen
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The feed-rs crate's own feed fixtures (in the cargo registry, next to its source).
#[test]
fn feed_rs_fixtures_all_parse() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(fixtures) = cargo_home.and_then(|home| {
        let src = home.join("registry/src");
        std::fs::read_dir(src).ok()?.flatten().find_map(|index| {
            std::fs::read_dir(index.path())
                .ok()?
                .flatten()
                .find_map(|krate| {
                    let name = krate.file_name().to_string_lossy().into_owned();
                    let dir = krate.path().join("fixture");
                    (name.starts_with("feed-rs-3.") && dir.is_dir()).then_some(dir)
                })
        })
    }) else {
        eprintln!("skipped: feed-rs sources not found in the cargo registry");
        return;
    };
    let mut problems = Vec::new();
    let mut feeds = 0;
    for path in files_under(&fixtures) {
        let rel = path
            .strip_prefix(&fixtures)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // `*.serde.json` are feed-rs's expected outputs and `xml/` its XML-reader
        // samples: not feeds.
        if rel.ends_with(".serde.json") || rel.starts_with("xml/") {
            continue;
        }
        feeds += 1;
        let result = parse_feed(&std::fs::read(&path).unwrap(), None);
        match (rel.as_str(), result) {
            // Cut off inside the channel before any item; feed-rs's own test expects
            // an error too.
            ("rss2/rss_2.0_invalid_1.xml", Err(ParseError::Invalid(_))) => {}
            ("rss2/rss_2.0_invalid_1.xml", other) => {
                problems.push(format!("{rel}: expected an error, got {other:?}"))
            }
            (_, Ok(items)) if !items.is_empty() || rel.contains("empty") => {}
            (_, Ok(_)) => problems.push(format!("{rel}: no items")),
            (_, Err(e)) => problems.push(format!("{rel}: {e}")),
        }
    }
    assert!(
        feeds > 50,
        "only {feeds} feed fixtures found in {}",
        fixtures.display()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
