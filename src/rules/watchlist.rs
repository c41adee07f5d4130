//! Watchlist files: TOML with `[[rule]]` tables, checked against the knowledge base
//! and compiled into [`Rule`]s. Every problem is reported with file:line:column.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Rule, word_regex};
use crate::diag::Diagnostic;
use crate::extract::kb::KnowledgeBase;
use crate::model::{EntityKind, Severity};

/// A watchlist file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchlistToml {
    #[serde(default)]
    rule: Vec<Spanned<RuleToml>>,
}

/// One `[[rule]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    severity: Severity,
    #[serde(default = "default_notify")]
    notify: bool,
    /// Entity ids that fire the rule.
    #[serde(default)]
    entities: Vec<Spanned<String>>,
    /// Also fire on everything the listed entities own (ByteDance → TikTok, Douyin…).
    #[serde(default)]
    owned: bool,
    /// Entity kinds that fire the rule (`regulator`…).
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    /// Words or phrases, case-insensitive, on word boundaries.
    #[serde(default)]
    keywords: Vec<String>,
    /// Words or phrases that veto the rule.
    #[serde(default)]
    exclude: Vec<String>,
    /// Feed names or globs the rule applies to (default: all).
    #[serde(default)]
    feeds: Vec<Spanned<String>>,
}

fn default_notify() -> bool {
    true
}

