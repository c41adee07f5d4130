//! A learned sequence tagger for the names the knowledge base does not know: persons,
//! organisations, places (and other names, MISC, which it learns so as not to confuse
//! them with the three). An averaged structured perceptron over hashed features (see
//! [`features`](self) for what it sees), Viterbi decoding under BIO constraints, 8-bit
//! weights embedded in the binary and read where they lie: loading is a header check.
//!
//! It runs after the knowledge base, whose mentions it sees as features; where the
//! base names an entity, the base wins (see `super::unknown`).
//!
//! - `tokens`: the tokenizer; `features`: what the tagger sees; `lexicon`: the
//!   gazetteers; `hash`: the fixed hash the model depends on.
//! - `model`: the model bytes; `decode`: tags and Viterbi.
//! - [`train`]: training; [`corpus`]: the annotated corpora and the split.
//!
//! The model is built by `cargo run --release --example ner -- train` (see
//! `src/extract/tagger/README.md` for the data, its licences and the figures).

pub mod corpus;
mod decode;
mod features;
mod gum;
mod hash;
mod lexicon;
pub(crate) mod merge;
mod model;
mod tokens;
pub mod train;

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::Extractor;
use super::segment::Segments;
use decode::{MAX_TAGS, NEVER, Scores};
use features::Doc;
pub(crate) use features::Known;
use model::Model;
pub use model::ModelError;
use tokens::Token;

/// The shipped model (see `README.md` beside it).
static BUILTIN: &[u8] = include_bytes!("tagger/ner.bin");

/// What a tagged name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Label {
    /// A person.
    #[serde(rename = "PER")]
    Person = 0,
    /// An organisation (company, party, agency, team…).
    #[serde(rename = "ORG")]
    Organization = 1,
    /// A place.
    #[serde(rename = "LOC")]
    Location = 2,
    /// Any other name (nationalities, events, works, products).
    #[serde(rename = "MISC")]
    Misc = 3,
}

impl Label {
    /// The label of entity type `k`.
    fn of_type(k: usize) -> Label {
        match k {
            0 => Label::Person,
            1 => Label::Organization,
            2 => Label::Location,
            _ => Label::Misc,
        }
    }

    /// The CoNLL-style name: PER, ORG, LOC, MISC.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Person => "PER",
            Label::Organization => "ORG",
            Label::Location => "LOC",
            Label::Misc => "MISC",
        }
    }
}

/// A name the tagger found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tagged {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What it is.
    pub label: Label,
    /// How sure the tagger is, from 0.3 to 0.6 (below knowledge-base matches): grows
    /// with the smallest margin of its tags over the next best.
    pub confidence: f32,
}

/// A loaded model. Cheap to create; `Sync`.
#[derive(Debug, Clone)]
pub struct Tagger<'a> {
    model: Model<'a>,
}

impl Tagger<'static> {
    /// The model compiled into the binary.
    pub fn builtin() -> Result<Self, ModelError> {
        Tagger::from_bytes(BUILTIN)
    }
}

impl<'a> Tagger<'a> {
    /// A model from its bytes (as [`train::train`] makes them).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, ModelError> {
        Ok(Tagger {
            model: Model::parse(bytes)?,
        })
    }

    /// Tags `text`, split into `sentences` (byte ranges, in order), knowing the
    /// knowledge-base mentions `known` (sorted by start).
    pub(crate) fn tag(
        &self,
        text: &str,
        sentences: &[Range<usize>],
        known: &[Known],
    ) -> Vec<Tagged> {
        let doc = Doc::new(text, sentences, known, &self.model.lexicon);
        let mut out = Vec::new();
        let (mut em, mut back, mut path, mut feats, mut ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for s in &doc.sentences {
            if !s.tokens.clone().any(|i| doc.scored(s, i)) {
                continue;
            }
            // The whole sentence's feature hashes first, then their weights: the
            // weight reads (cache misses, in a table of megabytes) follow each other
            // with no hashing between, so many of them are in flight at once.
            feats.clear();
            ends.clear();
            for i in s.tokens.clone() {
                if doc.scored(s, i) {
                    doc.features(s, i, &mut feats);
                }
                ends.push(feats.len());
            }
            em.clear();
            let mut from = 0;
            for &to in &ends {
                let mut e: Scores = [NEVER; MAX_TAGS];
                // A scored token has features (the bias at least); the others are O.
                if to > from {
                    self.model.emissions(&feats[from..to], &mut e);
                } else {
                    e[0] = 0.0;
                }
                em.push(e);
                from = to;
            }
            decode::viterbi(&em, &self.model.transitions, &mut back, &mut path);
            let base = s.tokens.start;
            let mut t = 0;
            while t < path.len() {
                let Some(k) = decode::type_of(path[t] as usize) else {
                    t += 1;
                    continue;
                };
                let mut u = t + 1;
                while u < path.len() && decode::is_inside(path[u] as usize) {
                    u += 1;
                }
                let margin = (t..u)
                    .map(|j| margin(&em[j], path[j] as usize, self.model.transitions.tags))
                    .fold(f32::INFINITY, f32::min);
                let tokens = &doc.tokens[base + t..base + u];
                name_parts(text, tokens, |part| {
                    out.push(Tagged {
                        start: tokens[part.start].start,
                        end: tokens[part.end - 1].end,
                        label: Label::of_type(k),
                        confidence: 0.3 + 0.3 * (margin / (margin + 4.0)),
                    })
                });
                t = u;
            }
        }
        propagate(text, &doc, &mut out);
        out
    }

    /// Tags `text` as the extractor does: its sentences, and the mentions of its
    /// knowledge base as features (but not overruling the tagger: that is the
    /// extractor's merge).
    pub fn tag_with(&self, extractor: &Extractor, text: &str) -> Vec<Tagged> {
        let seg = Segments::new(text);
        self.tag(text, seg.sentences(), &extractor.known(text, &seg))
    }
}

