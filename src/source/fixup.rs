//! Input repair before parsing: turns the bytes a server sent into a UTF-8 document
//! that a strict XML reader accepts, and notes what the feed readers need to know.
//!
//! - **Decoding**: a byte-order mark (UTF-8, UTF-16, UTF-32), else the first bytes'
//!   pattern (UTF-16/32 without a BOM), else the XML prolog's `encoding`, else UTF-8;
//!   invalid UTF-8 is UTF-8 with stray legacy bytes (each read as windows-1252) or
//!   an undeclared legacy encoding (named by chardetng). The prolog is rewritten to say
//!   UTF-8 so the XML reader does not decode a second time.
//! - **Markup repair** outside comments, CDATA and processing instructions: a bare `&`
//!   becomes `&amp;`; HTML entities (`&nbsp;`, `&eacute;`…) become character
//!   references; `&#X41;` becomes `&#x41;`; references to C1 controls become the
//!   windows-1252 characters publishers meant; references to characters XML forbids
//!   become U+FFFD; a `<` that starts no tag becomes `&lt;`; an unterminated CDATA
//!   section is closed at the end.
//! - **RSS version**: a root `<rss>` whose `version` feed-rs does not know (missing,
//!   `2.0.1`, `0.93`…) is read as RSS 2.0, which every RSS 0.9x/2.x feed is a subset of.
//!
//! The scan also counts `item`/`entry` start tags, so the caller can tell when a
//! reader returned fewer entries than the document has.

use std::borrow::Cow;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// What kind of document the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// XML (RSS, RDF, Atom, or something else).
    Xml,
    /// JSON (JSON Feed).
    Json,
    /// Neither: empty, or not starting with markup or `{`.
    Unknown,
}

/// The root element's family, as far as choosing a reader goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `<rss>` (any version; the version attribute was repaired when needed).
    Rss,
    /// `<rdf:RDF>`: RSS 0.90 and 1.0.
    Rdf,
    /// `<feed>` in the Atom 1.0 namespace (or none).
    Atom,
    /// `<feed>` in the Atom 0.3 namespace (`http://purl.org/atom/ns#`).
    Atom03,
    /// Anything else (or no root element found).
    Other,
}

/// A document ready for the XML and JSON readers.
#[derive(Debug)]
pub struct Prepared<'a> {
    /// The repaired document, UTF-8, without a BOM.
    pub text: Cow<'a, str>,
    /// XML, JSON or unknown.
    pub format: Format,
    /// The root element's family (XML only).
    pub root: Root,
    /// How many `item`/`entry` start tags (any prefix) the document has, outside
    /// comments and CDATA. An upper bound on the entries a reader should find.
    pub entry_tags: usize,
    /// The encoding the bytes were decoded from (for logs and tests).
    pub encoding: &'static str,
}

/// Decodes and repairs a feed document.
pub fn prepare(bytes: &[u8]) -> Prepared<'_> {
    let (text, encoding) = decode(bytes);
    let trimmed = trimmed_in(&text);
    let format = match trimmed.as_bytes().first() {
        Some(b'<') => Format::Xml,
        Some(b'{') => Format::Json,
        _ => Format::Unknown,
    };
    if format != Format::Xml {
        let text = match text {
            Cow::Borrowed(s) => Cow::Borrowed(trimmed_in(s)),
            Cow::Owned(s) => Cow::Owned(trimmed_in(&s).to_string()),
        };
        return Prepared {
            text,
            format,
            root: Root::Other,
            entry_tags: 0,
            encoding,
        };
    }
    let (repaired, root, entry_tags) = {
        let (r, root, n) = repair(trimmed);
        (r.map(Cow::Owned), root, n)
    };
    let text = match (repaired, text) {
        (Some(r), _) => r,
        (None, Cow::Borrowed(s)) => Cow::Borrowed(trimmed_in(s)),
        (None, Cow::Owned(s)) => Cow::Owned(trimmed_in(&s).to_string()),
    };
    let text = drop_late_declarations(text);
    Prepared {
        text,
        format,
        root,
        entry_tags,
        encoding,
    }
}

