//! `newswatch entities [QUERY] [--json]`: find the knowledge-base entities a rule can
//! name. A query matches ids, names and aliases in any case and without accents
//! ("cnil", "Commission nationale", "Autorite" all find `fr-cnil`); the best matches
//! come first (the exact id, then an exact name, then a name starting with the query,
//! then one containing it). Each entity is shown with what a rule needs: its id, kind,
//! country, tags, aliases, what owns it or contains it, and what it owns.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::write_stdout;
use crate::config::{self, Config};
use crate::diag::Diagnostics;
use crate::extract::kb::{Entity, KnowledgeBase};
use crate::worker::engine::read_knowledge_base;

/// How many owned entities the text output names before it only counts the rest.
const OWNS_SHOWN: usize = 8;

/// One entity as `entities --json` prints it (one object per line).
#[derive(Debug, Serialize)]
pub struct EntityRow<'a> {
    /// The id rules write (`@id`) and alerts carry.
    pub id: &'a str,
    /// Canonical name.
    pub name: &'a str,
    /// `organization`, `person`, `location`, `regulator` or `product`.
    pub kind: &'static str,
    /// ISO 3166 code, where it has one.
    pub country: Option<&'a str>,
    /// Labels that `tag:` in a query matches.
    pub tags: &'a [String],
    /// Every name that refers to it (the canonical name first).
    pub aliases: &'a [String],
    /// For people: roles that "the …" can refer to.
    pub roles: &'a [String],
    /// The id of the entity that owns it.
    pub owner: Option<&'a str>,
    /// The id of the body or place it is part of.
    pub parent: Option<&'a str>,
    /// Owners and parents above it, nearest first.
    pub ancestors: Vec<&'a str>,
    /// What it owns or contains, directly or not (what `@id+owned` adds).
    pub owns: Vec<&'a str>,
    /// Where it is defined (last, when a user file merges into it): `file:line`.
    pub defined_at: String,
}

/// The row of `e`, with what `kb` knows around it.
pub fn row<'a>(kb: &'a KnowledgeBase, e: &'a Entity) -> EntityRow<'a> {
    EntityRow {
        id: &e.id,
        name: &e.name,
        kind: e.kind.as_str(),
        country: e.country.as_deref(),
        tags: &e.tags,
        aliases: &e.aliases,
        roles: &e.roles,
        owner: e.owner.as_deref(),
        parent: e.parent.as_deref(),
        ancestors: kb.ancestors(&e.id),
        owns: kb.owned_closure(&e.id).into_iter().skip(1).collect(),
        defined_at: kb
            .defined_at(&e.id)
            .map(|(f, line, _)| format!("{}:{line}", f.display()))
            .unwrap_or_default(),
    }
}

/// Lower case without accents or other combining marks (compatibility forms unfolded),
/// for matching what a user types against names.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How well `form` (folded) matches the folded query: 1 equal, 2 a word of it starts
/// with the query, 3 it contains the query.
fn form_rank(form: &str, q: &str) -> Option<u8> {
    if form == q {
        return Some(1);
    }
    let at_word_start = form.match_indices(q).any(|(i, _)| {
        form[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    });
    if at_word_start {
        Some(2)
    } else if form.contains(q) {
        Some(3)
    } else {
        None
    }
}

/// The entities matching `query` by id, name or alias, best first: the exact id, an
/// exact name or alias, a word starting with the query, the query anywhere; at each
/// step a match in the id or name before one only in an alias, then the shorter
/// name, then the id. An empty query lists every entity by id.
pub fn search<'a>(kb: &'a KnowledgeBase, query: &str) -> Vec<&'a Entity> {
    let q = fold(query.trim());
    // Rank: (how it matches, whether only through an alias).
    let mut found: Vec<((u8, bool), &Entity)> = kb
        .entities()
        .iter()
        .filter_map(|e| {
            if q.is_empty() || e.id == q {
                return Some(((0, false), e));
            }
            let own = [&e.id, &e.name]
                .into_iter()
                .filter_map(|form| form_rank(&fold(form), &q))
                .map(|r| (r, false));
            let aliases = e
                .aliases
                .iter()
                .filter_map(|form| form_rank(&fold(form), &q))
                .map(|r| (r, true));
            own.chain(aliases).min().map(|r| (r, e))
        })
        .collect();
    found.sort_by(|(ra, a), (rb, b)| {
        ra.cmp(rb)
            .then_with(|| {
                if q.is_empty() {
                    std::cmp::Ordering::Equal
                } else {
                    a.name.chars().count().cmp(&b.name.chars().count())
                }
            })
            .then_with(|| a.id.cmp(&b.id))
    });
    found.into_iter().map(|(_, e)| e).collect()
}

