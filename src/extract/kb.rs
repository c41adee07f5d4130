//! The knowledge base: entities with ids, kinds, aliases (each with its own case and
//! context rules), countries, owners, parents, roles and tags. The shipped base
//! (`config/entities/*.toml`) is compiled into the binary; users add to it, or merge
//! into entries by id, with their own TOML files (the format is in the README, "Entity
//! files (the knowledge base)"; [`load`] reads it).

mod build;
mod load;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::model::EntityKind;

/// The shipped knowledge-base files, compiled in: (path as shown in diagnostics, text).
const BUILTIN: &[(&str, &str)] = &[
    (
        "<builtin>/companies.toml",
        include_str!("../../config/entities/companies.toml"),
    ),
    (
        "<builtin>/media.toml",
        include_str!("../../config/entities/media.toml"),
    ),
    (
        "<builtin>/organizations.toml",
        include_str!("../../config/entities/organizations.toml"),
    ),
    (
        "<builtin>/regulators.toml",
        include_str!("../../config/entities/regulators.toml"),
    ),
    (
        "<builtin>/countries.toml",
        include_str!("../../config/entities/countries.toml"),
    ),
    (
        "<builtin>/places.toml",
        include_str!("../../config/entities/places.toml"),
    ),
    (
        "<builtin>/business.toml",
        include_str!("../../config/entities/business.toml"),
    ),
    (
        "<builtin>/bodies.toml",
        include_str!("../../config/entities/bodies.toml"),
    ),
    (
        "<builtin>/cities.toml",
        include_str!("../../config/entities/cities.toml"),
    ),
    (
        "<builtin>/regions.toml",
        include_str!("../../config/entities/regions.toml"),
    ),
    (
        "<builtin>/sport.toml",
        include_str!("../../config/entities/sport.toml"),
    ),
    (
        "<builtin>/people.toml",
        include_str!("../../config/entities/people.toml"),
    ),
];

/// One entity the extractor knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Stable id used in alerts and rules (`tiktok`, `nl-ap`, `us`).
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// What it is.
    pub kind: EntityKind,
    /// Every name that refers to it: the canonical name, plain aliases, aliases with
    /// rules and former names (not demonyms, which describe rather than name).
    pub aliases: Vec<String>,
    /// ISO 3166 country code (`NL`, `US-CA` for a state, `EU`), where it has one.
    pub country: Option<String>,
    /// Id of the entity that owns it (ByteDance owns TikTok).
    pub owner: Option<String>,
    /// Id of the body it is part of (a state DPA's country, a ministry's government).
    pub parent: Option<String>,
    /// Free-form labels for rules, e.g. `dpa` for data-protection authorities.
    pub tags: Vec<String>,
    /// For people: roles that a bare noun can refer to ("the president").
    pub roles: Vec<String>,
    /// Every surface form the matcher looks for, with its rules.
    pub rules: Vec<AliasRule>,
}

/// How the case of a surface form must match an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseRule {
    /// Byte for byte as written ("ICO", "AP", "US"): the default for short all-capital
    /// aliases.
    Exact,
    /// As written, with each word capitalised, or all in upper case: "Hong Kong stock
    /// exchange" also matches "Hong Kong Stock Exchange" and "HONG KONG STOCK
    /// EXCHANGE", but "apple" does not match "Apple": the default.
    Capitalized,
    /// Any ASCII case.
    Any,
}

/// How far around a mention context is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The sentence of the mention.
    Sentence,
    /// The paragraph of the mention (the default).
    Paragraph,
    /// The whole document.
    Document,
}

/// Why a surface form names the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AliasOrigin {
    /// The canonical name.
    Name,
    /// An alias from the `aliases` list or an `[[entity.alias]]` table.
    Alias,
    /// A former name.
    FormerName,
    /// A demonym of a place ("Dutch" for the Netherlands).
    Demonym,
    /// A person's surname, derived: counts only once the full name was seen.
    Surname,
}

/// Evidence an ambiguous alias needs before it counts. An alias with a context rule
/// counts when its own entity is named unambiguously anywhere in the document, or one
/// of `entities` is mentioned in scope, or one of `words` occurs in scope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContextRule {
    /// Ids of entities whose mention supports the alias (e.g. the country).
    pub entities: Vec<String>,
    /// Words or phrases (any case, whole words) that support it.
    pub words: Vec<String>,
}

