//! What a publisher says about how often to poll it: HTTP headers (`Cache-Control:
//! max-age`, `Expires`, `Retry-After`) and the document itself (RSS `<ttl>`, the
//! syndication module's `sy:updatePeriod`/`sy:updateFrequency`). Pure functions; the
//! [`schedule`](super::schedule) turns the hints into the next poll.

use std::sync::LazyLock;
use std::time::Duration;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};
use reqwest::header::{AGE, CACHE_CONTROL, DATE, EXPIRES, HeaderMap, RETRY_AFTER};

use crate::net::{http_date, retry_after};

/// How long the publisher asks us to wait, from each source that said anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// RSS `<ttl>` or the syndication module's update period.
    pub ttl: Option<Duration>,
    /// `Cache-Control: max-age`, less the response's `Age`.
    pub max_age: Option<Duration>,
    /// `Expires`, as a wait from the response's `Date` (or now).
    pub expires: Option<Duration>,
    /// `Retry-After` (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
}

impl Hints {
    /// The longest wait any hint asks for.
    pub fn longest(&self) -> Option<Duration> {
        [self.ttl, self.max_age, self.expires, self.retry_after]
            .into_iter()
            .flatten()
            .max()
    }
}

/// The caching hints of a response's headers (`max-age`, `Expires`), read at `now`.
/// `no-cache`/`no-store` say nothing about polling and are ignored.
pub fn from_headers(h: &HeaderMap, now: DateTime<Utc>) -> Hints {
    let text = |name| h.get(name).and_then(|v| v.to_str().ok());
    let age = text(AGE)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::ZERO, Duration::from_secs);
    let max_age = text(CACHE_CONTROL)
        .and_then(max_age)
        .map(|m| m.saturating_sub(age));
    let date = text(DATE).and_then(http_date).unwrap_or(now);
    let expires = text(EXPIRES)
        .and_then(http_date)
        .and_then(|e| (e - date).to_std().ok())
        .filter(|d| !d.is_zero());
    Hints {
        ttl: None,
        max_age,
        expires,
        retry_after: text(RETRY_AFTER).and_then(|v| retry_after(v, now)),
    }
}

/// `max-age=N` of a `Cache-Control` value (`s-maxage` is for shared caches, not us).
fn max_age(v: &str) -> Option<Duration> {
    v.split(',').find_map(|d| {
        let (k, val) = d.trim().split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        let secs = val.trim().trim_matches('"').parse::<u64>().ok()?;
        Some(Duration::from_secs(secs))
    })
}

/// How far into a document the channel-level hints are looked for: they come before
/// the items, and a feed's head is small.
const HEAD_LIMIT: usize = 64 * 1024;

/// The polling hint a feed document carries in its channel: RSS `<ttl>` (minutes), or
/// the syndication module's `sy:updatePeriod` and `sy:updateFrequency`. Only the part
/// before the first item is read, so an item's text cannot pose as a hint.
pub fn document_ttl(doc: &[u8]) -> Option<Duration> {
    let head = &doc[..doc.len().min(HEAD_LIMIT)];
    let item = match ITEM_START.as_ref() {
        Some(ac) => ac.find(head).map(|m| m.start()),
        None => [&b"<item"[..], b"<entry"]
            .iter()
            .filter_map(|t| find(head, t))
            .min(),
    };
    let head = item.map_or(head, |end| &head[..end]);
    if let Some(min) = element_text(head, b"ttl").and_then(|t| t.parse::<u64>().ok()) {
        return (min > 0).then(|| Duration::from_secs(min.saturating_mul(60)));
    }
    let period = match element_text(head, b"sy:updatePeriod")?.as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let freq = element_text(head, b"sy:updateFrequency")
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(period / freq))
}

/// The start of the first item or entry (one pass, not a compare per byte).
/// (Two fixed ASCII needles always build; the naive search stays as a fallback.)
static ITEM_START: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(["<item", "<entry"]).ok());

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The trimmed text of the first `<name>…</name>` in `doc` (no attributes expected).
fn element_text(doc: &[u8], name: &[u8]) -> Option<String> {
    let open = [b"<", name, b">"].concat();
    let close = [b"</", name, b">"].concat();
    let start = find(doc, &open)? + open.len();
    let len = find(&doc[start..], &close)?;
    let text = std::str::from_utf8(&doc[start..start + len]).ok()?;
    Some(text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn header_hints() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cases: &[(&[(&str, &str)], Hints)] = &[
            (&[], Hints::default()),
            (
                &[("cache-control", "public, max-age=1800")],
                Hints {
                    max_age: Some(Duration::from_secs(1800)),
                    ..Hints::default()
                },
            ),
            (
                &[("cache-control", "max-age=600"), ("age", "100")],
                Hints {
                    max_age: Some(Duration::from_secs(500)),
                    ..Hints::default()
                },
            ),
            (
                &[("cache-control", "no-cache, s-maxage=99")],
                Hints::default(),
            ),
            (
                &[
                    ("date", "Thu, 01 Jan 2026 00:00:00 GMT"),
                    ("expires", "Thu, 01 Jan 2026 01:00:00 GMT"),
                ],
                Hints {
                    expires: Some(Duration::from_secs(3600)),
                    ..Hints::default()
                },
            ),
            (&[("expires", "0")], Hints::default()),
            (
                &[("retry-after", "120")],
                Hints {
                    retry_after: Some(Duration::from_secs(120)),
                    ..Hints::default()
                },
            ),
            (
                &[("retry-after", "Thu, 01 Jan 2026 00:10:00 GMT")],
                Hints {
                    retry_after: Some(Duration::from_secs(600)),
                    ..Hints::default()
                },
            ),
        ];
        for (pairs, want) in cases {
            assert_eq!(from_headers(&headers(pairs), now), *want, "{pairs:?}");
        }
    }

    #[test]
    fn document_hints() {
        let cases: &[(&str, Option<u64>)] = &[
            (
                "<rss><channel><ttl>60</ttl><item></item></channel></rss>",
                Some(3600),
            ),
            ("<rss><channel><ttl> 5 </ttl></channel></rss>", Some(300)),
            ("<rss><channel><ttl>0</ttl></channel></rss>", None),
            ("<rss><channel><ttl>soon</ttl></channel></rss>", None),
            (
                "<rss><channel><item><ttl>999</ttl></item></channel></rss>",
                None,
            ),
            (
                "<rdf:RDF><channel><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel><item/></rdf:RDF>",
                Some(1800),
            ),
            (
                "<feed><sy:updatePeriod>daily</sy:updatePeriod><entry/></feed>",
                Some(86_400),
            ),
            ("<feed><entry/></feed>", None),
        ];
        for (doc, want) in cases {
            assert_eq!(
                document_ttl(doc.as_bytes()),
                want.map(Duration::from_secs),
                "{doc}"
            );
        }
    }

    #[test]
    fn longest_wins() {
        let h = Hints {
            ttl: Some(Duration::from_secs(60)),
            max_age: Some(Duration::from_secs(900)),
            ..Hints::default()
        };
        assert_eq!(h.longest(), Some(Duration::from_secs(900)));
        assert_eq!(Hints::default().longest(), None);
    }
}
