//! The tagger as a whole: the shipped model on news sentences with names no list
//! holds (both ways), the knowledge base's precedence, features, and training's
//! determinism.

use std::sync::{Arc, OnceLock};

use super::corpus::{Document, Span};
use super::features::{Doc, Mode};
use super::lexicon::{self, Lexicon};
use super::*;
use crate::extract::kb::KnowledgeBase;
use crate::extract::names::{Found, Names, Unknown, UnknownMention};
use crate::model::EntityKind;

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("builtin KB: {e:?}"));
        Extractor::new(Arc::new(kb))
    })
}

fn tagged(text: &str) -> Vec<(String, Label)> {
    let t = Tagger::builtin().unwrap();
    t.tag_with(extractor(), text)
        .iter()
        .filter(|t| t.label != Label::Misc)
        .map(|t| (text[t.start..t.end].to_string(), t.label))
        .collect()
}

#[test]
fn the_shipped_model_loads() {
    let t = Tagger::builtin().unwrap();
    assert!(t.model.transitions.tags >= 7);
}

#[test]
fn unseen_names_are_found() {
    use Label::*;
    let cases: &[(&str, (&str, Label))] = &[
        (
            "Tomasz Wierzbicki, the mayor of the town, said the budget had been approved.",
            ("Tomasz Wierzbicki", Person),
        ),
        (
            "The talks were led by Amara Okonkwo, a senior adviser to the ministry.",
            ("Amara Okonkwo", Person),
        ),
        (
            "Shares of Veltrana Holdings fell 5% after the company missed forecasts.",
            ("Veltrana Holdings", Organization),
        ),
        (
            "Thousands of people were evacuated from Kirovohrad after the floods.",
            ("Kirovohrad", Location),
        ),
    ];
    for (text, want) in cases {
        let got = tagged(text);
        assert!(
            got.iter().any(|(s, l)| s == want.0 && *l == want.1),
            "{text}: want {want:?}, got {got:?}"
        );
    }
}

#[test]
fn capitalised_common_words_are_not_names() {
    for text in [
        "Shares fell sharply on Monday as investors worried about rates.",
        "Police arrested a man on Friday.",
        "Inflation rose again in March, the statistics office said.",
        "Breaking News: Markets Slide As Rates Rise",
        "Prices Soar As Winter Bites",
    ] {
        assert_eq!(tagged(text), [], "{text}");
    }
}

#[test]
fn the_knowledge_base_wins() {
    let x = extractor();
    // Microsoft is in the knowledge base; the person is not.
    let text = "Microsoft hired Tomasz Wierzbicki, a former banker, last year.";
    let out = x.extract_text(text, None);
    let ms = out.entities.iter().find(|e| e.id == "microsoft").unwrap();
    assert_eq!(ms.kind, EntityKind::Organization);
    let p = out
        .entities
        .iter()
        .find(|e| e.name == "Tomasz Wierzbicki")
        .unwrap();
    assert_eq!(p.id, "person/tomasz-wierzbicki");
    assert!(p.confidence < ms.confidence && p.confidence <= 0.6);

    // The merge itself: a tagged name over a known mention is dropped, one that only
    // holds a known place keeps the place beside it.
    let text = "Apple Daily and the Kenya Revenue Authority";
    let known = [
        Known {
            start: 0,
            end: 5,
            kind: EntityKind::Organization,
        },
        Known {
            start: 20,
            end: 25,
            kind: EntityKind::Location,
        },
    ];
    let tags = [
        Tagged {
            start: 0,
            end: 11,
            label: Label::Organization,
            confidence: 0.5,
        },
        Tagged {
            start: 20,
            end: 43,
            label: Label::Organization,
            confidence: 0.5,
        },
    ];
    let mut found = Found::default();
    merge::absorb(text, &tags, &known, &[], &Names::new(), &mut found);
    let mut vetoed = Found::default();
    merge::absorb(
        text,
        &tags[1..],
        &[],
        &[(20, 43)],
        &Names::new(),
        &mut vetoed,
    );
    assert!(
        vetoed.unknowns.is_empty(),
        "ruled out by the knowledge base"
    );
    let names: Vec<&str> = found.unknowns.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Kenya Revenue Authority"]);
}

/// A word-list result of one name at `start..end`.
fn found_one(name: &str, kind: EntityKind, start: usize, end: usize) -> Found {
    Found {
        unknowns: vec![Unknown {
            id: format!("{}/x", kind.as_str()),
            name: name.to_string(),
            kind,
            confidence: 0.6,
        }],
        mentions: vec![UnknownMention {
            start,
            end,
            unknown: 0,
        }],
        withdrawn: Vec::new(),
    }
}

