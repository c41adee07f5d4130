//! Durations as users write them (`"90s"`, `"15m"`, `"1h 30m"`, `"2d"`): in the config,
//! in watchlists and on the command line, and the arithmetic on them. A base module: it
//! imports nothing of the crate, so every layer may use it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Parses `"15m"`, `"1h 30m"`, `"2d"` (humantime's syntax); zero is rejected.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| {
        format!("invalid duration `{s}` ({e}); write e.g. \"90s\", \"15m\", \"2h\", \"1d\"")
    })?;
    if d.is_zero() {
        return Err(format!("duration `{s}` must be greater than zero"));
    }
    Ok(d)
}

/// `d` before `now`, saturating at the earliest time instead of overflowing (an
/// absurd span such as "100000000y" means "since the beginning").
pub fn ago(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A short human span for people reading a table or a log line: `40s`, `12m`,
/// `3h 5m`, `2d 4h` (a negative span reads as `0s`).
pub fn short_span(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
