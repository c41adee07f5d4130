//! Item identity: stable when a publisher edits a title, across readers and restarts,
//! and for entries sharing one guid — whatever the order of entries and whatever
//! unrelated entries come and go.

use std::collections::HashMap;

use newswatch::model::Item;
use newswatch::source::parse::parse_feed;

/// One RSS item: (title, guid, link, pubDate day of August 2020).
type Entry<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<u32>);

fn rss(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut s = String::from("<rss version=\"2.0\"><channel><title>t</title>\n");
    for (title, guid, link, day) in entries {
        s.push_str(&format!("<item><title>{title}</title>"));
        if let Some(g) = guid {
            s.push_str(&format!("<guid isPermaLink=\"false\">{g}</guid>"));
        }
        if let Some(l) = link {
            s.push_str(&format!("<link>{l}</link>"));
        }
        if let Some(d) = day {
            s.push_str(&format!("<pubDate>{d:02} Aug 2020 10:00:00 GMT</pubDate>"));
        }
        s.push_str(&format!(
            "<description>Body of {title}</description></item>\n"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn parse(entries: &[Entry<'_>]) -> Vec<Item> {
    parse_feed(&rss(entries), Some("https://example.org/feed")).unwrap()
}

/// Title → id.
fn ids(entries: &[Entry<'_>]) -> HashMap<String, String> {
    parse(entries)
        .into_iter()
        .map(|i| (i.title, i.id))
        .collect()
}

#[test]
fn edited_title_keeps_the_id_when_there_is_a_guid_or_link() {
    let cases: [(Entry<'_>, Entry<'_>); 3] = [
        (
            ("Old title", Some("g-1"), Some("https://e.org/1"), Some(3)),
            ("New title", Some("g-1"), Some("https://e.org/1"), Some(3)),
        ),
        (
            ("Old title", Some("g-1"), None, None),
            ("New title, edited", Some("g-1"), None, Some(4)),
        ),
        (
            ("Old title", None, Some("https://e.org/1"), None),
            ("New title", None, Some("https://e.org/1"), None),
        ),
    ];
    for (before, after) in cases {
        let a = parse(&[before]);
        let b = parse(&[after]);
        assert_eq!(a[0].id, b[0].id, "{before:?} → {after:?}");
    }
    // Without guid or link the content is all there is: an edit is a new item.
    let a = parse(&[("Old", None, None, None)]);
    let b = parse(&[("New", None, None, None)]);
    assert_ne!(a[0].id, b[0].id);
    assert!(a[0].id.starts_with("sha256:"));
}

#[test]
fn ids_do_not_depend_on_the_reader() {
    // The same entries read by feed-rs (valid RSS) and by the tolerant reader (the
    // same document with a missing end tag at the end, which feed-rs rejects).
    let entries: &[Entry<'_>] = &[
        ("With guid", Some("g-1"), Some("/1"), Some(1)),
        ("Link only", None, Some("https://e.org/2"), Some(2)),
        ("Nothing", None, None, None),
    ];
    let good = rss(entries);
    let mut broken = good.clone();
    broken.truncate(good.len() - "</channel></rss>".len());
    broken.extend_from_slice(b"<unclosed>");
    assert!(feed_rs::parser::parse(&broken[..]).is_err());
    let base = Some("https://example.org/feed");
    let a = parse_feed(&good, base).unwrap();
    let b = parse_feed(&broken, base).unwrap();
    assert_eq!(a, b);
    assert_eq!(a[0].link.as_deref(), Some("https://example.org/1"));
}

#[test]
fn two_items_sharing_a_guid_are_both_kept() {
    let items = parse(&[
        (
            "First story",
            Some("same"),
            Some("https://e.org/a"),
            Some(1),
        ),
        (
            "Second story",
            Some("same"),
            Some("https://e.org/b"),
            Some(2),
        ),
    ]);
    assert_eq!(items.len(), 2);
    assert_ne!(items[0].id, items[1].id);
    // The earlier one keeps the bare guid: it is the one seen before the clash.
    assert_eq!(items[0].id, "same");
    assert!(items[1].id.starts_with("same#"));
}

#[test]
fn shared_guid_suffixes_do_not_depend_on_order_or_unrelated_items() {
    let a: Entry<'_> = ("Story A", Some("dup"), Some("https://e.org/a"), Some(1));
    let b: Entry<'_> = ("Story B", Some("dup"), Some("https://e.org/b"), Some(2));
    let c: Entry<'_> = ("Story C", Some("dup"), Some("https://e.org/c"), Some(3));
    let x: Entry<'_> = ("Unrelated X", Some("x"), None, Some(5));
    let y: Entry<'_> = ("Unrelated Y", Some("y"), None, None);
    let reference = ids(&[a, b, c]);
    for variant in [
        vec![c, b, a],
        vec![b, x, a, y, c],
        vec![y, c, a, b],
        vec![x, b, y, a, c],
    ] {
        let got = ids(&variant);
        for title in ["Story A", "Story B", "Story C"] {
            assert_eq!(got[title], reference[title], "{title} in {variant:?}");
        }
    }
    // All three distinct.
    let mut all: Vec<&String> = reference.values().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 3);
}

#[test]
fn shared_guid_ids_survive_partners_coming_and_going() {
    let a: Entry<'_> = ("Story A", Some("dup"), Some("https://e.org/a"), Some(1));
    let b: Entry<'_> = ("Story B", Some("dup"), Some("https://e.org/b"), Some(2));
    let c: Entry<'_> = ("Story C", Some("dup"), Some("https://e.org/c"), Some(3));
    // A alone, then B arrives: A keeps its id, B gets a new one.
    let alone = ids(&[a]);
    let with_b = ids(&[b, a]);
    assert_eq!(alone["Story A"], with_b["Story A"]);
    assert_ne!(with_b["Story B"], with_b["Story A"]);
    // C arrives: A and B keep theirs.
    let with_c = ids(&[c, b, a]);
    assert_eq!(with_c["Story A"], with_b["Story A"]);
    assert_eq!(with_c["Story B"], with_b["Story B"]);
    // B's title is edited: its link still identifies it within the clash.
    let b_edited: Entry<'_> = (
        "Story B, corrected",
        Some("dup"),
        Some("https://e.org/b"),
        Some(2),
    );
    let edited = ids(&[c, b_edited, a]);
    assert_eq!(edited["Story B, corrected"], with_c["Story B"]);
}

#[test]
fn identical_entries_and_shared_links_stay_distinct() {
    // Same guid and same link: titles tell them apart.
    let items = parse(&[
        ("One", Some("g"), Some("https://e.org/x"), None),
        ("Two", Some("g"), Some("https://e.org/x"), None),
    ]);
    assert_ne!(items[0].id, items[1].id);
    // No guid, same link.
    let items = parse(&[
        ("One", None, Some("https://e.org/x"), None),
        ("Two", None, Some("https://e.org/x"), None),
    ]);
    assert_ne!(items[0].id, items[1].id);
    // Fully identical entries: still one id each.
    let items = parse(&[
        ("Same", Some("g"), None, None),
        ("Same", Some("g"), None, None),
    ]);
    assert_eq!(items.len(), 2);
    assert_ne!(items[0].id, items[1].id);
    // Ids are unique however the entries collide.
    let items = parse(&[
        ("A", Some("g"), None, None),
        ("B", Some("g"), None, None),
        ("C", Some("g#x"), None, None),
        ("A", Some("g"), None, None),
    ]);
    let mut all: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
}

/// The ids are pinned: SHA-256 of fixed inputs, not a hasher that may change with
/// the toolchain. If these change, every stored item would be alerted again.
#[test]
fn ids_are_pinned_across_versions() {
    let items = parse(&[
        ("Nothing", None, None, None),
        (
            "First story",
            Some("same"),
            Some("https://e.org/a"),
            Some(1),
        ),
        (
            "Second story",
            Some("same"),
            Some("https://e.org/b"),
            Some(2),
        ),
    ]);
    assert_eq!(
        items[0].id,
        "sha256:e4699850b12f4a9d13b9190877908d92c7008c7343216f47c1627b81a40905a0"
    );
    assert_eq!(items[1].id, "same");
    assert_eq!(items[2].id, "same#19d06f71ae2c");
}
