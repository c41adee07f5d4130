//! A web page's bytes → text, choosing the character encoding the way browsers do
//! (WHATWG "encoding sniffing", simplified): a byte-order mark, else the `charset` of
//! the `Content-Type` header, else a `<meta charset>` (or `http-equiv` content type)
//! in the first 1024 bytes, else detection: valid UTF-8 is UTF-8, UTF-8 with a few
//! stray legacy bytes keeps its UTF-8, and anything else is the legacy encoding that
//! chardetng (Firefox's detector) names. Invalid bytes become U+FFFD, never an error.

use std::borrow::Cow;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};
use html5gum::{Token, Tokenizer};

/// Where the encoding of a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A byte-order mark.
    Bom,
    /// The `charset` parameter of the `Content-Type` header.
    Header,
    /// A `<meta>` element near the start of the document.
    Meta,
    /// Neither: the bytes themselves (valid UTF-8, or chardetng's guess).
    Detected,
}

/// A page decoded to text.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text, without a byte-order mark.
    pub text: Cow<'a, str>,
    /// The encoding's WHATWG name (`UTF-8`, `windows-1252`, `Shift_JIS`…).
    pub encoding: &'static str,
    /// How the encoding was chosen.
    pub source: Source,
}

/// How far into the document a `<meta>` charset is looked for (as browsers do).
const PRESCAN: usize = 1024;

/// Decodes `bytes`, given the response's `Content-Type` header if there was one.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return with(enc, &bytes[bom_len..], Source::Bom);
    }
    if let Some(enc) = content_type.and_then(header_charset) {
        return with(enc, bytes, Source::Header);
    }
    if let Some(enc) = meta_charset(&bytes[..bytes.len().min(PRESCAN)]) {
        return with(enc, bytes, Source::Meta);
    }
    let (text, encoding) = crate::source::fixup::utf8(bytes);
    Decoded {
        text,
        encoding,
        source: Source::Detected,
    }
}

fn with<'a>(enc: &'static Encoding, bytes: &'a [u8], source: Source) -> Decoded<'a> {
    Decoded {
        text: enc.decode_without_bom_handling(bytes).0,
        encoding: enc.name(),
        source,
    }
}

/// The encoding a `Content-Type` value names in its `charset` parameter, if it names
/// one `encoding_rs` knows (and that decodes to something: not `replacement`).
pub fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    let enc = charset_param(content_type).and_then(|l| Encoding::for_label(l.as_bytes()))?;
    (enc != REPLACEMENT).then_some(enc)
}

/// The value of a `charset=` parameter in a content type (`text/html; charset="utf-8"`).
fn charset_param(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = value[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace())
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// The encoding a `<meta charset>` or `<meta http-equiv="content-type" content="…;
/// charset=…">` in `head` names. As in browsers, a meta naming UTF-16 means UTF-8 (the
/// bytes being read are ASCII-compatible) and `x-user-defined` means windows-1252.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    for Ok(token) in Tokenizer::new(head) {
        let Token::StartTag(tag) = token else {
            continue;
        };
        if tag.name != b"meta" {
            continue;
        }
        let attr = |name: &[u8]| {
            tag.attributes
                .get(name)
                .map(|v| String::from_utf8_lossy(&v.value).into_owned())
        };
        let label = attr(b"charset").or_else(|| {
            let equiv = attr(b"http-equiv")?;
            equiv
                .eq_ignore_ascii_case("content-type")
                .then(|| attr(b"content"))
                .flatten()
                .and_then(|c| charset_param(&c).map(str::to_string))
        });
        let Some(enc) = label.and_then(|l| Encoding::for_label(l.trim().as_bytes())) else {
            continue;
        };
        return Some(match enc {
            e if e == UTF_16BE || e == UTF_16LE => UTF_8,
            e if e == X_USER_DEFINED => WINDOWS_1252,
            e if e == REPLACEMENT => continue,
            e => e,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(bytes: &[u8], ct: Option<&str>) -> (&'static str, Source, String) {
        let d = decode(bytes, ct);
        (d.encoding, d.source, d.text.into_owned())
    }

    #[test]
    fn charset_cases() {
        // (bytes, Content-Type, encoding, source, text)
        type Case<'a> = (&'a [u8], Option<&'a str>, &'a str, Source, &'a str);
        let cases: &[Case] = &[
            (b"\xEF\xBB\xBFcaf\xC3\xA9", Some("text/html; charset=iso-8859-1"), "UTF-8", Source::Bom, "café"),
            (b"\xFF\xFEc\0a\0", None, "UTF-16LE", Source::Bom, "ca"),
            (b"caf\xE9", Some("text/html; charset=ISO-8859-1"), "windows-1252", Source::Header, "café"),
            (b"caf\xE9", Some("text/html;charset=\"latin1\""), "windows-1252", Source::Header, "café"),
            (b"<meta charset=\"windows-1251\"><p>\xCF\xF0", None, "windows-1251", Source::Meta, "<meta charset=\"windows-1251\"><p>Пр"),
            (
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\x93\xFA",
                Some("text/html"),
                "Shift_JIS",
                Source::Meta,
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">日",
            ),
            (b"<meta charset=utf-16><p>ok", None, "UTF-8", Source::Meta, "<meta charset=utf-16><p>ok"),
            (b"<meta charset=bogus><p>caf\xC3\xA9", None, "UTF-8", Source::Detected, "<meta charset=bogus><p>café"),
            (b"<p>caf\xC3\xA9", Some("text/html; charset=nonsense"), "UTF-8", Source::Detected, "<p>café"),
            (b"", None, "UTF-8", Source::Detected, ""),
        ];
        for (bytes, ct, enc, source, text) in cases {
            assert_eq!(
                name(bytes, *ct),
                (*enc, *source, text.to_string()),
                "input {bytes:?}"
            );
        }
    }

    #[test]
    fn undeclared_legacy_text_is_detected() {
        let (enc, text) = {
            let bytes = "Москва — столица России, крупнейший город страны.".repeat(4);
            let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&bytes);
            let d = decode(&cp1251, None);
            (d.encoding, d.text.into_owned())
        };
        assert_eq!(enc, "windows-1251");
        assert!(text.starts_with("Москва"));
    }

    #[test]
    fn a_meta_after_the_first_kilobyte_is_not_read() {
        let mut page = b"<!-- ".to_vec();
        page.extend(std::iter::repeat_n(b'x', 1100));
        page.extend_from_slice(b" --><meta charset=windows-1251><p>ok");
        assert_eq!(decode(&page, None).source, Source::Detected);
    }
}