/// One surface form of an entity and the rules that decide when it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRule {
    /// The form as written in the knowledge base.
    pub text: String,
    /// How its case must match.
    pub case: CaseRule,
    /// Where it comes from.
    pub origin: AliasOrigin,
    /// Evidence it needs; `None` means it counts on its own. For a `common_word`
    /// alias, the evidence is needed only at the start of a sentence.
    pub context: Option<ContextRule>,
    /// A capitalised common word ("Apple", "Meta"): at the start of a sentence, where
    /// any word is capitalised, it needs context as if it had a context rule.
    pub common_word: bool,
    /// Words (any case) whose presence in scope rules the alias out ("coin" for ICO).
    pub veto_words: Vec<String>,
    /// Texts that must not directly follow it, spaces skipped ("40" after "CAC").
    pub not_followed_by: Vec<String>,
    /// A demonym's: neither may the dishes, breeds and idioms it is part of ("French
    /// onion soup", "Dutch courage"), checked after `not_followed_by`. One shared
    /// list rather than a copy in every demonym's `not_followed_by`.
    pub not_before_idioms: bool,
    /// Texts that must not directly precede it ("North" before "Korea").
    pub not_preceded_by: Vec<String>,
    /// Where context and veto words are looked for.
    pub scope: Scope,
}

impl AliasRule {
    /// Every text that must not directly follow the alias: `not_followed_by`, then
    /// the idioms of demonyms where they apply.
    pub fn not_followed_by_any(&self) -> impl Iterator<Item = &str> {
        let idioms = if self.not_before_idioms {
            build::DEMONYM_NOT_BEFORE
        } else {
            &[]
        };
        self.not_followed_by
            .iter()
            .map(String::as_str)
            .chain(idioms.iter().copied())
    }

    /// Whether the alias needs evidence where it occurs (`at_sentence_start`: the
    /// mention opens a sentence, where common words are capitalised anyway).
    pub fn needs_context(&self, at_sentence_start: bool) -> bool {
        self.context.is_some() && (!self.common_word || at_sentence_start)
    }
}

/// Where an entity was defined, for diagnostics about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Origin {
    file: PathBuf,
    line: usize,
    column: usize,
}

/// All entities, indexed by id.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entities: Vec<Entity>,
    by_id: HashMap<String, usize>,
    /// For each entity, the entities it owns or that are part of it.
    children: Vec<Vec<usize>>,
    /// Where each entity was (last) defined.
    origins: Vec<Origin>,
    /// Whether this is the shipped base as compiled in (see [`super::snapshot`]),
    /// whose entity index is compiled in too.
    compiled_in: bool,
}

/// What a [`KnowledgeBase`] is made of, apart from its lookup by id: what the
/// compiled-in base stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Parts {
    entities: Vec<Entity>,
    children: Vec<Vec<usize>>,
    origins: Vec<Origin>,
}

