//! `newswatch channels`: each configured channel with its kind, the alerts it has
//! queued, its last success and last error, and when it retries; `newswatch channels
//! test NAME`: one made-up alert sent to that channel now, the answer printed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::subscriptions::{ago, aligned, until};
use crate::config::Config;
use crate::config::channel::Channel;
use crate::sink::channel::{Message, Outcome, Queued, Sender, TEST_RULE, synthetic_alert};
use crate::store::{ChannelState, Store};

/// One line of `newswatch channels --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRow {
    /// The channel's name.
    pub name: String,
    /// Its kind.
    pub kind: &'static str,
    /// Alerts queued and not yet delivered.
    pub queued: u64,
    /// When it last delivered.
    pub last_success: Option<DateTime<Utc>>,
    /// The last error.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row.
    pub failures: u32,
    /// Since when attempts have been failing.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the next attempt is made, while waiting after a failure.
    pub next_attempt: Option<DateTime<Utc>>,
}

/// The rows for the configured `channels`, from what the store knows.
pub fn rows(channels: &[Channel], states: &[ChannelState]) -> Vec<ChannelRow> {
    channels
        .iter()
        .map(|c| {
            let st = states.iter().find(|s| s.name == c.name);
            ChannelRow {
                name: c.name.clone(),
                kind: c.kind.name(),
                queued: st.map_or(0, |s| s.queued),
                last_success: st.and_then(|s| s.last_success),
                last_error: st.and_then(|s| s.last_error.as_ref().map(|e| e.0.clone())),
                last_error_at: st.and_then(|s| s.last_error.as_ref().map(|e| e.1)),
                failures: st.map_or(0, |s| s.failures),
                failing_since: st.and_then(|s| s.failing_since),
                next_attempt: st.and_then(|s| s.next_attempt),
            }
        })
        .collect()
}

/// The rows as an aligned table; the last error follows on its own line.
pub fn table(rows: &[ChannelRow], now: DateTime<Utc>) -> String {
    let head = ["NAME", "KIND", "QUEUED", "LAST SUCCESS", "NEXT RETRY"];
    let rows: Vec<(Vec<String>, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let cells = vec![
                r.name.clone(),
                r.kind.to_string(),
                r.queued.to_string(),
                r.last_success.map_or("never".into(), |t| ago(t, now)),
                r.next_attempt.map_or("-".into(), |t| until(t, now)),
            ];
            let mut notes = Vec::new();
            if let (Some(e), Some(at)) = (&r.last_error, r.last_error_at) {
                notes.push(format!("last error ({}): {e}", ago(at, now)));
            }
            if let Some(since) = r.failing_since {
                let n = r.failures;
                let what = if n == 1 { "attempt" } else { "attempts" };
                notes.push(format!(
                    "failing since {} ({n} failed {what})",
                    ago(since, now)
                ));
            }
            (cells, notes)
        })
        .collect();
    aligned(&head, &rows)
}

/// `newswatch channels [--json]`.
pub fn list(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path).map_err(|d| anyhow!("{d}"))?;
    let store = Store::open(&cfg.state_dir)
        .with_context(|| format!("cannot open the state in {}", cfg.state_dir.display()))?;
    let rows = rows(&cfg.channels, &store.channel_states()?);
    if !json {
        if rows.is_empty() {
            return super::write_stdout(
                format!(
                    "no channels in {} (see [[channel]] in the README)\n",
                    path.display()
                )
                .as_bytes(),
            );
        }
        return super::write_stdout(table(&rows, Utc::now()).as_bytes());
    }
    let mut buf = Vec::new();
    for r in &rows {
        serde_json::to_writer(&mut buf, r)?;
        buf.push(b'\n');
    }
    super::write_stdout(&buf)
}

/// `newswatch channels test NAME`: sends one made-up alert (rule `newswatch-test`,
/// in the channel's shape: a digest of one when it digests) and says what the
/// receiver answered. Nothing is recorded: the outbox and the queues are untouched.
pub async fn test(path: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path).map_err(|d| anyhow!("{d}"))?;
    let Some(channel) = cfg.channels.iter().find(|c| c.name == name) else {
        let known: Vec<&str> = cfg.channels.iter().map(|c| c.name.as_str()).collect();
        bail!(
            "no channel `{name}` in {} (channels: {})",
            path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    let sender = Sender::new(channel, &cfg.http).map_err(|e| anyhow!("channel `{name}`: {e}"))?;
    let id = format!("{TEST_RULE}-{}", Utc::now().timestamp_millis());
    let alerts = [Queued::new(synthetic_alert(&id, TEST_RULE))?];
    let msg = Message {
        id: &id,
        attempt: 1,
        alerts: &alerts,
        digest: channel.digest.is_some(),
    };
    match sender.send(&msg).await {
        Outcome::Delivered => super::write_stdout(
            format!(
                "{name}: delivered a test message ({}, alert id {id})\n",
                channel.kind.name()
            )
            .as_bytes(),
        ),
        Outcome::Retry { reason, .. } => {
            eprintln!("{name}: not delivered, would be retried: {reason}");
            Ok(ExitCode::FAILURE)
        }
        Outcome::Failed(e) => {
            eprintln!("{name}: refused: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::channel::ChannelKind;

    #[test]
    fn the_table_shows_queue_success_and_the_last_error() {
        let now = Utc::now();
        let chans = [
            Channel::new(
                "secops",
                ChannelKind::Exec {
                    command: vec!["x".into()],
                },
            ),
            Channel::new(
                "new",
                ChannelKind::Exec {
                    command: vec!["x".into()],
                },
            ),
        ];
        let states = [ChannelState {
            name: "secops".into(),
            queued: 3,
            last_success: Some(now - chrono::Duration::minutes(12)),
            last_error: Some(("HTTP 503".into(), now - chrono::Duration::minutes(2))),
            failures: 4,
            next_attempt: Some(now + chrono::Duration::seconds(40)),
            failing_since: Some(now - chrono::Duration::minutes(5)),
            window_opened: None,
        }];
        let t = table(&rows(&chans, &states), now);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "NAME    KIND  QUEUED  LAST SUCCESS  NEXT RETRY");
        assert_eq!(lines[1], "secops  exec  3       12m ago       in 40s");
        assert_eq!(lines[2], "    last error (2m ago): HTTP 503");
        assert_eq!(lines[3], "    failing since 5m ago (4 failed attempts)");
        assert_eq!(lines[4], "new     exec  0       never         -");
    }
}
