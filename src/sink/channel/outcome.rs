//! What became of one delivery attempt, and how long to wait before the next: a
//! success; a failure worth retrying (a timeout, a network error, HTTP 408, 429 or
//! 5xx, a program's exit status 75) with the wait the receiver asked for, if any; or
//! a permanent failure (any other 4xx, a program's other exit statuses), which stops
//! that message.

use std::time::Duration;

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it.
    Delivered,
    /// Try again later.
    Retry {
        /// Why, for the log and `newswatch channels`.
        reason: String,
        /// How long the receiver asked us to wait (`Retry-After`), if it did.
        after: Option<Duration>,
    },
    /// The receiver refused this message; sending it again would not help.
    Failed(String),
}

impl Outcome {
    /// A retry for `reason` with no wait asked.
    pub fn retry(reason: impl Into<String>) -> Self {
        Outcome::Retry {
            reason: reason.into(),
            after: None,
        }
    }
}

/// The outcome of an HTTP answer with `status`, the `Retry-After` it carried and the
/// start of its body (for the message).
pub fn from_http(status: u16, retry_after: Option<Duration>, body: &str) -> Outcome {
    let detail = if body.trim().is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {}", one_line(body))
    };
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Retry {
            reason: detail,
            after: retry_after,
        },
        300..=399 => Outcome::Failed(format!(
            "{detail} (a redirect: set the channel's url to where it points)"
        )),
        _ => Outcome::Failed(detail),
    }
}

/// The wait before attempt `failures + 1` after `failures` failed ones in a row: `first`
/// doubled per failure up to `max`, or longer if the receiver asked (`asked`, bounded
/// by `ceiling`, past which the message would be too old to send anyway).
pub fn retry_wait(
    first: Duration,
    max: Duration,
    failures: u32,
    asked: Option<Duration>,
    ceiling: Duration,
) -> Duration {
    let doubled = first.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    let ours = doubled.min(max).max(first.min(max));
    asked.map_or(ours, |a| ours.max(a.min(ceiling)))
}

/// Text on one line, at most 200 characters (an error body can be a whole page).
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_statuses_are_classified() {
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(from_http(200, None, ""), Outcome::Delivered);
        assert_eq!(from_http(204, None, "x"), Outcome::Delivered);
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(from_http(s, None, ""), Outcome::Retry { .. }),
                "{s} is worth retrying"
            );
        }
        assert_eq!(
            from_http(429, secs(30), "slow\n down"),
            Outcome::Retry {
                reason: "HTTP 429: slow down".into(),
                after: secs(30)
            }
        );
        for s in [400, 401, 403, 404, 410, 413, 422, 301] {
            assert!(
                matches!(from_http(s, None, ""), Outcome::Failed(_)),
                "{s} is permanent"
            );
        }
    }

    #[test]
    fn waits_double_up_to_the_cap_and_honour_retry_after() {
        let s = Duration::from_secs;
        let w = |n, asked| retry_wait(s(10), s(60), n, asked, s(3600));
        assert_eq!(w(1, None), s(10));
        assert_eq!(w(2, None), s(20));
        assert_eq!(w(3, None), s(40));
        assert_eq!(w(4, None), s(60));
        assert_eq!(w(500, None), s(60), "no overflow");
        assert_eq!(w(1, Some(s(120))), s(120), "the receiver asked for longer");
        assert_eq!(w(4, Some(s(5))), s(60), "never shorter than ours");
        assert_eq!(w(1, Some(s(99_999))), s(3600), "bounded by the ceiling");
    }

    #[test]
    fn bodies_are_cut_to_one_line() {
        assert_eq!(one_line(" a\n\tb  c "), "a b c");
        let long = "x".repeat(500);
        assert_eq!(one_line(&long).chars().count(), 201);
    }
}
