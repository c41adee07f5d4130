//! The shared extractor: plain synchronous code that turns a document into an
//! [`Extraction`] (entities, money, percentages, durations, dates, quotes). It knows
//! nothing of tokio, HTTP or files, so it is fast to test and reusable as a library.
//!
//! Everything costly is made on first use, so commands that never extract (`check`,
//! a `once` with nothing new) never pay for it: the entity index once per extractor
//! (read from the compiled-in one for the shipped knowledge base), the cue automaton
//! once per index, the money and date patterns once per process (see
//! [`compile_patterns`]). Extracting is then a few linear passes over the text.
//!
//! - [`kb`]: the knowledge base and its TOML format; `snapshot`: the shipped one
//!   compiled in.
//! - [`text`]: HTML → text.
//! - `segment`: paragraphs and sentences.
//! - `entities`, `context`: dictionary matching and disambiguation.
//! - `describe`: regulators named by description ("the Irish data watchdog").
//! - `names`: people, organisations and places the knowledge base does not know;
//!   `catalog` numbers them after the knowledge base's entities.
//! - `numbers`, `quantities`, `dates`: money, percentages, durations, dates.
//! - `quotes`, `speakers`: quotations and who said them.

mod acronyms;
mod alternation;
mod catalog;
mod context;
mod dates;
mod describe;
mod entities;
pub mod kb;
mod names;
mod numbers;
mod quantities;
mod quotes;
pub mod segment;
mod snapshot;
mod speakers;
pub mod tagger;
pub mod text;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use crate::model::Extraction;
pub use entities::{Decision, Verdict};
use kb::KnowledgeBase;

/// The money, percentage and duration patterns: the same for every knowledge base, so
/// compiled once per process, on first use or by [`compile_patterns`].
static QUANTITIES: OnceLock<quantities::Quantities> = OnceLock::new();
/// The date patterns, likewise.
static DATES: OnceLock<dates::Dates> = OnceLock::new();

/// Compiles the patterns every extractor shares, if no one has yet. A process about
/// to extract can run this on another thread while it reads its knowledge base; an
/// extraction that comes first waits for it.
pub fn compile_patterns() {
    QUANTITIES.get_or_init(quantities::Quantities::new);
    DATES.get_or_init(dates::Dates::new);
}

/// A compiled extractor over one knowledge base. Build once, share (it is `Sync`).
#[derive(Debug)]
pub struct Extractor {
    kb: Arc<KnowledgeBase>,
    /// Compiled (or, for the shipped base, read) on first use.
    entities: OnceLock<entities::EntityMatcher>,
    /// The descriptions' index over the knowledge base, made on first use.
    describer: OnceLock<describe::Describer>,
    names: names::Names,
    /// The learned tagger for names the other stages leave; `None` only if the
    /// built-in model does not load (a broken build), which is logged.
    tagger: Option<tagger::Tagger<'static>>,
}

impl Extractor {
    /// An extractor for `kb`; its matchers are compiled when first needed.
    pub fn new(kb: Arc<KnowledgeBase>) -> Self {
        Extractor {
            entities: OnceLock::new(),
            describer: OnceLock::new(),
            names: names::Names::new(),
            tagger: tagger::Tagger::builtin()
                .map_err(|e| tracing::warn!(error = %e, "name tagger not loaded"))
                .ok(),
            kb,
        }
    }

    fn entities(&self) -> &entities::EntityMatcher {
        self.entities.get_or_init(|| {
            let compiled = self.kb.is_compiled_in().then(snapshot::matcher);
            compiled
                .flatten()
                .unwrap_or_else(|| entities::EntityMatcher::new(&self.kb))
        })
    }

    fn describer(&self) -> &describe::Describer {
        self.describer
            .get_or_init(|| describe::Describer::new(&self.kb))
    }

    fn quantities(&self) -> &'static quantities::Quantities {
        QUANTITIES.get_or_init(quantities::Quantities::new)
    }

    fn dates(&self) -> &'static dates::Dates {
        DATES.get_or_init(dates::Dates::new)
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
        let (mut resolved, _, ruled_out) = self.entities().find(&self.kb, text, &seg, false);
        let described = self.describer().find(&self.kb, text, &seg, &resolved);
        if !described.contradicted.is_empty() {
            resolved.retain(|r| !described.contradicted.contains(&(r.start, r.end)));
        }
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
            described: &described.synthesized,
        };
        if !found.withdrawn.is_empty() {
            let mut k = 0;
            resolved.retain(|_| {
                k += 1;
                found.withdrawn.binary_search(&(k - 1)).is_err()
            });
        }
        resolved.extend(
            found
                .mentions
                .iter()
                .filter(|m| !described.overlaps(m.start, m.end))
                .map(|m| entities::Resolved {
                    start: m.start,
                    end: m.end,
                    entity: cat.unknown_index(m.unknown),
                    confidence: found.unknowns[m.unknown].confidence,
                    demonym: false,
                }),
        );
        described.resolve_into(&mut resolved, |s| cat.described_index(s));
        resolved.sort_by_key(|r| (r.start, r.end));
        let mut described_spans = described.spans();
        described_spans.sort_unstable();
        // Known: the base's entities and those made from descriptions, not names found
        // in the text (numbered between them).
        let (base, found_names) = (self.kb.entities().len(), found.unknowns.len());
        acronyms::resolve_defined(
            text,
            &mut resolved,
            &mut described_spans,
            |e| cat.kind(e),
            |e| !(base..base + found_names).contains(&(e as usize)),
            |e, word| self.kb.name_has_word(e as usize, word),
        );
        let mentioned: Vec<quotes::Mentioned> = resolved
            .iter()
            .map(|r| quotes::Mentioned {
                start: r.start,
                end: r.end,
                entity: r.entity,
            })
            .collect();
        let mut q = self.quantities().find(text);
        quantities::settle_currencies(&mut q.money, |cc| {
            resolved.iter().any(|r| {
                self.kb
                    .entities()
                    .get(r.entity as usize)
                    .is_some_and(|e| e.country.as_deref().is_some_and(|c| c.get(..2) == Some(cc)))
            })
        });
        Extraction {
            entities: entities::hits(&cat, text, &resolved, &described_spans),
            money: q.money,
            percent: q.percent,
            durations: q.durations,
            dates: self.dates().find(text, reference),
            quotes: quotes::find(&cat, text, &seg, &mentioned),
            text: text.to_string(),
        }
    }

    /// The knowledge-base mentions of `text` as the tagger sees them: span and kind.
    pub(crate) fn known(&self, text: &str, seg: &segment::Segments) -> Vec<names::Known> {
        let (resolved, _, _) = self.entities().find(&self.kb, text, seg, false);
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
        self.entities().find(&self.kb, text, &seg, true).1
    }

    /// The extractor over the built-in knowledge base, built once for all unit tests.
    #[cfg(test)]
    pub(crate) fn builtin_for_tests() -> &'static Extractor {
        static X: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
        X.get_or_init(|| {
            let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("{e:?}"));
            Extractor::new(Arc::new(kb))
        })
    }
}
