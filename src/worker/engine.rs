//! The engine: what a configuration compiles to (the extractor over the knowledge base,
//! and the rule set), and the pure step from an item to its alerts: no store, no files,
//! no network (loading reads the knowledge-base and watchlist files the config names,
//! and nothing else). Built once per config load and shared by every poll.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::{Config, read_user_files};
use crate::diag::{Diagnostic, Diagnostics};
use crate::duration::ago;
use crate::extract::Extractor;
use crate::extract::kb::KnowledgeBase;
use crate::extract::text::html_to_text;
use crate::model::{
    ALERT_SCHEMA, Alert, AlertFeed, AlertItem, Extraction, Item, Matched, Popup, TextSource,
};
use crate::rules::snippet::sentence_around;
use crate::rules::{Doc, Rule, RuleSet, load_rules};

/// The compiled extractor and rules of one configuration.
#[derive(Debug)]
pub struct Engine {
    /// The shared extractor.
    pub extractor: Extractor,
    /// The watch rules.
    pub rules: RuleSet,
    /// How long item texts are kept for backtesting; `None`: not kept.
    pub item_retention: Option<Duration>,
    /// When [`Engine::prune_due`] last answered `Some` (ms since the epoch; `i64::MIN`:
    /// never).
    last_prune_ms: AtomicI64,
}

/// How often, at most, commits prune old item texts and grouping state.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// An alert and what the desktop does with it: [`Popup::Show`] or [`Popup::Quiet`]
/// as its rule says, until [`Engine::group`] decides.
pub type Raised = (Alert, Popup);

impl Engine {
    /// Loads the knowledge base (built-in plus the config's `entities` files) and the
    /// watchlists. Every problem in every file is reported. Reading those files is the
    /// only I/O the engine does; everything after is pure.
    pub fn load(config: &Config) -> Result<Engine, Diagnostics> {
        let kb = read_knowledge_base(&config.entities).map_err(Diagnostics)?;
        let rules = read_watchlists(&config.watchlists, &kb).map_err(Diagnostics)?;
        let problems = rule_set_problems(config, &rules);
        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        Ok(Engine::new(
            Extractor::new(Arc::new(kb)),
            RuleSet::new(rules),
            config.item_retention,
        ))
    }