/// Loads and compiles every rule in `paths`. Rule ids must be unique across files.
pub fn load_rules(paths: &[PathBuf], kb: &KnowledgeBase) -> Result<Vec<Rule>, Vec<Diagnostic>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(Diagnostic::file(
                    path,
                    format!("cannot read watchlist: {e}"),
                ));
                continue;
            }
        };
        for rule in compile_file(path, &text, kb, &mut errors) {
            if let Some(first) = ids.insert(rule.id.clone(), path.clone()) {
                errors.push(Diagnostic::file(
                    path,
                    format!(
                        "rule id `{}` is already used in {}",
                        rule.id,
                        first.display()
                    ),
                ));
            }
            rules.push(rule);
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Compiles one watchlist file's text, pushing problems onto `errors`.
pub fn compile_file(
    path: &Path,
    text: &str,
    kb: &KnowledgeBase,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Rule> {
    let file: WatchlistToml = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            errors.push(Diagnostic::at(path, text, e.span(), e.message()));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for spanned in file.rule {
        let span = spanned.span();
        let r = spanned.into_inner();
        let before = errors.len();
        let mut err = |span: std::ops::Range<usize>, msg: String| {
            errors.push(Diagnostic::at(path, text, Some(span), msg))
        };
        let id = r.id.get_ref().trim().to_string();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            err(
                r.id.span(),
                format!("rule id `{id}` must be non-empty letters, digits, `-` or `_`"),
            );
        }
        let mut entities = HashSet::new();
        for e in &r.entities {
            if kb.get(e.get_ref()).is_none() {
                let near: Vec<String> = kb
                    .suggest(e.get_ref())
                    .iter()
                    .take(3)
                    .map(|n| format!("`{n}`"))
                    .collect();
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", near.join(", "))
                };
                err(
                    e.span(),
                    format!("rule `{id}`: unknown entity id `{}`{hint}", e.get_ref()),
                );
                continue;
            }
            if r.owned {
                entities.extend(
                    kb.owned_closure(e.get_ref())
                        .into_iter()
                        .map(str::to_string),
                );
            } else {
                entities.insert(e.get_ref().clone());
            }
        }
        let mut kinds = HashSet::new();
        for k in &r.kinds {
            match EntityKind::parse(k.get_ref()) {
                Some(kind) => {
                    kinds.insert(kind);
                }
                None => err(
                    k.span(),
                    format!(
                        "rule `{id}`: unknown kind `{}` (organization, person, location, regulator, product)",
                        k.get_ref()
                    ),
                ),
            }
        }
        let mut feeds = Vec::new();
        for f in &r.feeds {
            match glob::Pattern::new(f.get_ref()) {
                Ok(p) => feeds.push(p),
                Err(e) => err(f.span(), format!("rule `{id}`: bad feed pattern: {e}")),
            }
        }
        let keywords = word_regex(&r.keywords).unwrap_or_else(|e| {
            err(span.clone(), format!("rule `{id}`: keywords: {e}"));
            None
        });
        let exclude = word_regex(&r.exclude).unwrap_or_else(|e| {
            err(span.clone(), format!("rule `{id}`: exclude: {e}"));
            None
        });
        if r.entities.is_empty() && r.kinds.is_empty() && r.keywords.is_empty() {
            err(
                span.clone(),
                format!("rule `{id}` can never fire: give it `entities`, `kinds` or `keywords`"),
            );
        }
        if errors.len() == before {
            out.push(Rule {
                id,
                description: r.description,
                severity: r.severity,
                notify: r.notify,
                entities,
                kinds,
                keywords,
                exclude,
                feeds,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntityHit, Extraction, Mention};

    fn kb() -> KnowledgeBase {
        KnowledgeBase::builtin().unwrap()
    }

    fn extraction(text: &str, hits: &[(&str, EntityKind, &str)]) -> Extraction {
        Extraction {
            text: text.into(),
            entities: hits
                .iter()
                .map(|(id, kind, surface)| {
                    let start = text.find(surface).unwrap();
                    EntityHit {
                        id: id.to_string(),
                        name: id.to_string(),
                        kind: *kind,
                        confidence: 1.0,
                        mentions: vec![Mention {
                            start,
                            end: start + surface.len(),
                            surface: surface.to_string(),
                        }],
                    }
                })
                .collect(),
            ..Extraction::default()
        }
    }

    #[test]
    fn entities_owned_kinds_keywords_and_exclusions() {
        let src = r#"
[[rule]]
id = "bd"
entities = ["bytedance"]
owned = true
[[rule]]
id = "reg"
kinds = ["regulator"]
severity = "high"
[[rule]]
id = "kw"
keywords = ["data centre", "ban"]
exclude = ["banana"]
"#;
        let mut errors = Vec::new();
        let rules = compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let set = super::super::RuleSet::new(rules);
        let ex = extraction(
            "TikTok will build a data-centre. No BAN.",
            &[("tiktok", EntityKind::Product, "TikTok")],
        );
        let fired: Vec<_> = set
            .evaluate("f", &ex)
            .into_iter()
            .map(|f| (f.rule.id.clone(), f.matched.len()))
            .collect();
        assert_eq!(fired, vec![("bd".to_string(), 1), ("kw".to_string(), 2)]);
        let ex = extraction("A ban on banana imports.", &[]);
        assert!(set.evaluate("f", &ex).is_empty(), "exclusion vetoes");
        let ex = extraction(
            "The Personal Data Authority said",
            &[("nl-ap", EntityKind::Regulator, "Personal Data Authority")],
        );
        assert_eq!(set.evaluate("f", &ex)[0].rule.severity, Severity::High);
    }

    #[test]
    fn errors_point_at_the_spot() {
        let src = "[[rule]]\nid = \"x\"\nentities = [\"nosuch\"]\nkinds = [\"fruit\"]\n[[rule]]\nid = \"y\"\ncolour = 1\n";
        let mut errors = Vec::new();
        compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
        assert_eq!(
            errors.len(),
            1,
            "a type error stops serde at the first: {errors:?}"
        );
        let src = "[[rule]]\nid = \"x\"\nentities = [\"nosuch\"]\nkinds = [\"fruit\"]\n";
        let mut errors = Vec::new();
        compile_file(Path::new("w.toml"), src, &kb(), &mut errors);
        let at: Vec<(usize, usize)> = errors.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(at, vec![(3, 13), (4, 10)], "{errors:?}");
        assert!(errors[0].message.contains("unknown entity id `nosuch`"));
    }
}
