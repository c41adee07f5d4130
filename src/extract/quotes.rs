//! Quotations: curly double (“…”), low-high („…“), guillemets («…»), straight
//! double ("…", opening only after a space or an opening bracket), and single quotes
//! of either kind (‘…’, '…'). A quote may span sentences; a double quote left open at
//! the end of a paragraph runs to its end (the convention for quotes over several
//! paragraphs). Scare quotes are not quotations: a quote needs three words or more,
//! unless a speaker is attributed (and single quotes always need three words, as
//! they mark terms and apostrophes as often as speech). Who said it is decided in
//! [`super::speakers`].

use std::ops::Range;

use super::catalog::Catalog;
use super::entities::is_word_char;
use super::segment::Segments;
use super::speakers::Ctx;
use crate::model::Quote;

/// An entity mention, as quotes need it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mentioned {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) entity: u32,
}

/// A quotation found in the text, before attribution.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    /// The opening mark.
    pub(crate) open: usize,
    /// The quoted words (trimmed).
    content: Range<usize>,
    /// One past the closing mark (the paragraph end when left open).
    pub(crate) close_end: usize,
    single: bool,
}

/// Finds every quotation in `text` and its speaker.
pub(crate) fn find(
    cat: &Catalog<'_>,
    text: &str,
    seg: &Segments,
    mentions: &[Mentioned],
) -> Vec<Quote> {
    let ctx = Ctx::new(cat, text, seg, mentions);
    let mut out = Vec::new();
    for p in seg.paragraphs() {
        for raw in scan(text, p.clone()) {
            let content = &text[raw.content.clone()];
            let words = content.split_whitespace().count();
            let speaker = ctx.speaker(&raw);
            let enough = words >= 3 || (!raw.single && speaker.is_some() && words >= 1);
            if !enough {
                continue;
            }
            out.push(Quote {
                text: content.to_string(),
                speaker: speaker.map(|e| cat.id(e).to_string()),
                start: raw.content.start,
                end: raw.content.end,
            });
        }
    }
    out
}

/// The quotations of one paragraph.
fn scan(text: &str, para: Range<usize>) -> Vec<Raw> {
    let mut out = Vec::new();
    let p = &text[para.clone()];
    let bytes = p.as_bytes();
    let mut i = 0;
    // « starts with 0xC2, which memchr3 has no room for: its next position is kept.
    let mut next_c2 = memchr::memchr(0xC2, bytes);
    // Jump from quote mark to quote mark: '"', '\'', the lead byte of “ „ ‘ (0xE2)
    // or of « (0xC2); other characters with those lead bytes are skipped below.
    loop {
        if next_c2.is_some_and(|k| k < i) {
            next_c2 = memchr::memchr(0xC2, &bytes[i..]).map(|k| i + k);
        }
        let hit = memchr::memchr3(b'"', b'\'', 0xE2, &bytes[i..]).map(|k| i + k);
        let Some(at) = [hit, next_c2].into_iter().flatten().min() else {
            break;
        };
        let Some(c) = p.get(at..).and_then(|t| t.chars().next()) else {
            break;
        };
        let next = at + c.len_utf8();
        let prev = p[..at].chars().next_back();
        let opens_here = prev.is_none_or(|c| c.is_whitespace() || "([{—–-:".contains(c))
            && p[next..].chars().next().is_some_and(|c| !c.is_whitespace());
        let close = match c {
            '“' => find_close(p, next, &['”', '"']),
            '„' => find_close(p, next, &['“', '”']),
            '«' => find_close(p, next, &['»']),
            '"' if opens_here => find_close(p, next, &['"', '”']),
            '‘' if opens_here => find_single_close(p, next, '’'),
            '\'' if opens_here => find_single_close(p, next, '\''),
            _ => {
                i = next;
                continue;
            }
        };
        let single = matches!(c, '‘' | '\'');
        let (end_of_content, close_end) = match close {
            Some(k) => (k, k + p[k..].chars().next().map_or(0, char::len_utf8)),
            None if single => {
                i = next;
                continue;
            }
            None => (p.len(), p.len()),
        };
        let content = trim_content(p, next..end_of_content);
        if !content.is_empty() {
            out.push(Raw {
                open: para.start + at,
                content: para.start + content.start..para.start + content.end,
                close_end: para.start + close_end,
                single,
            });
        }
        i = close_end.max(next);
    }
    out
}

fn find_close(p: &str, from: usize, closers: &[char]) -> Option<usize> {
    p[from..].find(closers).map(|k| from + k)
}

/// A closing single mark (`’` or `'`): after a non-space and before a non-word
/// character, so apostrophes inside words ("it’s", "TikTok's") do not close.
fn find_single_close(p: &str, from: usize, mark: char) -> Option<usize> {
    let mut search = from;
    while let Some(k) = p[search..].find(mark) {
        let at = search + k;
        let before = p[..at].chars().next_back();
        let after = p[at + mark.len_utf8()..].chars().next();
        if before.is_some_and(|c| !c.is_whitespace()) && !after.is_some_and(is_word_char) {
            return Some(at);
        }
        search = at + mark.len_utf8();
    }
    None
}

/// The content without surrounding spaces and a trailing comma.
fn trim_content(p: &str, r: Range<usize>) -> Range<usize> {
    let s = &p[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim().trim_end_matches(',').trim_end();
    r.start + lead..r.start + lead + t.len()
}

#[cfg(test)]
mod tests;