/// The document without a BOM and leading white space, and without text before the
/// XML (a PHP warning printed ahead of the feed).
fn trimmed_in(s: &str) -> &str {
    let t = s.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    match t.as_bytes().first() {
        Some(b'<' | b'{') | None => t,
        Some(_) => feed_start(t).map_or(t, |at| &t[at..]),
    }
}

/// Where an XML feed starts in text that has something else first: the first XML
/// declaration or feed root element in the first 64 KiB.
fn feed_start(s: &str) -> Option<usize> {
    let head = &s.as_bytes()[..s.len().min(64 * 1024)];
    [&b"<?xml"[..], b"<rss", b"<feed", b"<rdf:RDF", b"<RDF"]
        .iter()
        .filter_map(|needle| memchr::memmem::find(head, needle))
        .min()
}

// ---------------------------------------------------------------------------------
// Decoding

/// Decodes the bytes to UTF-8 text and names the encoding used.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => return utf8(rest),
        [0xFF, 0xFE, 0, 0, rest @ ..] => return (Cow::Owned(utf32(rest, false)), "UTF-32LE"),
        [0, 0, 0xFE, 0xFF, rest @ ..] => return (Cow::Owned(utf32(rest, true)), "UTF-32BE"),
        [0xFF, 0xFE, rest @ ..] => return with(UTF_16LE, rest),
        [0xFE, 0xFF, rest @ ..] => return with(UTF_16BE, rest),
        [0, 0, 0, b'<', ..] => return (Cow::Owned(utf32(bytes, true)), "UTF-32BE"),
        [b'<', 0, 0, 0, ..] => return (Cow::Owned(utf32(bytes, false)), "UTF-32LE"),
        [0, b'<' | b'{' | b' ' | b'\n' | b'\r' | b'\t', ..] => return with(UTF_16BE, bytes),
        [b'<' | b'{' | b' ' | b'\n' | b'\r' | b'\t', 0, ..] => return with(UTF_16LE, bytes),
        _ => {}
    }
    match declared_encoding(bytes) {
        // A document declaring UTF-16 that reached here is ASCII-compatible: the
        // declaration is wrong (often a re-encoded file), the bytes are right. Labels
        // WHATWG maps to "replacement" (ISO-2022-KR, HZ…) would decode to nothing.
        Some(enc) if enc != UTF_8 && enc != UTF_16BE && enc != UTF_16LE && enc != REPLACEMENT => {
            with(enc, bytes)
        }
        _ => utf8(bytes),
    }
}

fn with<'a>(enc: &'static Encoding, bytes: &'a [u8]) -> (Cow<'a, str>, &'static str) {
    (enc.decode_without_bom_handling(bytes).0, enc.name())
}

/// UTF-8 when valid. Otherwise, when the document has at least as many valid
/// multi-byte UTF-8 characters as invalid sequences, it is UTF-8 with stray legacy
/// bytes (an item pasted from elsewhere): each stray byte is read as windows-1252.
/// Anything else is an undeclared legacy encoding, which chardetng (Firefox's
/// detector) names: windows-1252 for Western text, Shift_JIS, EUC-KR, GBK, KOI8-R…
pub(crate) fn utf8(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(s), "UTF-8");
    }
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    if good >= bad {
        let mut out = String::with_capacity(bytes.len() + 16);
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            out.push_str(&WINDOWS_1252.decode_without_bom_handling(chunk.invalid()).0);
        }
        return (Cow::Owned(out), "UTF-8");
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    with(detector.guess(None, chardetng::Utf8Detection::Deny), bytes)
}

fn utf32(bytes: &[u8], big_endian: bool) -> String {
    bytes
        .chunks_exact(4)
        .map(|c| {
            let v = if big_endian {
                u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            } else {
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            };
            char::from_u32(v).unwrap_or('\u{fffd}')
        })
        .collect()
}

