//! Channels: alerts delivered where the team is — a webhook ([`webhook`]), a
//! Slack-compatible chat room ([`slack`]), an ntfy topic ([`ntfy`]), a mailbox
//! ([`email`]) or a program ([`exec`]). This module sends one [`Message`] (one alert,
//! or a digest of several) to one channel and says what became of it ([`Outcome`]);
//! which alerts a channel owes, retries, digests and the record of what was sent live
//! in the channel queues that consume the outbox ([`crate::sink::deliver`]).
//!
//! Every attempt is bounded by the channel's `timeout`; every message carries the
//! alert ids (and a digest its own id), the same on every retry, so a receiver can
//! drop repeats.

use chrono::Utc;

use crate::config::Http;
use crate::config::channel::{Channel, ChannelKind};
use crate::model::{Alert, AlertFeed, AlertItem, Extraction, Severity};

pub mod email;
pub mod exec;
pub mod http;
pub mod ntfy;
pub mod outcome;
pub mod queue;
pub mod render;
pub mod set;
pub mod slack;
pub mod team;
pub mod webhook;

pub use outcome::Outcome;

/// One alert as the outbox holds it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The alert, read from its line.
    pub alert: Alert,
    /// The alert's JSON line, as the alert log has it (a webhook sends it as it is).
    pub json: String,
}

impl Queued {
    /// An alert and its line.
    pub fn new(alert: Alert) -> Result<Self, serde_json::Error> {
        let json = serde_json::to_string(&alert)?;
        Ok(Queued { alert, json })
    }
}

/// What one attempt sends.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The alert's id, or the digest's (the same on every attempt).
    pub id: &'a str,
    /// 1 on the first attempt.
    pub attempt: u32,
    /// The alerts, in the order they were raised.
    pub alerts: &'a [Queued],
    /// Whether this is a digest (a list, even of one).
    pub digest: bool,
}

impl Message<'_> {
    /// The alerts themselves.
    pub fn alert_refs(&self) -> Vec<&Alert> {
        self.alerts.iter().map(|q| &q.alert).collect()
    }
}

/// A channel ready to send: its settings and its client.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The checked `[[channel]]`.
    channel: Channel,
    /// The kind's client.
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Webhook(webhook::Webhook),
    Slack(slack::Slack),
    Ntfy(ntfy::Ntfy),
    Email(Box<email::Mailer>),
    Exec(exec::Exec),
}

impl Sender {
    /// The client for `channel`, with the `[http]` settings for the HTTP kinds.
    pub fn new(channel: &Channel, http: &Http) -> Result<Self, String> {
        let poster = || http::Poster::new(http, channel.timeout);
        let kind = match &channel.kind {
            ChannelKind::Webhook { url, secret } => Kind::Webhook(webhook::Webhook::new(
                url.clone(),
                secret.clone(),
                poster()?,
            )),
            ChannelKind::Slack { url } => Kind::Slack(slack::Slack::new(url.clone(), poster()?)),
            ChannelKind::Ntfy { url, token } => {
                Kind::Ntfy(ntfy::Ntfy::new(url, token.clone(), poster()?)?)
            }
            ChannelKind::Email(e) => Kind::Email(Box::new(email::Mailer::new(
                &channel.name,
                e,
                channel.timeout,
            )?)),
            ChannelKind::Exec { command } => {
                Kind::Exec(exec::Exec::new(&channel.name, command.clone())?)
            }
        };
        Ok(Sender {
            channel: channel.clone(),
            kind,
        })
    }

    /// The channel's settings.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Sends `msg` once, within the channel's timeout.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        let attempt = async {
            match &self.kind {
                Kind::Webhook(k) => k.send(msg).await,
                Kind::Slack(k) => k.send(msg).await,
                Kind::Ntfy(k) => k.send(msg).await,
                Kind::Email(k) => k.send(msg).await,
                Kind::Exec(k) => k.send(msg).await,
            }
        };
        match tokio::time::timeout(self.channel.timeout, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::retry(format!(
                "no answer within {}",
                humantime::format_duration(self.channel.timeout)
            )),
        }
    }
}

/// The rule id of the alert `newswatch channels test` sends.
pub const TEST_RULE: &str = "newswatch-test";

/// An alert made up for `newswatch channels test` (and the tests): rule `rule`,
/// severity high, a link to example.org, a one-sentence snippet.
pub fn synthetic_alert(alert_id: &str, rule: &str) -> Alert {
    let now = Utc::now();
    Alert {
        schema: crate::model::ALERT_SCHEMA,
        alert_id: alert_id.to_string(),
        ts: now,
        rule: rule.to_string(),
        severity: Severity::High,
        feed: AlertFeed {
            name: "newswatch".into(),
            url: "newswatch channels test".into(),
        },
        item: AlertItem {
            id: alert_id.to_string(),
            title: format!("Test message from newswatch ({alert_id})"),
            link: Some("https://example.org/newswatch-test".into()),
            published: Some(now),
        },
        matched: vec![],
        snippet: "If you read this, newswatch can deliver alerts to this channel.".into(),
        extraction: Extraction::default(),
        group_id: None,
        text_source: None,
    }
}

/// A made-up alert from feed `f` for the unit tests.
#[cfg(test)]
pub(crate) fn sample_alert(id: &str, rule: &str) -> Alert {
    let mut a = synthetic_alert(id, rule);
    a.feed.name = "f".into();
    a
}