#[test]
fn a_longer_tagged_name_replaces_a_person_the_word_lists_read_short() {
    // "Crown" read as a title made "Prosecution Service" a person; the tagger read
    // the organisation whole.
    let text = "the Crown Prosecution Service said";
    let tag = |start, end, label| Tagged {
        start,
        end,
        label,
        confidence: 0.4,
    };
    let absorb = |text: &str, found: &mut Found, t: Tagged| {
        merge::absorb(text, &[t], &[], &[], &Names::new(), found);
    };
    let mut found = found_one("Prosecution Service", EntityKind::Person, 10, 29);
    absorb(text, &mut found, tag(4, 29, Label::Organization));
    let names: Vec<(&str, EntityKind)> = found
        .mentions
        .iter()
        .map(|m| (&text[m.start..m.end], found.unknowns[m.unknown].kind))
        .collect();
    assert_eq!(
        names,
        [("Crown Prosecution Service", EntityKind::Organization)]
    );

    // The person replaced is no one: a later lone "Service" is not their surname
    // (it shortens the organisation).
    let text = "the Crown Prosecution Service said. Service said";
    let mut found = found_one("Prosecution Service", EntityKind::Person, 10, 29);
    let tags = [tag(4, 29, Label::Organization), tag(36, 43, Label::Person)];
    merge::absorb(text, &tags, &[], &[], &Names::new(), &mut found);
    let lone = found.mentions.iter().find(|m| m.start == 36).unwrap();
    assert_eq!(
        found.unknowns[lone.unknown].name,
        "Crown Prosecution Service"
    );

    // Not when the word lists found an organisation (a legal suffix marks where the
    // name ends), nor when the tagger's name is no longer than theirs.
    let text = "the Wiz Inc Board said";
    let mut org = found_one("Wiz Inc", EntityKind::Organization, 4, 11);
    absorb(text, &mut org, tag(4, 17, Label::Organization));
    assert_eq!(org.mentions.len(), 1);
    assert_eq!((org.mentions[0].start, org.mentions[0].end), (4, 11));
    let text = "Rebecca Vincent said";
    let mut person = found_one("Rebecca Vincent", EntityKind::Person, 0, 15);
    absorb(text, &mut person, tag(0, 15, Label::Organization));
    assert_eq!(person.unknowns.len(), 1);
    assert_eq!(person.unknowns[0].kind, EntityKind::Person);

    // Through the whole extractor.
    let out = extractor().extract_text(
        "On Monday, officials said the Crown Prosecution Service had acted in London.",
        None,
    );
    assert!(
        out.entities
            .iter()
            .any(|e| e.name == "Crown Prosecution Service" && e.kind == EntityKind::Organization),
        "{:?}",
        out.entities
    );
    assert!(!out.entities.iter().any(|e| e.kind == EntityKind::Person));
}

#[test]
fn a_run_is_cut_at_a_lower_case_word_no_name_holds() {
    let parts = |text: &str| -> Vec<String> {
        let mut toks = Vec::new();
        super::tokens::tokenize(text, &mut toks);
        let mut parts = Vec::new();
        super::name_parts(text, &toks, |r| {
            parts.push(text[toks[r.start].start..toks[r.end - 1].end].to_string())
        });
        parts
    };
    assert_eq!(parts("Cameron dismisses Johnson"), ["Cameron", "Johnson"]);
    assert_eq!(parts("Bank of England"), ["Bank of England"]);
    assert_eq!(parts("Ludwig van Beethoven"), ["Ludwig van Beethoven"]);
    assert_eq!(
        parts("Centre for Social Evolution"),
        ["Centre for Social Evolution"]
    );
    // Typed without capitals: left whole.
    assert_eq!(parts("barack obama visits"), ["barack obama visits"]);
}

#[test]
fn surnames_and_repeats_are_the_same_person() {
    let x = extractor();
    let text = "Tomasz Wierzbicki resigned on Monday. Wierzbicki had led the council since 2019.";
    let out = x.extract_text(text, None);
    let p = out
        .entities
        .iter()
        .find(|e| e.name == "Tomasz Wierzbicki")
        .unwrap();
    let surfaces: Vec<&str> = p.mentions.iter().map(|m| m.surface.as_str()).collect();
    assert_eq!(surfaces, ["Tomasz Wierzbicki", "Wierzbicki"]);
}

fn lexicon_bytes() -> Vec<u8> {
    lexicon::build(&[
        ("loc_cities.txt", "Kraków\nNew York\n"),
        ("per_first_names_male.txt", "JOHN\n"),
    ])
}

