//! The reference article: every entry of `tiktok-wechat-2020.expected.toml` must be
//! found by the extractor, as plain text and as HTML paragraphs.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;
use newswatch::model::{EntityHit, Extraction};
use toml::Value;

const TEXT: &str = include_str!("../fixtures/tiktok-wechat-2020.txt");
const EXPECTED: &str = include_str!("../fixtures/tiktok-wechat-2020.expected.toml");

fn extractor() -> Extractor {
    let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("builtin KB: {e:?}"));
    Extractor::new(Arc::new(kb))
}

fn expected() -> toml::Table {
    toml::from_str(EXPECTED).expect("expected file parses")
}

fn list<'a>(t: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    t.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).collect())
        .unwrap_or_default()
}

fn str_of<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(Value::as_str)
}

fn num_of(t: &toml::Table, key: &str) -> f64 {
    match t.get(key) {
        Some(Value::Integer(i)) => *i as f64,
        Some(Value::Float(f)) => *f,
        other => panic!("`{key}` is not a number: {other:?}"),
    }
}

/// The hit for an expected canonical name: the knowledge-base entity with that name
/// (or alias), which must have been found.
fn hit_for<'a>(x: &'a Extractor, out: &'a Extraction, name: &str) -> &'a EntityHit {
    let kb = x.kb();
    let ids: Vec<&str> = kb
        .entities()
        .iter()
        .filter(|e| e.name == name || e.aliases.iter().any(|a| a == name))
        .map(|e| e.id.as_str())
        .collect();
    assert!(!ids.is_empty(), "no knowledge-base entity named {name:?}");
    out.entities
        .iter()
        .find(|h| ids.contains(&h.id.as_str()))
        .unwrap_or_else(|| {
            panic!(
                "entity {name:?} (ids {ids:?}) not found; found: {:?}",
                out.entities.iter().map(|h| &h.id).collect::<Vec<_>>()
            )
        })
}

fn reference_time() -> Option<chrono::DateTime<Utc>> {
    // The article appeared the day after the executive orders of 6 August 2020.
    Utc.with_ymd_and_hms(2020, 8, 7, 9, 0, 0).single()
}

