//! The shared extractor: plain synchronous code that turns a document into an
//! [`Extraction`] (entities, money, percentages, durations, dates, quotes). It knows
//! nothing of tokio, HTTP or files, so it is fast to test and reusable as a library.
//!
//! Everything costly (the entity automaton, the cue automaton, the regular
//! expressions) is compiled once in [`Extractor::new`]; extracting is then a few
//! linear passes over the text.
//!
//! - [`kb`]: the knowledge base and its TOML format.
//! - [`text`]: HTML → text.
//! - `segment`: paragraphs and sentences.
//! - `entities`, `context`: dictionary matching and disambiguation.
//! - `names`: people, organisations and places the knowledge base does not know;
//!   `catalog` numbers them after the knowledge base's entities.
//! - `numbers`, `quantities`, `dates`: money, percentages, durations, dates.
//! - `quotes`, `speakers`: quotations and who said them.

mod alternation;
mod catalog;
mod context;
mod dates;
mod entities;
pub mod kb;
mod names;
mod numbers;
mod quantities;
mod quotes;
pub mod segment;
mod speakers;
pub mod tagger;
pub mod text;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::Extraction;
pub use entities::{Decision, Verdict};
use kb::KnowledgeBase;

/// A compiled extractor over one knowledge base. Build once, share (it is `Sync`).
#[derive(Debug)]
pub struct Extractor {
    kb: Arc<KnowledgeBase>,
    entities: entities::EntityMatcher,
    quantities: quantities::Quantities,
    dates: dates::Dates,
    names: names::Names,
    /// The learned tagger for names the other stages leave; `None` only if the
    /// built-in model does not load (a broken build), which is logged.
    tagger: Option<tagger::Tagger<'static>>,
}

impl Extractor {
    /// Compiles the matchers for `kb`.
    pub fn new(kb: Arc<KnowledgeBase>) -> Self {
        Extractor {
            entities: entities::EntityMatcher::new(&kb),
            quantities: quantities::Quantities::new(),
            dates: dates::Dates::new(),
            names: names::Names::new(),
            tagger: tagger::Tagger::builtin()
                .map_err(|e| tracing::warn!(error = %e, "name tagger not loaded"))
                .ok(),
            kb,
        }
    }

    /// The knowledge base this extractor matches.
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// Extracts from plain text; `text` in the result is the input unchanged and every
    /// offset is a byte offset into it. `reference` (the publication time) resolves
    /// relative dates ("yesterday"); `None` leaves them open.
    pub fn extract_text(&self, text: &str, reference: Option<DateTime<Utc>>) -> Extraction {
        let seg = segment::Segments::new(text);
        let (mut resolved, _, ruled_out) = self.entities.find(&self.kb, text, &seg, false);
        let known: Vec<names::Known> = resolved
            .iter()
            .map(|r| names::Known {
                start: r.start,
                end: r.end,
                kind: self.kb.entities()[r.entity as usize].kind,
            })
            .collect();
        let mut found = self.names.find(text, seg.sentences(), &known);
        if let Some(t) = &self.tagger {
            let tagged = t.tag(text, seg.sentences(), &known);
            tagger::merge::absorb(text, &tagged, &known, &ruled_out, &self.names, &mut found);
        }
        let cat = catalog::Catalog {
            kb: &self.kb,
            unknowns: &found.unknowns,
        };
        if !found.withdrawn.is_empty() {
            let mut k = 0;
            resolved.retain(|_| {
                k += 1;
                found.withdrawn.binary_search(&(k - 1)).is_err()
            });
        }
        resolved.extend(found.mentions.iter().map(|m| entities::Resolved {
            start: m.start,
            end: m.end,
            entity: cat.unknown_index(m.unknown),
            confidence: found.unknowns[m.unknown].confidence,
        }));
        resolved.sort_by_key(|r| (r.start, r.end));
        let mentioned: Vec<quotes::Mentioned> = resolved
            .iter()
            .map(|r| quotes::Mentioned {
                start: r.start,
                end: r.end,
                entity: r.entity,
            })
            .collect();
        let mut q = self.quantities.find(text);
        quantities::settle_currencies(&mut q.money, |cc| {
            resolved.iter().any(|r| {
                self.kb
                    .entities()
                    .get(r.entity as usize)
                    .is_some_and(|e| e.country.as_deref().is_some_and(|c| c.get(..2) == Some(cc)))
            })
        });
        Extraction {
            entities: entities::hits(&cat, text, &resolved),
            money: q.money,
            percent: q.percent,
            durations: q.durations,
            dates: self.dates.find(text, reference),
            quotes: quotes::find(&cat, text, &seg, &mentioned),
            text: text.to_string(),
        }
    }

    /// The knowledge-base mentions of `text` as the tagger sees them: span and kind.
    pub(crate) fn known(&self, text: &str, seg: &segment::Segments) -> Vec<names::Known> {
        let (resolved, _, _) = self.entities.find(&self.kb, text, seg, false);
        resolved
            .iter()
            .map(|r| names::Known {
                start: r.start,
                end: r.end,
                kind: self.kb.entities()[r.entity as usize].kind,
            })
            .collect()
    }

    /// Converts HTML to text (see [`text::html_to_text`]) and extracts from that.
    pub fn extract_html(&self, html: &str, reference: Option<DateTime<Utc>>) -> Extraction {
        self.extract_text(&text::html_to_text(html), reference)
    }

    /// Why each stretch of `text` that names a knowledge-base entity was or was not
    /// taken, and as which entity: for tests, and for users tuning their own entries.
    pub fn explain(&self, text: &str) -> Vec<Decision> {
        let seg = segment::Segments::new(text);
        self.entities.find(&self.kb, text, &seg, true).1
    }
}