/// `id (Name)`, or the id alone when it is not known.
fn named(kb: &KnowledgeBase, id: &str) -> String {
    match kb.get(id) {
        Some(e) => format!("{id} ({})", e.name),
        None => id.to_string(),
    }
}

/// One entity as a block of text: a heading line, then one line per known field.
pub fn describe(kb: &KnowledgeBase, e: &Entity) -> String {
    let r = row(kb, e);
    let mut out = format!("{}  {}  [{}]\n", r.id, r.name, r.kind);
    let mut field = |label: &str, value: String| {
        if !value.is_empty() {
            let _ = writeln!(out, "  {label:<9} {value}");
        }
    };
    field("country:", r.country.unwrap_or_default().to_string());
    field("owner:", r.owner.map(|o| named(kb, o)).unwrap_or_default());
    field(
        "part of:",
        r.parent.map(|p| named(kb, p)).unwrap_or_default(),
    );
    if r.ancestors.len() > 1 {
        field("above:", r.ancestors.join(" › "));
    }
    field("tags:", r.tags.join(", "));
    let others: Vec<&str> = r
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| *a != r.name)
        .collect();
    field("aliases:", others.join(", "));
    field("roles:", r.roles.join(", "));
    if !r.owns.is_empty() {
        let mut owns = r.owns[..r.owns.len().min(OWNS_SHOWN)].join(", ");
        if r.owns.len() > OWNS_SHOWN {
            let _ = write!(owns, ", … ({} in all)", r.owns.len());
        }
        let _ = write!(owns, "; @{}+owned matches them too", r.id);
        field("owns:", owns);
    }
    field("defined:", r.defined_at);
    out
}

/// One line per entity: id, kind, country and name in columns (the list without a query).
fn table(entities: &[&Entity]) -> String {
    let w = entities.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entities {
        let _ = writeln!(
            out,
            "{:<w$}  {:<12}  {:<5}  {}",
            e.id,
            e.kind.as_str(),
            e.country.as_deref().unwrap_or("-"),
            e.name
        );
    }
    out
}

/// The knowledge base `run` would use: the built-in one plus the config's entity
/// files. Without `--config` and without a config in the usual places, the built-in
/// base alone (said on stderr).
fn load(config: Option<&Path>) -> anyhow::Result<KnowledgeBase> {
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => config::locate(None).ok(),
    };
    let entities = match path {
        Some(p) => Config::load(&p).map_err(|d| anyhow!("{d}"))?.entities,
        None => {
            eprintln!("newswatch: no config found; showing the built-in knowledge base only");
            Vec::new()
        }
    };
    read_knowledge_base(&entities).map_err(|d| anyhow!("{}", Diagnostics(d)))
}

