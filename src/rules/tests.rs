//! What queries mean, on text run through the real extractor and knowledge base:
//! one table of (query, title, body, fires?, the spans it reports).

use std::path::Path;

use super::{Doc, RuleSet};
use crate::extract::Extractor;

fn extractor() -> &'static Extractor {
    Extractor::builtin_for_tests()
}

/// The spans `query` reports on an item (title, body), or `None` if it does not fire.
pub(super) fn run(query: &str, title: &str, body: &str) -> Option<Vec<String>> {
    let src = format!("[[rule]]\nid = \"t\"\nquery = '''{query}'''\n");
    let mut errors = Vec::new();
    let rules =
        super::watchlist::compile_file(Path::new("t.toml"), &src, extractor().kb(), &mut errors);
    assert!(errors.is_empty(), "{query}: {errors:?}");
    let set = RuleSet::new(rules);
    let text = if title.is_empty() {
        body.to_string()
    } else {
        format!("{title}\n\n{body}")
    };
    let ex = extractor().extract_text(&text, None);
    let title_len = (!title.is_empty()).then_some(title.len());
    let doc = Doc::new(&ex, title_len);
    let fired = set.evaluate("feed", &doc);
    fired
        .first()
        .map(|f| f.matched(&doc).iter().map(|m| m.surface.clone()).collect())
}

