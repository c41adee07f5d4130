//! `kind = "webhook"`: POSTs the alert's JSON line, exactly as the alert log has it
//! (schema 1), or in digest mode a JSON array of them, with headers a receiver can
//! verify and deduplicate by:
//!
//! - `X-Newswatch-Alert-Id`: the alert's id (a digest: every id, comma-separated);
//! - `X-Newswatch-Digest-Id`: in digest mode, the digest's id (the same on retries);
//! - `X-Newswatch-Attempt`: 1 on the first try, more on a retry (a crash between
//!   sending and recording counts as a try);
//! - `X-Newswatch-Signature: sha256=HEX`: when a secret is set, the HMAC-SHA256 of
//!   the body under the secret, as GitHub signs its webhooks.

use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;
use url::Url;

use super::Message;
use super::http::Poster;
use super::outcome::Outcome;
use crate::config::channel::Secret;

/// The header carrying the alert id(s).
pub const ALERT_ID: &str = "x-newswatch-alert-id";
/// The header carrying a digest's id.
pub const DIGEST_ID: &str = "x-newswatch-digest-id";
/// The header counting attempts.
pub const ATTEMPT: &str = "x-newswatch-attempt";
/// The header carrying the body's signature.
pub const SIGNATURE: &str = "x-newswatch-signature";

/// A webhook receiver.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Where to POST.
    url: Url,
    /// The HMAC key, when set.
    secret: Option<Secret>,
    /// The client.
    poster: Poster,
}

impl Webhook {
    /// A webhook posting to `url`, signing with `secret` when set.
    pub fn new(url: Url, secret: Option<Secret>, poster: Poster) -> Self {
        Webhook {
            url,
            secret,
            poster,
        }
    }

    /// Sends one message.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        let body = body(msg);
        let mut headers = id_headers(msg);
        if let Some(secret) = &self.secret {
            headers.insert(
                HeaderName::from_static(SIGNATURE),
                header_value(&signature(secret.expose().as_bytes(), &body)),
            );
        }
        self.poster
            .post(self.url.as_str(), "application/json", headers, body)
            .await
    }
}

/// The body: the stored alert line, or a JSON array of them in digest mode.
pub fn body(msg: &Message<'_>) -> Vec<u8> {
    if !msg.digest {
        if let [one] = msg.alerts {
            return one.json.as_bytes().to_vec();
        }
    }
    let mut out =
        Vec::with_capacity(msg.alerts.iter().map(|q| q.json.len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (i, q) in msg.alerts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(q.json.as_bytes());
    }
    out.push(b']');
    out
}

/// The headers that identify a message: alert id(s), digest id, attempt. Every HTTP
/// kind sends them (a receiver or a proxy in front of it can drop repeats).
pub fn id_headers(msg: &Message<'_>) -> HeaderMap {
    let mut h = HeaderMap::new();
    let ids: Vec<&str> = msg
        .alerts
        .iter()
        .map(|q| q.alert.alert_id.as_str())
        .collect();
    h.insert(
        HeaderName::from_static(ALERT_ID),
        header_value(&ids.join(", ")),
    );
    if msg.digest {
        h.insert(HeaderName::from_static(DIGEST_ID), header_value(msg.id));
    }
    h.insert(
        HeaderName::from_static(ATTEMPT),
        HeaderValue::from(msg.attempt),
    );
    h
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length (longer ones are hashed): `new_from_slice`
    // fails only for MACs with a fixed key size, which HMAC is not.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A header value from text; characters a header cannot carry become `?` (ids are
/// hex, so this only guards against a hand-edited store).
fn header_value(s: &str) -> HeaderValue {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static("?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
