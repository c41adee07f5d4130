//! Loading knowledge-base TOML: the file format (documented for users in the README,
//! "Entity files (the knowledge base)"; a test keeps the two in step), merging user
//! entries into shipped ones by id, and validation that reports every problem with
//! `file:line:column`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::Deserialize;
use toml::Spanned;

use super::build::build;
use super::{KnowledgeBase, Origin};
use crate::diag::Diagnostic;

/// The TOML shape of a knowledge-base file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    #[serde(default)]
    entity: Vec<Spanned<EntityToml>>,
}

/// The TOML shape of one entity; everything but the id is optional so that user
/// files can merge into shipped entries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EntityToml {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) kind: Option<Spanned<String>>,
    pub(super) country: Option<String>,
    pub(super) owner: Option<Spanned<String>>,
    pub(super) parent: Option<Spanned<String>>,
    pub(super) surname: Option<String>,
    #[serde(default)]
    pub(super) products: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    #[serde(default)]
    pub(super) roles: Vec<String>,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    #[serde(default)]
    pub(super) former_names: Vec<String>,
    #[serde(default)]
    pub(super) demonyms: Vec<String>,
    #[serde(default)]
    pub(super) alias: Vec<Spanned<AliasToml>>,
    #[serde(default)]
    pub(super) remove_aliases: Vec<String>,
    #[serde(default)]
    pub(super) replace: bool,
}

/// The TOML shape of one `[[entity.alias]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AliasToml {
    pub(super) text: String,
    pub(super) case: Option<String>,
    #[serde(default)]
    pub(super) context_entities: Vec<String>,
    #[serde(default)]
    pub(super) context_words: Vec<String>,
    #[serde(default)]
    pub(super) needs_context: bool,
    pub(super) scope: Option<String>,
    #[serde(default)]
    pub(super) veto_words: Vec<String>,
    #[serde(default)]
    pub(super) not_followed_by: Vec<String>,
    #[serde(default)]
    pub(super) not_preceded_by: Vec<String>,
    #[serde(default)]
    pub(super) common_word: bool,
    #[serde(default)]
    pub(super) demonym: bool,
}

/// An entity being assembled from one or more TOML entries.
#[derive(Debug, Clone)]
pub(super) struct Draft {
    pub(super) toml: EntityToml,
    /// Where the entry was (last) defined.
    pub(super) at: Pos,
    /// Where each `[[entity.alias]]` is, parallel to `toml.alias`.
    pub(super) alias_at: Vec<Pos>,
    /// Where `owner`, `parent`, `kind` and each product are.
    pub(super) owner_at: Option<Pos>,
    pub(super) parent_at: Option<Pos>,
    pub(super) kind_at: Option<Pos>,
    pub(super) products_at: Vec<Pos>,
}

/// Collects drafts from sources, then validates and builds the base.
#[derive(Debug, Default)]
pub(super) struct Loader {
    drafts: Vec<Draft>,
    by_id: HashMap<String, usize>,
    errors: Vec<Diagnostic>,
}

/// One source file with an index of its line starts, so that positions are turned
/// into line and column only when a diagnostic is needed.
#[derive(Debug)]
struct Source {
    path: PathBuf,
    text: String,
    /// Byte offset of the start of each line.
    lines: Vec<usize>,
}

impl Source {
    fn new(path: &Path, text: &str) -> Self {
        let mut lines = vec![0];
        lines.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Source {
            path: path.to_path_buf(),
            text: text.to_string(),
            lines,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines.partition_point(|&s| s <= offset);
        let start = self.lines[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// A position in a source file.
#[derive(Debug, Clone)]
pub(super) struct Pos {
    src: Rc<Source>,
    offset: usize,
}

fn here(src: &Rc<Source>, span: std::ops::Range<usize>) -> Pos {
    Pos {
        src: Rc::clone(src),
        offset: span.start,
    }
}

/// A diagnostic at `at`, with the source line and a caret as excerpt.
pub(super) fn with_message(at: &Pos, message: String) -> Diagnostic {
    let (line, column) = at.src.line_col(at.offset);
    let start = at.src.lines[line - 1];
    let end = at.src.lines.get(line).map_or(at.src.text.len(), |&e| e - 1);
    let text = at.src.text[start..end.max(start)].trim_end_matches('\r');
    Diagnostic {
        file: at.src.path.clone(),
        line,
        column,
        message,
        excerpt: Some(crate::diag::excerpt(text, column)),
    }
}

impl Loader {
    /// Parses one file. `user` files may merge into existing ids; shipped files may not
    /// define an id twice.
    pub(super) fn add_source(&mut self, path: &Path, text: &str, user: bool) {
        let file: KbFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                self.errors
                    .push(Diagnostic::at(path, text, e.span(), e.message()));
                return;
            }
        };
        let src = Rc::new(Source::new(path, text));
        for spanned in file.entity {
            let at = here(&src, spanned.span());
            let toml = spanned.into_inner();
            let draft = Draft {
                alias_at: toml.alias.iter().map(|a| here(&src, a.span())).collect(),
                owner_at: toml.owner.as_ref().map(|o| here(&src, o.span())),
                parent_at: toml.parent.as_ref().map(|o| here(&src, o.span())),
                kind_at: toml.kind.as_ref().map(|o| here(&src, o.span())),
                products_at: toml.products.iter().map(|p| here(&src, p.span())).collect(),
                toml,
                at,
            };
            if !valid_id(&draft.toml.id) {
                self.errors.push(with_message(
                    &draft.at,
                    format!(
                        "entity id `{}` must be non-empty lower-case letters, digits, `-`, `_` or `.`",
                        draft.toml.id
                    ),
                ));
                continue;
            }
            match self.by_id.get(&draft.toml.id) {
                Some(&i) if !user => self.errors.push(with_message(
                    &draft.at,
                    format!(
                        "entity `{}` is defined twice (first at {}:{})",
                        draft.toml.id,
                        self.drafts[i].at.src.path.display(),
                        self.drafts[i].at.src.line_col(self.drafts[i].at.offset).0
                    ),
                )),
                Some(&i) if draft.toml.replace => self.drafts[i] = draft,
                Some(&i) => merge(&mut self.drafts[i], draft),
                None => {
                    self.by_id.insert(draft.toml.id.clone(), self.drafts.len());
                    self.drafts.push(draft);
                }
            }
        }
    }

    /// Validates every draft and builds the base, or returns every problem found.
    pub(super) fn finish(mut self) -> Result<KnowledgeBase, Vec<Diagnostic>> {
        let mut entities = Vec::with_capacity(self.drafts.len());
        let mut origins = Vec::with_capacity(self.drafts.len());
        for d in &self.drafts {
            if let Some(e) = build(d, &mut self.errors) {
                entities.push(e);
                let (line, column) = d.at.src.line_col(d.at.offset);
                origins.push(Origin {
                    file: d.at.src.path.clone(),
                    line,
                    column,
                });
            }
        }
        let mut kb = KnowledgeBase {
            by_id: entities
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.clone(), i))
                .collect(),
            children: vec![Vec::new(); entities.len()],
            entities,
            origins,
            compiled_in: false,
        };
        self.link(&mut kb);
        if self.errors.is_empty() {
            Ok(kb)
        } else {
            Err(self.errors)
        }
    }

