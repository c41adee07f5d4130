//! What each fuzz target checks, in one place: the cargo-fuzz targets (`fuzz/`)
//! include this file, and `tests/regressions/fuzz_regressions.rs` replays every input a fuzzer
//! ever crashed on (`tests/fixtures/fuzz/TARGET/`) through the same checks, so each
//! crash found stays a regression test.
//!
//! Each function panics when the input shows a bug.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use newswatch::config::Config;
use newswatch::diag::Diagnostics;
use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;
use newswatch::model::{Extraction, Item};
use newswatch::rules::watchlist::compile_file;
use newswatch::rules::{Doc, RuleSet};
use newswatch::source::parse::{ParseError, parse_feed};
use newswatch::worker::engine::Engine;

/// The repository: the crate's folder, or its parent for the fuzz crate (`fuzz/`).
fn repo() -> &'static Path {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("config/newswatch.toml").is_file() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    }
}

/// Feed bytes → items. A panic in newswatch's own code is a bug; one inside feed-rs
/// is contained by `parse_feed` by design (it names feed-rs and the tolerant reader
/// has had its chance). Items have an id and serialise as `newswatch items` prints.
pub fn feed(data: &[u8]) {
    match parse_feed(data, Some("https://example.org/feed/")) {
        Ok(items) => {
            for item in &items {
                assert!(!item.id.is_empty(), "an item without an id: {item:?}");
                let line = serde_json::json!({
                    "id": item.id, "title": item.title, "link": item.link, "published": item.published,
                });
                assert!(serde_json::to_string(&line).is_ok());
            }
        }
        Err(ParseError::Panicked(m)) if m.contains("/feed-rs-") => {}
        Err(ParseError::Panicked(m)) => panic!("a parser panicked: {m}"),
        Err(ParseError::Invalid(_)) => {}
    }
}

/// The engine of the shipped config (its watchlists and knowledge base).
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let path = repo().join("config/newswatch.toml");
        let text = std::fs::read_to_string(&path).expect("the shipped config");
        let config = Config::parse(&path, &text).expect("the shipped config is valid");
        Engine::load(&config).expect("the shipped watchlists load")
    })
}

fn check_extraction(ex: &Extraction) {
    let t = &ex.text;
    let ok = |s: usize, e: usize, surface: &str| s <= e && t.get(s..e) == Some(surface);
    for h in &ex.entities {
        for m in &h.mentions {
            assert!(ok(m.start, m.end, &m.surface), "mention {m:?}");
        }
    }
    for m in &ex.money {
        assert!(ok(m.start, m.end, &m.text), "money {m:?}");
    }
    for p in &ex.percent {
        assert!(ok(p.start, p.end, &p.text), "percent {p:?}");
    }
    for d in &ex.durations {
        assert!(ok(d.start, d.end, &d.text), "duration {d:?}");
    }
    for d in &ex.dates {
        assert!(ok(d.span.start, d.span.end, &d.text), "date {d:?}");
    }
    for q in &ex.quotes {
        assert!(ok(q.start, q.end, &q.text), "quote {q:?}");
    }
    assert!(serde_json::to_string(ex).is_ok());
}

/// Text or HTML → extraction → rules → alerts. The first byte picks the mode (0:
/// plain text, 1: HTML, 2 and 3: a feed item through the engine with the shipped
/// watchlists; +4: with a reference date); the rest is the document (lossy UTF-8).
/// Offsets must be char boundaries whose slice is the surface; plain text comes back
/// unchanged (a DESIGN.md contract).
pub fn extract(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let doc = String::from_utf8_lossy(rest);
    let reference: Option<DateTime<Utc>> =
        (mode & 4 != 0).then(|| DateTime::from_timestamp(1_596_790_800, 0).unwrap_or_default());
    let engine = engine();
    match mode % 4 {
        0 => {
            let ex = engine.extractor.extract_text(&doc, reference);
            assert_eq!(ex.text, doc, "plain text must come back unchanged");
            check_extraction(&ex);
        }
        1 => check_extraction(&engine.extractor.extract_html(&doc, reference)),
        _ => {
            let (title, body) = doc.split_once('\n').unwrap_or(("", &doc));
            let item = Item {
                id: "fuzz".into(),
                title: title.into(),
                link: Some("https://example.org/a".into()),
                published: reference,
                body: body.into(),
            };
            let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
            for (alert, _) in engine.alerts_for("fuzz", "https://example.org/feed", &item, now) {
                check_extraction(&alert.extraction);
                let t = &alert.extraction.text;
                for m in &alert.matched {
                    assert!(
                        m.start <= m.end && t.get(m.start..m.end).is_some(),
                        "matched {m:?}"
                    );
                }
                assert!(serde_json::to_string(&alert).is_ok());
            }
        }
    }
}

struct RulesFixture {
    kb: Arc<KnowledgeBase>,
    article: Extraction,
}

fn rules_fixture() -> &'static RulesFixture {
    static F: OnceLock<RulesFixture> = OnceLock::new();
    F.get_or_init(|| {
        let kb = Arc::new(KnowledgeBase::builtin().expect("the built-in knowledge base"));
        let text = std::fs::read_to_string(repo().join("tests/fixtures/tiktok-wechat-2020.txt"))
            .expect("the reference article");
        let article = Extractor::new(kb.clone()).extract_text(&text, None);
        RulesFixture { kb, article }
    })
}

/// Watchlist text → compiled rules (`rules::watchlist::compile_file`), every
/// diagnostic rendered, the rules evaluated on the reference article.
pub fn rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = rules_fixture();
    let mut errors = Vec::new();
    let rules = compile_file(Path::new("/fuzz/watchlist.toml"), text, &f.kb, &mut errors);
    let _ = Diagnostics(errors).to_string();
    let set = RuleSet::new(rules);
    let doc = Doc::new(&f.article, None);
    for firing in set.evaluate("fuzz-feed", &doc) {
        for m in &firing.matched(&doc) {
            assert!(
                f.article.text.get(m.start..m.end).is_some(),
                "matched {m:?}"
            );
        }
    }
}

/// Config text → `Config::parse`, every diagnostic rendered. The config's folder does
/// not exist, so relative globs match nothing; text with a `*` is skipped, as an
/// absolute glob (`/*/*`) walks the real file system: slow, not wrong, and it cut the
/// target's executions per second to a quarter (glob expansion has its own tests).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains('*') {
        return;
    }
    match Config::parse(
        Path::new("/nonexistent/newswatch-fuzz/newswatch.toml"),
        text,
    ) {
        Ok(c) => {
            for f in &c.feeds {
                assert!(!f.name.is_empty() && !f.interval.is_zero(), "{f:?}");
            }
        }
        Err(d) => {
            assert!(!d.0.is_empty(), "an error without a diagnostic");
            let _ = d.to_string();
        }
    }
}
