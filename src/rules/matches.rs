//! Finding a rule set's atoms in one item: every occurrence of every atom, in one
//! pass over the item's entities and one over its words, whatever the number of
//! rules. Words are looked up in a hash index of the atoms' first words, so the cost
//! grows with the text, not with the rules.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::doc::Doc;
use super::program::{Atom, AtomId, TextAtom};
use super::words;
use crate::model::EntityKind;

/// No value (no entity hit, no atom).
pub(crate) const NONE: u32 = u32::MAX;

/// One occurrence: of an atom, or of a compound (NEAR, SENTENCE) made of witnesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occ {
    /// Byte range in the text.
    pub start: u32,
    pub end: u32,
    /// Word range (`w0..w1`).
    pub w0: u32,
    pub w1: u32,
    /// Sentence of the first word.
    pub sentence: u32,
    /// The entity hit (index in `Extraction::entities`), or `NONE`.
    pub hit: u32,
    /// The atom, or `NONE` for a compound occurrence.
    pub atom: u32,
    /// For a compound: its witnesses, a range of the evaluator's witness list.
    pub wit0: u32,
    pub wit1: u32,
}

/// Where each atom of a rule set is found, for one item.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// Every occurrence, grouped by atom, in text order within an atom.
    occs: Vec<Occ>,
    /// For each atom, its range in `occs`.
    ranges: Vec<(u32, u32)>,
    /// Atoms with at least one occurrence.
    pub present: Vec<AtomId>,
}

impl Matches {
    /// The occurrences of `atom`, in text order.
    pub fn of(&self, atom: AtomId) -> &[Occ] {
        match self.ranges.get(atom as usize) {
            Some(&(a, b)) => &self.occs[a as usize..b as usize],
            None => &[],
        }
    }
}

/// The index's maps: looked up once or more per word of every item, so hashed with a
/// fast fixed hash (nothing here is stored or exposed to untrusted keys' owners).
type Map<K, V> = HashMap<K, V, FixedState>;

/// The lookup tables from what an item contains to the atoms it satisfies.
#[derive(Debug, Default)]
pub(crate) struct AtomIndex {
    /// Entity id → atoms that stand for it (`@…`, `country:`, `tag:`).
    by_entity: Map<String, Vec<AtomId>>,
    /// Entity kind → `kind:` atoms.
    by_kind: Map<EntityKind, Vec<AtomId>>,
    /// Country code → `country:` atoms, and tag → `tag:` atoms: for entities the
    /// knowledge base does not hold, whose hit carries its country and tags (the
    /// `dpa/de` a description made).
    by_country: Map<String, Vec<AtomId>>,
    by_tag: Map<String, Vec<AtomId>>,
    /// First word (folded) → text atoms starting with it.
    by_word: Map<String, Vec<AtomId>>,
    /// Prefix (folded) → one-word prefix atoms.
    by_prefix: Map<String, Vec<AtomId>>,
    /// The first `head_chars` characters of each prefix in `by_prefix` → those
    /// prefixes: one lookup per word finds the few prefixes it may start with.
    by_head: Map<String, Vec<String>>,
    /// The length, in characters, of the shortest prefix in `by_prefix`.
    head_chars: usize,
}

impl AtomIndex {
    /// Indexes `atoms`.
    pub fn new(atoms: &[Atom]) -> Self {
        let mut ix = AtomIndex::default();
        for (i, atom) in atoms.iter().enumerate() {
            let i = i as AtomId;
            match atom {
                Atom::Kind(k) => ix.by_kind.entry(*k).or_default().push(i),
                Atom::Text(t) if t.prefix && t.words.len() == 1 => {
                    ix.by_prefix.entry(t.words[0].clone()).or_default().push(i);
                }
                Atom::Text(t) => ix.by_word.entry(t.words[0].clone()).or_default().push(i),
                _ => {
                    for id in atom.entity_ids() {
                        ix.by_entity.entry(id.clone()).or_default().push(i);
                    }
                    match atom {
                        Atom::Country { code, .. } => {
                            ix.by_country.entry(code.clone()).or_default().push(i)
                        }
                        Atom::Tag { tag, .. } => ix.by_tag.entry(tag.clone()).or_default().push(i),
                        _ => {}
                    }
                }
            }
        }
        ix.head_chars = ix
            .by_prefix
            .keys()
            .map(|p| p.chars().count())
            .min()
            .unwrap_or(0);
        let mut heads: Map<String, Vec<String>> = Map::default();
        for p in ix.by_prefix.keys() {
            let head: String = p.chars().take(ix.head_chars).collect();
            heads.entry(head).or_default().push(p.clone());
        }
        for list in heads.values_mut() {
            list.sort_unstable();
        }
        ix.by_head = heads;
        ix
    }

