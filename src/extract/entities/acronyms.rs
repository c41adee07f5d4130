//! Acronyms a text defines for itself. "The Korea Fair Trade Commission (FTC)" makes
//! "FTC" that commission for the rest of the item, not the knowledge base's US Federal
//! Trade Commission. A knowledge-base acronym written in brackets right after a name
//! of two or more capitalised words that is not a mention of the same entity is
//! redefined: its mentions in the item go to the entity that name is, when the
//! knowledge base knows it, and are dropped otherwise (what they stand for is then an
//! unknown organisation the other finders may name). "The Federal Trade Commission
//! (FTC)" defines nothing new.

use super::Resolved;

/// Longest acronym looked at, in bytes.
const MAX_ACRONYM: usize = 10;

/// Re-points or drops the mentions in `out` (sorted by start) of acronyms that `text`
/// defines as something else; returns the spans dropped.
pub(super) fn apply(text: &str, out: &mut Vec<Resolved>) -> Vec<(usize, usize)> {
    // (surface, entity it was read as, entity it stands for here if known).
    let mut redefined: Vec<(&str, u32, Option<u32>)> = Vec::new();
    for r in out.iter() {
        let Some(surface) = text.get(r.start..r.end) else {
            continue;
        };
        if !is_acronym(surface) || redefined.iter().any(|d| d.0 == surface) {
            continue;
        }
        let (Some(before), Some(after)) = (text.get(..r.start), text.get(r.end..)) else {
            continue;
        };
        let Some(before) = before.strip_suffix('(') else {
            continue;
        };
        if !after.starts_with(')') {
            continue;
        }
        let long_end = before.trim_end().len();
        // The name before the bracket, as the knowledge base read it.
        let named = out
            .iter()
            .filter(|m| m.end == long_end && m.start < m.end)
            .max_by_key(|m| m.end - m.start);
        match named {
            Some(m) if m.entity == r.entity => {}
            Some(m) if capitalised_words(&text[m.start..m.end]) >= 2 => {
                redefined.push((surface, r.entity, Some(m.entity)));
            }
            Some(_) => {}
            None if capitalised_words_before(&before[..long_end]) >= 2 => {
                redefined.push((surface, r.entity, None));
            }
            None => {}
        }
    }
    let mut dropped = Vec::new();
    if redefined.is_empty() {
        return dropped;
    }
    out.retain_mut(|r| {
        let surface = text.get(r.start..r.end).unwrap_or_default();
        match redefined.iter().find(|d| d.0 == surface && d.1 == r.entity) {
            Some((_, _, Some(entity))) => {
                r.entity = *entity;
                true
            }
            Some((_, _, None)) => {
                dropped.push((r.start, r.end));
                false
            }
            None => true,
        }
    });
    dropped
}

/// Two to ten capital letters (an ampersand or digit may join them): "FTC", "AT&T".
fn is_acronym(s: &str) -> bool {
    (2..=MAX_ACRONYM).contains(&s.len())
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&')
}

/// How many words of `s` start with a capital.
fn capitalised_words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count()
}

/// How many capitalised words (and "of", "and", "for", "the" between them) end `s`.
fn capitalised_words_before(s: &str) -> usize {
    let mut n = 0;
    for w in s.split_whitespace().rev() {
        if w.chars().next().is_some_and(char::is_uppercase) {
            n += 1;
        } else if !matches!(w, "of" | "and" | "for" | "the" | "on" | "&") {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: usize, end: usize, entity: u32) -> Resolved {
        Resolved {
            start,
            end,
            entity,
            confidence: 1.0,
            demonym: false,
        }
    }

    fn at(text: &str, word: &str, nth: usize) -> (usize, usize) {
        let s = text
            .match_indices(word)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or(0);
        (s, s + word.len())
    }

    #[test]
    fn an_acronym_defined_as_another_name_is_not_the_knowledge_bases() {
        let text = "The Korea Fair Trade Commission (FTC) fined Google. The FTC said so.";
        let (a, b) = at(text, "FTC", 0);
        let (c, d) = at(text, "FTC", 1);
        let mut out = vec![r(a, b, 7), r(c, d, 7)];
        let dropped = apply(text, &mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(dropped, vec![(a, b), (c, d)]);
    }

    #[test]
    fn an_acronym_defined_as_a_known_name_goes_to_it() {
        let text = "The Korea Communications Commission (KCC) fined Meta. The KCC said so.";
        let (ls, le) = at(text, "Korea Communications Commission", 0);
        let (a, b) = at(text, "KCC", 0);
        let (c, d) = at(text, "KCC", 1);
        let mut out = vec![r(ls, le, 3), r(a, b, 9), r(c, d, 9)];
        assert!(apply(text, &mut out).is_empty());
        assert_eq!(
            out.iter().map(|m| m.entity).collect::<Vec<_>>(),
            vec![3, 3, 3]
        );
    }

    #[test]
    fn the_knowledge_bases_own_definition_changes_nothing() {
        let text = "The Federal Trade Commission (FTC) sued. The FTC said so.";
        let (ls, le) = at(text, "Federal Trade Commission", 0);
        let (a, b) = at(text, "FTC", 0);
        let (c, d) = at(text, "FTC", 1);
        let mut out = vec![r(ls, le, 7), r(a, b, 7), r(c, d, 7)];
        let before = out.clone();
        assert!(apply(text, &mut out).is_empty());
        assert_eq!(out, before);
        // An acronym in brackets after a lower-case word defines nothing.
        let text = "regulators (FTC) and others";
        let (a, b) = at(text, "FTC", 0);
        let mut out = vec![r(a, b, 7)];
        assert!(apply(text, &mut out).is_empty());
        assert_eq!(out.len(), 1);
    }
}
