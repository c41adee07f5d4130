//! Acronyms a text defines for itself. "The Fair Trade Commission (FTC)" in a Korean
//! story makes "FTC" that commission for the rest of the item, not the knowledge
//! base's US Federal Trade Commission. A knowledge-base acronym in brackets right
//! after a name of two or more capitalised words (the long form) is looked at:
//!
//! - the long form is a knowledge-base mention of the same entity, or its words are
//!   all words of the entity's names ("Office of the Data Protection Commission
//!   (ODPC)" for the Office of the Data Protection Commissioner; places and
//!   possessives aside: "Kenya's …"): nothing changes;
//! - the long form is a mention of another entity: the acronym's mentions in the item
//!   go to it;
//! - otherwise (a word of the long form is in none of the entity's names: "Fair"):
//!   they are dropped, and what they stand for is an unknown organisation the other
//!   finders may name.
//!
//! A dateline's capitals ("HONG KONG (AP) —") define nothing.

use super::Resolved;
use crate::model::EntityKind;

/// Longest acronym looked at, in bytes.
const MAX_ACRONYM: usize = 10;

/// Lower-case words that may join a long form's capitalised words.
const JOINERS: &[&str] = &[
    "of", "the", "and", "for", "on", "&", "de", "des", "du", "la",
];

/// What the caller knows of the entities: their kinds, and whether a word is one of
/// the words of an entity's names.
pub(super) trait Names {
    /// The kind of entity `e`.
    fn kind(&self, e: u32) -> EntityKind;
    /// Whether `word` (or a word it shares its first six letters with) is in one of
    /// entity `e`'s names.
    fn has_word(&self, e: u32, word: &str) -> bool;
}

/// Re-points or drops the mentions in `out` (sorted by start) of acronyms that `text`
/// defines as something else; returns the spans dropped.
pub(super) fn apply(
    text: &str,
    out: &mut Vec<Resolved>,
    names: &impl Names,
) -> Vec<(usize, usize)> {
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
        // A dateline's outlet: "SEATTLE, Wash. (AP) –".
        let rest = after[1..].trim_start();
        if rest.starts_with(['—', '–', '-']) {
            continue;
        }
        let long_end = before.trim_end().len();
        let Some(long_start) = long_form(&before[..long_end]) else {
            continue;
        };
        let long = &before[long_start..long_end];
        let named = out
            .iter()
            .find(|m| m.start <= long_start && m.end == long_end && m.entity != r.entity);
        let same = out
            .iter()
            .any(|m| m.entity == r.entity && m.start < long_end && m.end > long_start);
        if same {
            continue;
        }
        if let Some(m) = named {
            redefined.push((surface, r.entity, Some(m.entity)));
            continue;
        }
        // The long form's own words: capitalised, not a place the base found, not a
        // possessive.
        let places: Vec<(usize, usize)> = out
            .iter()
            .filter(|m| names.kind(m.entity) == EntityKind::Location)
            .map(|m| (m.start, m.end))
            .collect();
        let mut own = words_at(long, long_start)
            .map(|(at, w)| (at, w.trim_matches(|c: char| !c.is_alphanumeric())))
            .filter(|&(at, w)| {
                w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                    && w.starts_with(|c: char| c.is_uppercase())
                    && !places.iter().any(|&(s, e)| s <= at && at < e)
            });
        if own.any(|(_, w)| !names.has_word(r.entity, w)) {
            redefined.push((surface, r.entity, None));
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

/// The words of `s` with their byte offsets (plus `base`).
fn words_at(s: &str, base: usize) -> impl Iterator<Item = (usize, &str)> {
    s.split(' ')
        .scan(base, |at, w| {
            let here = *at;
            *at += w.len() + 1;
            Some((here, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// Where the long form ending `s` starts: the capitalised words (and joiners between
/// them) that end it, after any possessive ("Kenya's") and without an article;
/// None when fewer than two words are capitalised, or all are in capitals (a
/// dateline).
fn long_form(s: &str) -> Option<usize> {
    let mut start = s.len();
    let mut capitalised = 0;
    let mut lower_letters = false;
    for (at, w) in words_at(s, 0).collect::<Vec<_>>().into_iter().rev() {
        let possessive = w.ends_with("'s") || w.ends_with("’s");
        if matches!(w, "The" | "A" | "An") {
            continue;
        }
        // A name has no comma in it ("SEATTLE, Wash. (AP)").
        if w.ends_with([',', ';', ':']) {
            break;
        }
        if w.starts_with(|c: char| c.is_uppercase()) && !possessive {
            capitalised += 1;
            lower_letters |= w.chars().any(char::is_lowercase);
            start = at;
        } else if !JOINERS.contains(&w) {
            break;
        }
    }
    (capitalised >= 2 && lower_letters).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entity 7: "Federal Trade Commission"; 9: "Office of the Data Protection
    /// Commissioner"; 3: a commission; 5: a place.
    struct Kb;
    impl Names for Kb {
        fn kind(&self, e: u32) -> EntityKind {
            if e == 5 {
                EntityKind::Location
            } else {
                EntityKind::Regulator
            }
        }
        fn has_word(&self, e: u32, word: &str) -> bool {
            let names = match e {
                7 => "Federal Trade Commission FTC",
                9 => "Office of the Data Protection Commissioner ODPC",
                _ => "",
            };
            let stem = |w: &str| w.chars().take(6).collect::<String>().to_lowercase();
            names.split(' ').any(|n| stem(n) == stem(word))
        }
    }

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
        let text = "The Fair Trade Commission (FTC) fined Google. The FTC said so.";
        let (a, b) = at(text, "FTC", 0);
        let (c, d) = at(text, "FTC", 1);
        let mut out = vec![r(a, b, 7), r(c, d, 7)];
        let dropped = apply(text, &mut out, &Kb);
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
        assert!(apply(text, &mut out, &Kb).is_empty());
        assert_eq!(
            out.iter().map(|m| m.entity).collect::<Vec<_>>(),
            vec![3, 3, 3]
        );
    }

    #[test]
    fn the_knowledge_bases_own_definition_changes_nothing() {
        let unchanged = |text: &str, mut out: Vec<Resolved>| {
            let before = out.clone();
            assert!(apply(text, &mut out, &Kb).is_empty(), "{text}");
            assert_eq!(out, before, "{text}");
        };
        let text = "The Federal Trade Commission (FTC) sued. The FTC said so.";
        let (ls, le) = at(text, "Federal Trade Commission", 0);
        let (a, b) = at(text, "FTC", 0);
        unchanged(text, vec![r(ls, le, 7), r(a, b, 7)]);
        // The writer's variant of the name, after a place's possessive.
        let text = "Kenya's Office of the Data Protection Commission (ODPC) fined a firm.";
        let (a, b) = at(text, "ODPC", 0);
        unchanged(text, vec![r(0, 5, 5), r(a, b, 9)]);
        // A place in the long form is no word of the name.
        let text = "the US Federal Trade Commission (FTC) said";
        let (a, b) = at(text, "FTC", 0);
        unchanged(text, vec![r(4, 6, 5), r(a, b, 7)]);
        // A dateline, and a lower-case word before the bracket, define nothing.
        for text in [
            "HONG KONG (AP) — The company said",
            "SEATTLE, Wash. (AP) – The company said",
            "Seattle, Wash. (AP) - The company said",
        ] {
            let (a, b) = at(text, "AP", 0);
            unchanged(text, vec![r(a, b, 7)]);
        }
        let text = "regulators (FTC) and others";
        let (a, b) = at(text, "FTC", 0);
        unchanged(text, vec![r(a, b, 7)]);
    }
}
