//! The extractor must never panic and every offset it reports must be a valid slice
//! of its text: deterministic pseudo-random documents built from pieces that stress
//! the matchers (multi-byte characters, combining marks, quote marks, currency signs,
//! digits, alias fragments, markup), as plain text and as HTML.

use std::sync::Arc;

use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;
use newswatch::model::Extraction;

use crate::common::Rng;

const PIECES: &[&str] = &[
    "TikTok",
    "’s",
    "'s",
    "“",
    "”",
    "‘",
    "’",
    "\"",
    "„",
    "«",
    "»",
    " ",
    "  ",
    "\n",
    "\n\n",
    ".",
    ",",
    ":",
    "-",
    "—",
    "said",
    "says that",
    "according to",
    "the president",
    "Trump",
    "ICO",
    "AP",
    "CAC 40",
    "US",
    "U.S.",
    "U.S",
    "Hong Kong",
    "stock exchange",
    "Dutch",
    "Datatilsynet",
    "€",
    "$",
    "US$",
    "£",
    "420",
    "1,2",
    "1.5",
    "10",
    "%",
    "percent",
    "million",
    "bn",
    "m",
    "euros",
    "days",
    "weeks",
    "ago",
    "early",
    "2022",
    "September",
    "May",
    "yesterday",
    "this week",
    "😀",
    "é",
    "e\u{301}",
    "\u{200B}",
    "\u{AD}",
    "中国",
    "微信",
    "ТикТок",
    "ß",
    "İ",
    "\u{FEFF}",
    "<p>",
    "</p>",
    "<br>",
    "&amp;",
    "&nbsp;",
    "&",
    "<",
    ">",
    "<script>",
    "</script>",
    "&#x1F600;",
    "\t",
    "\r\n",
    "\u{0}",
];

fn check(out: &Extraction) {
    let t = &out.text;
    let ok = |s: usize, e: usize| s <= e && t.get(s..e).is_some();
    for h in &out.entities {
        for m in &h.mentions {
            assert!(ok(m.start, m.end), "mention {m:?}");
            assert_eq!(&t[m.start..m.end], m.surface);
        }
    }
    for m in &out.money {
        assert!(ok(m.start, m.end) && t[m.start..m.end] == m.text, "{m:?}");
    }
    for p in &out.percent {
        assert!(ok(p.start, p.end) && t[p.start..p.end] == p.text, "{p:?}");
    }
    for d in &out.durations {
        assert!(ok(d.start, d.end) && t[d.start..d.end] == d.text, "{d:?}");
    }
    for d in &out.dates {
        assert!(ok(d.span.start, d.span.end) && t[d.span.start..d.span.end] == d.text);
    }
    for q in &out.quotes {
        assert!(ok(q.start, q.end) && t[q.start..q.end] == q.text, "{q:?}");
    }
}

#[test]
fn random_documents_never_panic() {
    let x = Extractor::new(Arc::new(KnowledgeBase::builtin().expect("builtin KB")));
    let reference = chrono::DateTime::parse_from_rfc3339("2020-08-07T09:00:00Z")
        .ok()
        .map(|d| d.to_utc());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..1500 {
        let n = (rng.next_u64() % 40) as usize;
        let doc: String = (0..n)
            .map(|_| PIECES[(rng.next_u64() % PIECES.len() as u64) as usize])
            .collect();
        let out = x.extract_text(&doc, reference);
        assert_eq!(out.text, doc);
        check(&out);
        check(&x.extract_html(&doc, None));
    }
}

#[test]
fn edge_inputs_never_panic() {
    let x = Extractor::new(Arc::new(KnowledgeBase::builtin().expect("builtin KB")));
    let long_word = "a".repeat(100_000);
    let many_quotes = "“".repeat(5_000);
    let many_tiktoks = "TikTok ".repeat(5_000);
    for doc in [
        "",
        " ",
        "“",
        "”",
        "‘’",
        "$",
        "€",
        "9999999999999999999999999999999999999999 euros",
        "1e308 percent",
        "31 February 2022",
        "0 days ago",
        "99999 years ago",
        "9999999999 years ago",
        "9999999999 weeks ago",
        "4294967295 months ago",
        long_word.as_str(),
        many_quotes.as_str(),
        many_tiktoks.as_str(),
    ] {
        check(&x.extract_text(doc, None));
        check(&x.extract_text(doc, chrono::DateTime::from_timestamp(0, 0)));
        check(&x.extract_html(doc, None));
    }
}
