//! Parser tests: the shapes queries parse to, errors at the right spot, and garbage
//! that must never panic.

use super::super::{Expr, ExprKind, Region};
use super::parse;

/// A compact rendering of a tree, for table-driven tests.
fn show(e: &Expr) -> String {
    let list = |xs: &[Expr]| xs.iter().map(show).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Entity { id, owned } => format!("@{id}{}", if *owned { "+owned" } else { "" }),
        ExprKind::Kind(k) => format!("kind:{k}"),
        ExprKind::Country(c) => format!("country:{c}"),
        ExprKind::Tag(t) => format!("tag:{t}"),
        ExprKind::Text { text, exact } => format!("{}'{text}'", if *exact { "=" } else { "" }),
        ExprKind::And(xs) => format!("(and {})", list(xs)),
        ExprKind::Or(xs) => format!("(or {})", list(xs)),
        ExprKind::Not(x) => format!("(not {})", show(x)),
        ExprKind::Near(a, b, n) => format!("(near{n} {} {})", show(a), show(b)),
        ExprKind::Sentence(xs) => format!("(sentence {})", list(xs)),
        ExprKind::Scope(r, x) => format!(
            "({} {})",
            match r {
                Region::Title => "title",
                Region::Lead => "lead",
                Region::Body => "body",
            },
            show(x)
        ),
        ExprKind::Mentions(x, c, n) => format!("(mentions {} {c:?} {n})", show(x)),
        ExprKind::MentionsVs(x, c, y) => {
            format!("(mentions {} {c:?} (mentions {}))", show(x), show(y))
        }
        ExprKind::Central(x) => format!("(central {})", show(x)),
    }
}

#[test]
fn shapes() {
    let cases = [
        ("@tiktok", "@tiktok"),
        ("a OR b AND c", "(or 'a' (and 'b' 'c'))"),
        ("(a OR b) AND NOT c", "(and (or 'a' 'b') (not 'c'))"),
        ("NOT a NEAR/3 b", "(not (near3 'a' 'b'))"),
        ("@tiktok NEAR/10 ban", "(near10 @tiktok 'ban')"),
        (
            "SENTENCE(@tiktok, fine OR fined)",
            "(sentence @tiktok (or 'fine' 'fined'))",
        ),
        ("@tiktok IN lead", "(lead @tiktok)"),
        ("title:(ban OR bans)", "(title (or 'ban' 'bans'))"),
        ("title: ban AND x", "(and (title 'ban') 'x')"),
        ("mentions(@wechat) >= 2", "(mentions @wechat Ge 2)"),
        ("mentions(@wechat)=1", "(mentions @wechat Eq 1)"),
        (
            "mentions(tag:dpa) > mentions(@us-ftc OR @cn-cac)",
            "(mentions tag:dpa Gt (mentions (or @us-ftc @cn-cac)))",
        ),
        ("central(@tiktok) IN lead", "(lead (central @tiktok))"),
        (
            "mentions(central(@wechat)) >= 2",
            "(mentions (central @wechat) Ge 2)",
        ),
        ("central", "'central'"),
        ("=\"WeChat\" OR =Apple", "(or ='WeChat' ='Apple')"),
        (
            "kind:regulator AND country:NL",
            "(and kind:regulator country:NL)",
        ),
        (
            "@bytedance+owned AND tag:dpa",
            "(and @bytedance+owned tag:dpa)",
        ),
        (
            "\"data centre\" OR data-centre",
            "(or 'data centre' 'data-centre')",
        ),
        ("a IN title IN lead", "(lead (title 'a'))"),
        ("mentions", "'mentions'"),
    ];
    for (q, want) in cases {
        let got = parse(q).map(|e| show(&e));
        assert_eq!(got.as_deref(), Ok(want), "query: {q}");
    }
}

