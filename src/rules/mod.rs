//! Watch rules: watchlist TOML files ([`watchlist`]) compiled once per config load into
//! a [`RuleSet`] that decides, for an item's [`Extraction`], which rules fire and why.
//! Plain synchronous code, like the extractor.

pub mod snippet;
pub mod watchlist;

use std::collections::HashSet;

use regex::Regex;

use crate::model::{EntityKind, Extraction, Matched, Severity};
pub use watchlist::load_rules;

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique id, written in alerts.
    pub id: String,
    /// What the rule is for, in words.
    pub description: String,
    /// Severity of its alerts.
    pub severity: Severity,
    /// Whether its alerts pop up on the desktop.
    pub notify: bool,
    /// Entity ids that fire it (owned entities already expanded).
    entities: HashSet<String>,
    /// Entity kinds that fire it.
    kinds: HashSet<EntityKind>,
    /// Keywords and phrases, case-insensitive on word boundaries.
    keywords: Option<Regex>,
    /// Words that veto the rule when present.
    exclude: Option<Regex>,
    /// Feed-name globs it applies to; empty means all feeds.
    feeds: Vec<glob::Pattern>,
}

/// All rules of a configuration.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// A rule that fired, with what made it fire (in text order).
#[derive(Debug, Clone)]
pub struct Firing<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// Entities and keywords that matched.
    pub matched: Vec<Matched>,
}

impl RuleSet {
    /// A rule set from compiled rules.
    pub fn new(rules: Vec<Rule>) -> Self {
        RuleSet { rules }
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules that fire on `ex`, an item of feed `feed`.
    pub fn evaluate<'a>(&'a self, feed: &str, ex: &Extraction) -> Vec<Firing<'a>> {
        self.rules
            .iter()
            .filter(|r| r.applies_to(feed))
            .filter_map(|r| r.evaluate(ex).map(|matched| Firing { rule: r, matched }))
            .collect()
    }
}

impl Rule {
    fn applies_to(&self, feed: &str) -> bool {
        self.feeds.is_empty() || self.feeds.iter().any(|p| p.matches(feed))
    }

    /// What made the rule fire on `ex`, or `None` if it does not.
    pub fn evaluate(&self, ex: &Extraction) -> Option<Vec<Matched>> {
        let mut matched = Vec::new();
        for hit in &ex.entities {
            let by_id = self.entities.contains(&hit.id);
            if !(by_id || self.kinds.contains(&hit.kind)) {
                continue;
            }
            let Some(m) = hit.mentions.first() else {
                continue;
            };
            matched.push(Matched {
                kind: if by_id { "entity" } else { "kind" }.into(),
                id: hit.id.clone(),
                name: hit.name.clone(),
                surface: m.surface.clone(),
                start: m.start,
                end: m.end,
            });
        }
        if let Some(re) = &self.keywords {
            let mut seen = HashSet::new();
            for m in re.find_iter(&ex.text) {
                let key = m.as_str().to_lowercase();
                if seen.insert(key.clone()) {
                    matched.push(Matched {
                        kind: "keyword".into(),
                        id: key.clone(),
                        name: key,
                        surface: m.as_str().into(),
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        if matched.is_empty()
            || self
                .exclude
                .as_ref()
                .is_some_and(|re| re.is_match(&ex.text))
        {
            return None;
        }
        matched.sort_by_key(|m| m.start);
        Some(matched)
    }
}

/// One case-insensitive regex matching any of `words` on word boundaries.
fn word_regex(words: &[String]) -> Result<Option<Regex>, regex::Error> {
    if words.is_empty() {
        return Ok(None);
    }
    let alts: Vec<String> = words
        .iter()
        .map(|w| {
            w.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"[\s\-]+")
        })
        .collect();
    Regex::new(&format!(r"(?i)\b(?:{})\b", alts.join("|"))).map(Some)
}