/// A hash (FNV-1a) of the shipped files, names and texts, computed at compile time:
/// the compiled-in base records the one it was built from, so a binary whose files
/// changed since notices it is stale. (Hashing 215 KB takes const evaluation a while:
/// the lint that guards against endless loops is told so.)
#[allow(long_running_const_eval)]
pub(crate) const BUILTIN_HASH: u64 = {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut f = 0;
    while f < BUILTIN.len() {
        let (name, text) = BUILTIN[f];
        let (name, text) = (name.as_bytes(), text.as_bytes());
        let mut i = 0;
        while i < name.len() + 1 + text.len() + 1 {
            let b = if i < name.len() {
                name[i]
            } else if i > name.len() && i <= name.len() + text.len() {
                text[i - name.len() - 1]
            } else {
                0
            };
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        f += 1;
    }
    h
};

impl KnowledgeBase {
    /// The shipped base: compiled in, or built from its TOML if the compiled-in copy
    /// is stale (a warning says so). Its files are tested, so an error here is a
    /// build defect.
    pub fn builtin() -> Result<Self, Vec<Diagnostic>> {
        match super::snapshot::knowledge_base() {
            Some(kb) => Ok(kb),
            None => Self::from_toml(&[]),
        }
    }

    /// The base as the compiled-in parts describe it.
    pub(crate) fn from_parts(parts: Parts) -> Self {
        let Parts {
            entities,
            children,
            origins,
        } = parts;
        let by_id = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        KnowledgeBase {
            entities,
            by_id,
            children,
            origins,
            compiled_in: true,
        }
    }

    /// Its parts, to compile in.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> Parts {
        Parts {
            entities: self.entities.clone(),
            children: self.children.clone(),
            origins: self.origins.clone(),
        }
    }

    /// Whether this is the compiled-in shipped base.
    pub(crate) fn is_compiled_in(&self) -> bool {
        self.compiled_in
    }

    /// The shipped base plus the user's files, given as (path for diagnostics, text):
    /// the caller reads them. A user entity with a known id merges into the shipped one
    /// (given fields replace, lists extend; `replace = true` replaces it whole); a new
    /// id adds an entity.
    pub fn from_sources(user: &[(PathBuf, String)]) -> Result<Self, Vec<Diagnostic>> {
        if user.is_empty() {
            return Self::builtin();
        }
        Self::from_toml(user)
    }

    /// The shipped base built from its TOML files, plus user files given as (path
    /// for diagnostics, text): what the compiled-in base is checked against, and
    /// what user files merge into.
    pub fn from_toml(user: &[(PathBuf, String)]) -> Result<Self, Vec<Diagnostic>> {
        let mut loader = load::Loader::default();
        for (name, text) in BUILTIN {
            loader.add_source(Path::new(name), text, false);
        }
        for (path, text) in user {
            loader.add_source(path, text, true);
        }
        loader.finish()
    }

    /// The entity with this id.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i])
    }

    /// The index of the entity with this id in [`Self::entities`].
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Every entity, in load order.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Whether `word` is a word of one of entity `index`'s names, comparing the first
    /// six letters, case aside ("Commission" for "Commissioner", "Informatics" for
    /// "informatique"). True for an index past the base's entities (one made from a
    /// description has no names to compare).
    pub(crate) fn name_has_word(&self, index: usize, word: &str) -> bool {
        fn stem(w: &str) -> impl Iterator<Item = char> + '_ {
            w.chars().take(6).flat_map(char::to_lowercase)
        }
        self.entities.get(index).is_none_or(|x| {
            std::iter::once(&x.name)
                .chain(&x.aliases)
                .flat_map(|a| a.split(|c: char| !c.is_alphanumeric()))
                .any(|w| !w.is_empty() && stem(w).eq(stem(word)))
        })
    }

    /// `id` and every entity it owns or contains, directly or through others
    /// (`bytedance` → `bytedance`, `tiktok`, `douyin`, `capcut`, …).
    pub fn owned_closure(&self, id: &str) -> Vec<&str> {
        let Some(&root) = self.by_id.get(id) else {
            return Vec::new();
        };
        let mut seen = vec![false; self.entities.len()];
        seen[root] = true;
        let mut order = vec![root];
        let mut i = 0;
        while i < order.len() {
            for &c in &self.children[order[i]] {
                if !seen[c] {
                    seen[c] = true;
                    order.push(c);
                }
            }
            i += 1;
        }
        order
            .iter()
            .map(|&i| self.entities[i].id.as_str())
            .collect()
    }

    /// The chain of owners and parents above `id`, nearest first (`tiktok` →
    /// `bytedance`). Stops at cycles.
    pub fn ancestors(&self, id: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut cur = self.get(id);
        while let Some(e) = cur {
            let Some(up) = e.owner.as_deref().or(e.parent.as_deref()) else {
                break;
            };
            if up == id || out.contains(&up) {
                break;
            }
            out.push(up);
            cur = self.get(up);
        }
        out
    }

    /// Known ids nearest to an unknown one, best first, for "did you mean" messages:
    /// ids whose name or alias equals it ignoring case, then ids within a small edit
    /// distance. At most five.
    pub fn suggest(&self, unknown_id: &str) -> Vec<&str> {
        let wanted = unknown_id.to_lowercase();
        let mut scored: Vec<(usize, &str)> = Vec::new();
        for e in &self.entities {
            if e.aliases.iter().any(|a| a.to_lowercase() == wanted) {
                scored.push((0, &e.id));
                continue;
            }
            let limit = (wanted.chars().count() / 3).clamp(1, 3);
            let d = edit_distance(&wanted, &e.id);
            if d <= limit {
                scored.push((d, &e.id));
            }
        }
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(5).map(|(_, id)| id).collect()
    }

    /// Where the entity with this id was (last) defined: file, line, column.
    pub fn defined_at(&self, id: &str) -> Option<(&Path, usize, usize)> {
        let o = &self.origins[*self.by_id.get(id)?];
        Some((&o.file, o.line, o.column))
    }
}

/// Levenshtein distance over characters, O(len(a) × len(b)) with one row.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
