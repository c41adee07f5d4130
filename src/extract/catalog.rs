//! One numbering for every entity of a document: knowledge-base entities keep their
//! index, names the base does not know follow after them, then the entities that
//! descriptions made (`dpa/de`, see `describe`). Quotes and speakers ask it for ids,
//! kinds and roles without caring where an entity came from.

use super::describe::Synthesized;
use super::kb::KnowledgeBase;
use super::names::Unknown;
use crate::model::EntityKind;

/// The entities of one document: the knowledge base plus its unknown names and made
/// entities.
pub(crate) struct Catalog<'a> {
    pub(crate) kb: &'a KnowledgeBase,
    pub(crate) unknowns: &'a [Unknown],
    pub(crate) described: &'a [Synthesized],
}

impl Catalog<'_> {
    /// The index that unknown number `u` has in this numbering.
    pub(crate) fn unknown_index(&self, u: usize) -> u32 {
        (self.kb.entities().len() + u) as u32
    }

    /// The index that made entity number `s` has in this numbering.
    pub(crate) fn described_index(&self, s: usize) -> u32 {
        (self.kb.entities().len() + self.unknowns.len() + s) as u32
    }

    fn unknown(&self, e: u32) -> Option<&Unknown> {
        (e as usize)
            .checked_sub(self.kb.entities().len())
            .and_then(|u| self.unknowns.get(u))
    }

    /// The made entity `e`, if it is one.
    pub(crate) fn synthesized(&self, e: u32) -> Option<&Synthesized> {
        (e as usize)
            .checked_sub(self.kb.entities().len() + self.unknowns.len())
            .and_then(|s| self.described.get(s))
    }

    /// The id of entity `e`.
    pub(crate) fn id(&self, e: u32) -> &str {
        match self.kb.entities().get(e as usize) {
            Some(k) => &k.id,
            None => match self.unknown(e) {
                Some(u) => &u.id,
                None => self.synthesized(e).map_or("", |s| s.id.as_str()),
            },
        }
    }

    /// The canonical name of entity `e`.
    pub(crate) fn name(&self, e: u32) -> &str {
        match self.kb.entities().get(e as usize) {
            Some(k) => &k.name,
            None => match self.unknown(e) {
                Some(u) => &u.name,
                None => self.synthesized(e).map_or("", |s| s.name.as_str()),
            },
        }
    }

    /// The kind of entity `e` (made entities are regulators).
    pub(crate) fn kind(&self, e: u32) -> EntityKind {
        match self.kb.entities().get(e as usize) {
            Some(k) => k.kind,
            None => match self.unknown(e) {
                Some(u) => u.kind,
                None if self.synthesized(e).is_some() => EntityKind::Regulator,
                None => EntityKind::Organization,
            },
        }
    }

    /// The roles of entity `e` ("president"); none for unknown names.
    pub(crate) fn roles(&self, e: u32) -> &[String] {
        self.kb
            .entities()
            .get(e as usize)
            .map_or(&[], |k| k.roles.as_slice())
    }
}
