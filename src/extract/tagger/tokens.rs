//! The tagger's tokens: words, punctuation, URLs and @handles/#hashtags, with byte
//! offsets into the text. Words keep inner hyphens, apostrophes, dots and ampersands
//! ("Okonjo-Iweala", "O'Brien", "U.S.", "AT&T") and a final dot when they are an
//! abbreviation ("Mr.", "Inc.", "J."); a possessive "'s" is a token of its own, as
//! in the annotated corpora ("Obama" "'s").

use super::super::segment::ABBREVIATIONS;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Letters and digits (with inner connectors), or a possessive "'s".
    Word,
    /// One punctuation character, or a run of the same ASCII one ("...", "--").
    Punct,
    /// A web address.
    Url,
    /// "@name" or "#tag".
    Handle,
}

/// A token: byte range and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) class: Class,
}

/// Appends the tokens of `text` to `out`.
pub(crate) fn tokenize(text: &str, out: &mut Vec<Token>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            match text[i..].chars().next() {
                Some(c) => (c, c.len_utf8()),
                None => break,
            }
        };
        if c.is_whitespace() {
            i += len;
            continue;
        }
        if let Some(end) = url_end(text, i) {
            out.push(tok(i, end, Class::Url));
            i = end;
            continue;
        }
        if (b == b'@' || b == b'#') && text[i + 1..].chars().next().is_some_and(is_handle_char) {
            let end = text[i + 1..]
                .char_indices()
                .find(|&(_, c)| !is_handle_char(c))
                .map_or(text.len(), |(k, _)| i + 1 + k);
            out.push(tok(i, end, Class::Handle));
            i = end;
            continue;
        }
        if c.is_alphanumeric() {
            let end = word_end(text, i);
            let w = &text[i..end];
            match w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")) {
                Some(stem) if !stem.is_empty() => {
                    out.push(tok(i, i + stem.len(), Class::Word));
                    out.push(tok(i + stem.len(), end, Class::Word));
                }
                _ => out.push(tok(i, end, Class::Word)),
            }
            i = end;
            continue;
        }
        let mut end = i + len;
        if b < 0x80 {
            while end < bytes.len() && bytes[end] == b {
                end += 1;
            }
        }
        out.push(tok(i, end, Class::Punct));
        i = end;
    }
}

fn tok(start: usize, end: usize, class: Class) -> Token {
    Token { start, end, class }
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The end of a web address starting at `i`, if one starts there: up to the next
/// space, without trailing punctuation.
fn url_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let head = rest.get(..8).unwrap_or(rest);
    let starts = head.starts_with("http://")
        || head.starts_with("https://")
        || (head.starts_with("www.") && rest.len() > 4);
    if !starts
        || (i > 0
            && text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric))
    {
        return None;
    }
    let stop = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let trimmed =
        rest[..stop].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '"', '\'', '”', '’']);
    Some(i + trimmed.len().max(4))
}

/// The end of the word starting at `i` (an alphanumeric character).
fn word_end(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = i;
    let mut prev_digit = false;
    let mut chars = text[i..].char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        let at = i + k;
        if c.is_alphanumeric() {
            end = at + c.len_utf8();
            prev_digit = c.is_ascii_digit();
            continue;
        }
        let next = chars.peek().map(|&(_, n)| n);
        let inner = match c {
            '-' | '\'' | '’' | '.' | '&' => next.is_some_and(char::is_alphanumeric),
            ',' => prev_digit && next.is_some_and(|n| n.is_ascii_digit()),
            _ => false,
        };
        if !inner {
            break;
        }
    }
    // A final dot that belongs to the word: an initial, a dotted form, a title.
    if bytes.get(end) == Some(&b'.') {
        let w = &text[i..end];
        let mut cs = w.chars();
        let initial = matches!((cs.next(), cs.next()), (Some(c), None) if c.is_uppercase());
        let dotted = w.contains('.') && !w.bytes().any(|b| b.is_ascii_digit());
        if initial || dotted || ABBREVIATIONS.contains(&w) || is_legal_abbreviation(w) {
            end += 1;
        }
    }
    end
}

/// Abbreviated legal forms written with a final dot ("Inc.", "Corp.").
fn is_legal_abbreviation(w: &str) -> bool {
    matches!(
        w,
        "Inc" | "Corp" | "Ltd" | "Co" | "Bros" | "Cos" | "Assn" | "Dept" | "Univ"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        tokenize(text, &mut out);
        out.iter().map(|t| &text[t.start..t.end]).collect()
    }

    #[test]
    fn news_tokens() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Mr. O'Brien's firm, AT&T Inc., paid $1,000.50.",
                &[
                    "Mr.", "O'Brien", "'s", "firm", ",", "AT&T", "Inc.", ",", "paid", "$",
                    "1,000.50", ".",
                ],
            ),
            (
                "“Okonjo-Iweala” said (U.S. officials)...",
                &[
                    "“",
                    "Okonjo-Iweala",
                    "”",
                    "said",
                    "(",
                    "U.S.",
                    "officials",
                    ")",
                    "...",
                ],
            ),
            (
                "See https://t.co/x1. @colgo #GDPR, J. Smith",
                &[
                    "See",
                    "https://t.co/x1",
                    ".",
                    "@colgo",
                    "#GDPR",
                    ",",
                    "J.",
                    "Smith",
                ],
            ),
            ("Reuters' report", &["Reuters", "'", "report"]),
            ("Kraków’s mayor", &["Kraków", "’s", "mayor"]),
        ];
        for (text, want) in cases {
            assert_eq!(words(text), *want, "{text}");
        }
    }

    #[test]
    fn offsets_cover_the_text_and_odd_input_does_not_panic() {
        for t in [
            "", "'s", "@", "#", "http://", "www.", "a.", "é’s", "😀 x", "1,", "-a", "x'",
        ] {
            let mut out = Vec::new();
            tokenize(t, &mut out);
            for w in out.windows(2) {
                assert!(w[0].end <= w[1].start, "{t:?}");
            }
            assert!(
                out.iter().all(|x| x.start < x.end && x.end <= t.len()),
                "{t:?}"
            );
        }
    }
}
