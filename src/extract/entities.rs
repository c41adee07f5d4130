//! Dictionary matching of knowledge-base entities: one Aho-Corasick automaton over every
//! alias (ASCII case ignored, case rules checked per alias afterwards), whole words
//! only (so possessives like "TikTok’s" yield "TikTok"), leftmost-longest selection
//! among the forms that pass their rules, then disambiguation by context (see
//! [`super::context`]). Locations named inside a longer name ("Hong Kong" in "Hong
//! Kong stock exchange") are reported too, with a lower confidence.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::context::{Cues, Resolver};
use super::kb::{AliasOrigin, AliasRule, CaseRule, KnowledgeBase};
use super::segment::Segments;
use crate::model::{EntityHit, EntityKind, Mention};

/// One (entity, alias rule, written form) that a pattern stands for.
#[derive(Debug, Clone)]
pub(crate) struct Cand {
    /// Index of the entity in the knowledge base.
    pub(crate) entity: u32,
    /// Index of the rule in the entity's `rules`.
    pub(crate) rule: u32,
    /// The form as written (the alias, or a variant with a curly apostrophe).
    form: Box<str>,
    /// Whether the form must start / end at a word boundary.
    edges: (bool, bool),
}

/// The compiled entity matcher. Built once per knowledge base.
#[derive(Debug)]
pub(crate) struct EntityMatcher {
    automaton: AhoCorasick,
    /// For each pattern, its candidates (a range into `cands`).
    pattern_cands: Vec<Range<u32>>,
    cands: Vec<Cand>,
    /// Context and veto words.
    pub(crate) cues: Cues,
}

/// How a mention was decided; public through [`Decision`].
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The form counts on its own (and no other entity shares it).
    Unambiguous,
    /// The form counts on its own, but other entities share it: the first was taken.
    Shared,
    /// Its own entity is named unambiguously elsewhere in the document.
    OwnEntity,
    /// A supporting entity (this id) is mentioned in scope.
    ContextEntity(String),
    /// A supporting word (this one) occurs in scope.
    ContextWord(String),
    /// A location named inside a longer name.
    Nested,
    /// Ruled out: this veto word occurs in scope.
    Vetoed(String),
    /// Ruled out: it needs context and none was found.
    NoContext,
    /// Ruled out by its case rule.
    Case,
    /// Ruled out: this text follows it.
    FollowedBy(String),
    /// Ruled out: this text precedes it.
    PrecededBy(String),
}

impl Verdict {
    /// Whether the mention counts.
    pub fn accepted(&self) -> bool {
        matches!(
            self,
            Verdict::Unambiguous
                | Verdict::Shared
                | Verdict::OwnEntity
                | Verdict::ContextEntity(_)
                | Verdict::ContextWord(_)
                | Verdict::Nested
        )
    }

    fn confidence(&self, origin: AliasOrigin) -> f32 {
        let base: f32 = match self {
            Verdict::Unambiguous => 1.0,
            Verdict::OwnEntity => 0.95,
            Verdict::ContextEntity(_) => 0.9,
            Verdict::ContextWord(_) => 0.8,
            Verdict::Shared | Verdict::Nested => 0.7,
            _ => 0.0,
        };
        if origin == AliasOrigin::Demonym {
            base.min(0.9)
        } else {
            base
        }
    }
}

/// Why a stretch of text was or was not taken as an entity, for tests and
/// `--explain` style output.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
    /// The text.
    pub surface: String,
    /// Each candidate entity id with its verdict, the chosen one (if any) first.
    pub outcomes: Vec<(String, Verdict)>,
}

impl Decision {
    /// The chosen entity id, if the mention counts.
    pub fn chosen(&self) -> Option<&str> {
        self.outcomes
            .first()
            .filter(|(_, v)| v.accepted())
            .map(|(id, _)| id.as_str())
    }
}

/// A stretch of text that passed the word-boundary test, with the candidates that
/// passed their case and adjacency rules.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) cands: Vec<u32>,
    /// Candidates ruled out by case or adjacency (only kept when explaining).
    rejected: Vec<(u32, Verdict)>,
}

/// One accepted mention of an entity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) entity: u32,
    pub(crate) confidence: f32,
}

