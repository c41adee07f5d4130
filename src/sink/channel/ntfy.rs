//! `kind = "ntfy"`: publishes to an ntfy topic (`url = "https://ntfy.sh/TOPIC"`, or a
//! topic on your own server) with ntfy's JSON publishing, which carries any text
//! (headers would mangle non-ASCII titles): the title, the matched sentence as the
//! message, a priority from the severity (info 1 … critical 5), the article as the
//! click URL, and the rule and severity as tags. A token, when set, goes in
//! `Authorization: Bearer`. A digest is one notification listing its alerts.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use url::Url;

use super::http::Poster;
use super::outcome::Outcome;
use super::webhook::id_headers;
use super::{Message, render};
use crate::config::channel::Secret;
use crate::model::Severity;
use crate::sink::desktop::openable_link;

/// Longest message sent, in bytes: ntfy turns longer ones into attachments.
const MAX_MESSAGE: usize = 3900;

/// An ntfy topic.
#[derive(Debug, Clone)]
pub struct Ntfy {
    /// The server's publishing endpoint (the topic URL without the topic).
    endpoint: Url,
    /// The topic.
    topic: String,
    /// The access token, when set.
    token: Option<Secret>,
    /// The client.
    poster: Poster,
}

impl Ntfy {
    /// Publishing to the topic `url` names (its last path segment).
    pub fn new(url: &Url, token: Option<Secret>, poster: Poster) -> Result<Self, String> {
        let (endpoint, topic) = split_topic(url)?;
        Ok(Ntfy {
            endpoint,
            topic,
            token,
            poster,
        })
    }

    /// Sends one message.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        let mut headers = id_headers(msg);
        if let Some(t) = &self.token {
            match HeaderValue::from_str(&format!("Bearer {}", t.expose())) {
                Ok(mut v) => {
                    v.set_sensitive(true);
                    headers.insert(AUTHORIZATION, v);
                }
                Err(_) => {
                    return Outcome::Failed(
                        "the ntfy token has characters a header cannot carry".into(),
                    );
                }
            }
        }
        self.poster
            .post(
                self.endpoint.as_str(),
                "application/json",
                headers,
                body(&self.topic, msg),
            )
            .await
    }
}

/// The publishing endpoint and the topic of a topic URL: `https://host/base/TOPIC`
/// → (`https://host/base/`, `TOPIC`).
pub fn split_topic(url: &Url) -> Result<(Url, String), String> {
    let topic = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("{url} names no topic (write https://ntfy.sh/TOPIC)"))?
        .to_string();
    let mut endpoint = url.clone();
    endpoint.set_query(None);
    endpoint.set_fragment(None);
    if let Ok(mut segs) = endpoint.path_segments_mut() {
        segs.pop().push("");
    }
    Ok((endpoint, topic))
}

/// ntfy's priority for a severity: 1 (min) to 5 (max).
pub fn priority(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// The JSON publishing payload.
pub fn body(topic: &str, msg: &Message<'_>) -> Vec<u8> {
    let alerts = msg.alert_refs();
    let severity = alerts.iter().map(|a| a.severity).max().unwrap_or_default();
    let mut tags: Vec<&str> = Vec::new();
    for a in &alerts {
        for t in [a.rule.as_str(), a.severity.as_str()] {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let message = match alerts.as_slice() {
        [a] if !msg.digest && !a.snippet.trim().is_empty() => a.snippet.clone(),
        _ => render::plain(&alerts),
    };
    let mut payload = serde_json::json!({
        "topic": topic,
        "title": render::headline(&alerts, msg.digest),
        "message": cut_bytes(&message, MAX_MESSAGE),
        "priority": priority(severity),
        "tags": tags,
    });
    let click = match alerts.as_slice() {
        [a] => openable_link(a.item.link.as_deref()),
        _ => None,
    };
    if let Some(link) = click {
        payload["click"] = serde_json::Value::String(link);
    }
    payload.to_string().into_bytes()
}

/// At most `max` bytes of `text`, cut at a character boundary, `…` when cut.
fn cut_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_urls_split_into_endpoint_and_topic() {
        let u = |s: &str| Url::parse(s).unwrap();
        let (e, t) = split_topic(&u("https://ntfy.sh/alerts")).unwrap();
        assert_eq!((e.as_str(), t.as_str()), ("https://ntfy.sh/", "alerts"));
        let (e, t) = split_topic(&u("http://127.0.0.1:8080/ntfy/team-x?x=1")).unwrap();
        assert_eq!(
            (e.as_str(), t.as_str()),
            ("http://127.0.0.1:8080/ntfy/", "team-x")
        );
        assert!(split_topic(&u("https://ntfy.sh/")).is_err());
    }

    #[test]
    fn long_messages_are_cut_on_a_character() {
        let s = "é".repeat(3000);
        let c = cut_bytes(&s, 3900);
        assert!(c.len() <= 3900 + '…'.len_utf8());
        assert!(c.ends_with('…'));
    }
}
