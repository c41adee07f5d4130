//! Several alternative patterns searched in one pass: one multi-pattern regex whose
//! leftmost-first search (the fast DFA engines) reports where a match is and which
//! alternative made it, earlier alternatives preferred as in `a|b|c`. The groups are
//! then read by a capture engine run only over that match, anchored to that
//! alternative: running capture engines over the whole text costs far more than the
//! search itself, and one compiled regex serves both (compiling a regex per
//! alternative as well cost more start-up time than the search ever saved). It is
//! built without a literal prefilter (see [`Alternation::new`]).

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternID};

/// Alternatives, tried in order at each position (leftmost-first).
#[derive(Debug)]
pub(crate) struct Alternation {
    /// `None` only if the constant patterns failed to compile (the unit tests rule
    /// that out); then nothing matches rather than anything panicking.
    all: Option<Regex>,
}

/// One match: which alternative, where its text starts, and its groups (whose
/// offsets are relative to that start).
pub(crate) struct Hit<'t> {
    /// Index of the alternative.
    pub(crate) alt: usize,
    /// Byte offset of the match in the searched text.
    pub(crate) base: usize,
    /// The groups of the alternative.
    pub(crate) caps: Groups<'t>,
}

/// The groups of one match.
pub(crate) struct Groups<'t> {
    text: &'t str,
    base: usize,
    caps: Captures,
}

/// One group of a match: its text, and its offsets relative to the match's start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group<'t> {
    text: &'t str,
    start: usize,
}

impl<'t> Group<'t> {
    /// The group's text.
    pub(crate) fn as_str(&self) -> &'t str {
        self.text
    }

    /// Where it starts, from the start of the match.
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Where it ends, from the start of the match.
    pub(crate) fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// Its length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
}

impl<'t> Groups<'t> {
    fn group(&self, span: Option<regex_automata::Span>) -> Option<Group<'t>> {
        let span = span?;
        Some(Group {
            text: self.text.get(span.range())?,
            start: span.start.checked_sub(self.base)?,
        })
    }

    /// The group named `name`, if it took part in the match.
    pub(crate) fn name(&self, name: &str) -> Option<Group<'t>> {
        self.group(self.caps.get_group_by_name(name))
    }

    /// Group `i` (0: the whole match), if it took part in the match.
    pub(crate) fn get(&self, i: usize) -> Option<Group<'t>> {
        self.group(self.caps.get_group(i))
    }
}

impl Alternation {
    /// Compiles `alts`. They are constants, so a failure is a programming error that
    /// the unit tests catch; the result then matches nothing.
    pub(crate) fn new(alts: &[String]) -> Self {
        Alternation {
            // No prefilter: these alternations start with digits, words and
            // classes, whose literal prefixes regex-automata gives up on after
            // working them out, which was a third of a short `extract`'s CPU time
            // (the search itself is the same without).
            all: Regex::builder()
                .configure(Regex::config().auto_prefilter(false))
                .build_many(alts)
                .ok(),
        }
    }

    /// Whether every pattern compiled (asserted by the tests of each user).
    #[cfg(test)]
    pub(crate) fn compiled(&self) -> bool {
        self.all.is_some()
    }

    /// Every match in `text`, in order, except those glued into a URL, path or
    /// identifier ("doi=10.1111%2F…", "/blog/2006-11-05/").
    pub(crate) fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Hit<'t>> + 't {
        let all = self.all.iter().flat_map(move |re| {
            re.find_iter(text)
                .map(move |m| (re, m.pattern(), m.range()))
        });
        all.filter_map(move |(re, pattern, range)| {
            if glued(text, range.start, range.end) {
                return None;
            }
            Some(Hit {
                alt: pattern.as_usize(),
                base: range.start,
                caps: captures(re, text, pattern, range)?,
            })
        })
    }
}

/// The groups of the match of alternative `pattern` over `range` of `text`: the
/// capture engine runs over that span only, with the text around it in view for
/// boundary assertions.
fn captures<'t>(
    re: &Regex,
    text: &'t str,
    pattern: PatternID,
    range: std::ops::Range<usize>,
) -> Option<Groups<'t>> {
    let base = range.start;
    let input = Input::new(text)
        .range(range)
        .anchored(Anchored::Pattern(pattern));
    let mut caps = re.create_captures();
    re.search_captures(&input, &mut caps);
    caps.is_match().then_some(Groups { text, base, caps })
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
        let hits: Vec<(usize, usize, String, String)> = a
            .find_iter("2 dogs and 3 cats, not a/4 cats")
            .map(|h| {
                let n = h.caps.name("x").or(h.caps.name("y")).unwrap();
                (
                    h.alt,
                    h.base,
                    h.caps.get(0).unwrap().as_str().into(),
                    n.as_str().into(),
                )
            })
            .collect();
        assert_eq!(
            hits,
            [
                (1, 0, "2 dogs".into(), "2".into()),
                (0, 11, "3 cats".into(), "3".into())
            ]
        );
        assert!(a.compiled());
    }

    #[test]
    fn earlier_alternatives_win_at_the_same_start() {
        // As in `a|b`: the first alternative that matches at the leftmost start.
        let a = Alternation::new(&["x y".into(), "x y z".into(), "z".into()]);
        let hits: Vec<(usize, usize)> = a.find_iter("x y z.").map(|h| (h.alt, h.base)).collect();
        assert_eq!(hits, [(0, 0), (2, 4)]);
    }
}