fn check(x: &Extractor, out: &Extraction) {
    let exp = expected();
    let text = &out.text;
    for e in list(&exp, "entity") {
        let name = str_of(e, "name").expect("entity name");
        let hit = hit_for(x, out, name);
        let kinds: Vec<&str> = e["kind"]
            .as_array()
            .expect("kind list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            kinds.contains(&hit.kind.as_str()),
            "{name}: kind {} not in {kinds:?}",
            hit.kind.as_str()
        );
        let entity = x.kb().get(&hit.id).expect("hit id is in the KB");
        if let Some(country) = str_of(e, "country") {
            assert_eq!(entity.country.as_deref(), Some(country), "{name}: country");
        }
        if let Some(related) = str_of(e, "related") {
            let product = hit_for(x, out, related);
            assert!(
                x.kb().owned_closure(&hit.id).contains(&product.id.as_str()),
                "{name} should own {related}"
            );
            assert_eq!(
                x.kb().get(&product.id).and_then(|p| p.owner.as_deref()),
                Some(hit.id.as_str()),
                "{related}'s owner"
            );
        }
        for m in &hit.mentions {
            assert_eq!(&text[m.start..m.end], m.surface, "{name}: mention offsets");
        }
        for surface in e
            .get("mentions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            assert!(
                hit.mentions.iter().any(|m| m.surface == surface),
                "{name}: no mention {surface:?} in {:?}",
                hit.mentions
            );
        }
    }
    // The comment on TikTok in the expected file: 9 mentions, the possessive included.
    let tiktok = hit_for(x, out, "TikTok");
    let in_text = text.matches("TikTok").count();
    assert_eq!(
        tiktok.mentions.len(),
        in_text,
        "every TikTok, possessive included"
    );
    assert!(tiktok.mentions.iter().all(|m| m.surface == "TikTok"));

    for m in list(&exp, "money") {
        let want = str_of(m, "text").expect("money text");
        let got = out
            .money
            .iter()
            .find(|g| g.text == want)
            .unwrap_or_else(|| panic!("money {want:?} not in {:?}", out.money));
        assert_eq!(got.amount, num_of(m, "amount"));
        assert_eq!(got.currency, str_of(m, "currency").expect("currency"));
        assert_eq!(&text[got.start..got.end], want);
    }
    for p in list(&exp, "percent") {
        let want = str_of(p, "text").expect("percent text");
        let got = out
            .percent
            .iter()
            .find(|g| g.text == want)
            .unwrap_or_else(|| panic!("percent {want:?} not in {:?}", out.percent));
        assert_eq!(got.value, num_of(p, "value"));
        assert_eq!(&text[got.start..got.end], want);
    }
    for d in list(&exp, "duration") {
        let want = str_of(d, "text").expect("duration text");
        let got = out
            .durations
            .iter()
            .find(|g| g.text == want)
            .unwrap_or_else(|| panic!("duration {want:?} not in {:?}", out.durations));
        assert_eq!(got.days, num_of(d, "days"));
        assert_eq!(&text[got.start..got.end], want);
    }
    for d in list(&exp, "date") {
        let want = str_of(d, "text").expect("date text");
        let got = out
            .dates
            .iter()
            .find(|g| g.text == want)
            .unwrap_or_else(|| panic!("date {want:?} not in {:?}", out.dates));
        assert_eq!(&text[got.span.start..got.span.end], want);
    }
    let early_2022 = out
        .dates
        .iter()
        .find(|d| d.text == "early 2022")
        .expect("early 2022");
    let (start, end) = (
        early_2022.start.expect("start"),
        early_2022.end.expect("end"),
    );
    let year = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
    assert!(start >= year(2022, 1, 1) && end <= year(2022, 12, 31) && start <= end);
    assert!(
        end < year(2022, 7, 1),
        "early 2022 is the first part of the year"
    );

    for q in list(&exp, "quote") {
        let starts = str_of(q, "starts").expect("quote starts");
        let got = out
            .quotes
            .iter()
            .find(|g| g.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no quote starting {starts:?} in {:?}", out.quotes));
        assert_eq!(&text[got.start..got.end], got.text, "quote offsets");
        match str_of(q, "speaker").filter(|s| !s.is_empty()) {
            None => assert_eq!(got.speaker, None, "quote {starts:?} has no speaker"),
            Some(name) => {
                let id = got
                    .speaker
                    .as_deref()
                    .unwrap_or_else(|| panic!("quote {starts:?} lacks speaker {name}"));
                let e = x.kb().get(id).expect("speaker id is in the KB");
                assert_eq!(e.name, name, "quote {starts:?}");
            }
        }
    }
    // ‘mini-programs’ is a scare quote, not a quotation.
    assert!(out.quotes.iter().all(|q| !q.text.contains("mini-programs")));
}

#[test]
fn extractor_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Extractor>();
    assert_send_sync::<KnowledgeBase>();
}

#[test]
fn plain_text_matches_expected() {
    let x = extractor();
    let out = x.extract_text(TEXT, reference_time());
    assert_eq!(out.text, TEXT, "plain text passes through unchanged");
    check(&x, &out);
    let september = out
        .dates
        .iter()
        .find(|d| d.text == "September")
        .expect("September");
    assert_eq!(september.start, NaiveDate::from_ymd_opt(2020, 9, 1));
    assert_eq!(september.end, NaiveDate::from_ymd_opt(2020, 9, 30));
}

#[test]
fn html_paragraphs_match_expected() {
    let x = extractor();
    let html: String = TEXT
        .split("\n\n")
        .map(|p| format!("<p>{}</p>\n", p.replace('&', "&amp;")))
        .collect();
    let out = x.extract_html(&html, reference_time());
    assert_eq!(out.text, TEXT.trim_end(), "paragraphs survive HTML → text");
    check(&x, &out);
}

#[test]
fn without_reference_relative_dates_stay_open() {
    let x = extractor();
    let out = x.extract_text(TEXT, None);
    let september = out
        .dates
        .iter()
        .find(|d| d.text == "September")
        .expect("September");
    assert_eq!((september.start, september.end), (None, None));
    let early = out
        .dates
        .iter()
        .find(|d| d.text == "early 2022")
        .expect("early 2022");
    assert!(early.start.is_some(), "an absolute year needs no reference");
}
