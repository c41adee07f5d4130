//! Alerts lost from view, kept in the outbox: an alert whose popup was skipped or
//! failed (the notification server hung, or did not answer) or was held back by its
//! rule's cooldown is owed a summary ("4 more alerts for tiktok"). The column
//! `summary_due` says from when (at once for a lost popup, when the cooldown ends for
//! a held one) and is cleared once the summary is shown. Being stored, what is owed
//! survives a restart or a crash; being in the outbox, it is pruned with the alert.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Pending, Store, StoreError, from_ms, ms, select_pending};

/// The migration that adds what is owed. Self-contained: one column and its index.
pub(super) const MIGRATION: &str = r#"
ALTER TABLE outbox ADD COLUMN summary_due INTEGER;
CREATE INDEX outbox_summary_due ON outbox (summary_due) WHERE summary_due IS NOT NULL;
"#;

/// The summary one rule is owed at some time: how many of its alerts were not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSummary {
    /// The rule.
    pub rule: String,
    /// How many of its alerts were not shown and are due.
    pub count: u64,
    /// The newest of them (outbox sequence): alerts owed later are not covered.
    pub last_seq: i64,
    /// The time the summary was asked for: alerts due later are not covered.
    pub at: DateTime<Utc>,
}

impl Store {
    /// Takes up to `limit` alerts waiting for a popup, oldest first, and marks them
    /// notified before they are shown: a popup is shown at most once, even across a
    /// crash. Each is also owed a summary from `now`, which [`Store::popups_shown`]
    /// clears for those the server took: what is skipped, fails, or is cut short by a
    /// crash is summarised later. Without a notifier, [`Store::skip_popups`] marks them.
    pub fn take_popups(
        &mut self,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<Pending>, StoreError> {
        let tx = self.conn.transaction()?;
        let batch = select_pending(&tx, "notify = 1 AND notified_at IS NULL", limit)?;
        {
            let mut mark = tx.prepare_cached(
                "UPDATE outbox SET notified_at = ?1, summary_due = ?1 WHERE seq = ?2",
            )?;
            for p in &batch {
                mark.execute(params![ms(now), p.seq])?;
            }
        }
        tx.commit()?;
        Ok(batch)
    }

    /// Marks every popup waiting as notified without showing it, owing nothing (the
    /// desktop is off, or there is no session), in one statement that reads none of the
    /// alerts. Returns how many were waiting.
    pub fn skip_popups(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE outbox SET notified_at = ?1, summary_due = NULL
                 WHERE notify = 1 AND notified_at IS NULL",
            )?
            .execute([ms(now)])?)
    }

    /// The server showed these popups: nothing is owed for them.
    pub fn popups_shown(&mut self, seqs: &[i64]) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE outbox SET summary_due = NULL WHERE seq = ?1")?;
            for seq in seqs {
                stmt.execute([seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The summaries due at `now`: one per rule with alerts owed, the rule whose
    /// oldest owed alert came first first.
    pub fn due_summaries(&self, now: DateTime<Utc>) -> Result<Vec<DueSummary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rule, count(*), max(seq) FROM outbox
             WHERE summary_due IS NOT NULL AND summary_due <= ?1
             GROUP BY rule ORDER BY min(seq)",
        )?;
        let rows = stmt.query_map([ms(now)], |r| {
            Ok(DueSummary {
                rule: r.get(0)?,
                count: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                last_seq: r.get(2)?,
                at: now,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The summary was shown: its alerts are owed nothing any more.
    pub fn summarised(&mut self, summary: &DueSummary) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE outbox SET summary_due = NULL
                 WHERE rule = ?1 AND summary_due IS NOT NULL AND summary_due <= ?2 AND seq <= ?3",
            )?
            .execute(params![summary.rule, ms(summary.at), summary.last_seq])?;
        Ok(())
    }

    /// When the next summary falls due after `now` (a cooldown ends), if any is owed.
    pub fn next_summary_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<i64> = self
            .conn
            .prepare_cached("SELECT min(summary_due) FROM outbox WHERE summary_due > ?1")?
            .query_row([ms(now)], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(from_ms(next))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::model::{Alert, Popup, Severity};
    use crate::store::test_support::{self, commit};

    fn alert(id: &str, rule: &str) -> Alert {
        test_support::alert(id, rule, Severity::High)
    }

    fn counts(s: &Store, at: DateTime<Utc>) -> Vec<(String, u64)> {
        s.due_summaries(at)
            .unwrap()
            .into_iter()
            .map(|d| (d.rule, d.count))
            .collect()
    }

    #[test]
    fn lost_popups_are_owed_until_shown_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        commit(
            &mut s,
            &[
                (alert("a", "tiktok"), Popup::Show),
                (alert("b", "tiktok"), Popup::Show),
                (alert("c", "wechat"), Popup::Show),
                (alert("d", "wechat"), Popup::Quiet),
            ],
        );
        let batch = s.take_popups(10, now).unwrap();
        assert_eq!(batch.len(), 3, "the quiet alert wants no popup");
        assert!(s.take_popups(10, now).unwrap().is_empty(), "taken once");
        // The server showed only the first.
        s.popups_shown(&[batch[0].seq]).unwrap();
        assert_eq!(
            counts(&s, now),
            [("tiktok".to_string(), 1), ("wechat".to_string(), 1)]
        );
        // A restart finds what is owed in the file.
        drop(s);
        let mut s = Store::open(dir.path()).unwrap();
        let due = s.due_summaries(now).unwrap();
        assert_eq!(due.len(), 2);
        s.summarised(&due[0]).unwrap();
        assert_eq!(counts(&s, now), [("wechat".to_string(), 1)]);
        s.summarised(&due[1]).unwrap();
        assert!(counts(&s, now).is_empty());
        assert_eq!(s.next_summary_due(now).unwrap(), None);
    }

    #[test]
    fn without_a_notifier_nothing_is_owed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        commit(
            &mut s,
            &[
                (alert("a", "r"), Popup::Show),
                (alert("b", "r"), Popup::Show),
                (alert("c", "r"), Popup::Quiet),
            ],
        );
        // Marked in one statement, at once; the quiet alert wants no popup.
        assert_eq!(s.skip_popups(Utc::now()).unwrap(), 2);
        assert_eq!(s.skip_popups(Utc::now()).unwrap(), 0, "marked once");
        assert!(s.take_popups(10, Utc::now()).unwrap().is_empty());
        assert!(counts(&s, Utc::now()).is_empty());
        // The log is another matter: all three still wait for it.
        assert_eq!(s.pending_log(10).unwrap().len(), 3);
    }

    #[test]
    fn held_alerts_fall_due_when_their_cooldown_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        let end = now + Duration::minutes(30);
        let later = now + Duration::hours(2);
        commit(
            &mut s,
            &[
                (alert("a", "tiktok"), Popup::Show),
                (alert("b", "tiktok"), Popup::Held(end)),
                (alert("c", "tiktok"), Popup::Held(end)),
                (alert("d", "tiktok"), Popup::Held(later)),
            ],
        );
        assert!(counts(&s, now).is_empty(), "not before the cooldown ends");
        assert_eq!(s.next_summary_due(now).unwrap(), Some(trunc(end)));
        let due = s.due_summaries(end).unwrap();
        assert_eq!(counts(&s, end), [("tiktok".to_string(), 2)]);
        // One more is held meanwhile, due at once: the summary shown covers only
        // what was asked for.
        commit(&mut s, &[(alert("e", "tiktok"), Popup::Held(now))]);
        s.summarised(&due[0]).unwrap();
        assert_eq!(counts(&s, end), [("tiktok".to_string(), 1)]);
        assert_eq!(s.next_summary_due(end).unwrap(), Some(trunc(later)));
    }

    /// The stored precision: milliseconds.
    fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
        from_ms(Some(ms(t))).unwrap()
    }
}
