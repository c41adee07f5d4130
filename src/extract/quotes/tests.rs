//! Quote tests: one table of texts with the quote each must yield (by its first
//! words) and the speaker it must be attributed to, and texts with no quotation.

use std::sync::{Arc, OnceLock};

use crate::extract::Extractor;
use crate::extract::kb::KnowledgeBase;

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("{e:?}"));
        Extractor::new(Arc::new(kb))
    })
}

#[test]
fn quote_table() {
    // (text, the quote's first words, speaker id or None)
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "“We are shocked,” said Mark Zuckerberg.",
            "We are shocked",
            Some("mark-zuckerberg"),
        ),
        (
            "“We will appeal this decision,” TikTok said.",
            "We will appeal",
            Some("tiktok"),
        ),
        (
            "Microsoft said: “We are in talks with ByteDance.”",
            "We are in talks",
            Some("microsoft"),
        ),
        (
            "According to Reuters, “the deal is off for now”.",
            "the deal is off",
            Some("reuters"),
        ),
        (
            "Trump says that the app “is a threat to our security”.",
            "is a threat",
            Some("donald-trump"),
        ),
        (
            "“We will win this fight.” Trump said.",
            "We will win",
            Some("donald-trump"),
        ),
        (
            "Sundar Pichai said \"we take privacy very seriously\".",
            "we take privacy",
            Some("sundar-pichai"),
        ),
        (
            "TikTok reacted angrily on Friday. “This is an outrage and we will fight it.”",
            "This is an outrage",
            Some("tiktok"),
        ),
        (
            "Joe Biden spoke on Monday. “We will act now,” he said.",
            "We will act now",
            Some("joe-biden"),
        ),
        (
            "ByteDance denied the report. “These claims are false and baseless,” the company said.",
            "These claims are false",
            Some("bytedance"),
        ),
        (
            "Donald Trump met reporters. “It is a very bad app for our country,” said the president.",
            "It is a very bad app",
            Some("donald-trump"),
        ),
        (
            "“The fine is too high,” a Meta spokesperson said.",
            "The fine is too high",
            Some("meta"),
        ),
        (
            "“We see no problem here at all,” said a TikTok spokesperson.",
            "We see no problem",
            Some("tiktok"),
        ),
        (
            "The question is whether it is “fair and reasonable in every way”.",
            "fair and reasonable",
            None,
        ),
        (
            "Critics call it ‘a very dangerous precedent for all’.",
            "a very dangerous precedent",
            None,
        ),
        (
            "„Wir sind schockiert und enttäuscht“, sagte der Sprecher.",
            "Wir sind schockiert",
            None,
        ),
        (
            "«Nous sommes très surpris», a déclaré Macron.",
            "Nous sommes très surpris",
            None,
        ),
        (
            "“It spans. Two sentences here,” said Trump.",
            "It spans. Two sentences",
            Some("donald-trump"),
        ),
        (
            "“Unclosed quote runs to the end of the paragraph",
            "Unclosed quote runs",
            None,
        ),
    ];
    let x = extractor();
    for (text, starts, speaker) in cases {
        let out = x.extract_text(text, None);
        let q = out
            .quotes
            .iter()
            .find(|q| q.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no quote {starts:?} in {text:?}: {:?}", out.quotes));
        assert_eq!(q.speaker.as_deref(), *speaker, "speaker of {text:?}");
        assert_eq!(&text[q.start..q.end], q.text, "offsets in {text:?}");
    }
}

#[test]
fn not_quotations() {
    let x = extractor();
    for text in [
        "users can use so-called ‘mini-programs’ much more.",
        "the so-called \"Dutch\" approach",
        "It’s the company’s app, and the users’ data.",
        "It's TikTok's app and the users' data, isn't it?",
        "Rock 'n' roll in the '90s",
        "He said it was 5' 10\" tall.",
        "“”",
        "“ ”",
    ] {
        let out = x.extract_text(text, None);
        assert!(out.quotes.is_empty(), "{text:?}: {:?}", out.quotes);
    }
}

#[test]
fn short_quote_counts_when_attributed() {
    let x = extractor();
    let out = x.extract_text("Trump called the app “dangerous”, Trump said.", None);
    assert!(
        out.quotes.iter().any(|q| q.text == "dangerous"),
        "{:?}",
        out.quotes
    );
}
