//! One POST for the HTTP kinds (webhook, Slack, ntfy), through the client the feed
//! fetcher uses ([`crate::net`]: TLS, user agent, proxies, no redirects), bounded by
//! the channel's timeout; the answer becomes an [`Outcome`]. Only the start of an
//! answer's body is read, for the error message.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use super::outcome::{self, Outcome};
use crate::config::Http;
use crate::net;

/// How much of an answer's body is read (for the error message).
const BODY_EXCERPT: usize = 1024;

/// Posts bodies to a channel's receiver.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
}

impl Poster {
    /// A client with the `[http]` settings, whole requests bounded by `timeout`.
    pub fn new(http: &Http, timeout: Duration) -> Result<Self, String> {
        let client = net::client_builder(http)
            .timeout(timeout)
            .read_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", net::error_chain(&e)))?;
        Ok(Poster { client })
    }

    /// POSTs `body` as `content_type` to `url` with `headers`.
    pub async fn post(
        &self,
        url: &str,
        content_type: &'static str,
        mut headers: HeaderMap,
        body: Vec<u8>,
    ) -> Outcome {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        let sent = self
            .client
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_builder() => return Outcome::Failed(net::error_chain(&e)),
            Err(e) if e.is_timeout() => {
                return Outcome::retry(format!("timed out: {}", net::error_chain(&e)));
            }
            Err(e) => return Outcome::retry(net::error_chain(&e)),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| net::retry_after(v, chrono::Utc::now()));
        let mut excerpt = Vec::new();
        if !resp.status().is_success() {
            // The body only explains an error; a receiver that stops sending it
            // half-way changes nothing about the status.
            while excerpt.len() < BODY_EXCERPT {
                match resp.chunk().await {
                    Ok(Some(c)) => excerpt.extend_from_slice(&c),
                    _ => break,
                }
            }
            excerpt.truncate(BODY_EXCERPT);
        }
        outcome::from_http(status, retry_after, &String::from_utf8_lossy(&excerpt))
    }
}