/// Lower-case words that may stand inside a name ("Bank of England", "Ludwig van
/// Beethoven", "Centre for Social Evolution", "Stratford-upon-Avon").
const NAME_CONNECTORS: &[&str] = &[
    "of", "and", "for", "the", "on", "upon", "in", "de", "da", "di", "del", "della", "der", "den",
    "van", "von", "la", "le", "du", "dos", "das", "al", "el", "bin", "ibn", "y", "zu", "ter",
];

/// The parts of a tagged run of `tokens` that are names: a capitalised run is cut
/// at a lower-case word that no name holds ("Cameron dismisses Johnson" is two
/// names, not one). A run that starts in lower case (a tweet typed without
/// capitals) is left whole. Gives `part` each range of token indices, never empty
/// (called for every tagged run: no allocation).
fn name_parts(text: &str, tokens: &[Token], mut part: impl FnMut(Range<usize>)) {
    let word = |i: usize| &text[tokens[i].start..tokens[i].end];
    let capitalised = tokens.len() > 2 && word(0).chars().next().is_some_and(char::is_uppercase);
    let mut from = 0;
    if capitalised {
        for i in 1..tokens.len() - 1 {
            let w = word(i);
            if w.chars().all(char::is_lowercase) && !NAME_CONNECTORS.contains(&w) {
                if i > from {
                    part(from..i);
                }
                from = i + 1;
            }
        }
    }
    if from < tokens.len() {
        part(from..tokens.len());
    }
}

/// Names are written the same way throughout a story: a name tagged once is the
/// same name wherever else it is written (capitalised, on token boundaries), and a
/// person's surname alone is that person. Adds those mentions to `out`, with the
/// lowest confidence, unless the label is disputed (tagged differently elsewhere).
fn propagate(text: &str, doc: &Doc, out: &mut Vec<Tagged>) {
    if out.is_empty() {
        return;
    }
    // Name text → label; `None` once two labels disagree.
    let mut names: HashMap<&str, Option<Label>> = HashMap::new();
    for t in out.iter() {
        let name = &text[t.start..t.end];
        let e = names.entry(name).or_insert(Some(t.label));
        if *e != Some(t.label) {
            *e = None;
        }
        if t.label == Label::Person {
            if let Some((_, last)) = name.rsplit_once(' ') {
                if last.chars().count() > 2 {
                    names.entry(last).or_insert(Some(Label::Person));
                }
            }
        }
    }
    // By first word, so each capitalised token costs one lookup.
    let mut by_first: HashMap<&str, Vec<(&str, Label)>> = HashMap::new();
    for (name, label) in &names {
        if let Some(l) = label {
            let first = name.split(' ').next().unwrap_or(name);
            by_first.entry(first).or_default().push((name, *l));
        }
    }
    let mut covered: Vec<(usize, usize)> = out.iter().map(|t| (t.start, t.end)).collect();
    covered.sort_unstable();
    let mut new = Vec::new();
    for (i, tok) in doc.tokens.iter().enumerate() {
        let w = &text[tok.start..tok.end];
        if !w.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        let Some(cands) = by_first.get(w) else {
            continue;
        };
        let inside = covered
            .iter()
            .any(|&(s, e)| s <= tok.start && tok.start < e);
        if inside {
            continue;
        }
        // The longest candidate that ends on a token boundary.
        let best = cands
            .iter()
            .filter(|(name, _)| {
                text[tok.start..].starts_with(name)
                    && doc.tokens[i..]
                        .iter()
                        .take(6)
                        .any(|t| t.end == tok.start + name.len())
            })
            .max_by_key(|(name, _)| name.len());
        if let Some((name, label)) = best {
            new.push(Tagged {
                start: tok.start,
                end: tok.start + name.len(),
                label: *label,
                confidence: 0.3,
            });
            covered.push((tok.start, tok.start + name.len()));
        }
    }
    out.extend(new);
    out.sort_by_key(|t| (t.start, t.end));
}

/// How far the chosen entity type's best emission (B or I) is above the best of O
/// and the other types' (at least 0).
fn margin(e: &Scores, chosen: usize, tags: usize) -> f32 {
    let kind = decode::type_of(chosen);
    let (mut own, mut other) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for (y, &v) in e.iter().enumerate().take(tags) {
        if decode::type_of(y) == kind {
            own = own.max(v);
        } else {
            other = other.max(v);
        }
    }
    (own - other).max(0.0)
}

#[cfg(test)]
mod tests;
