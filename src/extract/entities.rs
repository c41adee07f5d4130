//! Dictionary matching of knowledge-base entities: one index (see [`index`]) over every
//! alias in each case variant its rule allows, whole words only (so possessives like
//! "TikTok’s" yield "TikTok"), adjacency rules, then a selection of non-overlapping
//! matches that covers the most text, then disambiguation by context (see
//! [`super::context`]). Locations named inside a longer name ("Hong Kong" in "Hong
//! Kong stock exchange", "French" in "French data protection authority") are reported
//! too, with a lower confidence, except inside the mastheads of news outlets ("New
//! York" in "The New York Times") and clubs' names ("Real Madrid").

pub(crate) mod index;

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::context::{Cues, Resolver};
use super::kb::{AliasOrigin, AliasRule, CaseRule, KnowledgeBase};
use super::segment::Segments;
use crate::model::{EntityHit, EntityKind, Mention};
use index::{Patterns, WordIndex, is_unspaced_script};

/// One (entity, alias rule) that a pattern stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cand {
    /// Index of the entity in the knowledge base.
    pub(crate) entity: u32,
    /// Index of the rule in the entity's `rules`.
    pub(crate) rule: u32,
    /// Whether the form must start / end at a word boundary.
    edges: (bool, bool),
}

/// The compiled entity matcher. Built once per knowledge base.
#[derive(Debug)]
pub(crate) struct EntityMatcher {
    /// Every case variant a rule allows, indexed by first word.
    index: WordIndex,
    cands: Vec<Cand>,
    /// Context and veto words.
    pub(crate) cues: Cues,
}

/// What an [`EntityMatcher`] is made of, apart from its automata: what the
/// compiled-in knowledge base stores (see [`super::snapshot`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MatcherParts {
    index: index::Tables,
    cands: Vec<Cand>,
    cue_words: Vec<String>,
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
    /// Named by a demonym of the place ("Dutch"), not by a name.
    pub(crate) demonym: bool,
}

/// Whether `c` is part of a word (for boundaries).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn needs_boundary(c: Option<char>) -> bool {
    c.is_some_and(|c| is_word_char(c) && !is_unspaced_script(c))
}

