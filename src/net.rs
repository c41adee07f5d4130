//! The HTTP client both sides of the daemon use: the feed fetcher
//! ([`crate::source::fetch`]) and the alert channels ([`crate::sink::channel`]). One
//! place sets the TLS provider, the `[http]` settings (user agent, timeouts), proxies
//! from the environment and the redirect policy, and reads what servers say back
//! (`Retry-After`, HTTP dates, an error with its causes on one line).

use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Http;

static CRYPTO: Once = Once::new();

/// Installs rustls's `ring` provider as the process default (once). reqwest and lettre
/// are built without a provider of their own, so this must run before either makes a
/// TLS connection.
pub fn install_crypto_provider() {
    CRYPTO.call_once(|| {
        // Err means another provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client builder with the `[http]` settings: user agent, connect and whole-request
/// timeouts, no automatic redirects (callers decide what a redirect means), and the
/// proxy from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`),
/// as reqwest reads it.
pub fn client_builder(http: &Http) -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(&http.user_agent)
        .connect_timeout(http.connect_timeout)
        .timeout(http.timeout)
        .read_timeout(http.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(8)
}

/// An HTTP date (IMF-fixdate, which RFC 2822 parsing accepts, `GMT` included).
pub fn http_date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `Retry-After` as delay-seconds or an HTTP date, as a wait from `now`.
pub fn retry_after(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    (http_date(v)? - now).to_std().ok()
}

/// The error and its causes on one line: reqwest's own message alone says little.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now),
            Some(Duration::from_secs(600))
        );
        assert_eq!(retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now), None);
        assert_eq!(retry_after("soon", now), None);
    }
}
