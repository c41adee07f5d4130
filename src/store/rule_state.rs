//! What the rules keep in the state file: each alert's grouping fingerprint (so later
//! near-duplicates join its group, and cooldowns see it), and the text of recent items
//! (so `newswatch rules test --since 7d` can replay them), each pruned after its time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{Store, StoreError, from_ms, ms};
use crate::model::{Alert, Item, Popup};
use crate::rules::group::{self, Fingerprint, Prior, PriorIndex};

/// The migration that adds the rules' tables. Self-contained: it touches no other table.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE rule_alerts (
    alert_id  TEXT PRIMARY KEY,
    rule      TEXT NOT NULL,
    created   INTEGER NOT NULL,
    group_id  TEXT,
    link_key  TEXT,
    simhash   INTEGER NOT NULL,
    words     INTEGER NOT NULL,
    notified  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX rule_alerts_recent ON rule_alerts (rule, created);
CREATE INDEX rule_alerts_created ON rule_alerts (created);
CREATE TABLE item_texts (
    feed      TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    title     TEXT NOT NULL,
    link      TEXT,
    published INTEGER,
    body      TEXT NOT NULL,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (feed, item_id)
) WITHOUT ROWID;
CREATE INDEX item_texts_seen ON item_texts (seen_at);
"#;

/// Remembers the fingerprints of alerts being queued, in the poll's transaction.
/// Returns the rows it added (rule, and the alert as [`Store::rule_alerts_since`]
/// reads it back), for [`RecentAlerts::add`] once the transaction has committed.
pub(super) fn remember_alerts(
    tx: &Transaction<'_>,
    alerts: &[(&Alert, Popup)],
) -> Result<Vec<(String, Prior)>, StoreError> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO rule_alerts (alert_id, rule, created, group_id, link_key, simhash, words, notified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut added = Vec::with_capacity(alerts.len());
    for (alert, popup) in alerts {
        let notify = popup.shows();
        let fingerprint = group::fingerprint(alert);
        let created = ms(alert.ts);
        let n = ins.execute(params![
            alert.alert_id,
            alert.rule,
            created,
            alert.group_id,
            fingerprint.link,
            fingerprint.simhash as i64,
            fingerprint.words,
            notify,
        ])?;
        if n == 1 {
            let prior = Prior {
                alert_id: alert.alert_id.clone(),
                group_id: alert.group_id.clone(),
                created: from_ms(Some(created)).unwrap_or(DateTime::<Utc>::MIN_UTC),
                fingerprint,
                notified: notify,
            };
            added.push((alert.rule.clone(), prior));
        }
    }
    Ok(added)
}

/// Each rule's recent alerts, kept in memory between polls. Grouping reads a rule's
/// alerts of the last `group_window` for every poll that raises one; read from the
/// file each time, a cycle over thousands of feeds would read every alert of the
/// cycle back once per feed (quadratic: most of `once`'s CPU at 1,000 feeds).
///
/// The file stays the truth: a rule's alerts are read once, rows this connection adds
/// or prunes are applied after their commit, and any write by another connection
/// (`PRAGMA data_version` moves) drops everything, to be read afresh.
#[derive(Debug, Default)]
pub(super) struct RecentAlerts {
    /// `PRAGMA data_version` when the cache was last known to match the file.
    version: Option<i64>,
    /// Per rule: every stored alert raised at or after `from`.
    rules: HashMap<String, Window>,
}

/// One rule's stored alerts from a point in time on.
#[derive(Debug)]
struct Window {
    /// The cut-off, in ms as stored: every alert of the rule raised at or after it is
    /// in `alerts`.
    from: i64,
    /// As read (by `created`, then `alert_id`), then as committed: a list that only
    /// grows at its end between prunes, so the index's positions stay put.
    alerts: Vec<Prior>,
    /// `alerts` indexed for near-duplicate lookups.
    index: PriorIndex,
}

impl Window {
    fn new(from: i64, alerts: Vec<Prior>) -> Self {
        let index = PriorIndex::build(&alerts);
        Window {
            from,
            alerts,
            index,
        }
    }
}

impl RecentAlerts {
    /// Adds rows just committed to the windows that cover them.
    pub(super) fn add(&mut self, added: Vec<(String, Prior)>) {
        for (rule, prior) in added {
            let Some(w) = self.rules.get_mut(&rule) else {
                continue; // not read yet: the file has it
            };
            if ms(prior.created) < w.from {
                continue;
            }
            w.alerts.push(prior);
            w.index.push(&w.alerts, w.alerts.len() - 1);
        }
    }

    /// Forgets alerts raised before `before` (ms), as the file just did.
    fn prune(&mut self, before: i64) {
        for w in self.rules.values_mut() {
            if w.alerts.iter().any(|p| ms(p.created) < before) {
                w.alerts.retain(|p| ms(p.created) >= before);
                w.index = PriorIndex::build(&w.alerts);
            }
        }
    }
}

