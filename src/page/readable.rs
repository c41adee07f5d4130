//! A web page's article: title, byline, publication time, language and the body as
//! plain text, found by dom_smoothie (a port of Mozilla's readability.js: paragraphs
//! scored by their text and links, the best-scoring container kept, navigation,
//! sharing and comment blocks cleaned away). No JavaScript is run. What it keeps is
//! then cleaned of what sits inside an article without being its text: figures and
//! their captions, photo credits, bylines, datelines, tag lists, related-story boxes
//! (elements whose class or id names them; see [`CHROME`]).
//!
//! The work is bounded before the tree is built: markup nested deeper than
//! [`MAX_DEPTH`] (readability's cost grows with the square of the depth) and pages
//! with more than [`MAX_ELEMENTS`] elements are refused with an error that says so.
//! Pure and synchronous: text in, article out.

use chrono::{DateTime, Utc};
use html5gum::{Token, Tokenizer};
use serde::Serialize;

use crate::extract::text::html_to_text;

/// Deepest element nesting read (real pages stay under about 60; readability's time
/// grows with the square of the depth, a second at about 2,000).
pub const MAX_DEPTH: usize = 512;

/// Most elements read (a long article page has a few thousand).
pub const MAX_ELEMENTS: usize = 100_000;

/// Words that, as a whole part of an element's class or id (`photo-credit`,
/// `article__byline`, `related`), mark it as not the article's text. Chosen on the
/// development half of the page set (README, "Full text"); each one alone keeps
/// recall and raises precision there.
const CHROME: &[&str] = &[
    "caption",
    "credit",
    "credits",
    "byline",
    "related",
    "promo",
    "copyright",
    "timestamp",
    "author",
    "photo",
    "image",
    "gallery",
    "tags",
    "breadcrumb",
    "breadcrumbs",
    "trending",
    "date",
    "print",
    "bio",
];

/// The readable part of a page. Its JSON is what `newswatch article --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Article {
    /// The headline (from the page's metadata or `<title>`, site name trimmed).
    pub title: Option<String>,
    /// Who wrote it, when the page says.
    pub byline: Option<String>,
    /// When it was published, when the page says (JSON-LD, Open Graph, `<meta>`).
    pub published: Option<DateTime<Utc>>,
    /// The page's language (`<html lang>`, `og:locale`…), as written there.
    pub lang: Option<String>,
    /// The article body as plain text: paragraphs separated by blank lines.
    pub text: String,
    /// How many words `text` has, as [`crate::rules::words::count`] measures length.
    pub words: usize,
}

/// Why a page has no readable article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Markup nested too deep to read in bounded time.
    #[error("markup nested deeper than {MAX_DEPTH} elements")]
    TooDeep,
    /// Too many elements to read in bounded time.
    #[error("more than {MAX_ELEMENTS} elements ({0})")]
    TooManyElements(usize),
    /// Nothing on the page looks like an article body.
    #[error("no article text found")]
    NoArticle,
}

/// Reads the article out of `html`. `url` (absolute), when known, resolves the
/// page's relative links; it does not change the text.
pub fn read(html: &str, url: Option<&str>) -> Result<Article, ReadError> {
    if nesting_exceeds(html, MAX_DEPTH) {
        return Err(ReadError::TooDeep);
    }
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        // Kept for the cleaning below, which goes by class.
        keep_classes: true,
        ..Default::default()
    };
    // A relative or odd URL only costs link resolution, never the article.
    let url = url.filter(|u| url::Url::parse(u).is_ok_and(|u| u.has_host()));
    let mut reader = dom_smoothie::Readability::new(html, url, Some(config))
        .or_else(|_| dom_smoothie::Readability::new(html, None, None))
        .map_err(|_| ReadError::NoArticle)?;
    let article = reader.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(n, _) => ReadError::TooManyElements(n),
        _ => ReadError::NoArticle,
    })?;
    let text = html_to_text(&without_chrome(&article.content));
    if text.is_empty() {
        return Err(ReadError::NoArticle);
    }
    let words = crate::rules::words::count(&text);
    let non_empty = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(Article {
        title: non_empty(Some(article.title)),
        byline: non_empty(article.byline),
        published: article
            .published_time
            .as_deref()
            .and_then(crate::source::date::parse_date),
        lang: non_empty(article.lang),
        text,
        words,
    })
}

/// `content` (the article as HTML) without figures, captions and the elements whose
/// class or id names them as [`CHROME`].
fn without_chrome(content: &str) -> String {
    let doc = dom_query::Document::from(content);
    doc.select("figure, figcaption").remove();
    let marked: Vec<_> = doc
        .select("[class], [id]")
        .nodes()
        .iter()
        .filter(|n| {
            [n.attr("class"), n.attr("id")]
                .into_iter()
                .flatten()
                .any(|v| names_chrome(&v))
        })
        .cloned()
        .collect();
    for node in marked {
        node.remove_from_parent();
    }
    doc.html().to_string()
}

/// Whether a class or id value has a [`CHROME`] word as one of its parts (split at
/// spaces, `-` and `_`), any case.
fn names_chrome(value: &str) -> bool {
    value
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .any(|part| CHROME.iter().any(|w| part.eq_ignore_ascii_case(w)))
}

