//! The tolerant reader: pulls entries out of documents the strict reader (feed-rs)
//! rejects or reads short — RSS 0.90/1.0 (RDF) items without `<link>`, Atom 0.3,
//! unknown root elements and versions, items outside a channel, ill-formed XML that
//! breaks off part-way. (JSON Feed with the wrong types: [`super::jsonfeed`].)
//!
//! It walks quick-xml events without checking that end tags match, and treats every
//! `item` or `entry` element in a feed namespace (or none) as an entry, as Python's
//! feedparser does. From each entry's direct children it takes the title, link
//! (`<link>` text, or `href` preferring `rel="alternate"`, resolved against
//! `xml:base` and the feed's URL), id (`guid`, `id`, else `rdf:about`), dates
//! (`pubDate`, `published`, `issued`, `dc:date`, `updated`, `modified`…), summary and
//! content. When the XML breaks off, the entries read so far are kept, including a
//! partial last one. Input is expected to have gone through [`super::fixup`].

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use quick_xml::NsReader;
use quick_xml::escape::{partial_escape, resolve_html5_entity};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use url::Url;

use super::date::parse_date;

/// One entry as the tolerant reader saw it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RawEntry {
    /// `guid`, Atom `id`, JSON `id`, else RDF `rdf:about`; trimmed, may be empty.
    pub id: Option<String>,
    /// The title as written (text, or HTML when the feed says so).
    pub title: Option<String>,
    /// The alternate link, resolved against `xml:base` and the feed URL.
    pub link: Option<String>,
    /// Publication time.
    pub published: Option<DateTime<Utc>>,
    /// Last update time.
    pub updated: Option<DateTime<Utc>>,
    /// Full content (HTML).
    pub content: Option<String>,
    /// Summary or description (HTML).
    pub summary: Option<String>,
}

/// What a namespace means to this reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// RSS, Atom (0.3 and 1.0), no namespace, or an unknown default namespace.
    Core,
    /// `content:` (RSS content module).
    Content,
    /// Dublin Core (elements and terms).
    Dc,
    /// RDF syntax.
    Rdf,
    /// XHTML.
    Xhtml,
    /// Media RSS.
    Media,
    /// Any other extension.
    Other,
}

fn classify(res: &ResolveResult<'_>, prefix: Option<&str>) -> Ns {
    match res {
        ResolveResult::Bound(Namespace(ns)) => match *ns {
            "http://www.w3.org/2005/Atom"
            | "http://purl.org/atom/ns#"
            | "http://purl.org/rss/1.0/"
            | "http://my.netscape.com/rdf/simple/0.9/"
            | "http://backend.userland.com/rss2"
            | "http://backend.userland.com/rss"
            | "http://blogs.law.harvard.edu/tech/rss" => Ns::Core,
            "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
            "http://purl.org/dc/elements/1.1/" | "http://purl.org/dc/terms/" => Ns::Dc,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
            "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
            "http://search.yahoo.com/mrss/" | "http://search.yahoo.com/mrss" => Ns::Media,
            _ if prefix.is_none() => Ns::Core,
            _ => Ns::Other,
        },
        ResolveResult::Unbound => Ns::Core,
        // An undeclared prefix: guess from the conventional names.
        ResolveResult::Unknown(p) => match p.as_str() {
            "dc" | "dcterms" => Ns::Dc,
            "content" => Ns::Content,
            "rdf" => Ns::Rdf,
            "atom" | "rss" => Ns::Core,
            "xhtml" => Ns::Xhtml,
            "media" => Ns::Media,
            _ => Ns::Other,
        },
    }
}

/// Which entry field an element fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    DcTitle,
    Link,
    Id,
    Published,
    Updated,
    Summary,
    Content,
}

