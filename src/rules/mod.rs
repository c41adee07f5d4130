//! Watch rules: watchlist TOML files ([`watchlist`]) whose `query` ([`query`]) is
//! compiled once per config load ([`compile`]) into a [`RuleSet`] that decides, for an
//! item, which rules fire and what made them fire. Plain synchronous code, like the
//! extractor.
//!
//! Speed comes from sharing and skipping: the atoms of all rules (entity sets, kinds,
//! words, phrases) are deduplicated and found in one pass over the item
//! ([`matches`]); each rule is indexed by the atoms it cannot fire without, so a rule
//! none of whose atoms occur is skipped without being looked at.
//!
//! - [`query`]: the language (lexer, parser, syntax tree).
//! - [`compile`], [`program`]: resolution against the knowledge base, the compiled form.
//! - [`doc`], [`words`], [`matches`], `eval`: an item prepared once, atoms found, rules evaluated.
//! - `passing`: which mentions are only in passing (`central(…)` drops them).
//! - [`watchlist`], [`tomlstr`]: the TOML files, with positions inside query strings.
//! - [`group`]: one story, one alert (near-duplicates, cooldown).
//! - [`snippet`]: the sentence shown with an alert.

pub mod compile;
pub mod doc;
mod eval;
pub mod group;
pub mod matches;
mod passing;
pub mod program;
pub mod query;
pub mod snippet;
pub mod tomlstr;
pub mod watchlist;
pub mod words;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::model::{Matched, Severity};
pub use doc::Doc;
use eval::Ev;
use matches::{AtomIndex, NONE, Occ};
use program::{Atom, Node, Program};
pub use watchlist::load_rules;

/// The default window in which alerts of one rule about near-duplicate items are
/// grouped: 48 hours.
pub const DEFAULT_GROUP_WINDOW: Duration = Duration::from_secs(48 * 3600);

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
    /// At most one desktop notification per this long (alerts are still logged).
    pub cooldown: Option<Duration>,
    /// Alerts about near-duplicate items within this long are grouped; `None`: never.
    pub group_window: Option<Duration>,
    /// The query, as written (or as the v1 fields translate to).
    pub query: String,
    /// The compiled query.
    program: Program,
    /// Feed-name globs it applies to; empty means all feeds.
    feeds: Vec<glob::Pattern>,
}

impl Rule {
    /// A rule from its compiled query; `feeds` empty means every feed.
    pub fn new(id: String, query: String, program: Program, feeds: Vec<glob::Pattern>) -> Self {
        Rule {
            id,
            description: String::new(),
            severity: Severity::default(),
            notify: true,
            cooldown: None,
            group_window: Some(DEFAULT_GROUP_WINDOW),
            query,
            program,
            feeds,
        }
    }

    /// Whether the rule looks at items of feed `feed`.
    pub fn applies_to(&self, feed: &str) -> bool {
        self.feeds.is_empty() || self.feeds.iter().any(|p| p.matches(feed))
    }
}

/// All rules of a configuration, with their atoms shared and indexed.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    atoms: Vec<Atom>,
    index: AtomIndex,
    /// For each atom, the rules that cannot fire without it (indexes into `rules`).
    triggers: Vec<Vec<u32>>,
    /// Rules that may fire with none of their atoms present (`NOT x`): always checked.
    always: Vec<u32>,
}

/// A rule that fired, with the occurrences that made it fire.
#[derive(Debug, Clone)]
pub struct Firing<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// The rule set (to name the atoms of the witnesses).
    set: &'a RuleSet,
    /// What made it fire: atom occurrences, sorted, each span once.
    witnesses: Vec<Occ>,
}

impl Firing<'_> {
    /// Every span that made the rule fire (entities, kinds, words…), in text order,
    /// each once. `doc` must be the item the rule fired on. Built on demand: deciding
    /// which rules fire does not pay for naming why.
    pub fn matched(&self, doc: &Doc<'_>) -> Vec<Matched> {
        self.set.matched(doc, &self.witnesses)
    }
}

impl RuleSet {
    /// A rule set from compiled rules: their atoms are merged (each distinct atom once)
    /// and indexed.
    pub fn new(mut rules: Vec<Rule>) -> Self {
        let mut atoms: Vec<Atom> = Vec::new();
        let mut ids: std::collections::HashMap<Atom, u32> = std::collections::HashMap::new();
        let mut triggers: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for (r, rule) in rules.iter_mut().enumerate() {
            let local = std::mem::take(&mut rule.program.atoms);
            let map: Vec<u32> = local
                .into_iter()
                .map(|a| {
                    *ids.entry(a.clone()).or_insert_with(|| {
                        atoms.push(a);
                        triggers.push(Vec::new());
                        (atoms.len() - 1) as u32
                    })
                })
                .collect();
            for node in &mut rule.program.nodes {
                if let Node::Atom { atom, .. } = node {
                    *atom = map[*atom as usize];
                }
            }
            match rule.program.needs(rule.program.root()) {
                Some(need) => {
                    for a in need {
                        triggers[a as usize].push(r as u32);
                    }
                }
                None => always.push(r as u32),
            }
        }
        RuleSet {
            index: AtomIndex::new(&atoms),
            rules,
            atoms,
            triggers,
            always,
        }
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The distinct atoms of all rules (for statistics).
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// The rules that fire on `doc`, an item of feed `feed`, in load order.
    pub fn evaluate<'a>(&'a self, feed: &str, doc: &Doc<'_>) -> Vec<Firing<'a>> {
        let m = self.index.find(&self.atoms, doc);
        let mut candidates: BTreeSet<u32> = self.always.iter().copied().collect();
        for &a in &m.present {
            if let Some(rs) = self.triggers.get(a as usize) {
                candidates.extend(rs);
            }
        }
        let mut out = Vec::new();
        for r in candidates {
            let rule = &self.rules[r as usize];
            if !rule.applies_to(feed) {
                continue;
            }
            let root = rule.program.root();
            if !Ev::new(&rule.program, doc, &m, false).truth(root) {
                continue;
            }
            let mut wits = Vec::new();
            Ev::new(&rule.program, doc, &m, true).explain(root, &mut wits);
            wits.sort_unstable_by_key(|o| (o.start, o.end, o.atom));
            wits.dedup_by_key(|o| (o.start, o.end));
            out.push(Firing {
                rule,
                set: self,
                witnesses: wits,
            });
        }
        out
    }

    /// Witnesses (sorted, each span once) as `matched` entries.
    fn matched(&self, doc: &Doc<'_>, wits: &[Occ]) -> Vec<Matched> {
        let text = doc.ex.text.as_str();
        wits.iter()
            .filter_map(|o| {
                let atom = self.atoms.get(o.atom as usize)?;
                let surface = text.get(o.start as usize..o.end as usize)?.to_string();
                let (id, name) = match (o.hit, atom) {
                    (NONE, Atom::Text(t)) => (t.label(), t.label()),
                    (NONE, _) => return None,
                    (h, _) => {
                        let hit = doc.ex.entities.get(h as usize)?;
                        (hit.id.clone(), hit.name.clone())
                    }
                };
                Some(Matched {
                    kind: atom.match_type().into(),
                    id,
                    name,
                    surface,
                    start: o.start as usize,
                    end: o.end as usize,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
