//! Knowledge-base tests: the shipped files, ownership, suggestions, user files and
//! their diagnostics.

use super::build::default_case;
use super::*;

fn builtin() -> KnowledgeBase {
    KnowledgeBase::builtin().unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn user(text: &str) -> Result<KnowledgeBase, Vec<Diagnostic>> {
    KnowledgeBase::from_sources(&[(PathBuf::from("user.toml"), text.to_string())])
}

#[test]
fn builtin_loads_and_owns() {
    let kb = builtin();
    let cases: &[(&str, &[&str])] = &[
        ("bytedance", &["tiktok", "douyin", "capcut"]),
        ("tencent", &["wechat", "qq"]),
        ("meta", &["facebook", "instagram", "whatsapp"]),
        ("alphabet", &["google", "youtube"]),
        ("microsoft", &["linkedin", "github"]),
        ("x-corp", &["twitter"]),
        ("alibaba", &["taobao"]),
    ];
    for (owner, owned) in cases {
        let closure = kb.owned_closure(owner);
        assert_eq!(closure.first(), Some(owner), "{owner} first");
        for o in *owned {
            assert!(closure.contains(o), "{owner} should own {o}: {closure:?}");
        }
    }
    assert_eq!(kb.ancestors("youtube"), ["google", "alphabet"]);
    assert_eq!(
        kb.get("wechat").and_then(|e| e.owner.as_deref()),
        Some("tencent")
    );
    assert!(kb.owned_closure("no-such-id").is_empty());
}

#[test]
fn builtin_has_every_regulator_of_the_reference_table() {
    let kb = builtin();
    let tsv = include_str!("../../../tests/fixtures/extract/privacy-regulators.tsv");
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (code, english, acronyms) = (cols[0], cols[1], cols[3]);
        let candidates: Vec<&Entity> = kb
            .entities()
            .iter()
            .filter(|e| e.kind == EntityKind::Regulator && e.country.as_deref() == Some(code))
            .collect();
        let english_base = english.split(" (").next().unwrap_or(english);
        let forms =
            |e: &Entity| -> Vec<String> { e.rules.iter().map(|r| r.text.clone()).collect() };
        let found = candidates.iter().find(|e| {
            forms(e).iter().any(|f| f == english || f == english_base)
                || e.name.starts_with(english_base)
        });
        let e = found.unwrap_or_else(|| panic!("no regulator {english:?} for {code}"));
        // Native names: every " / "-separated form, without parenthesised variants
        // (which are aliases in their own right when listed) and "(English)" notes.
        let native = cols[2];
        for form in native
            .split(" / ")
            .map(|f| f.split(" (").next().unwrap_or(f).trim())
            .filter(|f| !f.is_empty() && !f.starts_with('('))
        {
            let known = forms(e)
                .iter()
                .any(|f| f == form || f.ends_with(form) || form.ends_with(f.as_str()));
            assert!(known, "{}: native name {form:?} missing", e.id);
        }
        for acr in acronyms
            .split([',', '/', '(', ')', ' '])
            .map(|a| a.trim().trim_matches('"'))
            .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_alphabetic()))
        {
            assert!(
                forms(e).iter().any(|f| f == acr),
                "{}: acronym {acr} missing",
                e.id
            );
        }
    }
    for id in ["edpb", "edps", "de-hh-hmbbfdi", "de-by-baylda"] {
        assert_eq!(
            kb.get(id).map(|e| e.kind),
            Some(EntityKind::Regulator),
            "{id}"
        );
    }
}

#[test]
fn countries_and_demonyms() {
    let kb = builtin();
    let countries = kb
        .entities()
        .iter()
        .filter(|e| e.kind == EntityKind::Location && e.id.len() == 2)
        .count();
    assert!(countries >= 195, "{countries} countries");
    let cases: &[(&str, &str)] = &[
        ("nl", "Dutch"),
        ("cn", "Chinese"),
        ("us", "American"),
        ("us", "Americans"),
        ("us", "U.S."),
        ("us", "US"),
        ("us", "USA"),
        ("us", "United States"),
        ("gb", "British"),
    ];
    for (id, form) in cases {
        let e = kb.get(id).unwrap_or_else(|| panic!("{id}"));
        assert!(e.rules.iter().any(|r| r.text == *form), "{id}: {form}");
    }
}

#[test]
fn default_case_rules() {
    let cases: &[(&str, CaseRule)] = &[
        ("ICO", CaseRule::Exact),
        ("AP", CaseRule::Exact),
        ("U.S.", CaseRule::Exact),
        ("AT&T", CaseRule::Exact),
        ("HKEx", CaseRule::Capitalized),
        ("Apple", CaseRule::Capitalized),
        ("ANSPDCP", CaseRule::Capitalized),
        ("微信", CaseRule::Exact),
    ];
    for (text, want) in cases {
        assert_eq!(default_case(text), *want, "{text}");
    }
}

#[test]
fn suggestions() {
    let kb = builtin();
    assert_eq!(kb.suggest("tiktk").first(), Some(&"tiktok"));
    assert_eq!(kb.suggest("TikTok").first(), Some(&"tiktok"));
    assert_eq!(
        kb.suggest("Personal Data Authority").first(),
        Some(&"nl-ap")
    );
    assert!(kb.suggest("qqqqqqqqqqqq").is_empty());
    assert!(kb.suggest("wechta").contains(&"wechat"));
}