fn field_of(ns: Ns, local: &str) -> Option<Field> {
    Some(match (ns, local) {
        (Ns::Core, "title") => Field::Title,
        (Ns::Dc | Ns::Media, "title") => Field::DcTitle,
        (Ns::Core, "link") => Field::Link,
        (Ns::Core, "guid" | "id") | (Ns::Dc, "identifier") => Field::Id,
        (Ns::Core, "pubdate" | "published" | "issued" | "created")
        | (Ns::Dc, "date" | "issued" | "created") => Field::Published,
        (Ns::Core, "updated" | "modified" | "lastbuilddate") | (Ns::Dc, "modified") => {
            Field::Updated
        }
        (Ns::Core, "description" | "summary" | "abstract") | (Ns::Dc, "description") => {
            Field::Summary
        }
        (Ns::Content, "encoded") | (Ns::Core, "content" | "fullitem") | (Ns::Xhtml, "body") => {
            Field::Content
        }
        _ => return None,
    })
}

/// Text being collected for one field of the current entry.
struct Capture {
    field: Field,
    /// Element depth of the field's element.
    depth: usize,
    /// Keep child markup and escaped text as they are (XHTML content).
    markup: bool,
    /// The text is base64 (Atom content of a binary media type, Atom 0.3 `mode`).
    base64: bool,
    /// For RSS 2.0 `guid`: `isPermaLink` was not `false`.
    permalink: bool,
    text: String,
}

/// The entry being read and what is known of its links.
#[derive(Default)]
struct Open {
    depth: usize,
    entry: RawEntry,
    /// `dc:title` or `media:title`, for an entry without a title.
    dc_title: Option<String>,
    /// `(rel, href)` of Atom-style links, resolved.
    links: Vec<(String, String)>,
    /// The text of an RSS-style `<link>`, resolved.
    text_link: Option<String>,
    /// A `guid` that is a permalink, as a link of last resort.
    permalink: Option<String>,
    /// `rdf:about` of the item element.
    about: Option<String>,
}

impl Open {
    fn finish(mut self) -> RawEntry {
        let e = &mut self.entry;
        if e.title.is_none() {
            e.title = self.dc_title.take();
        }
        // Only the alternate link is the item's page (not `self`, `enclosure`,
        // `related`…); a permalink guid is the page when nothing else is.
        e.link = self
            .links
            .iter()
            .find(|(rel, _)| rel == "alternate")
            .map(|(_, href)| href.clone())
            .or(self.text_link.take())
            .or(self.permalink.take());
        if e.id.as_deref().is_none_or(|s| s.trim().is_empty()) {
            e.id = self.about.take().or(e.id.take());
        }
        // An entry with nothing we use is still an entry (feedparser counts it too).
        self.entry
    }
}

/// One open element.
struct Frame {
    /// The qualified name, to match end tags against.
    name: String,
    /// The element's own `xml:base`, resolved; `None` inherits.
    base: Option<Url>,
    /// The index of the innermost frame, this one included, with a base of its own:
    /// the base in force is found in one step, not by walking up (which made deeply
    /// nested documents quadratic).
    inherited: Option<usize>,
}

/// The open elements, with what makes each step cost O(1) amortised however deep or
/// broken the document: the base in force is one lookup, and an end tag whose name
/// is not open anywhere is known as a stray without a walk up the stack.
#[derive(Default)]
struct Stack {
    frames: Vec<Frame>,
    /// How many frames of each name are open.
    open: HashMap<String, usize>,
}

impl Stack {
    fn len(&self) -> usize {
        self.frames.len()
    }

    fn push(&mut self, name: String, base: Option<Url>) {
        let inherited = if base.is_some() {
            Some(self.frames.len())
        } else {
            self.frames.last().and_then(|f| f.inherited)
        };
        *self.open.entry(name.clone()).or_default() += 1;
        self.frames.push(Frame {
            name,
            base,
            inherited,
        });
    }

    /// The innermost open element named `name`, if any (its index).
    fn find(&self, name: &str) -> Option<usize> {
        if self.open.get(name).is_none_or(|n| *n == 0) {
            return None;
        }
        self.frames.iter().rposition(|f| f.name == name)
    }