/// The alerts of `rule` raised at or after `since`, from the file, in the order of
/// [`Window::alerts`].
fn read_rule_alerts(
    conn: &rusqlite::Connection,
    rule: &str,
    since: DateTime<Utc>,
) -> Result<Vec<Prior>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT alert_id, group_id, created, link_key, simhash, words, notified
         FROM rule_alerts WHERE rule = ?1 AND created >= ?2 ORDER BY created, alert_id",
    )?;
    let rows = stmt.query_map(params![rule, ms(since)], |r| {
        Ok(Prior {
            alert_id: r.get(0)?,
            group_id: r.get(1)?,
            created: from_ms(r.get(2)?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            fingerprint: Fingerprint {
                link: r.get(3)?,
                simhash: r.get::<_, i64>(4)? as u64,
                words: r.get(5)?,
            },
            notified: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keeps the text of `items` of `feed`, first seen at `now` (ms), inside the caller's
/// transaction.
pub(super) fn insert_item_texts(
    conn: &rusqlite::Connection,
    feed: &str,
    items: &[Item],
    now: i64,
) -> Result<(), StoreError> {
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO item_texts (feed, item_id, title, link, published, body, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for i in items {
        ins.execute(params![
            feed,
            i.id,
            i.title,
            i.link,
            i.published.map(ms),
            i.body,
            now
        ])?;
    }
    Ok(())
}

/// An item kept for backtesting.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    /// The feed it came from.
    pub feed: String,
    /// The item (with its body).
    pub item: Item,
    /// When it was first seen.
    pub seen_at: DateTime<Utc>,
}

impl Store {
    /// The alerts of `rule` raised at or after `since`, with their fingerprints,
    /// oldest first (by `created`, then `alert_id`). Served from memory after the
    /// first read (see [`RecentAlerts`]).
    pub fn rule_alerts_since(
        &mut self,
        rule: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Prior>, StoreError> {
        let w = self.window(rule, since)?;
        let mut out: Vec<Prior> = w
            .alerts
            .iter()
            .filter(|p| ms(p.created) >= ms(since))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.created, &a.alert_id).cmp(&(b.created, &b.alert_id)));
        Ok(out)
    }

    /// Every alert of `rule` raised at or after `since` (and perhaps some before: the
    /// caller looks at `created`), in no particular order, with an index for
    /// near-duplicate lookups ([`crate::rules::group::decide_indexed`]).
    pub fn recent_alerts(
        &mut self,
        rule: &str,
        since: DateTime<Utc>,
    ) -> Result<(&[Prior], &PriorIndex), StoreError> {
        let w = self.window(rule, since)?;
        Ok((&w.alerts, &w.index))
    }

    /// The in-memory window of `rule`, covering `since` (read from the file when it
    /// does not, or when another connection wrote to the file).
    fn window(&mut self, rule: &str, since: DateTime<Utc>) -> Result<&mut Window, StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let recent = &mut self.recent;
        if recent.version != Some(version) {
            recent.rules.clear();
            recent.version = Some(version);
        }
        let since_ms = ms(since);
        let covered = recent.rules.get(rule).is_some_and(|w| w.from <= since_ms);
        if !covered {
            let alerts = read_rule_alerts(&self.conn, rule, since)?;
            recent
                .rules
                .insert(rule.to_string(), Window::new(since_ms, alerts));
        }
        let Some(w) = recent.rules.get_mut(rule) else {
            // Cannot happen: a window not there is not `covered`, and was inserted.
            unreachable!("the window of `{rule}` was read just above");
        };
        // Alerts that fall out of the window as time moves on stay until the next
        // prune (after a commit, at most a minute away): callers look at
        // `created`.
        Ok(w)
    }

    /// Items kept for backtesting that were first seen at or after `since`, oldest first.
    pub fn items_since(&self, since: DateTime<Utc>) -> Result<Vec<StoredItem>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT feed, item_id, title, link, published, body, seen_at FROM item_texts
             WHERE seen_at >= ?1 ORDER BY seen_at, feed, item_id",
        )?;
        let rows = stmt.query_map([ms(since)], |r| {
            Ok(StoredItem {
                feed: r.get(0)?,
                item: Item {
                    id: r.get(1)?,
                    title: r.get(2)?,
                    link: r.get(3)?,
                    published: from_ms(r.get(4)?),
                    body: r.get(5)?,
                },
                seen_at: from_ms(r.get(6)?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets item texts first seen before `texts_before`, and alert fingerprints
    /// raised before `alerts_before`; returns how many rows went.
    pub fn prune_rule_state(
        &mut self,
        texts_before: DateTime<Utc>,
        alerts_before: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let a = self.conn.execute(
            "DELETE FROM item_texts WHERE seen_at < ?1",
            [ms(texts_before)],
        )?;
        let b = self.conn.execute(
            "DELETE FROM rule_alerts WHERE created < ?1",
            [ms(alerts_before)],
        )?;
        self.recent.prune(ms(alerts_before));
        Ok(a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use crate::store::{FeedFacts, PollRecord, test_support};

    fn alert(id: &str, link: &str, group: Option<&str>) -> Alert {
        let mut a = test_support::alert(id, "r", Severity::High);
        a.item.title = "TikTok fined".into();
        a.item.link = Some(link.into());
        a.extraction.text = "TikTok fined\n\nThe regulator fined TikTok.".into();
        a.group_id = group.map(str::to_string);
        a
    }

    #[test]
    fn fingerprints_and_texts_survive_reopen_and_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let (a, b) = (
            alert("a", "https://x.example/1?utm_source=rss", None),
            alert("b", "https://www.x.example/1", Some("a")),
        );
        let item = Item {
            id: "a".into(),
            title: "TikTok fined".into(),
            link: None,
            published: None,
            body: "<p>The regulator fined TikTok.</p>".into(),
        };
        let facts = FeedFacts {
            effective_url: None,
            publisher_ttl: None,
        };
        let kept = s
            .commit_poll_keeping_texts(
                &PollRecord {
                    feed: "f",
                    url: "u",
                    validators: None,
                    status: "200",
                    new_items: std::slice::from_ref(&item),
                    alerts: vec![(&a, Popup::Show), (&b, Popup::Quiet)],
                    next_poll: Utc::now(),
                },
                &facts,
            )
            .unwrap();
        assert!(kept.is_none(), "{kept:?}");
        drop(s);
        let mut s = Store::open(dir.path()).unwrap();
        let hour_ago = Utc::now() - chrono::Duration::hours(1);
        let prior = s.rule_alerts_since("r", hour_ago).unwrap();
        assert_eq!(prior.len(), 2);
        assert_eq!(prior[0].fingerprint.link, prior[1].fingerprint.link);
        assert_eq!(prior[1].group_id.as_deref(), Some("a"));
        assert!(prior[0].notified && !prior[1].notified);
        assert!(s.rule_alerts_since("other", hour_ago).unwrap().is_empty());
        let kept = s.items_since(hour_ago).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].item, item);
        assert_eq!(kept[0].feed, "f");
        let later = Utc::now() + chrono::Duration::seconds(1);
        assert_eq!(s.prune_rule_state(later, later).unwrap(), 3);
        assert!(s.items_since(hour_ago).unwrap().is_empty());
    }

    fn commit_alerts(s: &mut Store, alerts: &[&Alert]) {
        s.commit_poll(&PollRecord {
            feed: "f",
            url: "u",
            validators: None,
            status: "200",
            new_items: &[],
            alerts: alerts.iter().map(|a| (*a, Popup::Quiet)).collect(),
            next_poll: Utc::now(),
        })
        .unwrap();
    }

    fn ids(prior: Vec<Prior>) -> Vec<String> {
        prior.into_iter().map(|p| p.alert_id).collect()
    }

    #[test]
    fn recent_alerts_in_memory_follow_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let hour_ago = Utc::now() - chrono::Duration::hours(1);
        assert!(s.rule_alerts_since("r", hour_ago).unwrap().is_empty());
        // This connection's own commits are added once committed.
        commit_alerts(&mut s, &[&alert("a", "https://x.example/1", None)]);
        assert_eq!(ids(s.rule_alerts_since("r", hour_ago).unwrap()), ["a"]);
        // A repeat that the file ignores (same alert id) is not added twice.
        commit_alerts(&mut s, &[&alert("a", "https://x.example/1", None)]);
        assert_eq!(ids(s.rule_alerts_since("r", hour_ago).unwrap()), ["a"]);
        // Another connection's write is seen.
        let mut other = Store::open(dir.path()).unwrap();
        commit_alerts(&mut other, &[&alert("b", "https://x.example/2", None)]);
        drop(other);
        assert_eq!(ids(s.rule_alerts_since("r", hour_ago).unwrap()), ["a", "b"]);
        // Asking further back than was read reads the file again.
        let day_ago = Utc::now() - chrono::Duration::days(1);
        assert_eq!(ids(s.rule_alerts_since("r", day_ago).unwrap()), ["a", "b"]);
        // A later cut-off leaves the earlier alerts out; pruning forgets them.
        let later = Utc::now() + chrono::Duration::seconds(1);
        assert!(s.rule_alerts_since("r", later).unwrap().is_empty());
        commit_alerts(&mut s, &[&alert("c", "https://x.example/3", None)]);
        s.prune_rule_state(hour_ago, later).unwrap();
        assert!(s.rule_alerts_since("r", day_ago).unwrap().is_empty());
        drop(s);
        let mut s = Store::open(dir.path()).unwrap();
        assert!(s.rule_alerts_since("r", day_ago).unwrap().is_empty());
    }
}
