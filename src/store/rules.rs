//! What the rules keep in the state file: each alert's grouping fingerprint (so later
//! near-duplicates join its group, and cooldowns see it), and the text of recent items
//! (so `newswatch rules test --since 7d` can replay them), each pruned after its time.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{Store, StoreError, from_ms, ms};
use crate::model::{Alert, Item};
use crate::rules::group::{self, Fingerprint, Prior};

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
pub(super) fn remember_alerts(
    tx: &Transaction<'_>,
    alerts: &[(&Alert, bool)],
) -> Result<(), StoreError> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO rule_alerts (alert_id, rule, created, group_id, link_key, simhash, words, notified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (alert, notify) in alerts {
        let fp = group::fingerprint(alert);
        ins.execute(params![
            alert.alert_id,
            alert.rule,
            ms(alert.ts),
            alert.group_id,
            fp.link,
            fp.simhash as i64,
            fp.words,
            *notify,
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
    /// The alerts of `rule` raised at or after `since`, with their fingerprints.
    pub fn rule_alerts_since(
        &self,
        rule: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Prior>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT alert_id, group_id, created, link_key, simhash, words, notified
             FROM rule_alerts WHERE rule = ?1 AND created >= ?2 ORDER BY created",
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

    /// Keeps the text of `items` of `feed` for backtesting (an item already kept is
    /// left as it is).
    pub fn keep_item_texts(
        &mut self,
        feed: &str,
        items: &[Item],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut ins = tx.prepare_cached(
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
                    ms(now)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
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
        Ok(a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlertFeed, AlertItem, Extraction, Severity};
    use crate::store::PollRecord;

    fn alert(id: &str, link: &str, group: Option<&str>) -> Alert {
        Alert {
            schema: 1,
            alert_id: id.into(),
            ts: Utc::now(),
            rule: "r".into(),
            severity: Severity::High,
            feed: AlertFeed {
                name: "f".into(),
                url: "u".into(),
            },
            item: AlertItem {
                id: id.into(),
                title: "TikTok fined".into(),
                link: Some(link.into()),
                published: None,
            },
            matched: vec![],
            snippet: String::new(),
            extraction: Extraction {
                text: "TikTok fined\n\nThe regulator fined TikTok.".into(),
                ..Extraction::default()
            },
            group_id: group.map(str::to_string),
        }
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
        s.commit_poll(&PollRecord {
            feed: "f",
            url: "u",
            validators: None,
            status: "200",
            new_items: std::slice::from_ref(&item),
            alerts: vec![(&a, true), (&b, false)],
            next_poll: Utc::now(),
        })
        .unwrap();
        s.keep_item_texts("f", std::slice::from_ref(&item), Utc::now())
            .unwrap();
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
}