    /// Every occurrence of every atom in `doc`.
    pub fn find(&self, atoms: &[Atom], doc: &Doc<'_>) -> Matches {
        let mut found: Vec<Occ> = Vec::new();
        let text = doc.ex.text.as_str();
        let mut attributed: Vec<AtomId> = Vec::new();
        for (h, hit) in doc.ex.entities.iter().enumerate() {
            let by_id = self.by_entity.get(&hit.id).map_or(&[][..], Vec::as_slice);
            let by_kind = self.by_kind.get(&hit.kind).map_or(&[][..], Vec::as_slice);
            self.by_attributes(hit, &mut attributed);
            if by_id.is_empty() && by_kind.is_empty() && attributed.is_empty() {
                continue;
            }
            for m in &hit.mentions {
                if m.start > m.end || m.end > text.len() {
                    continue;
                }
                let (w0, w1) = doc.word_span(m.start, m.end);
                let occ = Occ {
                    start: m.start as u32,
                    end: m.end as u32,
                    w0,
                    w1,
                    sentence: doc.sentence_at(m.start),
                    hit: h as u32,
                    atom: NONE,
                    wit0: 0,
                    wit1: 0,
                };
                for &a in by_id.iter().chain(by_kind).chain(&attributed) {
                    found.push(Occ { atom: a, ..occ });
                }
            }
        }
        for i in 0..doc.words.len() {
            let w = doc.folded(i);
            if let Some(cands) = self.by_word.get(w) {
                for &a in cands {
                    if let Atom::Text(t) = &atoms[a as usize] {
                        if let Some(end) = text_at(doc, i, t) {
                            found.push(word_occ(doc, i, end, a));
                        }
                    }
                }
            }
            if self.by_head.is_empty() {
                continue;
            }
            // The word's head: its first `head_chars` characters (or all of it when it
            // has exactly that many; shorter words start with no prefix).
            let cut = match w.char_indices().nth(self.head_chars) {
                Some((cut, _)) => cut,
                None if w.chars().count() == self.head_chars => w.len(),
                None => continue,
            };
            if let Some(prefixes) = self.by_head.get(&w[..cut]) {
                for p in prefixes {
                    if w.starts_with(p.as_str()) {
                        self.prefix_hit(atoms, doc, i, p, &mut found);
                    }
                }
            }
        }
        found.sort_unstable_by_key(|o| (o.atom, o.start, o.end));
        found.dedup_by_key(|o| (o.atom, o.start, o.end));
        let mut ranges = vec![(0u32, 0u32); atoms.len()];
        let mut present = Vec::new();
        let mut i = 0;
        while i < found.len() {
            let a = found[i].atom;
            let j = i + found[i..].partition_point(|o| o.atom == a);
            if let Some(r) = ranges.get_mut(a as usize) {
                *r = (i as u32, j as u32);
                present.push(a);
            }
            i = j;
        }
        Matches {
            occs: found,
            ranges,
            present,
        }
    }

    /// Into `out`, the `country:` and `tag:` atoms a hit's own country and tags
    /// satisfy (`country:US` takes `US-TX` too); none for knowledge-base entities,
    /// whose hits carry neither.
    fn by_attributes(&self, hit: &crate::model::EntityHit, out: &mut Vec<AtomId>) {
        out.clear();
        if let Some(c) = &hit.country {
            let whole = self.by_country.get(c.as_str());
            let nation = c.split_once('-').and_then(|(n, _)| self.by_country.get(n));
            out.extend(whole.into_iter().chain(nation).flatten());
        }
        for t in &hit.tags {
            out.extend(self.by_tag.get(t.as_str()).into_iter().flatten());
        }
    }

    fn prefix_hit(
        &self,
        atoms: &[Atom],
        doc: &Doc<'_>,
        i: usize,
        prefix: &str,
        found: &mut Vec<Occ>,
    ) {
        if let Some(cands) = self.by_prefix.get(prefix) {
            for &a in cands {
                if let Atom::Text(t) = &atoms[a as usize] {
                    if text_at(doc, i, t).is_some() {
                        found.push(word_occ(doc, i, i + 1, a));
                    }
                }
            }
        }
    }
}

fn word_occ(doc: &Doc<'_>, w0: usize, w1: usize, atom: AtomId) -> Occ {
    let (first, last) = (&doc.words[w0], &doc.words[w1 - 1]);
    Occ {
        start: first.start,
        end: last.end,
        w0: w0 as u32,
        w1: w1 as u32,
        sentence: first.sentence,
        hit: NONE,
        atom,
        wit0: 0,
        wit1: 0,
    }
}

/// Whether text atom `t` occurs starting at word `i`; the end word index if so.
fn text_at(doc: &Doc<'_>, i: usize, t: &TextAtom) -> Option<usize> {
    let n = t.words.len();
    if i + n > doc.words.len() {
        return None;
    }
    let text = doc.ex.text.as_str();
    for (k, want) in t.words.iter().enumerate() {
        let j = i + k;
        let got = doc.folded(j);
        let last = k + 1 == n;
        let ok = if last && t.prefix {
            got.starts_with(want.as_str())
        } else {
            got == want
        };
        if !ok {
            return None;
        }
        if k > 0 {
            let gap = &text[doc.words[j - 1].end as usize..doc.words[j].start as usize];
            if !words::joins_phrase(gap) {
                return None;
            }
        }
        if let Some(exact) = &t.exact {
            let w = &doc.words[j];
            let surface = &text[w.start as usize..w.end as usize];
            let want = exact[k].as_str();
            let ok = if last && t.prefix {
                surface.starts_with(want)
            } else {
                surface == want
            };
            if !ok {
                return None;
            }
        }
    }
    Some(i + n)
}