#[test]
fn features_see_case_position_lists_and_the_knowledge_base() {
    let lex_bytes = lexicon_bytes();
    let lex = Lexicon::new(&lex_bytes).unwrap();
    let text = "John went to New York on a quiet day with no name in it at all.";
    let seg = crate::extract::segment::Segments::new(text);
    let plain = Doc::new(text, seg.sentences(), &[], &lex);
    let s = &plain.sentences[0];
    assert_eq!(s.mode, Mode::Prose);
    let word = |w: &str| {
        plain
            .tokens
            .iter()
            .position(|t| &text[t.start..t.end] == w)
            .unwrap()
    };
    assert!(plain.scored(s, word("John")) && plain.scored(s, word("to")));
    assert!(
        !plain.scored(s, word("quiet")),
        "lower case, far from capitals"
    );
    let feats = |d: &Doc, i: usize| {
        let mut f = Vec::new();
        d.features(&d.sentences[0], i, &mut f);
        f
    };
    assert_eq!(
        feats(&plain, word("New")),
        feats(&plain, word("New")),
        "deterministic"
    );
    let known = [Known {
        start: 0,
        end: 4,
        kind: EntityKind::Person,
    }];
    let with_kb = Doc::new(text, seg.sentences(), &known, &lex);
    assert_ne!(
        feats(&plain, 0),
        feats(&with_kb, 0),
        "a knowledge-base mention is a feature"
    );

    for (text, mode) in [
        (
            "EU Lawmakers Back Sweeping New Rules For Artificial Intelligence",
            Mode::Title,
        ),
        ("MARKETS SLIDE AS RATES RISE", Mode::Caps),
        ("Markets slid as rates rose in Europe.", Mode::Prose),
    ] {
        let seg = crate::extract::segment::Segments::new(text);
        assert_eq!(
            Doc::new(text, seg.sentences(), &[], &lex).sentences[0].mode,
            mode,
            "{text}"
        );
    }
}

fn tiny_corpus() -> Vec<Document> {
    let mut docs = Vec::new();
    for (text, names) in [
        (
            "Anna Berg met Tom Holt in Oslo.",
            &[
                (0, 9, Label::Person),
                (14, 22, Label::Person),
                (26, 30, Label::Location),
            ][..],
        ),
        (
            "Tom Holt works for Norsk Data in Bergen.",
            &[
                (0, 8, Label::Person),
                (19, 29, Label::Organization),
                (33, 39, Label::Location),
            ][..],
        ),
        (
            "The weather in Oslo was cold.",
            &[(15, 19, Label::Location)][..],
        ),
    ] {
        docs.push(Document {
            id: String::new(),
            corpus: "tiny".into(),
            text: text.into(),
            gold: names
                .iter()
                .map(|&(start, end, label)| Span { start, end, label })
                .collect(),
        });
    }
    docs
}

#[test]
fn training_is_deterministic_and_its_model_round_trips() {
    let docs = tiny_corpus();
    let gaz = [("loc_cities.txt", "Oslo\nBergen\n")];
    let cfg = train::Config {
        epochs: 5,
        bits: 12,
        ..train::Config::default()
    };
    let (a, _) = train::train(&docs, &gaz, extractor(), &cfg);
    let (b, _) = train::train(&docs, &gaz, extractor(), &cfg);
    assert_eq!(a, b, "same data and seed, same bytes");
    let (c, _) = train::train(
        &docs,
        &gaz,
        extractor(),
        &train::Config {
            seed: 2,
            ..cfg.clone()
        },
    );
    assert_eq!(a.len(), c.len());
    let t = Tagger::from_bytes(&a).unwrap();
    let text = "Anna Berg met Tom Holt in Oslo.";
    let got: Vec<(&str, Label)> = t
        .tag_with(extractor(), text)
        .iter()
        .map(|x| (&text[x.start..x.end], x.label))
        .collect();
    assert_eq!(
        got,
        [
            ("Anna Berg", Label::Person),
            ("Tom Holt", Label::Person),
            ("Oslo", Label::Location)
        ]
    );
}

#[test]
fn a_short_form_of_an_organisation_is_no_person() {
    let tag = |start, end, label| Tagged {
        start,
        end,
        label,
        confidence: 0.4,
    };
    // The first words of an unknown organisation found before it: its mention.
    let text = "tokens of Crowd Machine Compute. Crowd Machine moved the money";
    let mut found = found_one("Crowd Machine Compute", EntityKind::Organization, 10, 31);
    let tags = [tag(33, 46, Label::Person)];
    merge::absorb(text, &tags, &[], &[], &Names::new(), &mut found);
    assert_eq!(found.unknowns.len(), 1, "{:?}", found.unknowns);
    assert_eq!(found.mentions.len(), 2);
    assert!(found.mentions.iter().all(|m| m.unknown == 0));

    // The last word of a known organisation: no person.
    let text = "customers of Chase. JPMorgan Chase confirmed";
    let known = [Known {
        start: 20,
        end: 34,
        kind: EntityKind::Organization,
    }];
    let person_beside_known = |text: &str, start, end| {
        let mut found = Found::default();
        let tags = [tag(start, end, Label::Person)];
        merge::absorb(text, &tags, &known, &[], &Names::new(), &mut found);
        found
    };
    let found = person_beside_known(text, 13, 18);
    assert!(found.unknowns.is_empty(), "{:?}", found.unknowns);

    // A person who shares no organisation's words stays a person.
    let text = "customers of Chase. JPMorgan Chase hired Jamie Dimon";
    let found = person_beside_known(text, 41, 52);
    assert_eq!(found.unknowns.len(), 1);
    assert_eq!(found.unknowns[0].kind, EntityKind::Person);
}