/// Whether elements in `html` nest deeper than `limit`, as an HTML parser would build
/// them, near enough: void elements and those whose end tag is optional (`p`, `li`,
/// `td`…) do not count, and an end tag closes everything opened since its start tag.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let mut open: Vec<Vec<u8>> = Vec::new();
    for Ok(token) in Tokenizer::new(html) {
        match token {
            Token::StartTag(tag) if !tag.self_closing && !is_leaf_or_optional(&tag.name) => {
                open.push(tag.name.to_vec());
                if open.len() > limit {
                    return true;
                }
            }
            Token::EndTag(tag) => {
                if let Some(at) = open.iter().rposition(|n| n[..] == tag.name[..]) {
                    open.truncate(at);
                }
            }
            _ => {}
        }
    }
    false
}

/// Elements that never hold others, or that the parser closes by itself when a
/// sibling starts.
fn is_leaf_or_optional(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"option"
            | b"optgroup"
            | b"html"
            | b"head"
            | b"body"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"colgroup"
            | b"caption"
            | b"rb"
            | b"rt"
            | b"rp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="en-GB"><head>
<title>Regulator fines video app maker over children’s data | Example News</title>
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
<meta name="author" content="Ada Reporter">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
<article>
<h1>Regulator fines video app maker over children’s data</h1>
<figure><img src="/p.jpg"><figcaption>The app on a phone.</figcaption></figure>
<p class="article__byline">By Ada Reporter, Dublin</p>
<p>The Irish Data Protection Commission fined the maker of a video app 345 million euros
on Friday, saying it had failed to protect the data of children who used the service.</p>
<p>The company said it disagreed with the decision and would consider its options, adding
that it had changed the default settings for younger users long before the inquiry began.</p>
<p>Regulators in several other countries are looking at the same practices, and lawyers
expect further fines as the authorities compare notes on how the app handles accounts.</p>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Something else entirely</a></li></ul></aside>
<footer>Copyright Example News. <a href="/terms">Terms</a></footer>
</body></html>"#;

    #[test]
    fn reads_the_article_and_its_metadata() {
        let a = read(PAGE, Some("https://news.example/2024/fine")).expect("an article");
        assert_eq!(
            a.title.as_deref(),
            Some("Regulator fines video app maker over children’s data")
        );
        assert_eq!(a.byline.as_deref(), Some("Ada Reporter"));
        assert_eq!(a.lang.as_deref(), Some("en-GB"));
        assert_eq!(
            a.published.map(|t| t.to_rfc3339()),
            Some("2024-03-05T08:30:00+00:00".into())
        );
        assert!(
            a.text
                .starts_with("The Irish Data Protection Commission fined"),
            "{}",
            a.text
        );
        assert!(
            a.text.contains("options, adding\nthat") || a.text.contains("options, adding that")
        );
        assert_eq!(
            a.text.matches("\n\n").count(),
            2,
            "three paragraphs: {}",
            a.text
        );
        for chrome in [
            "Home",
            "Most read",
            "Terms",
            "Something else",
            "phone",
            "Dublin",
        ] {
            assert!(!a.text.contains(chrome), "{chrome} kept: {}", a.text);
        }
        assert_eq!(a.words, crate::rules::words::count(&a.text));
        assert!(a.words > 80);
    }

    #[test]
    fn chrome_is_named_by_whole_parts_of_a_class_or_id() {
        for yes in [
            "photo-credit",
            "article__byline",
            "Related",
            "a  caption",
            "gallery_1",
        ] {
            assert!(names_chrome(yes), "{yes}");
        }
        for no in ["photographer", "dated", "imagery", "content", "author2", ""] {
            assert!(!names_chrome(no), "{no}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read_in_bounded_time() {
        let deep = format!(
            "{}<p>text</p>{}",
            "<div>".repeat(MAX_DEPTH + 1),
            "</div>".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(read(&deep, None), Err(ReadError::TooDeep));
        let many = format!("<body>{}</body>", "<span>x</span>".repeat(MAX_ELEMENTS + 1));
        assert!(
            matches!(read(&many, None), Err(ReadError::TooManyElements(n)) if n > MAX_ELEMENTS)
        );
        assert_eq!(read("", None), Err(ReadError::NoArticle));
    }

    #[test]
    fn nesting_is_counted_as_a_parser_would_build_it() {
        // Unclosed paragraphs and list items are siblings, not a tower.
        let flat = "<div><p>a".to_string() + &"<p>x<li>y<br><img src=x>".repeat(10_000);
        assert!(!nesting_exceeds(&flat, 8));
        // An end tag closes what its element left open.
        let closed = "<div><span><b>x</div>".repeat(10_000);
        assert!(!nesting_exceeds(&closed, 8));
        assert!(nesting_exceeds(&"<div>".repeat(9), 8));
        assert!(nesting_exceeds(&"<b>".repeat(9), 8));
    }

    #[test]
    fn odd_input_is_an_error_or_an_article_never_a_panic() {
        for html in [
            "<",
            "\u{0}",
            "<p>\u{FFFD}\u{FFFD}</p>",
            "<html><body></body></html>",
            "&#xD800;",
        ] {
            let _ = read(html, Some("not a url"));
        }
    }
}
