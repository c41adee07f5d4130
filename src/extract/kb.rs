//! The knowledge base: entities with ids, kinds, aliases, countries and owners. The
//! shipped base (`config/entities/*.toml`) is compiled into the binary; users add to it
//! (or override entries by id) with their own TOML files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::model::EntityKind;

/// The shipped knowledge-base files, compiled in: (path as shown in diagnostics, text).
const BUILTIN: &[(&str, &str)] = &[
    (
        "<builtin>/companies.toml",
        include_str!("../../config/entities/companies.toml"),
    ),
    (
        "<builtin>/regulators.toml",
        include_str!("../../config/entities/regulators.toml"),
    ),
    (
        "<builtin>/places.toml",
        include_str!("../../config/entities/places.toml"),
    ),
];

/// One entity the extractor knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Stable id used in alerts and rules (`tiktok`, `nl-ap`).
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// What it is.
    pub kind: EntityKind,
    /// Surface forms that name it (the name is always one).
    pub aliases: Vec<String>,
    /// ISO 3166 country code, where it has one.
    pub country: Option<String>,
    /// Id of the entity that owns it (ByteDance owns TikTok).
    pub owner: Option<String>,
}

/// The TOML shape of a knowledge-base file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    #[serde(default)]
    entity: Vec<toml::Spanned<EntityToml>>,
}

/// The TOML shape of one entity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityToml {
    id: String,
    name: String,
    kind: String,
    #[serde(default)]
    aliases: Vec<String>,
    country: Option<String>,
    owner: Option<String>,
}

/// All entities, indexed by id.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entities: Vec<Entity>,
    by_id: HashMap<String, usize>,
}

impl KnowledgeBase {
    /// The shipped base. Its files are tested, so an error here is a build defect.
    pub fn builtin() -> Result<Self, Vec<Diagnostic>> {
        let mut kb = KnowledgeBase::default();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN {
            kb.add_source(Path::new(name), text, &mut errors);
        }
        kb.check(&mut errors);
        if errors.is_empty() {
            Ok(kb)
        } else {
            Err(errors)
        }
    }

    /// The shipped base plus the user's files; a user entity with a known id replaces
    /// the shipped one.
    pub fn with_user_files(paths: &[PathBuf]) -> Result<Self, Vec<Diagnostic>> {
        let mut kb = Self::builtin()?;
        let mut errors = Vec::new();
        for path in paths {
            match std::fs::read_to_string(path) {
                Ok(text) => kb.add_source(path, &text, &mut errors),
                Err(e) => errors.push(Diagnostic::file(path, format!("cannot read: {e}"))),
            }
        }
        kb.check(&mut errors);
        if errors.is_empty() {
            Ok(kb)
        } else {
            Err(errors)
        }
    }

    fn add_source(&mut self, path: &Path, text: &str, errors: &mut Vec<Diagnostic>) {
        let file: KbFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(Diagnostic::at(path, text, e.span(), e.message()));
                return;
            }
        };
        for spanned in file.entity {
            let span = spanned.span();
            let e = spanned.into_inner();
            let Some(kind) = EntityKind::parse(&e.kind) else {
                errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(span),
                    format!("entity `{}`: unknown kind `{}` (organization, person, location, regulator, product)", e.id, e.kind),
                ));
                continue;
            };
            let mut aliases = e.aliases;
            if !aliases.contains(&e.name) {
                aliases.insert(0, e.name.clone());
            }
            let entity = Entity {
                id: e.id,
                name: e.name,
                kind,
                aliases,
                country: e.country,
                owner: e.owner,
            };
            match self.by_id.get(&entity.id) {
                Some(&i) => self.entities[i] = entity,
                None => {
                    self.by_id.insert(entity.id.clone(), self.entities.len());
                    self.entities.push(entity);
                }
            }
        }
    }

    /// Owners must exist.
    fn check(&self, errors: &mut Vec<Diagnostic>) {
        for e in &self.entities {
            if let Some(owner) = &e.owner {
                if !self.by_id.contains_key(owner) {
                    errors.push(Diagnostic::file(
                        Path::new("<knowledge base>"),
                        format!(
                            "entity `{}`: owner `{owner}` is not a known entity id",
                            e.id
                        ),
                    ));
                }
            }
        }
    }

    /// The entity with this id.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i])
    }

    /// Every entity, in load order.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// `id` and every entity it owns, directly or through others.
    pub fn owned_closure(&self, id: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(e) = self.get(id) {
            out.push(&e.id);
        }
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            for e in &self.entities {
                if e.owner.as_deref() == Some(parent) && !out.contains(&e.id.as_str()) {
                    out.push(&e.id);
                }
            }
            i += 1;
        }
        out
    }
}
