//! Watchlist loading: v1 fields keep working, queries compile, and every error points
//! at its file:line:column with a caret, through TOML string escapes.

use super::*;
use crate::model::{EntityHit, EntityKind, Extraction, Mention};
use crate::rules::{Doc, RuleSet};

fn kb() -> KnowledgeBase {
    KnowledgeBase::builtin().unwrap()
}

fn extraction(text: &str, hits: &[(&str, EntityKind, &str)]) -> Extraction {
    Extraction {
        text: text.into(),
        entities: hits
            .iter()
            .map(|(id, kind, surface)| {
                let start = text.find(surface).unwrap();
                EntityHit {
                    id: id.to_string(),
                    name: id.to_string(),
                    kind: *kind,
                    confidence: 1.0,
                    mentions: vec![Mention {
                        start,
                        end: start + surface.len(),
                        surface: surface.to_string(),
                        described: false,
                        demonym: false,
                    }],
                    described: false,
                    country: None,
                    tags: Vec::new(),
                }
            })
            .collect(),
        ..Extraction::default()
    }
}

fn fired(set: &RuleSet, ex: &Extraction) -> Vec<(String, usize)> {
    let doc = Doc::new(ex, None);
    set.evaluate("f", &doc)
        .into_iter()
        .map(|f| (f.rule.id.clone(), f.matched(&doc).len()))
        .collect()
}

#[test]
fn v1_fields_still_work() {
    let src = r#"
[[rule]]
id = "bd"
entities = ["bytedance"]
owned = true
[[rule]]
id = "reg"
kinds = ["regulator"]
severity = "high"
[[rule]]
id = "kw"
keywords = ["data centre", "ban"]
exclude = ["banana"]
"#;
    let mut errors = Vec::new();
    let rules = compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        rules[2].query,
        r#"("data centre" OR "ban") AND NOT ("banana")"#
    );
    let set = RuleSet::new(rules);
    let ex = extraction(
        "TikTok will build a data-centre. No BAN.",
        &[("tiktok", EntityKind::Product, "TikTok")],
    );
    assert_eq!(
        fired(&set, &ex),
        [("bd".to_string(), 1), ("kw".to_string(), 2)]
    );
    let ex = extraction("A ban on banana imports.", &[]);
    assert!(fired(&set, &ex).is_empty(), "exclusion vetoes");
    let ex = extraction(
        "The Personal Data Authority said",
        &[("nl-ap", EntityKind::Regulator, "Personal Data Authority")],
    );
    let doc = Doc::new(&ex, None);
    assert_eq!(set.evaluate("f", &doc)[0].rule.severity, Severity::High);
}

#[test]
fn v1_errors_point_at_the_values() {
    let src = "[[rule]]\nid = \"x\"\nentities = [\"nosuch\"]\nkinds = [\"fruit\"]\n";
    let mut errors = Vec::new();
    compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
    let at: Vec<(usize, usize)> = errors.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(at, vec![(3, 13), (4, 10)], "{errors:?}");
    assert!(errors[0].message.contains("unknown entity id `nosuch`"));
    assert!(errors[1].message.contains("unknown kind `fruit`"));
}

/// (watchlist text, expected "line:column: message fragment" per error)
fn assert_errors(src: &str, want: &[(usize, usize, &str)]) {
    let mut errors = Vec::new();
    compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
    let got: Vec<(usize, usize)> = errors.iter().map(|d| (d.line, d.column)).collect();
    let want_at: Vec<(usize, usize)> = want.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(got, want_at, "{src}\n{errors:#?}");
    for (d, w) in errors.iter().zip(want) {
        assert!(d.message.contains(w.2), "{}", d.message);
    }
}

#[test]
fn query_errors_point_into_the_string() {
    // Column 18 is the `b` of `ban`: after `query = '` (9 chars) and `@tiktok ` (8).
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = '@tiktok ban'\n",
        &[(3, 18, "AND or OR")],
    );
    // Through escapes: `\"` takes two columns in the file, one byte in the value.
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = \"\\\"data centre\\\" AND @tiktk\"\n",
        &[(3, 31, "unknown entity id `tiktk`; did you mean `tiktok`")],
    );
    // Multi-line strings: the error is on the query's third line.
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = '''\n@tiktok\n  AND (ban OR\n    kind:fruit)'''\n",
        &[(6, 5, "unknown kind `fruit`")],
    );
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = \"\"\"\n@tiktok \\\n   AND tag:nosuch\"\"\"\n",
        &[(5, 8, "no known entity has tag `nosuch`")],
    );
    // Every error of every rule, not just the first.
    assert_errors(
        "[[rule]]\nid = \"a\"\nquery = '@tiktok NEAR/5 (a AND b)'\n[[rule]]\nid = \"b\"\nquery = 'country:XX OR mentions(NOT x) > 1'\ncooldown = \"soon\"\n",
        &[
            (3, 25, "NEAR works on terms"),
            (6, 10, "no known entity is in country `XX`"),
            (6, 33, "mentions(…) works on terms"),
            (7, 12, "invalid duration"),
        ],
    );
    // central(…) keeps occurrences, so it takes terms too; column 18 is `@`.
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = 'central(@tiktok AND ban)'\n",
        &[(3, 18, "central(…) works on terms")],
    );
    assert_errors(
        "[[rule]]\nid = \"x\"\nquery = '@tiktok'\nentities = [\"tiktok\"]\n",
        &[(3, 9, "use one or the other")],
    );
    assert_errors("[[rule]]\nid = \"x\"\n", &[(1, 1, "can never fire")]);
}

#[test]
fn caret_sits_under_the_spot() {
    let src = "[[rule]]\nid = \"x\"\nquery = '@tiktok AND (ban OR x'\n";
    let mut errors = Vec::new();
    compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
    assert_eq!(
        errors[0].to_string(),
        "w.toml:3:22: rule `x`: this `(` is never closed\n    query = '@tiktok AND (ban OR x'\n                         ^"
    );
}

#[test]
fn rule_options() {
    let src = "[[rule]]\nid = \"x\"\nquery = '@wechat'\ncooldown = \"1h\"\ngroup_window = \"off\"\nnotify = false\nfeeds = [\"bbc-*\"]\n[[rule]]\nid = \"y\"\nquery = '@wechat'\n";
    let mut errors = Vec::new();
    let rules = compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rules[0].cooldown, Some(Duration::from_secs(3600)));
    assert_eq!(rules[0].group_window, None);
    assert!(!rules[0].notify);
    assert!(rules[0].applies_to("bbc-world") && !rules[0].applies_to("cnn"));
    assert_eq!(rules[1].group_window, Some(DEFAULT_GROUP_WINDOW));
    assert_eq!(rules[1].cooldown, None);
}

#[test]
fn a_repeated_rule_id_names_both_places() {
    let first = (
        PathBuf::from("a.toml"),
        "[[rule]]\nid = \"tiktok\"\nquery = '@tiktok'\n".to_string(),
    );
    let second = (
        PathBuf::from("b.toml"),
        "# mine\n\n[[rule]]\nid = \"tiktok\"\nquery = '@wechat'\n".to_string(),
    );
    let errors = load_rules(&[first, second], &kb()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let shown = errors[0].to_string();
    assert!(
        shown.starts_with("b.toml:4:6: rule id `tiktok` is already used at a.toml:2"),
        "{shown}"
    );
}
