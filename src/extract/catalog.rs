//! One numbering for every entity of a document: knowledge-base entities keep their
//! index, names the base does not know follow after them. Quotes and speakers ask it
//! for ids, kinds and roles without caring where an entity came from.

use super::kb::KnowledgeBase;
use super::names::Unknown;
use crate::model::EntityKind;

/// The entities of one document: the knowledge base plus its unknown names.
pub(crate) struct Catalog<'a> {
    pub(crate) kb: &'a KnowledgeBase,
    pub(crate) unknowns: &'a [Unknown],
}

impl Catalog<'_> {
    /// The index that unknown number `u` has in this numbering.
    pub(crate) fn unknown_index(&self, u: usize) -> u32 {
        (self.kb.entities().len() + u) as u32
    }

    fn unknown(&self, e: u32) -> Option<&Unknown> {
        (e as usize)
            .checked_sub(self.kb.entities().len())
            .and_then(|u| self.unknowns.get(u))
    }

    /// The id of entity `e`.
    pub(crate) fn id(&self, e: u32) -> &str {
        match self.kb.entities().get(e as usize) {
            Some(k) => &k.id,
            None => self.unknown(e).map_or("", |u| u.id.as_str()),
        }
    }

    /// The canonical name of entity `e`.
    pub(crate) fn name(&self, e: u32) -> &str {
        match self.kb.entities().get(e as usize) {
            Some(k) => &k.name,
            None => self.unknown(e).map_or("", |u| u.name.as_str()),
        }
    }

    /// The kind of entity `e`.
    pub(crate) fn kind(&self, e: u32) -> EntityKind {
        match self.kb.entities().get(e as usize) {
            Some(k) => k.kind,
            None => self.unknown(e).map_or(EntityKind::Organization, |u| u.kind),
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
