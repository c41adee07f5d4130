//! The live status line (`STATUS=` for `systemctl status`): how many feeds, how many
//! are failing, how many alerts were raised today (local time).

use std::collections::HashSet;

use chrono::NaiveDate;

/// What the status line counts, updated as polls finish.
#[derive(Debug, Clone)]
pub struct LiveStatus {
    /// Feeds whose last poll failed.
    failing: HashSet<String>,
    /// The local day `alerts_today` counts.
    day: NaiveDate,
    /// Alerts raised on `day`.
    alerts_today: u64,
}

impl LiveStatus {
    /// Starts from what the store knows: failing feeds and alerts already raised today.
    pub fn new(
        failing: impl IntoIterator<Item = String>,
        day: NaiveDate,
        alerts_today: u64,
    ) -> Self {
        LiveStatus {
            failing: failing.into_iter().collect(),
            day,
            alerts_today,
        }
    }

    /// A poll of `feed` finished on local day `day`: failed or not, raising `alerts`.
    pub fn polled(&mut self, feed: &str, failed: bool, alerts: usize, day: NaiveDate) {
        self.roll(day);
        if failed {
            self.failing.insert(feed.to_string());
        } else {
            self.failing.remove(feed);
        }
        self.alerts_today += alerts as u64;
    }

    /// Forgets feeds no longer configured.
    pub fn retain_feeds(&mut self, keep: &HashSet<&str>) {
        self.failing.retain(|f| keep.contains(f.as_str()));
    }

    /// The line for `feeds` configured feeds, as of local day `day`.
    pub fn line(&mut self, feeds: usize, day: NaiveDate) -> String {
        self.roll(day);
        format!(
            "{feeds} feed{}, {} failing, {} alert{} today",
            plural(feeds as u64),
            self.failing.len(),
            self.alerts_today,
            plural(self.alerts_today)
        )
    }

    fn roll(&mut self, day: NaiveDate) {
        if day != self.day {
            self.day = day;
            self.alerts_today = 0;
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_failing_feeds_and_todays_alerts() {
        let d1 = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let d2 = d1.succ_opt().unwrap();
        let mut s = LiveStatus::new(["a".to_string()], d1, 2);
        assert_eq!(s.line(3, d1), "3 feeds, 1 failing, 2 alerts today");
        s.polled("a", false, 1, d1);
        s.polled("b", true, 0, d1);
        assert_eq!(s.line(1, d1), "1 feed, 1 failing, 3 alerts today");
        s.retain_feeds(&["a"].into_iter().collect());
        assert_eq!(s.line(2, d2), "2 feeds, 0 failing, 0 alerts today");
        s.polled("a", false, 1, d2);
        assert_eq!(s.line(2, d2), "2 feeds, 0 failing, 1 alert today");
    }
}