#[test]
fn semantics() {
    let p1 = "Officials discussed trade.";
    let cases: &[(&str, &str, &str, Option<&[&str]>)] = &[
        // Chinese has no spaces: a keyword is a phrase of its characters, found
        // inside a longer run, and nowhere when one character differs.
        (
            "SENTENCE(kind:regulator, 个人信息)",
            "",
            "工信部发现这些APP超范围收集用户个人信息。",
            Some(&["工信部", "个人信息"]),
        ),
        (
            "个人信息",
            "",
            "工信部发现这些APP超范围收集用户个人资料。",
            None,
        ),
        // Entities, owners, kinds, countries, tags.
        ("@tiktok", "", "Users love TikTok.", Some(&["TikTok"])),
        ("@tiktok", "", "ByteDance said so.", None),
        (
            "@bytedance+owned",
            "",
            "Douyin grew fast.",
            Some(&["Douyin"]),
        ),
        (
            "@tencent+owned",
            "",
            "Weixin users rose.",
            Some(&["Weixin"]),
        ),
        (
            "kind:regulator",
            "",
            "The CNIL fined Google.",
            Some(&["CNIL"]),
        ),
        (
            "tag:dpa AND country:FR",
            "",
            "The CNIL fined Google.",
            Some(&["CNIL"]),
        ),
        ("tag:dpa AND country:NL", "", "The CNIL fined Google.", None),
        // Entities a description made carry their own country and tags.
        (
            "tag:dpa AND country:DE AND kind:regulator",
            "",
            "German data protection authorities warned Meta.",
            Some(&["German", "German data protection authorities"]),
        ),
        (
            "tag:dpa AND country:US",
            "",
            "The Texas privacy regulator fined a broker.",
            Some(&["Texas", "Texas privacy regulator"]),
        ),
        ("tag:dpa", "", "US state regulators sued the firm.", None),
        (
            "kind:regulator AND country:GB",
            "",
            "UK regulators fined the firm.",
            Some(&["UK", "UK regulators"]),
        ),
        // Central mentions: passing ones do not count.
        (
            "central(@tiktok) IN lead",
            "Forget TikTok, this app is the craze",
            "It lets friends share a photo a day.",
            None,
        ),
        (
            "central(@tiktok) IN lead",
            "TikTok sues the US",
            "The app filed its suit on Tuesday.",
            Some(&["TikTok"]),
        ),
        (
            "SENTENCE(central(@wechat), ban)",
            "",
            "Police paid via WeChat after the ban.",
            None,
        ),
        // Words: boundaries, case, phrases, prefixes.
        ("ban", "", "TikTok faces a BAN.", Some(&["BAN"])),
        ("ban", "", "Bananas and banners.", None),
        ("=Apple", "", "apple pie", None),
        ("=Apple", "", "Apple sold phones.", Some(&["Apple"])),
        (
            "\"data centre\"",
            "",
            "A new data-centre opens.",
            Some(&["data-centre"]),
        ),
        ("\"data centre\"", "", "More data, centre stage.", None),
        ("fine*", "", "It was fined heavily.", Some(&["fined"])),
        (
            "tick-tock",
            "",
            "The clock went tick tock.",
            Some(&["tick tock"]),
        ),
        // Boolean logic.
        (
            "@wechat AND NOT @tencent",
            "",
            "WeChat grew.",
            Some(&["WeChat"]),
        ),
        (
            "@wechat AND NOT @tencent",
            "",
            "Tencent's WeChat grew.",
            None,
        ),
        ("NOT @wechat", "", "Nothing here.", Some(&[])),
        (
            "(ban OR fine) AND @tiktok",
            "",
            "TikTok got a fine.",
            Some(&["TikTok", "fine"]),
        ),
        // Proximity: at most n words between the two sides.
        (
            "@tiktok NEAR/3 ban",
            "",
            "TikTok faces a nationwide ban.",
            Some(&["TikTok", "ban"]),
        ),
        (
            "@tiktok NEAR/2 ban",
            "",
            "TikTok faces a nationwide ban.",
            None,
        ),
        (
            "ban NEAR/3 @tiktok",
            "",
            "TikTok faces a nationwide ban.",
            Some(&["TikTok", "ban"]),
        ),
        (
            "SENTENCE(@tiktok, fine)",
            "",
            "TikTok was fined. The fine was large.",
            None,
        ),
        (
            "SENTENCE(@tiktok, fine*)",
            "",
            "TikTok was fined. The fine was large.",
            Some(&["TikTok", "fined"]),
        ),
        (
            "SENTENCE(@tiktok, ban, \"United States\")",
            "",
            "TikTok faces a ban. The United States said so.",
            None,
        ),
        // Prominence and scope.
        (
            "@tiktok IN lead",
            "Trade talks",
            &format!("{p1}\n\nTikTok came up."),
            None,
        ),
        (
            "@tiktok IN lead",
            "TikTok talks",
            &format!("{p1}\n\nTikTok came up."),
            Some(&["TikTok"]),
        ),
        (
            "@tiktok IN lead",
            "Trade talks",
            "TikTok came up.\n\nMore.",
            Some(&["TikTok"]),
        ),
        ("title:ban", "TikTok ban", "No ban in body.", Some(&["ban"])),
        ("title:ban", "TikTok news", "A ban in the body.", None),
        ("body:ban", "TikTok ban", "Nothing.", None),
        (
            "mentions(@wechat) >= 2",
            "",
            "WeChat grew. WeChat Pay too.",
            Some(&["WeChat", "WeChat Pay"]),
        ),
        ("mentions(@wechat) >= 2", "", "WeChat grew.", None),
        ("mentions(@wechat) < 1", "", "Nothing.", Some(&[])),
        // One count against another: a data-protection authority other than the
        // FTC, in a story that names the FTC too (`tag:dpa AND NOT @us-ftc` would
        // be false), and not in one that names only the FTC.
        (
            "mentions(tag:dpa) > mentions(@us-ftc)",
            "",
            "The FTC opened an antitrust case. The Information Commissioner's Office published guidance.",
            Some(&["FTC", "Information Commissioner's Office"]),
        ),
        (
            "mentions(tag:dpa) > mentions(@us-ftc)",
            "",
            "The FTC opened a case. The FTC said more would follow.",
            None,
        ),
        (
            "lead:(mentions(@wechat) >= 2)",
            "WeChat",
            &format!("{p1}\n\nWeChat again."),
            None,
        ),
    ];
    for (q, title, body, want) in cases {
        let got = run(q, title, body);
        let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "query {q:?} on title {title:?} body {body:?}");
    }
}

