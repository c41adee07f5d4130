//! Bytes → [`Item`]s. Parsing uses feed-rs with a fresh parser per document; any
//! failure, even a panic inside the parser, becomes a [`ParseError`] for that feed.
//! Item identity is decided here: guid, else link, else a SHA-256 of title and body.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Text};
use sha2::{Digest, Sha256};

use crate::extract::text::html_to_text;
use crate::model::Item;

/// Why a document yielded no items.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The document is not a feed feed-rs can read.
    #[error("not a readable feed: {0}")]
    Invalid(String),
    /// The parser panicked (a bug in it, triggered by this input).
    #[error("the feed parser crashed on this document: {0}")]
    Panicked(String),
}

/// Parses a feed document. `base` (the feed's URL) resolves relative links.
pub fn parse_feed(bytes: &[u8], base: Option<&str>) -> Result<Vec<Item>, ParseError> {
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new()
            .base_uri(base)
            // An empty id marks "the feed gave none": identity is decided below,
            // with a fixed hash, not feed-rs's generator.
            .id_generator(|_, _, _| String::new())
            .build()
            .parse(bytes)
    }));
    let feed = match parsed {
        Ok(Ok(feed)) => feed,
        Ok(Err(e)) => return Err(ParseError::Invalid(e.to_string())),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            return Err(ParseError::Panicked(msg));
        }
    };
    let mut items: Vec<Item> = feed.entries.into_iter().map(to_item).collect();
    disambiguate_ids(&mut items);
    Ok(items)
}

fn to_item(e: Entry) -> Item {
    let title = e.title.as_ref().map(text_plain).unwrap_or_default();
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty());
    let content = e
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    let summary = e
        .summary
        .as_ref()
        .map(|s| s.content.clone())
        .unwrap_or_default();
    // The richer of the two: some feeds put a teaser in one and the story in the other.
    let body = if content.len() >= summary.len() {
        content
    } else {
        summary
    };
    let guid = e.id.trim();
    let id = if !guid.is_empty() {
        guid.to_string()
    } else if let Some(l) = &link {
        l.clone()
    } else {
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest(format!("{title}\0{body}")))
        )
    };
    Item {
        id,
        title,
        link,
        published: e.published.or(e.updated),
        body,
    }
}

/// Title text without markup (titles may be typed `html`).
fn text_plain(t: &Text) -> String {
    let s = t.content.trim();
    if s.contains('<') || s.contains('&') {
        html_to_text(s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Two entries of one document sharing an id are different items: the later ones get
/// a suffix derived from their own title and link, so each keeps a stable identity.
fn disambiguate_ids(items: &mut [Item]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        let n = seen.entry(item.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let h = Sha256::digest(format!(
                "{}\0{}",
                item.title,
                item.link.as_deref().unwrap_or("")
            ));
            item.id = format!("{}#{}", item.id, &hex::encode(h)[..12]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>With guid</title><guid>g-1</guid><link>https://e.org/1</link><pubDate>Mon, 03 Aug 2020 10:00:00 GMT</pubDate><description>&lt;p&gt;Hello&lt;/p&gt;</description></item>
<item><title>Link only</title><link>/2</link></item>
<item><title>Nothing</title><description>body</description></item>
<item><title>Dup A</title><guid>same</guid></item>
<item><title>Dup B</title><guid>same</guid></item>
</channel></rss>"#;

    #[test]
    fn identity_guid_then_link_then_hash() {
        let items = parse_feed(RSS.as_bytes(), Some("https://e.org/feed")).unwrap();
        assert_eq!(items[0].id, "g-1");
        assert_eq!(items[0].body, "<p>Hello</p>");
        assert_eq!(
            items[0].published.unwrap().to_rfc3339(),
            "2020-08-03T10:00:00+00:00"
        );
        assert_eq!(items[1].id, "https://e.org/2");
        assert!(items[2].id.starts_with("sha256:") && items[2].id.len() == 7 + 64);
        // Same input, same hash: identity survives restarts.
        assert_eq!(parse_feed(RSS.as_bytes(), None).unwrap()[2].id, items[2].id);
        assert_eq!(items[3].id, "same");
        assert!(items[4].id.starts_with("same#"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\xff\xfe\x00<",
            b"<html><body>hi</body></html>",
            b"{\"a\":",
        ] {
            assert!(parse_feed(input, None).is_err());
        }
    }
}