#[test]
fn user_files_add_and_merge() {
    let kb = user(
        r#"
[[entity]]
id = "tiktok"
aliases = ["Tikky"]

[[entity]]
id = "acme"
name = "Acme Corp"
kind = "organization"
products = ["acme-app"]

[[entity]]
id = "acme-app"
name = "AcmeApp"
kind = "product"

[[entity]]
id = "wechat"
remove_aliases = ["Weixin"]
"#,
    )
    .expect("valid user file");
    let tiktok = kb.get("tiktok").expect("tiktok");
    assert!(tiktok.aliases.iter().any(|a| a == "Tikky"));
    assert!(
        tiktok.aliases.iter().any(|a| a == "TikTok"),
        "merge keeps shipped forms"
    );
    assert_eq!(tiktok.owner.as_deref(), Some("bytedance"));
    assert_eq!(kb.owned_closure("acme"), ["acme", "acme-app"]);
    assert!(
        !kb.get("wechat")
            .expect("wechat")
            .aliases
            .iter()
            .any(|a| a == "Weixin")
    );
    let replaced =
        user("[[entity]]\nid = \"qq\"\nreplace = true\nname = \"QQ Music\"\nkind = \"product\"\n")
            .expect("replace");
    let qq = replaced.get("qq").expect("qq");
    assert_eq!((qq.name.as_str(), qq.owner.as_deref()), ("QQ Music", None));
}

#[test]
fn user_file_errors_are_all_reported_with_lines() {
    let errors = user(
        r#"[[entity]]
id = "one"
name = "One"
kind = "company"

[[entity]]
id = "two"
name = "Two"
kind = "product"
owner = "bytedanse"

[[entity]]
id = "three"
name = "Three"
kind = "organization"
[[entity.alias]]
text = "THR"
case = "upper"
"#,
    )
    .expect_err("three errors");
    assert_eq!(errors.len(), 3, "{errors:?}");
    let kind = &errors[0];
    assert_eq!((kind.line, kind.file.to_str()), (4, Some("user.toml")));
    assert!(kind.message.contains("unknown kind `company`"), "{kind}");
    let owner = errors
        .iter()
        .find(|e| e.message.contains("owner"))
        .expect("owner error");
    assert_eq!(owner.line, 10);
    assert!(
        owner.message.contains("did you mean `bytedance`"),
        "{owner}"
    );
    let case = errors
        .iter()
        .find(|e| e.message.contains("case"))
        .expect("case error");
    assert!(case.line >= 16, "{case}");

    let syntax =
        user("[[entity]]\nid = \"x\"\nname = \"X\"\nkind = \"product\"\ncolour = \"red\"\n")
            .expect_err("unknown field");
    assert_eq!(syntax[0].line, 5, "{}", syntax[0]);

    let bad_id = user("[[entity]]\nid = \"Bad Id\"\nname = \"X\"\nkind = \"product\"\n")
        .expect_err("bad id");
    assert!(bad_id[0].message.contains("lower-case"));
}

#[test]
fn person_surnames_are_conditional_unless_listed() {
    let kb = builtin();
    let trump = kb.get("donald-trump").expect("trump");
    let bare = trump
        .rules
        .iter()
        .find(|r| r.text == "Trump")
        .expect("Trump");
    assert!(!bare.needs_context(false), "Trump is listed: counts alone");
    let cook = kb.get("tim-cook").expect("cook");
    let bare = cook.rules.iter().find(|r| r.text == "Cook").expect("Cook");
    assert_eq!(bare.origin, AliasOrigin::Surname);
    assert!(bare.needs_context(false), "Cook needs Tim Cook first");
    assert!(trump.roles.contains(&"president".to_string()));
}

/// The README section users are pointed to, from its heading to the next `## `.
fn readme_section() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find(&format!("## {README_SECTION}\n"))
        .expect("the README has the entity-file section");
    let rest = &readme[start + 3..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
}

/// The README section on entity files, which the shipped files point to.
const README_SECTION: &str = "Entity files (the knowledge base)";

/// The keys a table accepts, from the loader's own "unknown field" message.
fn accepted_keys(doc: &str) -> Vec<String> {
    let err = user(doc).unwrap_err();
    let msg = &err[0].message;
    let list = &msg[msg.find("expected one of").expect(msg)..];
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_documents_every_key_and_its_example_loads() {
    let section = readme_section();
    let entity_keys = accepted_keys("[[entity]]\nid = \"x\"\nzzz = 1\n");
    let alias_keys =
        accepted_keys("[[entity]]\nid = \"x\"\n[[entity.alias]]\ntext = \"X\"\nzzz = 1\n");
    assert!(
        entity_keys.len() >= 16 && alias_keys.len() >= 11,
        "{entity_keys:?} {alias_keys:?}"
    );
    for key in entity_keys.iter().chain(&alias_keys) {
        assert!(
            section.contains(&format!("| `{key}` |")),
            "README \"{README_SECTION}\" has no table row for `{key}`"
        );
    }
    // The example is a valid user file against the shipped base, and does what it says.
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a TOML example");
    let kb = user(example).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        kb.get("acme-rover").unwrap().owner.as_deref(),
        Some("acme-robotics")
    );
    let tiktok = kb.get("tiktok").unwrap();
    assert!(tiktok.tags.contains(&"short-video".to_string()));
    assert!(!tiktok.aliases.contains(&"TikTok Shop".to_string()));
    assert_eq!(
        tiktok.owner.as_deref(),
        Some("bytedance"),
        "merged, not replaced"
    );
}

#[test]
fn shipped_files_point_to_the_readme_section() {
    assert!(!readme_section().is_empty());
    for (name, text) in BUILTIN {
        assert!(
            text.contains(&format!("# Format: README.md, \"{README_SECTION}\".")),
            "{name} does not point to the format"
        );
        assert!(
            !text.contains("--help-kb") && !text.contains("FORMAT_HELP"),
            "{name}"
        );
    }
}