/// Whether `c` is part of a word (for boundaries).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Scripts written without spaces between words: no boundary is required there.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

fn needs_boundary(c: Option<char>) -> bool {
    c.is_some_and(|c| is_word_char(c) && !is_unspaced_script(c))
}

impl EntityMatcher {
    /// Compiles the automaton over every alias of `kb` (and curly-apostrophe variants).
    pub(crate) fn new(kb: &KnowledgeBase) -> Self {
        let mut by_key: std::collections::HashMap<Vec<u8>, Vec<Cand>> = Default::default();
        let mut order: Vec<Vec<u8>> = Vec::new();
        let mut cue_words: Vec<&str> = Vec::new();
        for (ei, e) in kb.entities().iter().enumerate() {
            for (ri, rule) in e.rules.iter().enumerate() {
                if let Some(ctx) = &rule.context {
                    cue_words.extend(ctx.words.iter().map(String::as_str));
                }
                cue_words.extend(rule.veto_words.iter().map(String::as_str));
                let mut forms = vec![rule.text.clone()];
                if rule.text.contains('\'') {
                    forms.push(rule.text.replace('\'', "’"));
                }
                for form in forms {
                    let key = form.to_ascii_lowercase().into_bytes();
                    let edges = (
                        needs_boundary(form.chars().next()),
                        needs_boundary(form.chars().next_back()),
                    );
                    let cand = Cand {
                        entity: ei as u32,
                        rule: ri as u32,
                        form: form.into_boxed_str(),
                        edges,
                    };
                    let list = by_key.entry(key.clone()).or_insert_with(|| {
                        order.push(key);
                        Vec::new()
                    });
                    list.push(cand);
                }
            }
        }
        let mut cands = Vec::new();
        let mut pattern_cands = Vec::with_capacity(order.len());
        for key in &order {
            let start = cands.len() as u32;
            cands.extend(by_key.remove(key).unwrap_or_default());
            pattern_cands.push(start..cands.len() as u32);
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&order)
            .or_else(|_| {
                // The DFA has a size limit; the NFA has none that a knowledge base reaches.
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&order)
            });
        let automaton = automaton.unwrap_or_else(|_| empty_automaton());
        EntityMatcher {
            automaton,
            pattern_cands,
            cands,
            cues: Cues::new(&cue_words),
        }
    }

    pub(crate) fn cand(&self, i: u32) -> &Cand {
        &self.cands[i as usize]
    }

    /// Every stretch of `text` that names a candidate at word boundaries, in order of
    /// start (longest first at equal starts).
    fn spans(&self, kb: &KnowledgeBase, text: &str, explain: bool) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        for m in self.automaton.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            let (Some(before), Some(after)) = (text.get(..s), text.get(e..)) else {
                continue;
            };
            let prev = before.chars().next_back();
            let next = after.chars().next();
            let r = &self.pattern_cands[m.pattern().as_usize()];
            let mut span = Span {
                start: s,
                end: e,
                cands: Vec::new(),
                rejected: Vec::new(),
            };
            for ci in r.clone() {
                let c = &self.cands[ci as usize];
                if (c.edges.0 && prev.is_some_and(is_word_char))
                    || (c.edges.1 && next.is_some_and(is_word_char))
                {
                    continue;
                }
                let rule = &kb.entities()[c.entity as usize].rules[c.rule as usize];
                match check_local(rule, &c.form, &text[s..e], before, after) {
                    None => span.cands.push(ci),
                    Some(v) if explain => span.rejected.push((ci, v)),
                    Some(_) => {}
                }
            }
            if !span.cands.is_empty() || !span.rejected.is_empty() {
                spans.push(span);
            }
        }
        spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        spans
    }

    /// Finds and resolves every entity mention in `text`. With `explain`, also returns
    /// a decision for every stretch that named a candidate.
    pub(crate) fn find(
        &self,
        kb: &KnowledgeBase,
        text: &str,
        seg: &Segments,
        explain: bool,
    ) -> (Vec<Resolved>, Vec<Decision>) {
        let spans = self.spans(kb, text, explain);
        let live: Vec<usize> = (0..spans.len())
            .filter(|&i| !spans[i].cands.is_empty())
            .collect();
        let dead: Vec<usize> = (0..spans.len())
            .filter(|&i| spans[i].cands.is_empty())
            .collect();
        let selected = select(&spans, &live);
        let inner: Vec<usize> = live
            .iter()
            .copied()
            .filter(|i| selected.binary_search(i).is_err())
            .collect();
        let mut resolver = Resolver::new(self, kb, text, seg);
        let verdicts = resolver.resolve(&spans, &selected);
        let mut out: Vec<Resolved> = Vec::new();
        let mut decisions = Vec::new();
        for (&si, (choice, outcomes)) in selected.iter().zip(&verdicts) {
            let sp = &spans[si];
            if let Some((ci, v)) = choice {
                let c = self.cand(*ci);
                let rule = &kb.entities()[c.entity as usize].rules[c.rule as usize];
                out.push(Resolved {
                    start: sp.start,
                    end: sp.end,
                    entity: c.entity,
                    confidence: v.confidence(rule.origin),
                });
            }
            if explain {
                decisions.push(self.decision(kb, text, sp, outcomes));
            }
        }
        self.add_nested(kb, &spans, &inner, &mut out);
        out.sort_by_key(|r| (r.start, r.end));
        if explain {
            for &i in &dead {
                decisions.push(self.decision(kb, text, &spans[i], &[]));
            }
            decisions.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
        }
        (out, decisions)
    }

    /// Locations named inside an accepted longer name.
    fn add_nested(
        &self,
        kb: &KnowledgeBase,
        spans: &[Span],
        inner: &[usize],
        out: &mut Vec<Resolved>,
    ) {
        let outer: Vec<Resolved> = out.clone();
        for &i in inner {
            let sp = &spans[i];
            let Some(host) = outer
                .iter()
                .find(|o| o.start <= sp.start && sp.end <= o.end)
            else {
                continue;
            };
            if kb.entities()[host.entity as usize].kind == EntityKind::Location {
                continue;
            }
            let place = sp.cands.iter().map(|&ci| self.cand(ci)).find(|c| {
                let e = &kb.entities()[c.entity as usize];
                let rule = &e.rules[c.rule as usize];
                e.kind == EntityKind::Location
                    && rule.context.is_none()
                    && matches!(rule.origin, AliasOrigin::Name | AliasOrigin::Alias)
            });
            if let Some(c) = place {
                out.push(Resolved {
                    start: sp.start,
                    end: sp.end,
                    entity: c.entity,
                    confidence: Verdict::Nested.confidence(AliasOrigin::Name),
                });
            }
        }
    }

    fn decision(
        &self,
        kb: &KnowledgeBase,
        text: &str,
        sp: &Span,
        outcomes: &[(u32, Verdict)],
    ) -> Decision {
        let id = |ci: u32| kb.entities()[self.cand(ci).entity as usize].id.clone();
        let mut all: Vec<(String, Verdict)> = outcomes
            .iter()
            .map(|(ci, v)| (id(*ci), v.clone()))
            .collect();
        all.sort_by_key(|(_, v)| !v.accepted());
        all.extend(sp.rejected.iter().map(|(ci, v)| (id(*ci), v.clone())));
        Decision {
            start: sp.start,
            end: sp.end,
            surface: text[sp.start..sp.end].to_string(),
            outcomes: all,
        }
    }
}

