//! Rule-set evaluation speed: 1,000 rules of every shape (entities, owners, kinds,
//! countries, tags, words, phrases, prefixes, NEAR, SENTENCE, IN lead, mentions, NOT)
//! against one item, the reference article (about 3,700 bytes, 40 entity mentions).
//!
//! Run: `cargo bench --bench rules`. The figures that matter are `evaluate/…`: finding
//! every atom of the 1,000 rules in the item, evaluating the rules that could fire and
//! collecting the witnesses of those that do — for a typical rule set (each rule
//! anchored on an entity; a few fire) and a stress set (common words, kinds, countries;
//! about a third fire), and the typical set with its SENTENCE, IN lead and mentions
//! rules asking for central mentions (`central(@x)`, which reads the words around
//! each occurrence). Naming the matches (`Firing::matched`) is measured on top.
//! Preparing the item (`doc/prepare`: words, sentences, regions) is done once per item
//! whatever the number of rules; the extraction itself belongs to the extractor.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;
use newswatch::rules::{Doc, RuleSet, watchlist};

/// Common words: many rules of the stress set fire on any news article.
const COMMON: &[&str] = &[
    "ban",
    "fine",
    "lawsuit",
    "merger",
    "privacy",
    "data",
    "security",
    "app",
    "court",
    "regulator",
    "investigation",
    "shares",
    "revenue",
    "election",
    "trade",
    "sanctions",
    "tariff",
    "outage",
    "breach",
    "users",
    "children",
    "advertising",
    "acquisition",
    "president",
    "government",
    "decree",
    "stock",
    "exchange",
    "negotiations",
    "software",
];

/// Topical words, as analysts' rules name them.
const TOPICAL: &[&str] = &[
    "acquisition",
    "lawsuit",
    "fine",
    "recall",
    "merger",
    "bankruptcy",
    "investigation",
    "strike",
    "outage",
    "layoffs",
    "breach",
    "sanctions",
    "ban",
    "tariff",
    "appeal",
    "indictment",
    "antitrust",
    "subpoena",
    "delisting",
    "downgrade",
];

/// `n` rules of every shape over the knowledge base's entities. `stress`: rules on
/// common words, kinds, countries and tags, so that about a third fire on the article;
/// otherwise rules each anchored on one entity, as watchlists are written. `central`:
/// the SENTENCE, IN lead and mentions rules count central mentions only.
fn watchlist_text(kb: &KnowledgeBase, n: usize, stress: bool, central: bool) -> String {
    let ids: Vec<&str> = kb.entities().iter().map(|e| e.id.as_str()).collect();
    let countries = ["NL", "US", "GB", "FR", "DE", "CN", "IE", "IT"];
    let vocab = if stress { COMMON } else { TOPICAL };
    let mut s = String::new();
    for i in 0..n {
        let id = ids[(i * 7919) % ids.len()];
        let other = ids[(i * 104_729) % ids.len()];
        let w = |k: usize| vocab[(i * 31 + k * 17) % vocab.len()];
        let c = |term: String| {
            if central {
                format!("central({term})")
            } else {
                term
            }
        };
        let q = match (stress, i % 8) {
            (true, 5) => format!(
                "kind:regulator AND country:{}",
                countries[i % countries.len()]
            ),
            (true, 6) => format!("tag:dpa AND ({}* OR title:{})", &w(0)[..3], w(1)),
            (true, 3) => format!("({} OR \"{} {}\") AND NOT {}", w(0), w(1), w(2), w(3)),
            (_, 0) => format!("@{id} AND ({} OR {})", w(0), w(1)),
            (_, 1) => format!("@{id} NEAR/10 {}", w(0)),
            (_, 2 | 3) => format!(
                "SENTENCE({}, {} OR {}*)",
                c(format!("@{id}")),
                w(0),
                &w(1)[..w(1).len().min(4)]
            ),
            (_, 4 | 5) => format!(
                "{} IN lead OR mentions({}) >= 2",
                c(format!("@{id}+owned")),
                c(format!("@{id}"))
            ),
            (_, 6) => format!("title:@{id} OR (@{id} AND \"{} {}\")", w(0), w(1)),
            _ => format!("(@{id} OR @{other}) AND NOT {}", w(0)),
        };
        s.push_str(&format!("[[rule]]\nid = \"r{i}\"\nquery = '''{q}'''\n"));
    }
    s
}

fn rule_set(kb: &KnowledgeBase, stress: bool, central: bool) -> (String, RuleSet) {
    let text = watchlist_text(kb, 1000, stress, central);
    let mut errors = Vec::new();
    let rules = watchlist::compile_file(Path::new("bench.toml"), &text, kb, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rules.len(), 1000);
    (text, RuleSet::new(rules))
}

fn bench(c: &mut Criterion) {
    let kb = KnowledgeBase::builtin().expect("built-in knowledge base");
    let (text, typical) = rule_set(&kb, false, false);
    let (_, stress) = rule_set(&kb, true, false);
    let (_, central) = rule_set(&kb, false, true);
    let extractor = Extractor::new(Arc::new(kb));
    let article = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiktok-wechat-2020.txt"),
    )
    .expect("reference article");
    let title_len = article.find('\n');
    let ex = extractor.extract_text(&article, None);
    let doc = Doc::new(&ex, title_len);
    for (name, set) in [
        ("typical", &typical),
        ("stress", &stress),
        ("central", &central),
    ] {
        println!(
            "{name}: 1000 rules, {} distinct atoms; {} fire on the reference article ({} bytes, {} entities)",
            set.atom_count(),
            set.evaluate("bench", &doc).len(),
            article.len(),
            ex.entities.len()
        );
    }

    c.bench_function("evaluate/1000_rules_typical", |b| {
        b.iter(|| typical.evaluate(black_box("bench"), black_box(&doc)))
    });
    c.bench_function("evaluate/1000_rules_typical_central", |b| {
        b.iter(|| central.evaluate(black_box("bench"), black_box(&doc)))
    });
    c.bench_function("evaluate/1000_rules_stress", |b| {
        b.iter(|| stress.evaluate(black_box("bench"), black_box(&doc)))
    });
    c.bench_function("evaluate_and_name_matches/1000_rules_stress", |b| {
        b.iter(|| {
            stress
                .evaluate(black_box("bench"), black_box(&doc))
                .iter()
                .map(|f| f.matched(&doc).len())
                .sum::<usize>()
        })
    });
    c.bench_function("doc/prepare", |b| {
        b.iter(|| Doc::new(black_box(&ex), title_len))
    });
    c.bench_function("compile/1000_rules", |b| {
        b.iter(|| {
            let mut errors = Vec::new();
            RuleSet::new(watchlist::compile_file(
                Path::new("bench.toml"),
                black_box(&text),
                extractor.kb(),
                &mut errors,
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
