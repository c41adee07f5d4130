//! The shared extractor: plain synchronous code that turns a document into an
//! [`Extraction`] (entities, money, percentages, durations, dates, quotes). It knows
//! nothing of tokio, HTTP or files, so it is fast to test and reusable as a library.

pub mod kb;
pub mod text;

use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Utc};

use crate::model::{EntityHit, Extraction, Mention};
use kb::KnowledgeBase;

/// A compiled extractor over one knowledge base. Build once, share (it is `Sync`).
#[derive(Debug)]
pub struct Extractor {
    kb: Arc<KnowledgeBase>,
    /// One pattern per (entity, alias).
    automaton: AhoCorasick,
    /// For each pattern, the index of its entity in `kb.entities()`.
    pattern_entity: Vec<usize>,
}

impl Extractor {
    /// Compiles the matchers for `kb`.
    pub fn new(kb: Arc<KnowledgeBase>) -> Self {
        let mut patterns = Vec::new();
        let mut pattern_entity = Vec::new();
        for (i, e) in kb.entities().iter().enumerate() {
            for a in &e.aliases {
                patterns.push(a.clone());
                pattern_entity.push(i);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap_or_else(|_| {
                AhoCorasick::new(Vec::<String>::new()).expect("empty automaton builds")
            });
        Extractor {
            kb,
            automaton,
            pattern_entity,
        }
    }

    /// The knowledge base this extractor matches.
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// Extracts from plain text; `text` in the result is the input unchanged.
    /// `reference` resolves relative dates ("yesterday"); `None` leaves them open.
    pub fn extract_text(&self, text: &str, _reference: Option<DateTime<Utc>>) -> Extraction {
        let mut entities: Vec<EntityHit> = Vec::new();
        for m in self.automaton.find_iter(text) {
            let bytes = text.as_bytes();
            let before_ok = m.start() == 0 || !is_word_byte(bytes[m.start() - 1]);
            let after_ok = m.end() == text.len() || !is_word_byte(bytes[m.end()]);
            if !(before_ok && after_ok) {
                continue;
            }
            let e = &self.kb.entities()[self.pattern_entity[m.pattern().as_usize()]];
            let mention = Mention {
                start: m.start(),
                end: m.end(),
                surface: text[m.start()..m.end()].to_string(),
            };
            match entities.iter_mut().find(|h| h.id == e.id) {
                Some(h) => h.mentions.push(mention),
                None => entities.push(EntityHit {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    kind: e.kind,
                    confidence: 1.0,
                    mentions: vec![mention],
                }),
            }
        }
        Extraction {
            text: text.to_string(),
            entities,
            ..Extraction::default()
        }
    }

    /// Converts HTML to text (see [`text::html_to_text`]) and extracts from that.
    pub fn extract_html(&self, html: &str, reference: Option<DateTime<Utc>>) -> Extraction {
        self.extract_text(&text::html_to_text(html), reference)
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}
