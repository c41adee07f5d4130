//! Several alternative patterns searched in one pass. The combined pattern is only
//! used to find where matches are (the fast DFA engines); which alternative matched
//! and its groups are then read by re-matching the short matched text against that
//! alternative alone, anchored. Running capture engines over the big combined
//! pattern costs far more than the search itself.

use regex::{Captures, Regex};

/// Alternatives, tried in order at each position (leftmost-first).
#[derive(Debug)]
pub(crate) struct Alternation {
    /// `None` only if the constant patterns failed to compile (the unit tests rule
    /// that out); then nothing matches rather than anything panicking.
    all: Option<Regex>,
    each: Vec<Option<Regex>>,
}

/// One match: which alternative, where its text starts, and its groups (whose
/// offsets are relative to that start).
pub(crate) struct Hit<'t> {
    /// Index of the alternative.
    pub(crate) alt: usize,
    /// Byte offset of the match in the searched text.
    pub(crate) base: usize,
    /// The groups of the alternative, over the matched text.
    pub(crate) caps: Captures<'t>,
}

impl Alternation {
    /// Compiles `alts`. They are constants, so a failure is a programming error that
    /// the unit tests catch; the result then matches nothing.
    pub(crate) fn new(alts: &[String]) -> Self {
        let all = alts
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|");
        Alternation {
            all: Regex::new(&all).ok(),
            each: alts
                .iter()
                .map(|a| Regex::new(&format!("^(?:{a})$")).ok())
                .collect(),
        }
    }

    /// Whether every pattern compiled (asserted by the tests of each user).
    #[cfg(test)]
    pub(crate) fn compiled(&self) -> bool {
        self.all.is_some() && self.each.iter().all(Option::is_some)
    }

    /// Every match in `text`, in order, except those glued into a URL, path or
    /// identifier ("doi=10.1111%2F…", "/blog/2006-11-05/").
    pub(crate) fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Hit<'t>> + 't {
        let all = self.all.iter().flat_map(move |re| re.find_iter(text));
        all.filter_map(move |m| {
            if glued(text, m.start(), m.end()) {
                return None;
            }
            let sub = m.as_str();
            self.each.iter().enumerate().find_map(|(alt, re)| {
                re.as_ref()?.captures(sub).map(|caps| Hit {
                    alt,
                    base: m.start(),
                    caps,
                })
            })
        })
    }
}

/// Whether `text[start..end]` is part of a URL, path or identifier: directly after
/// one of `/=#?&_@\\` or a letter/digit, or directly before one of `/=#?&_@\\` or
/// a letter/digit.
fn glued(text: &str, start: usize, end: usize) -> bool {
    let joiner = |c: char| c.is_alphanumeric() || "/=#?&_@\\".contains(c);
    let before = text.get(..start).and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    before.is_some_and(joiner) || after.is_some_and(joiner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_alternative_and_its_groups() {
        let a = Alternation::new(&[r"(?P<x>\d+) cats".into(), r"(?P<y>\d+) dogs".into()]);
        let hits: Vec<(usize, usize, String)> = a
            .find_iter("2 dogs and 3 cats, not a/4 cats")
            .map(|h| (h.alt, h.base, h.caps[0].to_string()))
            .collect();
        assert_eq!(hits, [(1, 0, "2 dogs".into()), (0, 11, "3 cats".into())]);
        assert!(a.compiled());
    }
}