#[test]
fn spans_cover_their_text() {
    let q = "x AND SENTENCE(@tiktok, fine)";
    let e = parse(q).unwrap();
    let ExprKind::And(xs) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(&q[xs[1].span.clone()], "SENTENCE(@tiktok, fine)");
    assert_eq!(&q[e.span.clone()], q);
}

#[test]
fn errors_point_at_the_spot() {
    // (query, the text under the caret, a word of the message)
    let cases = [
        ("@tiktok ban", "ban", "AND or OR"),
        ("@tiktok and ban", "and", "capitals"),
        ("(a OR b", "(", "never closed"),
        ("a OR b)", ")", "unmatched"),
        ("a AND", "", "ends too early"),
        ("AND a", "AND", "term before"),
        ("SENTENCE(a)", "SENTENCE(a)", "two parts"),
        ("SENTENCE a", "a", "`(`"),
        ("mentions(@x) >= lots", "lots", "whole number"),
        ("mentions(@x) ban", "ban", "comparison"),
        ("colour:red", "colour:", "unknown field"),
        ("a IN middle", "middle", "unknown region"),
        ("= ban", "=", "exact case"),
        ("a NEAR/2 NOT b", "NOT", "NOT cannot"),
        ("\"\"", "\"\"", "no letters"),
        ("", "", "empty"),
        ("a, b", ",", "SENTENCE"),
        ("central(@tiktok", "(", "never closed"),
    ];
    for (q, under, word) in cases {
        let e = parse(q).expect_err(q);
        assert_eq!(&q[e.span.clone()], under, "query: {q}: {e:?}");
        assert!(e.message.contains(word), "query: {q}: {}", e.message);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let q = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&q).unwrap_err().message.contains("nests"));
    let q = format!("{}a", "NOT ".repeat(10_000));
    assert!(parse(&q).is_err());
    let q = format!("{}a", "title:".repeat(10_000));
    assert!(parse(&q).is_err());
    let q = format!("a{}", " NEAR/1 b".repeat(10_000));
    assert!(parse(&q).unwrap_err().message.contains("nests"));
    let q = format!("a{}", " IN lead".repeat(10_000));
    assert!(parse(&q).is_err());
    // Long flat lists are fine: they do not nest.
    let q = vec!["a"; 10_000].join(" OR ");
    assert!(parse(&q).is_ok());
}

/// A small deterministic generator (xorshift), so the fuzz cases are the same on
/// every run and a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn garbage_never_panics() {
    const PIECES: &[&str] = &[
        "(",
        ")",
        ",",
        "@",
        "@x",
        "+owned",
        "+",
        "AND",
        "OR",
        "NOT",
        "IN",
        "lead",
        "NEAR/",
        "NEAR/3",
        "NEAR",
        "SENTENCE",
        "mentions",
        ">=",
        "=",
        "==",
        "!",
        "!=",
        "<",
        "\"",
        "“",
        "”",
        "kind:",
        "title:",
        ":",
        "*",
        "ab*",
        "a-",
        "-",
        ".",
        "é",
        "😀",
        "微信",
        " ",
        "\n",
        "\t",
        "\\",
        "'",
        "’",
        "9",
        "99999999999",
        "\u{0}",
        "=\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let n = (rng.next() % 12) as usize;
        let q: String = (0..n)
            .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
            .collect();
        if let Err(e) = parse(&q) {
            assert!(
                e.span.start <= e.span.end && e.span.end <= q.len(),
                "{q:?}: {e:?}"
            );
            assert!(
                q.is_char_boundary(e.span.start) && q.is_char_boundary(e.span.end),
                "{q:?}: {e:?}"
            );
        }
    }
    // Random bytes decoded lossily: every char class the lexer can meet.
    for _ in 0..5_000 {
        let bytes: Vec<u8> = (0..(rng.next() % 40)).map(|_| rng.next() as u8).collect();
        let q = String::from_utf8_lossy(&bytes);
        let _ = parse(&q);
    }
}