/// `newswatch entities [QUERY] [--json] [--config F]`: exit 1 when nothing matches.
pub fn entities(
    query: Option<&str>,
    json: bool,
    config: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let kb = load(config)?;
    let query = query.unwrap_or("");
    let found = search(&kb, query);
    if found.is_empty() {
        let mut msg = format!("newswatch: no entity matches `{query}`");
        let near = kb.suggest(query);
        if !near.is_empty() {
            let _ = write!(msg, " (did you mean {}?)", near.join(", "));
        }
        eprintln!("{msg}");
        return Ok(ExitCode::FAILURE);
    }
    let mut out = String::new();
    if json {
        for e in &found {
            out.push_str(&serde_json::to_string(&row(&kb, e))?);
            out.push('\n');
        }
    } else if query.trim().is_empty() {
        out = table(&found);
    } else {
        for (i, e) in found.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&describe(&kb, e));
        }
    }
    write_stdout(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn kb() -> KnowledgeBase {
        KnowledgeBase::builtin().unwrap()
    }

    fn ids<'a>(found: &[&'a Entity]) -> Vec<&'a str> {
        found.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn the_exact_id_comes_first_then_names_then_substrings() {
        let kb = kb();
        let found = search(&kb, "TikTok");
        assert_eq!(found[0].id, "tiktok");
        // "TikTok Shop" is an alias of tiktok, not a separate hit; substrings follow.
        // A word of a name starting with the query comes before the query inside a word.
        let found = ids(&search(&kb, "byte"));
        let mut first_two = found[..2].to_vec();
        first_two.sort_unstable();
        assert_eq!(first_two, ["bytedance", "byteplus"], "{found:?}");
        // An alias finds its entity: WeChat's Chinese name.
        assert_eq!(ids(&search(&kb, "Weixin"))[0], "wechat");
        // A name beats an alias that matches as well ("Central America" of Latin America).
        let central = ids(&search(&kb, "central"));
        let by_name = central.iter().position(|&i| i == "ecb").unwrap();
        let by_alias = central.iter().position(|&i| i == "latin-america").unwrap();
        assert!(by_name < by_alias, "{central:?}");
    }

    #[test]
    fn case_and_accents_do_not_matter() {
        let kb = kb();
        let accented = ids(&search(
            &kb,
            "Commission nationale de l'informatique et des libertés",
        ));
        let plain = ids(&search(
            &kb,
            "commission NATIONALE de l'informatique et des LIBERTES",
        ));
        assert_eq!(accented.first(), Some(&"fr-cnil"));
        assert_eq!(accented, plain);
        assert_eq!(
            fold("Autorité Persoonsgegevens ﬁ"),
            "autorite persoonsgegevens fi"
        );
    }

    #[test]
    fn rows_say_what_owns_it_and_what_it_owns() {
        let kb = kb();
        let tiktok = kb.get("tiktok").unwrap();
        let r = row(&kb, tiktok);
        assert_eq!(r.owner, Some("bytedance"));
        assert_eq!(r.ancestors, ["bytedance"]);
        assert_eq!(r.kind, "product");
        assert!(
            r.defined_at.starts_with("<builtin>/companies.toml:"),
            "{}",
            r.defined_at
        );
        let text = describe(&kb, tiktok);
        assert!(text.starts_with("tiktok  TikTok  [product]\n"), "{text}");
        assert!(text.contains("owner:    bytedance (ByteDance)"), "{text}");
        assert!(text.contains("Tik Tok"), "{text}");
        let b = describe(&kb, kb.get("bytedance").unwrap());
        assert!(b.contains("owns:") && b.contains("tiktok"), "{b}");
        assert!(b.contains("@bytedance+owned"), "{b}");
    }

    #[test]
    fn user_files_are_searched_with_the_built_in_base() {
        let user = (
            PathBuf::from("mine.toml"),
            "[[entity]]\nid = \"acme\"\nname = \"Äcme Robotics\"\nkind = \"organization\"\nowner = \"bytedance\"\n"
                .to_string(),
        );
        let kb = KnowledgeBase::from_sources(&[user]).unwrap();
        let found = search(&kb, "acme rob");
        assert_eq!(found[0].id, "acme");
        assert_eq!(row(&kb, found[0]).defined_at, "mine.toml:1");
        assert!(
            row(&kb, kb.get("bytedance").unwrap())
                .owns
                .contains(&"acme")
        );
        assert!(search(&kb, "zzzz-nothing").is_empty());
        assert_eq!(search(&kb, "").len(), kb.entities().len());
    }
}
