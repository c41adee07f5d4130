//! OPML subscription lists, in and out. Reading takes OPML 1.0 and 2.0: every
//! `<outline>` with an `xmlUrl` is a feed, named by its `title` (or `text`); the
//! folders (outlines without `xmlUrl`) around it and its OPML 2 `category` paths
//! become its tags (a path `/Tech/News` is one tag, `Tech/News`). Writing produces
//! OPML 2.0 with one folder per first tag, the other tags as `category` paths, and
//! files as absolute `file:///` URLs, so reading it back gives the same feeds.

use std::collections::HashSet;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::config::Feed;

/// One feed found in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// Its title (`title`, else `text`), trimmed; may be empty.
    pub title: String,
    /// The feed's address (`xmlUrl`), as written.
    pub url: String,
    /// Enclosing folders, outermost first, then `category` paths (each one tag, without
    /// its leading `/`); no repeats.
    pub tags: Vec<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// Not well-formed XML.
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset of the problem.
        position: u64,
        /// What the XML reader said.
        message: String,
    },
    /// Well-formed, but not OPML.
    #[error("not an OPML file (no <opml> root element)")]
    NotOpml,
}

/// Reads the feeds of an OPML document, in document order.
pub fn parse(bytes: &[u8]) -> Result<Vec<OpmlFeed>, OpmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    // Folder names of the open outlines (`None`: an outline that is itself a feed).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds = Vec::new();
    let mut saw_opml = false;
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Xml {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "opml" => {
                saw_opml = true;
            }
            Event::Start(e) if is_outline(&e) => {
                let o = outline(&e);
                match o.url {
                    Some(url) => {
                        feeds.push(feed(o.title, url, &folders, &o.category));
                        folders.push(None);
                    }
                    None => folders.push(Some(o.title).filter(|t| !t.is_empty())),
                }
            }
            Event::Empty(e) if is_outline(&e) => {
                let o = outline(&e);
                if let Some(url) = o.url {
                    feeds.push(feed(o.title, url, &folders, &o.category));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_opml {
        return Err(OpmlError::NotOpml);
    }
    Ok(feeds)
}

fn is_outline(e: &BytesStart<'_>) -> bool {
    e.local_name().as_ref() == "outline"
}

/// The attributes of one `<outline>` that matter here.
struct Outline {
    title: String,
    url: Option<String>,
    category: String,
}

fn outline(e: &BytesStart<'_>) -> Outline {
    let (mut title, mut text, mut url, mut category) = (None, None, None, String::new());
    for attr in e.attributes().with_checks(false).flatten() {
        let Ok(value) = attr.normalized_value(XmlVersion::Implicit1_0) else {
            continue;
        };
        let value = value.trim().to_string();
        // OPML 1 files in the wild spell attribute names in any case.
        match attr.key.local_name().as_ref().to_ascii_lowercase().as_str() {
            "title" => title = Some(value),
            "text" => text = Some(value),
            "xmlurl" => url = Some(value),
            "category" => category = value,
            _ => {}
        }
    }
    Outline {
        title: title.filter(|t| !t.is_empty()).or(text).unwrap_or_default(),
        url: url.filter(|u| !u.is_empty()),
        category,
    }
}

fn feed(title: String, url: String, folders: &[Option<String>], category: &str) -> OpmlFeed {
    let mut tags: Vec<String> = folders.iter().flatten().cloned().collect();
    // OPML 2: comma-separated, slash-delimited category paths ("/Tech/News"): each
    // path is one tag ("Tech/News"), so that it is written back as the same path.
    for path in category.split(',') {
        let parts: Vec<&str> = path
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if !parts.is_empty() {
            tags.push(parts.join("/"));
        }
    }
    let mut seen = HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    OpmlFeed { title, url, tags }
}

/// An OPML 2.0 document listing `feeds`: untagged feeds at the top level, the others
/// in a folder named by their first tag, further tags in `category`.
pub fn write(feeds: &[Feed], title: &str, created: chrono::DateTime<chrono::Utc>) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}</title>\n    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n",
        escape(title),
        created.to_rfc2822()
    ));
    let mut folders: Vec<&str> = Vec::new();
    for f in feeds {
        if let Some(t) = f.tags.first() {
            if !folders.contains(&t.as_str()) {
                folders.push(t);
            }
        }
    }
    for f in feeds.iter().filter(|f| f.tags.is_empty()) {
        out.push_str(&format!("    {}\n", feed_outline(f)));
    }
    for folder in folders {
        out.push_str(&format!(
            "    <outline text=\"{}\" title=\"{}\">\n",
            escape(folder),
            escape(folder)
        ));
        for f in feeds
            .iter()
            .filter(|f| f.tags.first().map(String::as_str) == Some(folder))
        {
            out.push_str(&format!("      {}\n", feed_outline(f)));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn feed_outline(f: &Feed) -> String {
    let url = f.source.to_url();
    let mut s = format!(
        "<outline type=\"rss\" text=\"{n}\" title=\"{n}\" xmlUrl=\"{u}\"",
        n = escape(&f.name),
        u = escape(&url)
    );
    if f.tags.len() > 1 {
        let cats: Vec<String> = f.tags[1..].iter().map(|t| format!("/{t}")).collect();
        s.push_str(&format!(" category=\"{}\"", escape(&cats.join(","))));
    }
    s.push_str("/>");
    s
}

/// Escapes text for an XML attribute or element; drops characters XML 1.0 forbids.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedSource;
    use std::path::PathBuf;
    use std::time::Duration;

    const OPML2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>subs</title></head><body>
  <outline text="News">
    <outline text="World">
      <outline type="rss" text="BBC World" title="BBC World &amp; more" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    </outline>
    <outline type="rss" text="Guardian" xmlUrl="https://www.theguardian.com/uk/rss" category="/Press/UK,/News"/>
  </outline>
  <outline type="rss" text="" xmlUrl="https://example.org/feed"></outline>
  <outline text="Just a link" type="link" url="https://example.org/"/>
</body></opml>"#;

    #[test]
    fn opml2_folders_and_categories_become_tags() {
        let feeds = parse(OPML2.as_bytes()).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(feeds[0].title, "BBC World & more");
        assert_eq!(feeds[0].tags, ["News", "World"]);
        assert_eq!(feeds[1].title, "Guardian");
        assert_eq!(feeds[1].tags, ["News", "Press/UK"]);
        assert_eq!(feeds[2].title, "");
        assert_eq!(feeds[2].url, "https://example.org/feed");
        assert!(feeds[2].tags.is_empty());
    }

    #[test]
    fn opml1_with_odd_case_and_a_bom() {
        let doc = "\u{feff}<?xml version=\"1.0\"?><opml version=\"1.0\"><body>\
            <outline title=\"Tech\"><outline title=\"Ars\" xmlURL=\"http://feeds.arstechnica.com/arstechnica/index\"/></outline>\
            </body></opml>";
        let feeds = parse(doc.as_bytes()).unwrap();
        assert_eq!(feeds.len(), 1);
        assert_eq!(feeds[0].title, "Ars");
        assert_eq!(feeds[0].tags, ["Tech"]);
    }

    #[test]
    fn broken_and_foreign_documents_are_errors() {
        assert!(matches!(
            parse(b"<opml><body><outline></body></opml>"),
            Err(OpmlError::Xml { .. })
        ));
        assert!(matches!(
            parse(b"<rss><channel/></rss>"),
            Err(OpmlError::NotOpml)
        ));
    }

    #[test]
    fn written_opml_reads_back_the_same() {
        let feed = |name: &str, url: &str, tags: &[&str]| Feed {
            name: name.into(),
            source: FeedSource::parse(url, &PathBuf::from("/cfg")).unwrap(),
            interval: Duration::from_secs(900),
            first_poll: crate::config::FirstPoll::All,
            full_text: crate::config::FullText::Off,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let feeds = vec![
            feed("A & B <news>", "https://a.example/rss?x=1&y=2", &[]),
            feed("c", "https://c.example/atom", &["tech", "eu", "daily"]),
            feed("d", "/var/feeds/d.xml", &["tech"]),
            feed(
                "e",
                "https://e.example/",
                &["news/tech", "news/tech/ai", "eu"],
            ),
        ];
        let doc = write(&feeds, "newswatch", chrono::Utc::now());
        let back = parse(doc.as_bytes()).unwrap();
        assert_eq!(back.len(), 4, "{doc}");
        assert!(doc.contains("category=\"/news/tech/ai,/eu\""), "{doc}");
        assert!(doc.contains("xmlUrl=\"file:///var/feeds/d.xml\""), "{doc}");
        for (orig, got) in feeds.iter().zip(&back) {
            assert_eq!(got.title, orig.name);
            assert_eq!(got.tags, orig.tags);
            let src = FeedSource::parse(&got.url, &PathBuf::from("/cfg")).unwrap();
            assert_eq!(src, orig.source, "{doc}");
        }
    }
}
