//! Disambiguation: decides which candidate, if any, an ambiguous stretch of text names.
//! First every stretch whose candidates all count on their own is accepted; that
//! gives the unambiguous entities of the document. Then each remaining candidate is
//! judged on evidence, strongest first: its own entity named elsewhere in the
//! document, a supporting entity in scope, a supporting word in scope; a veto word in
//! scope rules it out. A second round lets entities accepted on context in the
//! first count, weakly, as "named elsewhere" for mentions with no evidence of their
//! own.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::entities::{EntityMatcher, Span, Verdict, is_word_char};
use super::kb::{KnowledgeBase, Scope};
use super::segment::Segments;

/// The context and veto words of every alias, compiled into one automaton (on first
/// use: most documents name nothing ambiguous and never look for cues).
#[derive(Debug)]
pub(crate) struct Cues {
    automaton: OnceLock<Option<AhoCorasick>>,
    /// Lower-cased word → cue id (the pattern index).
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Cues {
    pub(crate) fn new(words: &[&str]) -> Self {
        let mut ids = HashMap::new();
        let mut list = Vec::new();
        for w in words {
            let k = w.to_ascii_lowercase();
            if !k.is_empty() && !ids.contains_key(&k) {
                ids.insert(k.clone(), list.len() as u32);
                list.push(k);
            }
        }
        Cues {
            automaton: OnceLock::new(),
            ids,
            words: list,
        }
    }

    /// The cue words, lower-cased, in the order of their ids.
    #[cfg(test)]
    pub(crate) fn words(&self) -> &[String] {
        &self.words
    }

    fn automaton(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&self.words)
                    .ok()
            })
            .as_ref()
    }

    fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(&word.to_ascii_lowercase()).copied()
    }

    /// Every whole-word occurrence of a cue: (start, cue id), in order.
    fn find(&self, text: &str) -> Vec<(usize, u32)> {
        let Some(ac) = self.automaton() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            let w = &self.words[m.pattern().as_usize()];
            let before = text.get(..m.start()).and_then(|t| t.chars().next_back());
            let after = text.get(m.end()..).and_then(|t| t.chars().next());
            let first_word = w.chars().next().is_some_and(is_word_char);
            let last_word = w.chars().next_back().is_some_and(is_word_char);
            if (first_word && before.is_some_and(is_word_char))
                || (last_word && after.is_some_and(is_word_char))
            {
                continue;
            }
            out.push((m.start(), m.pattern().as_usize() as u32));
        }
        out.sort_unstable();
        out
    }
}

/// How strongly a candidate is supported: higher wins, then nearer evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Evidence {
    level: u8,
    /// Negated distance to the evidence, so that nearer compares greater.
    nearness: i64,
}

/// The per-document state of disambiguation.
pub(crate) struct Resolver<'a> {
    matcher: &'a EntityMatcher,
    kb: &'a KnowledgeBase,
    text: &'a str,
    seg: &'a Segments,
    /// Accepted unambiguous mentions: (start, entity), in order.
    firm: Vec<(usize, u32)>,
    /// Entities accepted so far, by index: 2 named unambiguously, 1 accepted on
    /// context (a weaker reason for a later bare mention), 0 not yet.
    seen: Vec<u8>,
    /// Cue occurrences, found on first need.
    cue_hits: Option<Vec<(usize, u32)>>,
}

/// For one span: the chosen candidate and its verdict, and every candidate's verdict.
pub(crate) type Judged = (Option<(u32, Verdict)>, Vec<(u32, Verdict)>);

/// For each selected span, its judgement.
pub(crate) type SpanVerdicts = Vec<Judged>;

impl<'a> Resolver<'a> {
    pub(crate) fn new(
        matcher: &'a EntityMatcher,
        kb: &'a KnowledgeBase,
        text: &'a str,
        seg: &'a Segments,
    ) -> Self {
        Resolver {
            matcher,
            kb,
            text,
            seg,
            firm: Vec::new(),
            seen: vec![0; kb.entities().len()],
            cue_hits: None,
        }
    }

    fn at_sentence_start(&self, pos: usize) -> bool {
        let s = self.seg.sentence_of(pos);
        self.text
            .get(s.start.min(pos)..pos)
            .is_some_and(|t| !t.chars().any(char::is_alphanumeric))
    }

    fn scope(&self, scope: Scope, pos: usize) -> Range<usize> {
        match scope {
            Scope::Sentence => self.seg.sentence_of(pos),
            Scope::Paragraph => self.seg.paragraph_of(pos),
            Scope::Document => 0..self.text.len(),
        }
    }

