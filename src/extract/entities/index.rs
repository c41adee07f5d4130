//! Finding every alias in a text: a hash table from an alias's first word to the
//! aliases that start with it, consulted once per word of the text. Names start at
//! word starts, so this does a hash lookup per word instead of an automaton step per
//! byte, and builds in a few milliseconds where an Aho-Corasick automaton over the
//! same tens of thousands of case variants took most of the knowledge base's build
//! time. Aliases that can start inside a word (those opening with a character of a
//! script written without spaces, "抖音", or with punctuation) go to a small
//! Aho-Corasick automaton instead.
//!
//! The tables are flat (texts end to end, lists end to end, an open-addressing table
//! of slots), so the shipped knowledge base's index is stored compiled in the binary
//! ([`Tables`], see `super::super::snapshot`) and loads with a few copies.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use super::is_word_char;

/// FNV-1a: a fast, fixed hash for the short keys here (no DoS concern: the keys are
/// the knowledge base's own words).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A `HashMap` with [`Fnv`].
pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Scripts written without spaces between words: no boundary is required there.
pub(crate) fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The leading word characters of `s` (its first word, as the text splits words).
fn first_word(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Where item `i` of a list stored end to end lies, from the items' `ends`.
fn span(ends: &[u32], i: u32) -> Option<std::ops::Range<usize>> {
    let i = i as usize;
    let start = match i.checked_sub(1) {
        Some(j) => *ends.get(j)? as usize,
        None => 0,
    };
    Some(start..*ends.get(i)? as usize)
}

/// Strings stored end to end: string `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }

    fn get(&self, i: u32) -> &str {
        span(&self.ends, i)
            .and_then(|r| self.text.get(r))
            .unwrap_or("")
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Lists of numbers stored end to end: list `i` is `items[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Lists {
    items: Vec<u32>,
    ends: Vec<u32>,
}

impl Lists {
    fn push(&mut self, list: &[u32]) {
        self.items.extend_from_slice(list);
        self.ends.push(self.items.len() as u32);
    }

    fn get(&self, i: u32) -> &[u32] {
        span(&self.ends, i)
            .and_then(|r| self.items.get(r))
            .unwrap_or(&[])
    }
}

/// FNV-1a of `bytes`, as [`Fnv`] hashes them.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.finish()
}

/// Words → lists of pattern ids: open addressing (linear probing) over [`fnv`]
/// hashes, at most half full.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct WordTable {
    keys: Strings,
    lists: Lists,
    /// A power of two many; 0 is empty, `k + 1` is key `k`.
    slots: Vec<u32>,
}

impl WordTable {
    /// The table of `entries` (distinct words, each with its list).
    fn new(entries: &[(String, Vec<u32>)]) -> Self {
        let size = (entries.len() * 2).next_power_of_two().max(2);
        let mut t = WordTable {
            slots: vec![0; size],
            ..WordTable::default()
        };
        for (k, (word, list)) in entries.iter().enumerate() {
            t.keys.push(word);
            t.lists.push(list);
            let mask = size - 1;
            let mut i = fnv(word.as_bytes()) as usize & mask;
            while t.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            t.slots[i] = k as u32 + 1;
        }
        t
    }

    /// The list of `word`.
    fn get(&self, word: &str) -> Option<&[u32]> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = fnv(word.as_bytes()) as usize & mask;
        loop {
            let k = *self.slots.get(i)?;
            if k == 0 {
                return None;
            }
            if self.keys.get(k - 1) == word {
                return Some(self.lists.get(k - 1));
            }
            i = (i + 1) & mask;
        }
    }

    fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }
}

/// Patterns, each with the candidates it stands for.
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    texts: Vec<String>,
    cands: Vec<Vec<u32>>,
    index: FnvMap<String, usize>,
}

impl Patterns {
    /// Adds `text` as a pattern standing for candidate `cand`.
    pub(crate) fn add(&mut self, text: String, cand: u32) {
        let i = match self.index.get(&text) {
            Some(&i) => i,
            None => {
                self.index.insert(text.clone(), self.texts.len());
                self.texts.push(text);
                self.cands.push(Vec::new());
                self.texts.len() - 1
            }
        };
        if !self.cands[i].contains(&cand) {
            self.cands[i].push(cand);
        }
    }
}

/// First words and the patterns starting with each, in the order first words are
/// met: what a [`WordTable`] is built from.
#[derive(Default)]
struct Heads {
    entries: Vec<(String, Vec<u32>)>,
    at: FnvMap<String, usize>,
}

impl Heads {
    fn add(&mut self, head: &str, pattern: u32) {
        let entries = &mut self.entries;
        let k = *self.at.entry(head.to_string()).or_insert_with(|| {
            entries.push((head.to_string(), Vec::new()));
            entries.len() - 1
        });
        entries[k].1.push(pattern);
    }
}

/// The compiled index over every pattern.
#[derive(Debug)]
pub(crate) struct WordIndex {
    tables: Tables,
    /// The patterns of `tables.free`, which can start inside a word. `None` when
    /// there are none (or, never seen, when the automaton cannot be built).
    free: Option<AhoCorasick>,
}

/// What [`WordIndex`] is made of, apart from its automaton: what the compiled-in
/// knowledge base stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tables {
    /// Case-sensitive: first word → patterns.
    exact: WordTable,
    /// ASCII-case-insensitive (the rare `case = "any"` aliases): lower-cased first
    /// word → patterns.
    folded: WordTable,
    /// The patterns that can start inside a word, and their index among all patterns.
    free: Strings,
    free_ids: Vec<u32>,
    /// Every pattern's text.
    texts: Strings,
    /// Whether each pattern matches in any ASCII case.
    folded_flags: Vec<bool>,
    /// Each pattern's candidates.
    cands: Lists,
    /// Bit `b0 * 256 + b1` is set when some key starts with bytes `b0 b1` (or is the
    /// one byte `b0`, with `b1` = 0): most words of a text start with a pair no
    /// alias starts with, and cost no hash lookup.
    pairs: Vec<u64>,
}

/// Whether ASCII byte `b` is a word character.
const fn ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The (first, second) byte pair of a word that [`WordIndex::pairs`] is keyed by;
/// the second is 0 when the word has one byte.
fn pair(word: &[u8]) -> usize {
    let b0 = word.first().copied().unwrap_or(0);
    let b1 = word.get(1).copied().unwrap_or(0);
    usize::from(b0) << 8 | usize::from(b1)
}

/// One occurrence of a pattern.
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) pattern: u32,
}

impl WordIndex {
    /// Indexes `exact` (matched as written) and `folded` (any ASCII case; their texts
    /// are lower case) patterns.
    pub(crate) fn new(exact: Patterns, folded: Patterns) -> Self {
        let mut t = Tables {
            exact: WordTable::default(),
            folded: WordTable::default(),
            free: Strings::default(),
            free_ids: Vec::new(),
            texts: Strings::default(),
            folded_flags: Vec::new(),
            cands: Lists::default(),
            pairs: vec![0; 1 << 10],
        };
        // Exact and folded: first word → patterns.
        let mut heads: [Heads; 2] = Default::default();
        for (table, is_folded) in [(exact, false), (folded, true)] {
            for (text, cands) in table.texts.into_iter().zip(table.cands) {
                let id = t.texts.len() as u32;
                let head = first_word(&text);
                let starts_free = text
                    .chars()
                    .next()
                    .is_none_or(|c| !is_word_char(c) || is_unspaced_script(c));
                if starts_free {
                    t.free.push(&text);
                    t.free_ids.push(id);
                } else {
                    heads[usize::from(is_folded)].add(head, id);
                    if is_folded {
                        // Any ASCII case of the first two bytes.
                        let h = head.as_bytes();
                        let b0 = h.first().copied().unwrap_or(0);
                        let b1 = h.get(1).copied().unwrap_or(0);
                        for x in [b0.to_ascii_lowercase(), b0.to_ascii_uppercase()] {
                            for y in [b1.to_ascii_lowercase(), b1.to_ascii_uppercase()] {
                                t.mark(usize::from(x) << 8 | usize::from(y));
                            }
                        }
                    } else {
                        t.mark(pair(head.as_bytes()));
                    }
                }
                t.texts.push(&text);
                t.folded_flags.push(is_folded);
                t.cands.push(&cands);
            }
        }
        t.exact = WordTable::new(&heads[0].entries);
        t.folded = WordTable::new(&heads[1].entries);
        Self::from_tables(t)
    }

    /// The index over `tables` (its automaton built here).
    pub(crate) fn from_tables(tables: Tables) -> Self {
        let free_texts: Vec<&str> = (0..tables.free.len() as u32)
            .map(|i| tables.free.get(i))
            .collect();
        let free = (!free_texts.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&free_texts)
                    .ok()
            })
            .flatten();
        WordIndex { tables, free }
    }

    /// The tables, to store.
    #[cfg(test)]
    pub(crate) fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The candidates of pattern `p`.
    pub(crate) fn cands(&self, p: u32) -> &[u32] {
        self.tables.cands.get(p)
    }

    /// Every occurrence of every pattern in `text` (overlapping ones included), in no
    /// particular order.
    pub(crate) fn find(&self, text: &str, mut each: impl FnMut(Hit)) {
        let bytes = text.as_bytes();
        let mut lower = String::new();
        let mut i = 0;
        while i < bytes.len() {
            // Skip to the next word start.
            let b = bytes[i];
            if b < 0x80 && !ascii_word(b) {
                i += 1;
                continue;
            }
            let c = if b < 0x80 {
                b as char
            } else {
                match text[i..].chars().next() {
                    Some(c) => c,
                    None => break,
                }
            };
            if !is_word_char(c) {
                i += c.len_utf8();
                continue;
            }
            // A word starts at `i`; find its end.
            let mut end = i;
            while end < bytes.len() {
                let b = bytes[end];
                if b < 0x80 {
                    if !ascii_word(b) {
                        break;
                    }
                    end += 1;
                } else {
                    match text[end..].chars().next() {
                        Some(c) if is_word_char(c) => end += c.len_utf8(),
                        _ => break,
                    }
                }
            }
            if !is_unspaced_script(c) && self.tables.marked(pair(&bytes[i..end])) {
                self.lookup(text, i, end, &mut lower, &mut each);
            }
            i = end.max(i + 1);
        }
        if let Some(ac) = &self.free {
            for m in ac.find_overlapping_iter(text) {
                if let Some(&pattern) = self.tables.free_ids.get(m.pattern().as_usize()) {
                    each(Hit {
                        start: m.start(),
                        end: m.end(),
                        pattern,
                    });
                }
            }
        }
    }

    /// The patterns whose first word is `text[i..end]`, where they match.
    fn lookup(
        &self,
        text: &str,
        i: usize,
        end: usize,
        lower: &mut String,
        each: &mut impl FnMut(Hit),
    ) {
        let w = &text[i..end];
        let tables = &self.tables;
        if let Some(ps) = tables.exact.get(w) {
            for &p in ps {
                let t = tables.texts.get(p);
                if text[i..].starts_with(t) {
                    each(Hit {
                        start: i,
                        end: i + t.len(),
                        pattern: p,
                    });
                }
            }
        }
        if !tables.folded.is_empty() {
            lower.clear();
            lower.push_str(w);
            lower.make_ascii_lowercase();
            if let Some(ps) = tables.folded.get(lower.as_str()) {
                for &p in ps {
                    let t = tables.texts.get(p);
                    let stop = i + t.len();
                    if text.get(i..stop).is_some_and(|s| s.eq_ignore_ascii_case(t)) {
                        each(Hit {
                            start: i,
                            end: stop,
                            pattern: p,
                        });
                    }
                }
            }
        }
    }

    /// Whether pattern `p` is matched in any ASCII case.
    #[cfg(test)]
    pub(crate) fn is_folded(&self, p: u32) -> bool {
        self.tables.folded_flags[p as usize]
    }
}

impl Tables {
    fn mark(&mut self, key: usize) {
        self.pairs[key >> 6] |= 1 << (key & 63);
    }

    fn marked(&self, key: usize) -> bool {
        self.pairs
            .get(key >> 6)
            .is_some_and(|w| w & (1 << (key & 63)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overlapping_and_folded_and_free() {
        let mut exact = Patterns::default();
        exact.add("Hong Kong".into(), 0);
        exact.add("Hong Kong stock exchange".into(), 1);
        exact.add("AT&T".into(), 2);
        exact.add("抖音".into(), 3);
        let mut folded = Patterns::default();
        folded.add("nyse".into(), 4);
        let ix = WordIndex::new(exact, folded);
        let text = "Hong Kong stock exchange, AT&T and NySe; 下载抖音. XHong Kong";
        let mut hits = Vec::new();
        ix.find(text, |h| {
            hits.push((h.start, h.end, ix.cands(h.pattern)[0]))
        });
        hits.sort_unstable();
        let got: Vec<(&str, u32)> = hits.iter().map(|&(s, e, c)| (&text[s..e], c)).collect();
        assert_eq!(
            got,
            [
                ("Hong Kong", 0),
                ("Hong Kong stock exchange", 1),
                ("AT&T", 2),
                ("NySe", 4),
                ("抖音", 3),
            ]
        );
        assert!(ix.is_folded(4) && !ix.is_folded(0));
    }
}