#[test]
fn rules_without_their_atoms_are_skipped_but_negations_are_not() {
    let src = "[[rule]]\nid = \"a\"\nquery = '@tiktok AND ban'\n[[rule]]\nid = \"b\"\nquery = 'NOT @tiktok'\n";
    let mut errors = Vec::new();
    let rules = super::watchlist::compile_file(Path::new("t"), src, extractor().kb(), &mut errors);
    let set = RuleSet::new(rules);
    assert_eq!(set.always, vec![1]);
    assert_eq!(set.triggers.iter().filter(|t| t.contains(&0)).count(), 1);
}

/// Random queries built from the language's pieces (most parse; many are nonsense)
/// go through parse, compile and evaluation without a panic.
#[test]
fn random_queries_never_panic_anywhere() {
    const PIECES: &[&str] = &[
        "@tiktok",
        "@bytedance+owned",
        "@nosuch",
        "kind:regulator",
        "kind:fruit",
        "country:NL",
        "tag:dpa",
        "ban",
        "fine*",
        "=WeChat",
        "\"data centre\"",
        " AND ",
        " OR ",
        "NOT ",
        "(",
        ")",
        " NEAR/2 ",
        " NEAR/0 ",
        "SENTENCE(",
        ", ",
        " IN lead",
        " IN title",
        "title:",
        "body:",
        "mentions(",
        ") >= 1",
        ") < 2",
        "central(",
        "é",
        "😀",
    ];
    let x = extractor();
    let ex = x.extract_text(
        "TikTok ban\n\nByteDance was fined by the CNIL. WeChat and the Dutch AP too.\n\nMore ban news.",
        None,
    );
    let doc = Doc::new(&ex, Some(10));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut compiled = 0;
    for _ in 0..10_000 {
        let n = 1 + (next() % 9) as usize;
        let q: String = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let Ok(expr) = super::query::parse(&q) else {
            continue;
        };
        let Ok(program) = super::compile::compile(&expr, x.kb()) else {
            continue;
        };
        compiled += 1;
        let set = RuleSet::new(vec![super::Rule::new("r".into(), q, program, vec![])]);
        let _ = set.evaluate("f", &doc);
    }
    assert!(compiled > 300, "only {compiled} random queries compiled");
}

/// Every `type` an alert's `matched` entries carry (one per kind of query atom) is one
/// the README's alert-log section lists.
#[test]
fn matched_types_are_the_ones_the_readme_lists() {
    let query = "@tiktok AND ban AND tag:dpa AND kind:person AND country:DE";
    let src = format!("[[rule]]\nid = \"t\"\nquery = '''{query}'''\n");
    let mut errors = Vec::new();
    let rules =
        super::watchlist::compile_file(Path::new("t.toml"), &src, extractor().kb(), &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let set = RuleSet::new(rules);
    let ex = extractor().extract_text(
        "TikTok faces a ban, Donald Trump said. The CNIL agreed; officials in Berlin did not.",
        None,
    );
    let doc = Doc::new(&ex, None);
    let fired = set.evaluate("feed", &doc);
    let mut types: Vec<String> = fired[0].matched(&doc).into_iter().map(|m| m.kind).collect();
    types.sort();
    types.dedup();
    assert_eq!(types, ["country", "entity", "keyword", "kind", "tag"]);
    let readme = include_str!("../../README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("`matched` lists what made the rule fire"))
        .expect("the README describes `matched`");
    let start = readme.find(line).unwrap_or(0);
    let para = &readme[start..start + readme[start..].find("\n- ").unwrap_or(0)];
    let listed: Vec<&str> = para.split('`').skip(1).step_by(2).collect();
    for t in &types {
        assert!(
            listed.contains(&t.as_str()),
            "README's `matched` omits `{t}`: {para}"
        );
    }
}
