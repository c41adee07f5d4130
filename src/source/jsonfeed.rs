//! JSON Feed specifics: the address its relative URLs resolve against, and a reader
//! for JSON Feeds with the wrong types that feed-rs rejects.
//!
//! Feeds in the wild write item `url`s and `external_url`s relative to their site
//! ("/2024/05/story"). They resolve, as RFC 3986 §5.1 orders base URIs, against the
//! address the document gives itself (`feed_url`, itself resolved against where it was
//! fetched), else the address it was fetched from, else its `home_page_url` — so a
//! feed read from a file still gets links a browser can open.

use serde::Deserialize;
use url::Url;

use super::date::parse_date;
use super::tolerant::{RawEntry, resolve};

/// The feed-level fields that name addresses; any JSON type (wrong ones are ignored).
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    feed_url: serde_json::Value,
    #[serde(default)]
    home_page_url: serde_json::Value,
}

/// The base for the relative URLs of the JSON Feed `doc` fetched from `fetched`:
/// `feed_url`, else `fetched`, else `home_page_url`; only absolute http(s) addresses
/// count. `None` when there is none (relative URLs then stay as written).
pub fn base(doc: &str, fetched: Option<&str>) -> Option<Url> {
    let fetched = fetched
        .and_then(|f| Url::parse(f).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let head: Option<Head> = serde_json::from_str(doc).ok();
    let own = |v: Option<&serde_json::Value>| {
        let s = v?.as_str()?.trim();
        let u = match &fetched {
            Some(f) => f.join(s).ok()?,
            None => Url::parse(s).ok()?,
        };
        matches!(u.scheme(), "http" | "https").then_some(u)
    };
    own(head.as_ref().map(|h| &h.feed_url))
        .or_else(|| fetched.clone())
        .or_else(|| own(head.as_ref().map(|h| &h.home_page_url)))
}

/// Whether `link` is a relative reference (no scheme).
pub fn is_relative(link: &str) -> bool {
    matches!(
        Url::parse(link.trim()),
        Err(url::ParseError::RelativeUrlWithoutBase)
    )
}

/// `link` made absolute against `base` when it is relative; an absolute link is kept
/// as written (its form is part of item identity when the item has no id).
pub fn absolute_link(link: String, base: Option<&Url>) -> String {
    if is_relative(&link) {
        resolve(base, &link)
    } else {
        link
    }
}

/// Reads the items of a JSON Feed (1.0 or 1.1) whatever the types of its fields:
/// `None` when the document is not a JSON object with an `items` list. Relative item
/// URLs resolve against `base` (see [`base`]).
pub fn read(doc: &str, base: Option<&Url>) -> Option<Vec<RawEntry>> {
    let value: serde_json::Value = serde_json::from_str(doc).ok()?;
    let items = value.get("items")?;
    let items: Vec<&serde_json::Value> = match items {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(_) => vec![items],
        _ => return None,
    };
    let text = |v: &serde_json::Value, key: &str| -> Option<String> {
        match v.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    Some(
        items
            .into_iter()
            .filter(|i| i.is_object())
            .map(|i| RawEntry {
                id: text(i, "id").map(|s| s.trim().to_string()),
                title: text(i, "title"),
                link: text(i, "url")
                    .or_else(|| text(i, "external_url"))
                    .map(|u| resolve(base, &u)),
                published: text(i, "date_published").and_then(|d| parse_date(&d)),
                updated: text(i, "date_modified").and_then(|d| parse_date(&d)),
                content: text(i, "content_html").or_else(|| text(i, "content_text")),
                summary: text(i, "summary"),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_wrong_types() {
        let doc = r#"{"version":"https://jsonfeed.org/version/1","items":[
            {"id": 7, "url": "/a", "title": "A", "tags": "x", "authors": "bob", "date_published": "2020-08-03T10:00:00Z"},
            {"id": "", "content_text": "body"}, "junk"]}"#;
        let b = base(doc, Some("https://e.org/feed.json"));
        let e = read(doc, b.as_ref()).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].id.as_deref(), Some("7"));
        assert_eq!(e[0].link.as_deref(), Some("https://e.org/a"));
        assert_eq!(e[1].content.as_deref(), Some("body"));
        assert!(read("[1]", None).is_none());
    }

    #[test]
    fn the_base_is_feed_url_then_fetched_then_home_page() {
        let b = |doc: &str, fetched: Option<&str>| base(doc, fetched).map(String::from);
        let both = r#"{"feed_url": "https://e.org/blog/feed.json", "home_page_url": "https://www.e.org/", "items": []}"#;
        assert_eq!(
            b(both, Some("http://127.0.0.1:8080/mirror.json")).as_deref(),
            Some("https://e.org/blog/feed.json")
        );
        assert_eq!(
            b(both, None).as_deref(),
            Some("https://e.org/blog/feed.json")
        );
        // A relative feed_url is relative to where the feed was fetched.
        let rel = r#"{"feed_url": "/feeds/main.json", "home_page_url": "https://www.e.org/"}"#;
        assert_eq!(
            b(rel, Some("https://e.org/x/y.json")).as_deref(),
            Some("https://e.org/feeds/main.json")
        );
        // Read from a file: the home page, whatever the other fields hold.
        let home = r#"{"feed_url": 3, "home_page_url": " https://www.e.org/news/ "}"#;
        assert_eq!(b(home, None).as_deref(), Some("https://www.e.org/news/"));
        assert_eq!(b(r#"{"feed_url": "file:///etc/x"}"#, None), None);
        assert_eq!(
            b("not json", Some("https://e.org/f")).as_deref(),
            Some("https://e.org/f")
        );
    }

    #[test]
    fn only_relative_links_change() {
        let base = Url::parse("https://e.org/blog/feed.json").ok();
        assert_eq!(
            absolute_link("2024/a.html".into(), base.as_ref()),
            "https://e.org/blog/2024/a.html"
        );
        assert_eq!(absolute_link("/a".into(), base.as_ref()), "https://e.org/a");
        assert_eq!(
            absolute_link("https://Other.example/X?b=1".into(), base.as_ref()),
            "https://Other.example/X?b=1"
        );
        assert_eq!(absolute_link("/a".into(), None), "/a");
    }
}