    /// Decides every selected span.
    pub(crate) fn resolve(&mut self, spans: &[Span], selected: &[usize]) -> SpanVerdicts {
        let mut out: SpanVerdicts = vec![(None, Vec::new()); selected.len()];
        let mut pending = Vec::new();
        for (k, &si) in selected.iter().enumerate() {
            let sp = &spans[si];
            let at_start = self.at_sentence_start(sp.start);
            let simple = sp.cands.iter().all(|&ci| {
                let c = self.matcher.cand(ci);
                let rule = &self.kb.entities()[c.entity as usize].rules[c.rule as usize];
                !rule.needs_context(at_start) && rule.veto_words.is_empty()
            });
            if !simple {
                pending.push(k);
                continue;
            }
            let first = sp.cands[0];
            let entity = self.matcher.cand(first).entity;
            let shared = sp
                .cands
                .iter()
                .any(|&ci| self.matcher.cand(ci).entity != entity);
            let v = if shared {
                Verdict::Shared
            } else {
                Verdict::Unambiguous
            };
            self.firm.push((sp.start, entity));
            self.seen[entity as usize] = 2;
            out[k] = (Some((first, v.clone())), vec![(first, v)]);
        }
        // Each round judges every open span against what the rounds before accepted,
        // so the result does not depend on the order of the spans.
        for _round in 0..2 {
            let mut accepted = Vec::new();
            for &k in &pending {
                if out[k].0.is_some() {
                    continue;
                }
                let sp = &spans[selected[k]];
                let (choice, all) = self.judge(sp);
                if let Some((ci, _)) = &choice {
                    accepted.push(self.matcher.cand(*ci).entity as usize);
                }
                out[k] = (choice, all);
            }
            let mut changed = false;
            for e in accepted {
                if self.seen[e] == 0 {
                    self.seen[e] = 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        out
    }

    /// Judges every candidate of one span and picks the best supported.
    fn judge(&mut self, sp: &Span) -> Judged {
        let at_start = self.at_sentence_start(sp.start);
        let mut best: Option<(Evidence, u32, Verdict)> = None;
        let mut all = Vec::with_capacity(sp.cands.len());
        for &ci in &sp.cands {
            let (ev, v) = self.evidence(ci, sp.start, at_start);
            if let Some(ev) = ev {
                if best.as_ref().is_none_or(|(b, _, _)| ev > *b) {
                    best = Some((ev, ci, v.clone()));
                }
            }
            all.push((ci, v));
        }
        (best.map(|(_, ci, v)| (ci, v)), all)
    }

    fn evidence(&mut self, ci: u32, pos: usize, at_start: bool) -> (Option<Evidence>, Verdict) {
        let c = self.matcher.cand(ci);
        let entity = c.entity as usize;
        let rule = &self.kb.entities()[entity].rules[c.rule as usize];
        let range = self.scope(rule.scope, pos);
        if !rule.veto_words.is_empty() {
            let vetoes: Vec<u32> = rule
                .veto_words
                .iter()
                .filter_map(|w| self.matcher.cues.id(w))
                .collect();
            if let Some((_, cue)) = self.nearest_cue(&vetoes, &range, pos) {
                let word = self.matcher.cues.words[cue as usize].clone();
                return (None, Verdict::Vetoed(word));
            }
        }
        let Some(ctx) = rule
            .context
            .as_ref()
            .filter(|_| rule.needs_context(at_start))
        else {
            return (
                Some(Evidence {
                    level: 1,
                    nearness: 0,
                }),
                Verdict::Unambiguous,
            );
        };
        if self.seen[entity] == 2 {
            return (
                Some(Evidence {
                    level: 4,
                    nearness: 0,
                }),
                Verdict::OwnEntity,
            );
        }
        let wanted: Vec<u32> = ctx
            .entities
            .iter()
            .filter_map(|id| self.kb.index_of(id))
            .map(|i| i as u32)
            .collect();
        let lo = self.firm.partition_point(|&(s, _)| s < range.start);
        let found = self.firm[lo..]
            .iter()
            .take_while(|&&(s, _)| s < range.end)
            .filter(|(_, e)| wanted.contains(e))
            .min_by_key(|(s, _)| s.abs_diff(pos));
        if let Some(&(s, e)) = found {
            let id = self.kb.entities()[e as usize].id.clone();
            return (
                Some(Evidence {
                    level: 3,
                    nearness: -(s.abs_diff(pos) as i64),
                }),
                Verdict::ContextEntity(id),
            );
        }
        let words: Vec<u32> = ctx
            .words
            .iter()
            .filter_map(|w| self.matcher.cues.id(w))
            .collect();
        if let Some((s, cue)) = self.nearest_cue(&words, &range, pos) {
            let word = self.matcher.cues.words[cue as usize].clone();
            return (
                Some(Evidence {
                    level: 2,
                    nearness: -(s.abs_diff(pos) as i64),
                }),
                Verdict::ContextWord(word),
            );
        }
        if self.seen[entity] == 1 {
            // Accepted elsewhere in the document on context: enough for a bare
            // mention with no evidence of its own, weaker than any evidence.
            return (
                Some(Evidence {
                    level: 1,
                    nearness: 0,
                }),
                Verdict::OwnEntity,
            );
        }
        (None, Verdict::NoContext)
    }

    /// The cue among `wanted` nearest to `pos` within `range`.
    fn nearest_cue(
        &mut self,
        wanted: &[u32],
        range: &Range<usize>,
        pos: usize,
    ) -> Option<(usize, u32)> {
        if wanted.is_empty() {
            return None;
        }
        let text = self.text;
        let cues = &self.matcher.cues;
        let hits = self.cue_hits.get_or_insert_with(|| cues.find(text));
        let lo = hits.partition_point(|&(s, _)| s < range.start);
        hits[lo..]
            .iter()
            .take_while(|&&(s, _)| s < range.end)
            .filter(|(_, c)| wanted.contains(c))
            .min_by_key(|(s, _)| s.abs_diff(pos))
            .copied()
    }
}