    /// Resolves owners, parents, products and context entities; reports unknown ids.
    fn link(&mut self, kb: &mut KnowledgeBase) {
        let unknown = |kb: &KnowledgeBase, what: &str, id: &str, owner: &str| {
            let mut msg = format!("entity `{owner}`: {what} `{id}` is not a known entity id");
            let s = kb.suggest(id);
            if !s.is_empty() {
                msg.push_str(&format!(" (did you mean {}?)", quoted_list(&s)));
            }
            msg
        };
        // Products set their owner.
        for d in &self.drafts {
            for (p, at) in d.toml.products.iter().zip(&d.products_at) {
                let Some(&pi) = kb.by_id.get(p.get_ref()) else {
                    self.errors.push(with_message(
                        at,
                        unknown(kb, "product", p.get_ref(), &d.toml.id),
                    ));
                    continue;
                };
                let product = &mut kb.entities[pi];
                match &product.owner {
                    Some(o) if o != &d.toml.id => self.errors.push(with_message(
                        at,
                        format!(
                            "entity `{}` lists product `{}`, which is owned by `{o}`",
                            d.toml.id,
                            p.get_ref()
                        ),
                    )),
                    _ => product.owner = Some(d.toml.id.clone()),
                }
            }
        }
        for i in 0..kb.entities.len() {
            let e = &kb.entities[i];
            let d = &self.drafts[self.by_id[&e.id]];
            let mut ups = Vec::new();
            for (what, up, at) in [
                ("owner", &e.owner, &d.owner_at),
                ("parent", &e.parent, &d.parent_at),
            ] {
                let Some(up) = up else { continue };
                let at = at.as_ref().unwrap_or(&d.at);
                match kb.by_id.get(up) {
                    Some(&u) if u != i => ups.push(u),
                    Some(_) => self.errors.push(with_message(
                        at,
                        format!("entity `{}` is its own {what}", e.id),
                    )),
                    None => self
                        .errors
                        .push(with_message(at, unknown(kb, what, up, &e.id))),
                }
            }
            for (r, rule) in e.rules.iter().enumerate() {
                let Some(ctx) = &rule.context else { continue };
                for c in &ctx.entities {
                    if !kb.by_id.contains_key(c) {
                        let at = alias_position(d, &rule.text).unwrap_or(&d.at);
                        self.errors.push(with_message(
                            at,
                            unknown(kb, &format!("alias {r} context entity"), c, &e.id),
                        ));
                    }
                }
            }
            for u in ups {
                if !kb.children[u].contains(&i) {
                    kb.children[u].push(i);
                }
            }
        }
    }
}

fn alias_position<'a>(d: &'a Draft, text: &str) -> Option<&'a Pos> {
    d.toml
        .alias
        .iter()
        .position(|a| a.get_ref().text == text)
        .map(|i| &d.alias_at[i])
}

fn quoted_list(ids: &[&str]) -> String {
    ids.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Merges a user entry into an existing one: given scalars replace, lists extend.
fn merge(into: &mut Draft, from: Draft) {
    let t = &mut into.toml;
    let f = from.toml;
    if f.name.is_some() {
        t.name = f.name;
    }
    if f.kind.is_some() {
        t.kind = f.kind;
        into.kind_at = from.kind_at;
    }
    if f.country.is_some() {
        t.country = f.country;
    }
    if f.owner.is_some() {
        t.owner = f.owner;
        into.owner_at = from.owner_at;
    }
    if f.parent.is_some() {
        t.parent = f.parent;
        into.parent_at = from.parent_at;
    }
    if f.surname.is_some() {
        t.surname = f.surname;
    }
    t.products.extend(f.products);
    into.products_at.extend(from.products_at);
    t.tags.extend(f.tags);
    t.roles.extend(f.roles);
    t.aliases.extend(f.aliases);
    t.former_names.extend(f.former_names);
    t.demonyms.extend(f.demonyms);
    t.alias.extend(f.alias);
    into.alias_at.extend(from.alias_at);
    t.remove_aliases.extend(f.remove_aliases);
}
