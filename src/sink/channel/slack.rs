//! `kind = "slack"`: a Slack-compatible incoming webhook. The body is `{"text": …}`
//! in Slack's mrkdwn (the title linked to the article, rule and severity, feed, the
//! matched sentence quoted); Mattermost and Rocket.Chat take the same payload. A
//! digest is one post listing its alerts.

use super::http::Poster;
use super::outcome::Outcome;
use super::webhook::id_headers;
use super::{Message, render};
use crate::config::channel::Secret;

/// A Slack-compatible incoming webhook.
#[derive(Debug, Clone)]
pub struct Slack {
    /// The webhook URL (a credential: read from the environment or a file).
    url: Secret,
    /// The client.
    poster: Poster,
}

impl Slack {
    /// A webhook posting to `url`.
    pub fn new(url: Secret, poster: Poster) -> Self {
        Slack { url, poster }
    }

    /// Sends one message.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        self.poster
            .post(
                self.url.expose(),
                "application/json",
                id_headers(msg),
                body(msg),
            )
            .await
    }
}

/// The payload.
pub fn body(msg: &Message<'_>) -> Vec<u8> {
    let alerts = msg.alert_refs();
    let mut text = render::slack(&alerts);
    if msg.digest {
        text = format!("*{}*\n\n{text}", render::headline(&alerts, true));
    }
    serde_json::json!({ "text": text }).to_string().into_bytes()
}