/// The quoted value of `encoding` in the XML declaration `decl`, if it has one.
fn encoding_label(decl: &[u8]) -> Option<&[u8]> {
    let at = memchr::memmem::find(decl, b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'=')? + 1..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = rest[1..].iter().position(|b| *b == quote)?;
    Some(&rest[1..1 + len])
}

/// The encoding named in an ASCII-compatible XML prolog, if it is one
/// `encoding_rs` knows.
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(head, b"?>")?;
    let label = encoding_label(&head[..end])?;
    Encoding::for_label(label).or_else(|| {
        // Labels Python knows that the WHATWG list does not.
        let l = String::from_utf8_lossy(label).to_ascii_lowercase();
        match l.as_str() {
            "cp1252" | "win-1252" => Some(WINDOWS_1252),
            "utf8" => Some(UTF_8),
            "mac-roman" | "macroman" => Encoding::for_label(b"macintosh"),
            "cp1251" => Encoding::for_label(b"windows-1251"),
            "cp1250" => Encoding::for_label(b"windows-1250"),
            _ => None,
        }
    })
}

// ---------------------------------------------------------------------------------
// Markup repair

/// Output builder that copies the input lazily: nothing is allocated until the first
/// change.
struct Out<'a> {
    src: &'a str,
    buf: Option<String>,
    /// Bytes of `src` before this index are already in `buf`.
    copied: usize,
}

impl<'a> Out<'a> {
    fn new(src: &'a str) -> Self {
        Out {
            src,
            buf: None,
            copied: 0,
        }
    }

    /// Replaces `src[at..at + len]` with `with`. Edits must come in document order;
    /// one that does not is dropped rather than corrupting the output.
    fn replace(&mut self, at: usize, len: usize, with: &str) {
        if at < self.copied
            || at + len > self.src.len()
            || !self.src.is_char_boundary(at)
            || !self.src.is_char_boundary(at + len)
        {
            return;
        }
        let buf = self
            .buf
            .get_or_insert_with(|| String::with_capacity(self.src.len() + 64));
        buf.push_str(&self.src[self.copied..at]);
        buf.push_str(with);
        self.copied = at + len;
    }

    fn finish(mut self, tail: &str) -> Option<String> {
        if tail.is_empty() && self.buf.is_none() {
            return None;
        }
        let mut buf = self.buf.take().unwrap_or_default();
        buf.push_str(&self.src[self.copied..]);
        buf.push_str(tail);
        Some(buf)
    }
}

/// Repairs the markup of `s` (which starts at its first `<`). Returns the repaired
/// text (`None` when nothing needed a change), the root family and the entry count.
fn repair(s: &str) -> (Option<String>, Root, usize) {
    let b = s.as_bytes();
    let mut out = Out::new(s);
    let mut root = None;
    let mut entries = 0;
    let mut tail = "";
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'<', b'&', &b[i..]) {
        let at = i + off;
        if b[at] == b'&' {
            i = fix_reference(s, at, &mut out);
            continue;
        }
        let rest = &b[at..];
        if rest.starts_with(b"<!--") {
            i = find_from(b, at + 4, b"-->").map_or(b.len(), |e| e + 3);
        } else if rest.starts_with(b"<![CDATA[") {
            match find_from(b, at + 9, b"]]>") {
                Some(e) => i = e + 3,
                None => {
                    tail = "]]>";
                    i = b.len();
                }
            }
        } else if rest.starts_with(b"<?") {
            let decl = rest.starts_with(b"<?xml")
                && rest
                    .get(5)
                    .is_none_or(|c| c.is_ascii_whitespace() || *c == b'?');
            if at == 0 && decl {
                i = fix_prolog(s, &mut out);
            } else {
                i = find_from(b, at + 2, b"?>").map_or(b.len(), |e| e + 2);
            }
        } else if rest.starts_with(b"<!") {
            i = skip_declaration(b, at);
        } else if rest.starts_with(b"</") {
            i = memchr::memchr(b'>', &b[at..]).map_or(b.len(), |e| at + e + 1);
        } else if rest
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_' || *c >= 0x80)
        {
            let tag = start_tag(s, at, &mut out, root.is_none());
            if root.is_none() {
                root = Some(tag.root);
            }
            if tag.is_entry {
                entries += 1;
            }
            i = tag.end;
        } else {
            // `a < b` in text, `<3`, `<=`: not a tag.
            out.replace(at, 1, "&lt;");
            i = at + 1;
        }
    }
    (out.finish(tail), root.unwrap_or(Root::Other), entries)
}