impl EntityMatcher {
    /// Compiles the automata over every alias of `kb`: each in the case variants its
    /// rule allows, with a curly apostrophe where it has a straight one, and with "&"
    /// where it has "and" (and the other way round).
    pub(crate) fn new(kb: &KnowledgeBase) -> Self {
        let mut exact = Patterns::default();
        let mut folded = Patterns::default();
        let mut cands: Vec<Cand> = Vec::new();
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
                // "Securities & Exchange Commission", "Marks and Spencer": names are
                // written with either.
                for k in 0..forms.len() {
                    let other = if forms[k].contains(" and ") {
                        forms[k].replace(" and ", " & ")
                    } else {
                        forms[k].replace(" & ", " and ")
                    };
                    if other != forms[k] {
                        forms.push(other);
                    }
                }
                for form in forms {
                    let cand = cands.len() as u32;
                    cands.push(Cand {
                        entity: ei as u32,
                        rule: ri as u32,
                        edges: (
                            needs_boundary(form.chars().next()),
                            needs_boundary(form.chars().next_back()),
                        ),
                    });
                    match rule.case {
                        CaseRule::Exact => exact.add(form, cand),
                        CaseRule::Capitalized => {
                            for v in case_variants(&form) {
                                exact.add(v, cand);
                            }
                        }
                        CaseRule::Any => folded.add(form.to_ascii_lowercase(), cand),
                    }
                }
            }
        }
        EntityMatcher {
            index: WordIndex::new(exact, folded),
            cands,
            cues: Cues::new(&cue_words),
        }
    }

    /// The matcher as its parts describe it (its automata built here).
    pub(crate) fn from_parts(parts: MatcherParts) -> Self {
        let words: Vec<&str> = parts.cue_words.iter().map(String::as_str).collect();
        EntityMatcher {
            index: WordIndex::from_tables(parts.index),
            cands: parts.cands,
            cues: Cues::new(&words),
        }
    }

    /// Its parts, to compile in.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> MatcherParts {
        MatcherParts {
            index: self.index.tables().clone(),
            cands: self.cands.clone(),
            cue_words: self.cues.words().to_vec(),
        }
    }

    pub(crate) fn cand(&self, i: u32) -> &Cand {
        &self.cands[i as usize]
    }

    /// Every stretch of `text` that names a candidate at word boundaries, in order of
    /// start (longest first at equal starts).
    fn spans(&self, kb: &KnowledgeBase, text: &str, explain: bool) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        self.index.find(text, |hit| {
            let (s, e) = (hit.start, hit.end);
            let (Some(before), Some(after)) = (text.get(..s), text.get(e..)) else {
                return;
            };
            let prev = before.chars().next_back();
            let next = after.chars().next();
            let mut span = Span {
                start: s,
                end: e,
                cands: Vec::new(),
                rejected: Vec::new(),
            };
            let mut ruled_out = false;
            for &ci in self.index.cands(hit.pattern) {
                let c = &self.cands[ci as usize];
                if (c.edges.0 && prev.is_some_and(is_word_char))
                    || (c.edges.1 && next.is_some_and(is_word_char))
                {
                    continue;
                }
                let rule = &kb.entities()[c.entity as usize].rules[c.rule as usize];
                match check_adjacent(rule, before, after) {
                    None => span.cands.push(ci),
                    Some(v) if explain => span.rejected.push((ci, v)),
                    Some(_) => ruled_out = true,
                }
            }
            if !span.cands.is_empty() || !span.rejected.is_empty() || ruled_out {
                spans.push(span);
            }
        });
        spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        spans
    }

    /// Finds and resolves every entity mention in `text`. With `explain`, also returns
    /// a decision for every stretch that named a candidate. Also returns the stretches
    /// that named a candidate but were ruled out (a veto word, no context, an
    /// adjacency rule): what the knowledge base knows is not a name there.
    pub(crate) fn find(
        &self,
        kb: &KnowledgeBase,
        text: &str,
        seg: &Segments,
        explain: bool,
    ) -> (Vec<Resolved>, Vec<Decision>, Vec<(usize, usize)>) {
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
        let mut ruled_out: Vec<(usize, usize)> = dead
            .iter()
            .map(|&i| (spans[i].start, spans[i].end))
            .collect();
        for (&si, (choice, outcomes)) in selected.iter().zip(&verdicts) {
            let sp = &spans[si];
            if choice.is_none() {
                ruled_out.push((sp.start, sp.end));
            }
            if let Some((ci, v)) = choice {
                let c = self.cand(*ci);
                let rule = &kb.entities()[c.entity as usize].rules[c.rule as usize];
                out.push(Resolved {
                    start: sp.start,
                    end: sp.end,
                    entity: c.entity,
                    confidence: v.confidence(rule.origin),
                    demonym: rule.origin == AliasOrigin::Demonym,
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
        ruled_out.sort_unstable();
        (out, decisions, ruled_out)
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
            // `outer` is sorted by start: the host, if any, is the last one starting
            // at or before this span.
            let k = outer.partition_point(|o| o.start <= sp.start);
            let Some(host) = k
                .checked_sub(1)
                .map(|k| &outer[k])
                .filter(|o| sp.end <= o.end)
            else {
                continue;
            };
            // A place in a place's name is part of it; a place in a news outlet's
            // masthead ("The New York Times") or a club's name ("Real Madrid") is not
            // what the story is about. Demonyms count only in the descriptions that
            // name regulators ("the French data protection authority"), not in
            // proper names ("European Central Bank").
            let host_entity = &kb.entities()[host.entity as usize];
            if host_entity.kind == EntityKind::Location
                || host_entity
                    .tags
                    .iter()
                    .any(|t| t == "media" || t == "sport")
            {
                continue;
            }
            let demonyms_count = host_entity.kind == EntityKind::Regulator;
            let place = sp.cands.iter().map(|&ci| self.cand(ci)).find(|c| {
                let e = &kb.entities()[c.entity as usize];
                let rule = &e.rules[c.rule as usize];
                e.kind == EntityKind::Location
                    && rule.context.is_none()
                    && (matches!(rule.origin, AliasOrigin::Name | AliasOrigin::Alias)
                        || (demonyms_count && rule.origin == AliasOrigin::Demonym))
            });
            if let Some(c) = place {
                let origin = kb.entities()[c.entity as usize].rules[c.rule as usize].origin;
                out.push(Resolved {
                    start: sp.start,
                    end: sp.end,
                    entity: c.entity,
                    confidence: Verdict::Nested.confidence(AliasOrigin::Name),
                    demonym: origin == AliasOrigin::Demonym,
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

/// What may not precede or follow an alias.
fn check_adjacent(rule: &AliasRule, before: &str, after: &str) -> Option<Verdict> {
    for f in rule.not_followed_by_any() {
        if starts_with_word(after.trim_start(), f) {
            return Some(Verdict::FollowedBy(f.to_string()));
        }
    }
    for p in &rule.not_preceded_by {
        if ends_with_word(before.trim_end(), p) {
            return Some(Verdict::PrecededBy(p.clone()));
        }
    }
    None
}

/// The surface forms a capitalised alias matches: as written, with each word's first
/// letter in upper case ("Hong Kong Stock Exchange" for "Hong Kong stock exchange"),
/// and all in upper case (headlines).
fn case_variants(form: &str) -> Vec<String> {
    let mut title = String::with_capacity(form.len());
    let mut prev_word = false;
    for c in form.chars() {
        let word = c.is_alphanumeric();
        if word && !prev_word {
            title.extend(c.to_uppercase());
        } else {
            title.push(c);
        }
        prev_word = word;
    }
    let mut out = vec![form.to_string(), title, form.to_uppercase()];
    out.sort();
    out.dedup();
    out
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

/// Groups resolved mentions (knowledge-base entities, unknown names and made entities,
/// in [`Catalog`] numbering) into hits, in order of first mention. `described` holds
/// the (start, end) of every mention resolved from a description, sorted.
pub(crate) fn hits(
    cat: &Catalog<'_>,
    text: &str,
    resolved: &[Resolved],
    described: &[(usize, usize)],
) -> Vec<EntityHit> {
    let mut index: std::collections::HashMap<u32, usize> = Default::default();
    let mut hits: Vec<EntityHit> = Vec::new();
    for r in resolved {
        let is_described = described.binary_search(&(r.start, r.end)).is_ok();
        let mention = Mention {
            start: r.start,
            end: r.end,
            surface: text[r.start..r.end].to_string(),
            described: is_described,
            demonym: r.demonym,
        };
        match index.get(&r.entity) {
            Some(&h) => {
                hits[h].mentions.push(mention);
                hits[h].confidence = hits[h].confidence.max(r.confidence);
                hits[h].described &= is_described;
            }
            None => {
                index.insert(r.entity, hits.len());
                let made = cat.synthesized(r.entity);
                hits.push(EntityHit {
                    id: cat.id(r.entity).to_string(),
                    name: cat.name(r.entity).to_string(),
                    kind: cat.kind(r.entity),
                    confidence: r.confidence,
                    mentions: vec![mention],
                    described: is_described,
                    country: made.and_then(|m| m.country.clone()),
                    tags: made.map(|m| m.tags.clone()).unwrap_or_default(),
                });
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests;