    /// Closes the frames from index `k` on.
    fn truncate(&mut self, k: usize) {
        for f in self.frames.drain(k..) {
            if let Some(n) = self.open.get_mut(&f.name) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// Reads every entry of an XML document; never fails, may return nothing.
pub fn read_xml(doc: &str, base: Option<&str>) -> Vec<RawEntry> {
    let mut reader = NsReader::from_str(doc);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.check_comments = false;

    let feed_base = base.and_then(|b| Url::parse(b).ok());
    let mut stack = Stack::default();
    let mut entries = Vec::new();
    let mut open: Option<Open> = None;
    let mut capture: Option<Capture> = None;

    // An error means broken XML: stop and keep what was read.
    while let Ok((res, event)) = reader.read_resolved_event() {
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                if let Some(c) = capture.as_mut() {
                    push_markup(c, &e, empty);
                    if !empty {
                        stack.push(e.name().as_ref().to_string(), None);
                    }
                    continue;
                }
                let depth = stack.len() + 1;
                let own = element_base(&e, current_base(&stack, &feed_base));
                let base = own
                    .clone()
                    .or_else(|| current_base(&stack, &feed_base).cloned());
                let ns = classify(&res, e.name().prefix().map(|p| p.into_inner()));
                // Element names are matched without regard to case (CDF writes `ITEM`).
                let local = lower(e.local_name().into_inner());
                if !empty {
                    stack.push(e.name().as_ref().to_string(), own);
                }
                match open.as_mut() {
                    None if is_entry(ns, local.as_ref()) => {
                        let o = start_entry(&e, depth, base.as_ref());
                        if empty {
                            entries.push(o.finish());
                        } else {
                            open = Some(o);
                        }
                    }
                    Some(o) if depth == o.depth + 1 => {
                        if let Some(field) = field_of(ns, local.as_ref()) {
                            let c = begin_field(o, field, &e, depth, base.as_ref(), ns);
                            if !empty {
                                capture = c;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                // Close the innermost open element of this name and whatever was left
                // unclosed inside it (`<br>` in unescaped HTML); ignore strays.
                let Some(k) = stack.find(e.name().as_ref()) else {
                    continue;
                };
                let depth = k + 1;
                stack.truncate(k);
                if let Some(c) = capture.as_mut() {
                    if depth > c.depth {
                        c.text.push_str("</");
                        c.text.push_str(e.name().as_ref());
                        c.text.push('>');
                        continue;
                    }
                    if let (Some(c), Some(o)) = (capture.take(), open.as_mut()) {
                        let base = current_base(&stack, &feed_base).cloned();
                        end_field(o, c, base.as_ref());
                    }
                }
                if open.as_ref().is_some_and(|o| depth <= o.depth) {
                    entries.extend(open.take().map(Open::finish));
                }
            }
            Event::Text(t) => {
                if let Some(c) = capture.as_mut() {
                    push_text(c, &t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(c) = capture.as_mut() {
                    push_text(c, &t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = capture.as_mut() {
                    push_reference(c, &r);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // The document ended (or broke) inside an entry: keep what it has.
    if let Some(mut o) = open.take() {
        if let Some(c) = capture.take() {
            let base = current_base(&stack, &feed_base).cloned();
            end_field(&mut o, c, base.as_ref());
        }
        entries.push(o.finish());
    }
    entries
}

fn push_text(c: &mut Capture, text: &str) {
    if c.markup {
        c.text.push_str(&partial_escape(text));
    } else {
        c.text.push_str(text);
    }
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn is_entry(ns: Ns, local: &str) -> bool {
    ns == Ns::Core && matches!(local, "item" | "entry")
}

fn current_base<'a>(stack: &'a Stack, feed: &'a Option<Url>) -> Option<&'a Url> {
    stack
        .frames
        .last()
        .and_then(|f| f.inherited)
        .and_then(|i| stack.frames.get(i))
        .and_then(|f| f.base.as_ref())
        .or(feed.as_ref())
}

/// The element's own `xml:base`, resolved against the base in force.
fn element_base(e: &BytesStart<'_>, parent: Option<&Url>) -> Option<Url> {
    memchr::memmem::find(e.attributes_raw().as_bytes(), b"xml:base")?;
    let value = attr(e, "xml:base")?;
    match parent {
        Some(p) => p.join(value.trim()).ok(),
        None => Url::parse(value.trim()).ok(),
    }
}

/// An attribute's unescaped value (lenient: unquoted values are read too).
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.html_attributes().flatten().find_map(|a| {
        let key = a.key;
        (key.as_ref().eq_ignore_ascii_case(name)
            || key.local_name().as_ref().eq_ignore_ascii_case(name))
        .then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
    })
}

/// `href` resolved against `base`; as written when there is no base or it does not join.
pub(super) fn resolve(base: Option<&Url>, href: &str) -> String {
    let href = href.trim();
    match base {
        Some(b) if !href.is_empty() => b.join(href).map_or_else(|_| href.to_string(), String::from),
        _ => href.to_string(),
    }
}

fn start_entry(e: &BytesStart<'_>, depth: usize, base: Option<&Url>) -> Open {
    let about = attr(e, "about")
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .map(|a| resolve(base, &a));
    // CDF (`<ITEM HREF=… LASTMOD=…>`) keeps the link and date in attributes.
    let text_link = attr(e, "href").map(|h| resolve(base, &h));
    let entry = RawEntry {
        updated: attr(e, "lastmod").and_then(|d| parse_date(&d)),
        ..RawEntry::default()
    };
    Open {
        depth,
        about,
        text_link,
        entry,
        ..Open::default()
    }
}

/// Starts reading a field; Atom links are complete at their start tag.
fn begin_field(
    o: &mut Open,
    field: Field,
    e: &BytesStart<'_>,
    depth: usize,
    base: Option<&Url>,
    ns: Ns,
) -> Option<Capture> {
    let href = if field == Field::Link {
        attr(e, "href")
    } else {
        None
    };
    if let Some(href) = href {
        let rel = attr(e, "rel").unwrap_or_else(|| "alternate".into());
        o.links.push((rel.trim().to_string(), resolve(base, &href)));
        return None;
    }
    let kind = attr(e, "type").unwrap_or_default().to_ascii_lowercase();
    let mode = attr(e, "mode").unwrap_or_default().to_ascii_lowercase();
    let markup =
        ns == Ns::Xhtml || kind == "xhtml" || kind == "application/xhtml+xml" || mode == "xml";
    // Atom: a media type that is neither text nor XML means base64 (RFC 4287
    // 4.1.3.3); Atom 0.3 says so with `mode="base64"`.
    let base64 = mode == "base64"
        || (kind.contains('/')
            && !kind.starts_with("text/")
            && !kind.ends_with("xml")
            && !kind.ends_with("+xml"));
    let permalink = field == Field::Id
        && attr(e, "isPermaLink").is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
    Some(Capture {
        field,
        depth,
        markup,
        base64,
        permalink,
        text: String::new(),
    })
}

fn end_field(o: &mut Open, c: Capture, base: Option<&Url>) {
    let text = if c.base64 {
        decode_base64(&c.text).unwrap_or(c.text)
    } else {
        c.text
    };
    let e = &mut o.entry;
    let set = |slot: &mut Option<String>, v: String| {
        if slot.is_none() {
            *slot = Some(v);
        }
    };
    match c.field {
        Field::Title => set(&mut e.title, text),
        Field::DcTitle => set(&mut o.dc_title, text),
        Field::Link => {
            let t = text.trim();
            if !t.is_empty() && o.text_link.is_none() {
                o.text_link = Some(resolve(base, t));
            }
        }
        Field::Id => {
            let t = text.trim();
            if !t.is_empty() && e.id.is_none() {
                if c.permalink && (t.starts_with("http://") || t.starts_with("https://")) {
                    o.permalink = Some(t.to_string());
                }
                e.id = Some(t.to_string());
            }
        }
        Field::Published => {
            if e.published.is_none() {
                e.published = parse_date(&text);
            }
        }
        Field::Updated => {
            if e.updated.is_none() {
                e.updated = parse_date(&text);
            }
        }
        Field::Summary => set(&mut e.summary, text),
        Field::Content => set(&mut e.content, text),
    }
}

/// Base64 text (whitespace allowed) that decodes to UTF-8.
fn decode_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let compact: String = text.split_ascii_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Appends a child element's tag to a capture, as markup.
fn push_markup(c: &mut Capture, e: &BytesStart<'_>, empty: bool) {
    c.text.push('<');
    c.text.push_str(e);
    c.text.push_str(if empty { "/>" } else { ">" });
}

fn push_reference(c: &mut Capture, r: &BytesRef<'_>) {
    let name = r.xml10_content();
    if c.markup {
        c.text.push('&');
        c.text.push_str(&name);
        c.text.push(';');
        return;
    }
    if let Ok(Some(ch)) = r.resolve_char_ref() {
        c.text.push(ch);
        return;
    }
    match name.as_ref() {
        "amp" => c.text.push('&'),
        "lt" => c.text.push('<'),
        "gt" => c.text.push('>'),
        "quot" => c.text.push('"'),
        "apos" => c.text.push('\''),
        other => match resolve_html5_entity(other) {
            Some(s) => c.text.push_str(s),
            None => {
                c.text.push('&');
                c.text.push_str(other);
                c.text.push(';');
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdf_items_without_link_use_about() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://e.org/"><title>c</title><link>http://e.org/</link></channel>
<item rdf:about="http://e.org/1"><title>One</title><dc:date>2020-08-03T10:00:00Z</dc:date></item>
<item rdf:about="http://e.org/2"><title>Two</title><link>http://e.org/two</link></item>
</rdf:RDF>"#;
        let e = read_xml(doc, None);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].id.as_deref(), Some("http://e.org/1"));
        assert_eq!(e[0].link, None);
        assert!(e[0].published.is_some());
        assert_eq!(e[1].link.as_deref(), Some("http://e.org/two"));
    }

    #[test]
    fn atom03_and_bases() {
        let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:base="http://e.org/blog/">
<entry><title mode="escaped">A &amp;lt;b&amp;gt;</title><link rel="alternate" href="1.html"/>
<id>tag:e.org,1</id><issued>2004-01-01T10:00:00Z</issued>
<content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml">Hi <b>there</b> &amp; co</div></content></entry>
<entry xml:base="/other/"><title>B</title><link href="x.html" rel="related"/><link href="2.html"/></entry>
<entry><title>C</title><link href="3.html" rel="enclosure"/></entry>
</feed>"#;
        let e = read_xml(doc, Some("http://ignored.org/"));
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].title.as_deref(), Some("A &lt;b&gt;"));
        assert_eq!(e[0].link.as_deref(), Some("http://e.org/blog/1.html"));
        assert_eq!(e[0].id.as_deref(), Some("tag:e.org,1"));
        assert!(e[0].published.is_some());
        assert_eq!(
            e[0].content.as_deref(),
            Some(r#"<div xmlns="http://www.w3.org/1999/xhtml">Hi <b>there</b> &amp; co</div>"#)
        );
        assert_eq!(e[1].link.as_deref(), Some("http://e.org/other/2.html"));
        // Only an alternate link is the item's page.
        assert_eq!(e[2].link, None);
    }

    #[test]
    fn broken_xml_keeps_what_was_read() {
        let doc =
            "<rss><channel><item><title>A</title></item><item><title>B</title><description>cut";
        let e = read_xml(doc, None);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].summary.as_deref(), Some("cut"));
    }

    #[test]
    fn nested_items_belong_to_the_outer_one() {
        let doc =
            "<rss><item><title>A</title><x><item><title>inner</title></item></x></item></rss>";
        let e = read_xml(doc, None);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].title.as_deref(), Some("A"));
    }
}