fn find_from(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, needle).map(|p| from + p)
}

/// Skips `<!DOCTYPE …>` including an internal subset in `[…]`.
fn skip_declaration(b: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut quote = 0u8;
    for (k, &c) in b.iter().enumerate().skip(at + 2) {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = c,
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'>' if depth == 0 => return k + 1,
            _ => {}
        }
    }
    b.len()
}

/// Removes every XML declaration after the start of the text: documents run
/// together, or a prolog after printed text. None is XML, and quick-xml panics on one
/// that names another encoding once reading has begun (found by the feed fuzz target),
/// which lost the whole feed. The text is UTF-8 by now, so they say nothing. This is
/// a plain text pass, not the markup scan of [`repair`]: whatever that scan takes a
/// declaration to be inside of (a broken tag, a quote), quick-xml may see it as one.
fn drop_late_declarations(text: Cow<'_, str>) -> Cow<'_, str> {
    let is_decl = |rest: &[u8]| {
        rest.starts_with(b"<?xml")
            && rest
                .get(5)
                .is_none_or(|c| c.is_ascii_whitespace() || *c == b'?')
    };
    let b = text.as_bytes();
    let late = |from: usize| {
        memchr::memmem::find_iter(&b[from.min(b.len())..], b"<?xml")
            .map(move |p| from + p)
            .find(|&p| is_decl(&b[p..]))
    };
    let Some(first) = late(1) else {
        return text;
    };
    let mut out = String::with_capacity(b.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some(at) = next {
        let end = find_from(b, at + 5, b"?>").map_or(b.len(), |e| e + 2);
        out.push_str(&text[copied..at]);
        copied = end;
        next = late(end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Keeps a sound prolog that says UTF-8 and replaces any other with one that does
/// (the text is UTF-8 now). A declaration cannot hold a `>`, so the first one ends
/// it; one that does not end there in `?>` (`<?xml … encoding="koi8-r"0">`) would be
/// read by quick-xml up to some later `?>`, and a non-UTF-8 label found that far in
/// made it panic (found by the feed fuzz target). Returns the index past the prolog.
fn fix_prolog(s: &str, out: &mut Out<'_>) -> usize {
    let end = memchr::memchr(b'>', s.as_bytes()).map_or(s.len(), |gt| gt + 1);
    let decl = &s[..end];
    let utf8 = |l: &[u8]| l.eq_ignore_ascii_case(b"utf-8") || l.eq_ignore_ascii_case(b"utf8");
    let sound = decl.ends_with("?>")
        && !decl[1..].contains('<')
        && (!decl.contains("encoding") || encoding_label(decl.as_bytes()).is_some_and(utf8));
    if !sound {
        out.replace(0, end, r#"<?xml version="1.0" encoding="utf-8"?>"#);
    }
    end
}

/// What the scan of one start tag found.
struct Tag {
    /// Index just past the tag.
    end: usize,
    /// The tag is an `item` or `entry` (any prefix).
    is_entry: bool,
    /// For the root tag: its family.
    root: Root,
}

/// Scans a start tag at `at`, repairing references in attribute values, and the
/// `version` of a root `<rss>`.
fn start_tag(s: &str, at: usize, out: &mut Out<'_>, is_root: bool) -> Tag {
    let b = s.as_bytes();
    let name_end = b[at + 1..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        .map_or(b.len(), |p| at + 1 + p);
    let name = &s[at + 1..name_end];
    let local = name.rsplit(':').next().unwrap_or(name);
    let is_entry = local == "item" || local == "entry";
    let mut has_version = false;
    let mut atom03 = false;
    // Attributes: find the closing `>` outside quotes; fix `&` inside values.
    let mut k = name_end;
    let mut quote = 0u8;
    let mut value_start = 0;
    let mut attr_name = "";
    let mut name_start = name_end;
    let end = loop {
        let Some(&c) = b.get(k) else {
            break b.len();
        };
        if quote != 0 {
            if c == quote {
                if is_root {
                    let value = &s[value_start..k];
                    if attr_name == "version" && local == "rss" {
                        has_version = true;
                        fix_rss_version(value, value_start, out);
                    } else if attr_name.starts_with("xmlns") && value == "http://purl.org/atom/ns#"
                    {
                        atom03 = true;
                    }
                }
                quote = 0;
                k += 1;
                name_start = k;
            } else if c == b'&' {
                k = fix_reference(s, k, out);
            } else if c == b'<' {
                out.replace(k, 1, "&lt;");
                k += 1;
            } else {
                k += 1;
            }
            continue;
        }
        match c {
            b'>' => break k + 1,
            b'"' | b'\'' => {
                quote = c;
                value_start = k + 1;
                k += 1;
            }
            b'=' => {
                // The name before `=`, spaces allowed around it (`version = "2.0"`).
                let before = s[name_start..k].trim_end();
                attr_name = before
                    .rsplit(|c: char| c.is_ascii_whitespace())
                    .next()
                    .unwrap_or("");
                k += 1;
            }
            _ if c.is_ascii_whitespace() => k += 1,
            _ => k += 1,
        }
    };
    let mut root = Root::Other;
    if is_root {
        root = match local {
            "rss" => {
                if !has_version {
                    // Before the `>` (or `/>`): edits must stay in document order.
                    let close = if b.get(end.saturating_sub(2)) == Some(&b'/') {
                        2
                    } else {
                        1
                    };
                    out.replace(end.saturating_sub(close), 0, r#" version="2.0""#);
                }
                Root::Rss
            }
            "RDF" => Root::Rdf,
            "feed" if atom03 => Root::Atom03,
            "feed" => Root::Atom,
            _ => Root::Other,
        };
    }
    Tag {
        end,
        is_entry,
        root,
    }
}

/// feed-rs reads `<rss>` only with version 2.0, 0.91, 0.92 or an empty one.
fn fix_rss_version(value: &str, at: usize, out: &mut Out<'_>) {
    if !matches!(value.trim(), "2.0" | "0.91" | "0.92" | "") {
        out.replace(at, value.len(), "2.0");
    }
}

/// Repairs the reference starting with the `&` at `at`; returns where to go on.
fn fix_reference(s: &str, at: usize, out: &mut Out<'_>) -> usize {
    let b = s.as_bytes();
    let rest = &b[at + 1..];
    // Names and numbers are short; look at most this far for the `;`.
    let window = &rest[..rest.len().min(40)];
    if let Some(&b'#') = window.first() {
        let (hex, digits_at) = match window.get(1) {
            Some(b'x') | Some(b'X') => (true, 2),
            _ => (false, 1),
        };
        let digits = window[digits_at..]
            .iter()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            out.replace(at, 1, "&amp;");
            return at + 1;
        }
        let num_end = at + 1 + digits_at + digits;
        let has_semicolon = b.get(num_end) == Some(&b';');
        let raw = &s[at + 1 + digits_at..num_end];
        let value = u32::from_str_radix(raw, if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
        let fixed = fix_char_ref(value);
        let len = num_end + usize::from(has_semicolon) - at;
        let upper_x = window.get(1) == Some(&b'X');
        if fixed != value || !has_semicolon || upper_x {
            out.replace(at, len, &format!("&#{fixed};"));
        }
        return at + len;
    }
    let name_len = window
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if name_len > 0 && window.get(name_len) == Some(&b';') {
        let name = &s[at + 1..at + 1 + name_len];
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            return at + name_len + 2;
        }
        if let Some(chars) = quick_xml::escape::resolve_html5_entity(name) {
            let refs: String = chars.chars().map(|c| format!("&#{};", c as u32)).collect();
            out.replace(at, name_len + 2, &refs);
            return at + name_len + 2;
        }
    }
    // A bare `&`, or an entity nobody defined: keep it as text.
    out.replace(at, 1, "&amp;");
    at + 1
}

/// A character reference's value made acceptable to XML: C1 controls (what
/// windows-1252 text converted byte-for-byte produces) become the characters meant;
/// what XML forbids becomes U+FFFD.
fn fix_char_ref(v: u32) -> u32 {
    if (0x80..=0x9F).contains(&v) {
        let byte = [v as u8];
        let (s, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
        return s.chars().next().map_or(0xFFFD, |c| c as u32);
    }
    match v {
        0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF => v,
        _ => 0xFFFD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(input: &str) -> String {
        prepare(input.as_bytes()).text.into_owned()
    }

    #[test]
    fn markup_repairs() {
        let cases = [
            ("<a>x & y</a>", "<a>x &amp; y</a>"),
            ("<a>x &amp; y &lt; z</a>", "<a>x &amp; y &lt; z</a>"),
            ("<a>caf&eacute;&nbsp;!</a>", "<a>caf&#233;&#160;!</a>"),
            ("<a>&#X41;&#x42;&#67;</a>", "<a>&#65;&#x42;&#67;</a>"),
            ("<a>&#146;</a>", "<a>&#8217;</a>"),
            ("<a>&#1;&#xD800;</a>", "<a>&#65533;&#65533;</a>"),
            ("<a>&#8217 x</a>", "<a>&#8217; x</a>"),
            ("<a>&bogus; &#;</a>", "<a>&amp;bogus; &amp;#;</a>"),
            ("<a>1 < 2 <3</a>", "<a>1 &lt; 2 &lt;3</a>"),
            (
                "<a href=\"?a=1&b=2\">x</a>",
                "<a href=\"?a=1&amp;b=2\">x</a>",
            ),
            (
                "<a><![CDATA[a & b < c]]></a>",
                "<a><![CDATA[a & b < c]]></a>",
            ),
            ("<a><!-- a & b --></a>", "<a><!-- a & b --></a>"),
            ("<a><![CDATA[open", "<a><![CDATA[open]]>"),
            (
                "<rss><channel/></rss>",
                "<rss version=\"2.0\"><channel/></rss>",
            ),
            (
                "<rss xmlns:a=\"?&\">",
                "<rss xmlns:a=\"?&amp;\" version=\"2.0\">",
            ),
            ("<rss version=\"2.0.1\">", "<rss version=\"2.0\">"),
            ("<rss version='0.94'>", "<rss version='2.0'>"),
            ("<rss version=\"0.91\">", "<rss version=\"0.91\">"),
            (
                "Warning: x in feed.php\n<rss version=\"2.0\">",
                "<rss version=\"2.0\">",
            ),
            (
                "<rss version = \"2.0\" a='1'>",
                "<rss version = \"2.0\" a='1'>",
            ),
            ("<rss a='1' version = '3'>", "<rss a='1' version = '2.0'>"),
        ];
        for (input, want) in cases {
            assert_eq!(fixed(input), want, "{input}");
        }
    }

    #[test]
    fn clean_documents_are_not_copied() {
        let doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><item>a &amp; b</item></rss>";
        let p = prepare(doc.as_bytes());
        assert!(matches!(p.text, Cow::Borrowed(_)));
        assert_eq!((p.root, p.entry_tags), (Root::Rss, 1));
    }

    #[test]
    fn roots_and_entry_counts() {
        let cases = [
            (
                "<feed xmlns='http://www.w3.org/2005/Atom'><entry/><entry></entry></feed>",
                Root::Atom,
                2,
            ),
            (
                "<feed xmlns=\"http://purl.org/atom/ns#\"><entry/></feed>",
                Root::Atom03,
                1,
            ),
            (
                "<rdf:RDF><item/><rss:item/><!-- <item> --></rdf:RDF>",
                Root::Rdf,
                2,
            ),
            ("<html><body/></html>", Root::Other, 0),
        ];
        for (input, root, n) in cases {
            let p = prepare(input.as_bytes());
            assert_eq!((p.root, p.entry_tags), (root, n), "{input}");
        }
    }

    #[test]
    fn decoding() {
        let text = "<rss><title>Zoë — “x”</title></rss>";
        let mut utf16be = vec![0xFE, 0xFF];
        let mut utf16le = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16be.extend(u.to_be_bytes());
            utf16le.extend(u.to_le_bytes());
        }
        let no_bom_be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let utf32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend(text.as_bytes());
        for (bytes, enc) in [
            (utf16be, "UTF-16BE"),
            (utf16le, "UTF-16LE"),
            (no_bom_be, "UTF-16BE"),
            (utf32, "UTF-32BE"),
            (bom8, "UTF-8"),
        ] {
            let (s, e) = decode(&bytes);
            assert_eq!((s.as_ref(), e), (text, enc));
        }
        // Declarations after the start are dropped, however they are wrapped (each
        // made quick-xml panic: found by the feed fuzz target); a stylesheet PI stays.
        for late in [
            "<rss ven=\"2.0\">m<?xml von=\"1.0\" encoding=\"koi8-r\"?>",
            "<rss \"\"><h\"/1\"/>\n\"am<?xml v=\"0\" encoding=\"koi8-r\"?>",
            "<rss><?xml version=\"1.0\"?><?xml encoding=\"koi8-r\"",
        ] {
            let text = prepare(late.as_bytes()).text;
            assert!(!text[1..].contains("<?xml"), "{late:?} → {text:?}");
        }
        // A prolog that does not close where its first `>` is, or names another
        // encoding, is replaced (quick-xml read on to a later `?>` and panicked).
        let open =
            "<?xml version=\"1.0\" encoding=\"koi8-r\"0\">\n<rss version=\"2.0\"><a>x?></a></rss>";
        assert_eq!(
            prepare(open.as_bytes()).text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><a>x?></a></rss>"
        );
        let sound = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?><rss version=\"2.0\"/>";
        assert_eq!(prepare(sound.as_bytes()).text, sound);
        let pi = "<rss version=\"2.0\"><?xml-stylesheet href=\"a.xsl\"?></rss>";
        assert_eq!(prepare(pi.as_bytes()).text, pi);
        // Declared legacy encodings.
        let latin = b"<?xml version='1.0' encoding='iso-8859-1'?><a>caf\xe9</a>";
        let p = prepare(latin);
        assert_eq!(
            p.text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>café</a>"
        );
        let koi8 = b"<?xml version=\"1.0\" encoding=\"koi8-r\"?><a>\xf0\xd2\xc9\xd7\xc5\xd4</a>";
        assert!(prepare(koi8).text.ends_with("<a>Привет</a>"));
        // A wrong UTF-16 declaration on ASCII bytes, a "replacement" label.
        for label in ["utf-16", "iso-2022-kr"] {
            let doc = format!("<?xml version=\"1.0\" encoding=\"{label}\"?><a>ok</a>");
            assert!(
                prepare(doc.as_bytes()).text.ends_with("<a>ok</a>"),
                "{label}"
            );
        }
        // Undeclared windows-1252; UTF-8 with a control character.
        assert_eq!(decode(b"<a>caf\xe9 \x93x\x94</a>").0, "<a>café “x”</a>");
        assert_eq!(
            decode("<a>café \u{2014} \x7f</a>".as_bytes()).0,
            "<a>café \u{2014} \x7f</a>"
        );
        // UTF-8 with a stray windows-1252 byte stays UTF-8; the stray byte is read
        // as windows-1252.
        let mostly_utf8 = b"<a>caf\xc3\xa9 na\xc3\xafve \x93x\x94</a>";
        assert_eq!(decode(mostly_utf8).0, "<a>café naïve “x”</a>");
    }
}