/// Chooses non-overlapping stretches covering as much text as possible (weighted
/// interval scheduling, O(n log n)), so that "The Information Commissioner's Office"
/// is the regulator rather than the newsletter "The Information" plus leftovers.
/// Among equal coverage, fewer and longer stretches win. Returns indices in order.
fn select(spans: &[Span], live: &[usize]) -> Vec<usize> {
    let mut by_end: Vec<usize> = live.to_vec();
    by_end.sort_by_key(|&i| (spans[i].end, spans[i].start));
    let n = by_end.len();
    // best[k]: the best total over the first k spans (by end).
    let mut best = vec![0u64; n + 1];
    let mut take = vec![false; n];
    let mut prev = vec![0usize; n];
    for k in 0..n {
        let sp = &spans[by_end[k]];
        // Spans among the first k that end at or before this one starts.
        let p = by_end[..k].partition_point(|&i| spans[i].end <= sp.start);
        prev[k] = p;
        let weight = (2 * (sp.end - sp.start) as u64).saturating_sub(1);
        let with = best[p] + weight;
        take[k] = with > best[k];
        best[k + 1] = best[k].max(with);
    }
    let mut out = Vec::new();
    let mut k = n;
    while k > 0 {
        if take[k - 1] {
            out.push(by_end[k - 1]);
            k = prev[k - 1];
        } else {
            k -= 1;
        }
    }
    out.sort_unstable();
    out
}