    /// An engine from its parts.
    pub fn new(extractor: Extractor, rules: RuleSet, item_retention: Option<Duration>) -> Self {
        Engine {
            extractor,
            rules,
            item_retention,
            last_prune_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Extracts from an item: its title, a blank line, then its body as text.
    pub fn extract_item(&self, item: &Item) -> Extraction {
        self.extract_title_body(&item.title, &html_to_text(&item.body), item.published)
    }

    /// Extracts from a title and a plain-text body (paragraphs separated by blank
    /// lines), joined as [`Self::extract_item`] joins them.
    pub fn extract_title_body(
        &self,
        title: &str,
        body: &str,
        published: Option<DateTime<Utc>>,
    ) -> Extraction {
        let text = match (title.is_empty(), body.is_empty()) {
            (_, true) => title.to_string(),
            (true, false) => body.to_string(),
            (false, false) => format!("{title}\n\n{body}"),
        };
        self.extractor.extract_text(&text, published)
    }

    /// The byte length of the title at the start of [`Self::extract_item`]'s text.
    pub fn title_len(title: &str) -> Option<usize> {
        (!title.is_empty()).then_some(title.len())
    }

    /// The alerts `item` of feed (`feed_name`, `feed_url`) raises, at time `now`.
    pub fn alerts_for(
        &self,
        feed_name: &str,
        feed_url: &str,
        item: &Item,
        now: DateTime<Utc>,
    ) -> Vec<Raised> {
        self.alerts_with_source(feed_name, feed_url, item, None, now)
    }

    /// [`Self::alerts_for`], each alert saying where the item's body came from
    /// (`text_source`, on feeds with `full_text` on).
    pub fn alerts_with_source(
        &self,
        feed_name: &str,
        feed_url: &str,
        item: &Item,
        text_source: Option<&TextSource>,
        now: DateTime<Utc>,
    ) -> Vec<Raised> {
        let ex = self.extract_item(item);
        let doc = Doc::new(&ex, Self::title_len(&item.title));
        let firings = self.rules.evaluate(feed_name, &doc);
        firings
            .into_iter()
            .map(|f| {
                let matched = first_per_thing(f.matched(&doc));
                let first = matched.first();
                let snippet =
                    first.map_or_else(String::new, |m| sentence_around(&ex.text, m.start, m.end));
                let alert = Alert {
                    schema: ALERT_SCHEMA,
                    alert_id: alert_id(&f.rule.id, feed_name, &item.id),
                    ts: now,
                    rule: f.rule.id.clone(),
                    severity: f.rule.severity,
                    feed: AlertFeed {
                        name: feed_name.into(),
                        url: feed_url.into(),
                    },
                    item: AlertItem {
                        id: item.id.clone(),
                        title: item.title.clone(),
                        link: item.link.clone(),
                        published: item.published,
                    },
                    matched,
                    snippet,
                    extraction: ex.clone(),
                    group_id: None,
                    text_source: text_source.cloned(),
                };
                let popup = if f.rule.notify {
                    Popup::Show
                } else {
                    Popup::Quiet
                };
                (alert, popup)
            })
            .collect()
    }

    /// What to prune after a poll's commit, at most once per [`PRUNE_EVERY`] (a cycle
    /// commits thousands of polls; one prune serves them all): `None` when a prune ran
    /// less than that ago, else the times before which item texts and grouping state
    /// are no longer needed (texts, alerts). Each `Some` counts as the prune having run.
    pub fn prune_due(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let now_ms = now.timestamp_millis();
        let last = self.last_prune_ms.load(Ordering::Relaxed);
        // Within a minute after the last prune (a clock that went back prunes now).
        if (last..last.saturating_add(PRUNE_EVERY.as_millis() as i64)).contains(&now_ms) {
            return None;
        }
        self.last_prune_ms.store(now_ms, Ordering::Relaxed);
        let texts_before = ago(now, self.item_retention.unwrap_or_default());
        let horizon = self
            .rules
            .rules()
            .iter()
            .flat_map(|r| [r.group_window, r.cooldown])
            .flatten()
            .max()
            .unwrap_or_default();
        // A day more than any rule looks back.
        let alerts_before = ago(now, horizon + Duration::from_secs(86400));
        Some((texts_before, alerts_before))
    }
}

/// What is wrong with a config's rules as a whole, once every watchlist compiled:
/// "nothing to watch", the error of watchlists that add up to no rule (at the
/// `watchlists` key; unless it says `watchlists = []` on purpose, which is a warning
/// in the config: such a daemon would poll forever and never alert), and channels
/// that name rules no watchlist defines.
pub fn rule_set_problems(config: &Config, rules: &[Rule]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if rules.is_empty() && !config.watch_nothing {
        problems.push(config.watchlists_at.problem(format!(
            "nothing to watch: the watchlists ({} file(s)) define no rule, so nothing would \
             ever alert; add a [[rule]], or write `watchlists = []` to poll without alerting",
            config.watchlists.len()
        )));
    }
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    problems.extend(crate::config::channel::unmatched_rules(
        &config.channels,
        &ids,
    ));
    problems
}

/// The knowledge base: the built-in one plus the user's `entities` files, read here.
/// An unreadable file is reported and nothing is built.
pub fn read_knowledge_base(entities: &[PathBuf]) -> Result<KnowledgeBase, Vec<Diagnostic>> {
    let (texts, unreadable) = read_user_files(entities, "cannot read");
    if !unreadable.is_empty() {
        return Err(unreadable);
    }
    KnowledgeBase::from_sources(&texts)
}

/// The rules of the watchlist files `paths`, read here and compiled against `kb`: every
/// unreadable file and every problem in the others is reported.
pub fn read_watchlists(
    paths: &[PathBuf],
    kb: &KnowledgeBase,
) -> Result<Vec<Rule>, Vec<Diagnostic>> {
    let (texts, mut errors) = read_user_files(paths, "cannot read watchlist");
    match load_rules(&texts, kb) {
        Ok(rules) if errors.is_empty() => Ok(rules),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// The first span of each distinct thing (entity, keyword) that made a rule fire, in
/// text order: what an alert's `matched` lists.
pub fn first_per_thing(all: Vec<Matched>) -> Vec<Matched> {
    let mut seen = std::collections::HashSet::new();
    all.into_iter()
        .filter(|m| seen.insert((m.kind.clone(), m.id.clone())))
        .collect()
}

/// The stable id of rule `rule` firing on item `item_id` of feed `feed`: a SHA-256,
/// so it is the same on every machine, across restarts and toolchain upgrades.
pub fn alert_id(rule: &str, feed: &str, item_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"newswatch-alert-v1");
    // Length-prefixed fields: no two (rule, feed, item) triples hash the same input.
    for field in [rule, feed, item_id] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::alert_id;

    const PINNED: &str = "0b308be428b33781a85edf6aae3dcb62";

    #[test]
    fn alert_ids_are_stable_and_distinct() {
        // Pinned: changing the derivation would re-alert every stored item.
        assert_eq!(alert_id("tiktok", "demo", "x"), PINNED);
        assert_eq!(alert_id("tiktok", "demo", "x").len(), 32);
        assert_ne!(
            alert_id("tiktok", "demo", "x"),
            alert_id("wechat", "demo", "x")
        );
        assert_ne!(alert_id("a", "b\0c", "d"), alert_id("a", "b", "c\0d"));
    }
}
