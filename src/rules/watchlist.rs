//! Watchlist files: TOML with `[[rule]]` tables, each compiled against the knowledge
//! base into a [`Rule`]. Every problem is reported with file:line:column; an error in
//! a query points into the query string (through TOML escapes and line breaks).
//!
//! A rule says what to match with `query`. The first version's fields (`entities`,
//! `owned`, `kinds`, `keywords`, `exclude`) still work: they are translated to the
//! query they mean (`(@a+owned OR kind:k OR "word") AND NOT ("excluded")`) and compiled
//! the same way; a rule uses one form or the other, not both.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::compile::compile;
use super::query::parse;
use super::tomlstr::StrMap;
use super::{DEFAULT_GROUP_WINDOW, Rule};
use crate::diag::Diagnostic;
use crate::duration::parse_duration;
use crate::extract::kb::KnowledgeBase;
use crate::model::Severity;

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
    /// What to match, in the query language.
    query: Option<Spanned<String>>,
    /// v1: entity ids that fire the rule.
    #[serde(default)]
    entities: Vec<Spanned<String>>,
    /// v1: also everything the listed entities own.
    #[serde(default)]
    owned: bool,
    /// v1: entity kinds that fire the rule.
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    /// v1: words or phrases that fire the rule.
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    /// v1: words or phrases that veto the rule.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    /// Feed names or globs the rule applies to (default: all).
    #[serde(default)]
    feeds: Vec<Spanned<String>>,
    /// At most one desktop notification per this long.
    cooldown: Option<Spanned<String>>,
    /// Near-duplicate alerts within this long are grouped ("off": never).
    group_window: Option<Spanned<String>>,
}

fn default_notify() -> bool {
    true
}

/// Compiles every rule of the watchlist `files`, given as (path for diagnostics, text):
/// the caller reads them. Rule ids must be unique across files.
pub fn load_rules(
    files: &[(PathBuf, String)],
    kb: &KnowledgeBase,
) -> Result<Vec<Rule>, Vec<Diagnostic>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    for (path, text) in files {
        for rule in compile_file(path, text, kb, &mut errors) {
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

/// A query and where each of its bytes comes from in the file.
enum Source {
    /// Written as `query`: positions map through the TOML string.
    Query(StrMap),
    /// Built from v1 fields: (range in the query, range of the field value in the file).
    Built(Vec<(Range<usize>, Range<usize>)>),
}

impl Source {
    fn map(&self, r: &Range<usize>) -> Range<usize> {
        match self {
            Source::Query(m) => m.map(r),
            Source::Built(pieces) => pieces
                .iter()
                .find(|(q, _)| q.start <= r.start && r.start < q.end.max(q.start + 1))
                .or(pieces.first())
                .map_or(0..0, |(_, f)| f.clone()),
        }
    }
}

/// The query the v1 fields mean, and where each piece came from.
fn translate_v1(r: &RuleToml) -> (String, Source) {
    let mut q = String::new();
    let mut pieces = Vec::new();
    let mut add = |q: &mut String, text: String, span: Range<usize>| {
        let start = q.len();
        q.push_str(&text);
        pieces.push((start..q.len(), span));
    };
    let suffix = if r.owned { "+owned" } else { "" };
    let mut any: Vec<(String, Range<usize>)> = Vec::new();
    any.extend(
        r.entities
            .iter()
            .map(|e| (format!("@{}{suffix}", e.get_ref().trim()), e.span())),
    );
    any.extend(
        r.kinds
            .iter()
            .map(|k| (format!("kind:{}", k.get_ref()), k.span())),
    );
    any.extend(r.keywords.iter().map(|k| (phrase(k.get_ref()), k.span())));
    q.push('(');
    for (i, (text, span)) in any.into_iter().enumerate() {
        if i > 0 {
            q.push_str(" OR ");
        }
        add(&mut q, text, span);
    }
    q.push(')');
    if !r.exclude.is_empty() {
        q.push_str(" AND NOT (");
        for (i, x) in r.exclude.iter().enumerate() {
            if i > 0 {
                q.push_str(" OR ");
            }
            add(&mut q, phrase(x.get_ref()), x.span());
        }
        q.push(')');
    }
    (q, Source::Built(pieces))
}

/// A v1 keyword as a quoted phrase (quote marks inside are not words anyway).
fn phrase(s: &str) -> String {
    format!("\"{}\"", s.replace(['"', '“', '”'], " "))
}

fn duration_field(
    v: &Option<Spanned<String>>,
    default: Option<Duration>,
    err: &mut impl FnMut(Range<usize>, String),
    name: &str,
) -> Option<Duration> {
    let Some(v) = v else { return default };
    if matches!(v.get_ref().trim(), "off" | "none") {
        return None;
    }
    match parse_duration(v.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            err(v.span(), format!("`{name}`: {e}; or \"off\""));
            default
        }
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
        let mut err = |span: Range<usize>, msg: String| {
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
        let v1 = !(r.entities.is_empty()
            && r.kinds.is_empty()
            && r.keywords.is_empty()
            && r.exclude.is_empty()
            && !r.owned);
        let (query, source) = match &r.query {
            Some(q) if v1 => {
                err(
                    q.span(),
                    format!(
                        "rule `{id}`: `query` replaces `entities`, `owned`, `kinds`, `keywords` and `exclude`: use one or the other"
                    ),
                );
                continue;
            }
            Some(q) => (
                q.get_ref().clone(),
                Source::Query(StrMap::new(text, q.span(), q.get_ref())),
            ),
            None if r.entities.is_empty() && r.kinds.is_empty() && r.keywords.is_empty() => {
                err(
                    span.clone(),
                    format!(
                        "rule `{id}` can never fire: give it a `query`, e.g. query = '@tiktok'"
                    ),
                );
                continue;
            }
            None => translate_v1(&r),
        };
        let program = match parse(&query) {
            Ok(expr) => match compile(&expr, kb) {
                Ok(p) => Some(p),
                Err(es) => {
                    for e in es {
                        err(source.map(&e.span), format!("rule `{id}`: {}", e.message));
                    }
                    None
                }
            },
            Err(e) => {
                err(source.map(&e.span), format!("rule `{id}`: {}", e.message));
                None
            }
        };
        let mut feeds = Vec::new();
        for f in &r.feeds {
            match glob::Pattern::new(f.get_ref()) {
                Ok(p) => feeds.push(p),
                Err(e) => err(f.span(), format!("rule `{id}`: bad feed pattern: {e}")),
            }
        }
        let cooldown = duration_field(&r.cooldown, None, &mut err, "cooldown");
        let group_window = duration_field(
            &r.group_window,
            Some(DEFAULT_GROUP_WINDOW),
            &mut err,
            "group_window",
        );
        if let (Some(program), true) = (program, errors.len() == before) {
            let mut rule = Rule::new(id, query, program, feeds);
            rule.description = r.description;
            rule.severity = r.severity;
            rule.notify = r.notify;
            rule.cooldown = cooldown;
            rule.group_window = group_window;
            out.push(rule);
        }
    }
    out
}

#[cfg(test)]
mod tests;
