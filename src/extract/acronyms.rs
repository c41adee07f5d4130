//! Short forms a story defines for itself. News introduces an organisation once with
//! its short form in brackets — "the Communications Authority of Kenya (CA)", "the
//! Dutch Data Protection Authority (AP)" — and then writes only the short form. Every
//! whole-word occurrence of that short form in the document is then a mention of the
//! organisation, whatever the knowledge base or the tagger made of it on its own: the
//! story's own definition is the best evidence there is ("AP" is the Dutch regulator
//! here, not the news agency). Only the knowledge base outranks it: when the long form
//! is a name the base does not know and the short form one it does, the short form
//! keeps its meaning if the long form's words are words of that entity's names ("National
//! Commission on Informatics and Liberty (CNIL)", "Office of the Data Protection
//! Commission (ODPC)"; places aside). If a word is in none of them, the story means
//! something else: "the Fair Trade Commission (FTC)" in a Korean story is not the US
//! Federal Trade Commission.

use std::collections::HashMap;

use super::entities::{Resolved, is_word_char};
use crate::model::EntityKind;

/// Re-points or adds the mentions of every short form defined in `text` right after a
/// mention of an organisation, regulator or product in `resolved` (sorted by start;
/// kept sorted). `described` (sorted, kept sorted) holds the spans of mentions resolved
/// from a description: a short form defined after one ("Germany's data protection
/// authorities (DSK)") is described too, as its identity comes from the description.
/// `kind` gives the kind of an entity index, `known` whether it is the knowledge
/// base's (rather than a name found in the text), `has_word` whether a word (by its
/// first six letters) is in one of an entity's names.
pub(crate) fn resolve_defined(
    text: &str,
    resolved: &mut Vec<Resolved>,
    described: &mut Vec<(usize, usize)>,
    kind: impl Fn(u32) -> EntityKind,
    known: impl Fn(u32) -> bool,
    has_word: impl Fn(u32, &str) -> bool,
) {
    if !text.contains('(') {
        return;
    }
    // Where each mention is, by its exact span, and the furthest end so far (mentions
    // are sorted by start; a nested one ends before the one around it).
    let at_span: HashMap<(usize, usize), usize> = resolved
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.start, r.end), i))
        .collect();
    let reach: Vec<usize> = resolved
        .iter()
        .scan(0, |far, r| {
            *far = (*far).max(r.end);
            Some(*far)
        })
        .collect();
    let overlaps_any = |start: usize, end: usize| {
        let lo = reach.partition_point(|&e| e <= start);
        resolved[lo..]
            .iter()
            .take_while(|r| r.start < end)
            .any(|r| r.end > start)
    };
    let mut defined: HashMap<&str, Resolved> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for r in resolved.iter() {
        if !matches!(
            kind(r.entity),
            EntityKind::Organization | EntityKind::Regulator | EntityKind::Product
        ) {
            continue;
        }
        let Some(short) = bracketed_short_form(text, r.end) else {
            continue;
        };
        if defined.contains_key(short) || text.get(r.start..r.end) == Some(short) {
            continue;
        }
        let at = text[r.end..].find(short).map_or(r.end, |i| r.end + i);
        let base_entity = at_span
            .get(&(at, at + short.len()))
            .map(|&i| resolved[i].entity)
            .filter(|&e| known(e));
        // The long form's own words (places aside) all in the base entity's names:
        // the writer's version of that name.
        let place_at = |pos: usize| {
            resolved
                .iter()
                .any(|m| m.start <= pos && pos < m.end && kind(m.entity) == EntityKind::Location)
        };
        let fits = |e: u32| {
            own_words(text, r.start, r.end)
                .filter(|&(pos, _)| !place_at(pos))
                .all(|(_, w)| has_word(e, w))
        };
        if known(r.entity) || base_entity.is_none_or(|e| !fits(e)) {
            defined.insert(short, *r);
            order.push(short);
        }
    }
    let mut added: Vec<Resolved> = Vec::new();
    let mut repointed: Vec<(usize, Resolved)> = Vec::new();
    for short in order {
        let by = defined[short];
        let by_description = described.binary_search(&(by.start, by.end)).is_ok();
        for (at, _) in text.match_indices(short) {
            let end = at + short.len();
            let whole = !text[..at].chars().next_back().is_some_and(is_word_char)
                && !text[end..].chars().next().is_some_and(is_word_char);
            if !whole {
                continue;
            }
            let mention = Resolved {
                start: at,
                end,
                entity: by.entity,
                confidence: by.confidence,
                demonym: false,
            };
            if let Some(&i) = at_span.get(&(at, end)) {
                repointed.push((i, mention));
            } else if !overlaps_any(at, end) {
                added.push(mention);
            } else {
                continue;
            }
            if by_description {
                described.push((at, end));
            }
        }
    }
    for (i, mention) in repointed {
        resolved[i] = mention;
    }
    resolved.extend(added);
    resolved.sort_by_key(|r| (r.start, r.end));
    described.sort_unstable();
    described.dedup();
}

/// The capitalised words of three letters or more in `text[start..end]`, trimmed of
/// punctuation, with their byte offsets.
fn own_words(text: &str, start: usize, end: usize) -> impl Iterator<Item = (usize, &str)> {
    let span = text.get(start..end).unwrap_or_default();
    span.split(' ')
        .scan(start, |at, w| {
            let here = *at;
            *at += w.len() + 1;
            Some((here, w.trim_matches(|c: char| !c.is_alphanumeric())))
        })
        .filter(|(_, w)| {
            w.starts_with(|c: char| c.is_uppercase())
                && w.chars().filter(|c| c.is_alphabetic()).count() >= 3
        })
}

/// The short form in brackets right after byte `end` (" (CA)", " (AEPD)", " (BfDI)"):
/// two to ten letters, digits, "&" or "-", starting with a capital and holding at
/// least two capitals, so that "(in Spanish)" or "(2023)" are not taken.
fn bracketed_short_form(text: &str, end: usize) -> Option<&str> {
    let rest = text.get(end..)?;
    let inner = rest.strip_prefix(" (").or_else(|| rest.strip_prefix('('))?;
    let close = inner.find(')')?;
    let short = &inner[..close];
    let ok = (2..=10).contains(&short.len())
        && short.starts_with(|c: char| c.is_ascii_uppercase())
        && short
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '&' || c == '-')
        && short.chars().filter(char::is_ascii_uppercase).count() >= 2;
    ok.then_some(short)
}

#[cfg(test)]
mod tests {
    use super::bracketed_short_form;

    #[test]
    fn short_forms_in_brackets() {
        let t = "the Authority (CA) said";
        assert_eq!(bracketed_short_form(t, 13), Some("CA"));
        assert_eq!(bracketed_short_form("X (BfDI)", 1), Some("BfDI"));
        assert_eq!(bracketed_short_form("X (AT&T)", 1), Some("AT&T"));
        for no in [
            "X (in Spanish)",
            "X (2023)",
            "X (Reuters)",
            "X (A)",
            "X, (CA)",
        ] {
            assert_eq!(bracketed_short_form(no, 1), None, "{no}");
        }
    }
}