fn empty_automaton() -> AhoCorasick {
    // Building over no patterns cannot fail, but if it ever did, an automaton over one
    // pattern that cannot occur in text (a NUL byte) serves the same purpose.
    AhoCorasick::new(Vec::<&str>::new())
        .or_else(|_| AhoCorasick::new(["\u{0}"]))
        .unwrap_or_else(|_| unreachable!("an automaton over one literal always builds"))
}

/// The rules that can be checked from the surface and its neighbours alone: case,
/// and what may not precede or follow.
fn check_local(
    rule: &AliasRule,
    form: &str,
    surface: &str,
    before: &str,
    after: &str,
) -> Option<Verdict> {
    let case_ok = match rule.case {
        CaseRule::Exact => surface == form,
        CaseRule::Any => true,
        CaseRule::Capitalized => capitalized_match(form, surface),
    };
    if !case_ok {
        return Some(Verdict::Case);
    }
    for f in &rule.not_followed_by {
        if starts_with_word(after.trim_start(), f) {
            return Some(Verdict::FollowedBy(f.clone()));
        }
    }
    for p in &rule.not_preceded_by {
        if ends_with_word(before.trim_end(), p) {
            return Some(Verdict::PrecededBy(p.clone()));
        }
    }
    None
}

/// Each word's first letter as written in the alias or upper case; the rest in any
/// (ASCII) case. Both strings are equal ignoring ASCII case, so they align by bytes.
fn capitalized_match(form: &str, surface: &str) -> bool {
    let mut prev_word = false;
    for (f, s) in form.chars().zip(surface.chars()) {
        let word = f.is_alphanumeric();
        if word && !prev_word && f != s && !s.is_uppercase() {
            return false;
        }
        prev_word = word;
    }
    true
}

/// `text` starts with `word` (ASCII case ignored) and then a word boundary.
pub(crate) fn starts_with_word(text: &str, word: &str) -> bool {
    let Some(head) = text.get(..word.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(word)
        && !(word.chars().next_back().is_some_and(is_word_char)
            && text[word.len()..].chars().next().is_some_and(is_word_char))
}

/// `text` ends with `word` (ASCII case ignored) after a word boundary.
pub(crate) fn ends_with_word(text: &str, word: &str) -> bool {
    let Some(cut) = text.len().checked_sub(word.len()) else {
        return false;
    };
    let Some(tail) = text.get(cut..) else {
        return false;
    };
    tail.eq_ignore_ascii_case(word)
        && !(word.chars().next().is_some_and(is_word_char)
            && text[..cut].chars().next_back().is_some_and(is_word_char))
}

/// Groups resolved mentions into hits, in order of first mention.
pub(crate) fn hits(kb: &KnowledgeBase, text: &str, resolved: &[Resolved]) -> Vec<EntityHit> {
    let mut index: std::collections::HashMap<u32, usize> = Default::default();
    let mut hits: Vec<EntityHit> = Vec::new();
    for r in resolved {
        let mention = Mention {
            start: r.start,
            end: r.end,
            surface: text[r.start..r.end].to_string(),
        };
        match index.get(&r.entity) {
            Some(&h) => {
                hits[h].mentions.push(mention);
                hits[h].confidence = hits[h].confidence.max(r.confidence);
            }
            None => {
                let e = &kb.entities()[r.entity as usize];
                index.insert(r.entity, hits.len());
                hits.push(EntityHit {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    kind: e.kind,
                    confidence: r.confidence,
                    mentions: vec![mention],
                });
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests;
