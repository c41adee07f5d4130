//! Lenient feed dates: RFC 3339 / ISO 8601, RFC 2822 and the variants feeds really
//! send (named time zones, missing seconds or zone, two-digit years, full day and month
//! names, asctime, dates alone). Used by both feed readers, so an item gets the same
//! `published` whichever reader handled its document.
//!
//! A hand tokenizer rather than a chain of regexes: it is called for every item of
//! every feed, and a date it cannot read is `None`, never an error.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a feed date; `None` when the text is not a date this reader knows.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    let tokens = tokenize(s);
    if tokens
        .first()
        .is_some_and(|t| matches!(t, Tok::Num(n, 4 | 8) if *n > 0))
    {
        iso(&tokens)
    } else {
        loose(&tokens)
    }
}

/// One lexical piece of a date.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Digits: value and how many digits were written.
    Num(u32, usize),
    /// Letters, lower-cased.
    Word(String),
    /// `+` or `-` directly followed by digits (a zone offset or ISO separator).
    Sign(i8),
    /// `:`
    Colon,
    /// `.` or `,` followed by digits after seconds (fraction), or other punctuation.
    Dot,
    /// `T` between an ISO date and time, `/`, or anything else that only separates.
    Sep,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(16);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let start = i;
            let mut v: u32 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                v = v.saturating_mul(10).saturating_add(u32::from(b[i] - b'0'));
                i += 1;
            }
            out.push(Tok::Num(v, i - start));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            let w = s[start..i].to_ascii_lowercase();
            // `2020-08-03T10:00` — a lone T (or t) between digits separates.
            if w == "t" && matches!(out.last(), Some(Tok::Num(..))) {
                out.push(Tok::Sep);
            } else {
                out.push(Tok::Word(w));
            }
        } else {
            match c {
                b'+' => out.push(Tok::Sign(1)),
                b'-' => out.push(Tok::Sign(-1)),
                b':' => out.push(Tok::Colon),
                b'.' => out.push(Tok::Dot),
                _ => out.push(Tok::Sep),
            }
            i += 1;
        }
    }
    out
}

fn month_from_word(w: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if w.len() < 3 {
        return None;
    }
    let m = NAMES.iter().position(|n| w.starts_with(n))?;
    // "sept" is a common spelling; otherwise the word must be the month's name or prefix.
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    (FULL[m].starts_with(w) || w == "sept").then_some(m as u32 + 1)
}

/// Offset in seconds east of UTC of a zone name feeds use.
fn zone_from_word(w: &str) -> Option<i32> {
    let h = |n: i32| Some(n * 3600);
    match w {
        "z" | "ut" | "utc" | "gmt" | "wet" => h(0),
        "est" => h(-5),
        "edt" => h(-4),
        "cst" => h(-6),
        "cdt" => h(-5),
        "mst" => h(-7),
        "mdt" => h(-6),
        "pst" => h(-8),
        "pdt" => h(-7),
        "akst" => h(-9),
        "akdt" => h(-8),
        "hst" => h(-10),
        "ast" => h(-4),
        "adt" => h(-3),
        "nst" => Some(-(3 * 3600 + 1800)),
        "bst" | "cet" | "met" | "wat" | "west" => h(1),
        "cest" | "mest" | "eet" | "sast" => h(2),
        "eest" | "msk" => h(3),
        "ist" => Some(5 * 3600 + 1800),
        "sgt" | "hkt" | "awst" => h(8),
        "jst" | "kst" => h(9),
        "aest" => h(10),
        "aedt" => h(11),
        "nzst" => h(12),
        "nzdt" => h(13),
        _ => None,
    }
}

/// `±HH`, `±HHMM`, `±HH:MM` starting at `toks[i]` (a `Sign`); returns seconds and
/// the number of tokens used.
fn offset_at(toks: &[Tok], i: usize) -> Option<(i32, usize)> {
    let Tok::Sign(sign) = toks.get(i)? else {
        return None;
    };
    let sign = i32::from(*sign);
    match toks.get(i + 1)? {
        Tok::Num(v, 4) => Some((sign * ((*v / 100) * 3600 + (*v % 100) * 60) as i32, 2)),
        Tok::Num(v, 1 | 2) => {
            if let (Some(Tok::Colon), Some(Tok::Num(m, 2))) = (toks.get(i + 2), toks.get(i + 3)) {
                Some((sign * (*v * 3600 + *m * 60) as i32, 4))
            } else {
                Some((sign * (*v * 3600) as i32, 2))
            }
        }
        _ => None,
    }
}

/// `HH:MM[:SS[.frac]]` starting at `toks[i]`; returns the time and tokens used.
fn time_at(toks: &[Tok], i: usize) -> Option<(NaiveTime, usize)> {
    let (Tok::Num(h, 1 | 2), Tok::Colon, Tok::Num(m, 1 | 2)) =
        (toks.get(i)?, toks.get(i + 1)?, toks.get(i + 2)?)
    else {
        return None;
    };
    let mut used = 3;
    let mut sec = 0;
    let mut nano = 0;
    if let (Some(Tok::Colon), Some(Tok::Num(s, 1 | 2))) = (toks.get(i + 3), toks.get(i + 4)) {
        sec = *s;
        used = 5;
        if let (Some(Tok::Dot), Some(Tok::Num(f, digits))) = (toks.get(i + 5), toks.get(i + 6)) {
            let digits = (*digits).min(9) as u32;
            nano = f.saturating_mul(10u32.pow(9 - digits));
            used = 7;
        }
    }
    // 24:00 means midnight; a leap second is folded into the one before.
    let (h, sec) = (if *h == 24 { 0 } else { *h }, sec.min(59));
    Some((NaiveTime::from_hms_nano_opt(h, *m, sec, nano)?, used))
}

fn finish(date: NaiveDate, time: NaiveTime, offset: i32) -> Option<DateTime<Utc>> {
    let tz = FixedOffset::east_opt(offset)?;
    tz.from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// ISO 8601 / W3C-DTF: `YYYY[-MM[-DD]][(T| )HH:MM[:SS[.f]]][Z|±HH[:MM]|zone]`, also
/// `YYYYMMDD` and `YYYY-MM-DD HH:MM:SS ±HHMM`.
fn iso(t: &[Tok]) -> Option<DateTime<Utc>> {
    let (year, mut month, mut day, mut i) = match t.first()? {
        Tok::Num(y, 4) => (*y as i32, 1, 1, 1),
        Tok::Num(ymd, 8) => ((ymd / 10_000) as i32, ymd / 100 % 100, ymd % 100, 1),
        _ => return None,
    };
    let separated = |k: usize| match (t.get(k), t.get(k + 1)) {
        (Some(Tok::Sign(-1) | Tok::Sep), Some(Tok::Num(v, 1 | 2))) => Some(*v),
        _ => None,
    };
    if matches!(t.first(), Some(Tok::Num(_, 4))) {
        if let Some(m) = separated(1) {
            month = m;
            i = 3;
            if let Some(d) = separated(3) {
                day = d;
                i = 5;
            }
        }
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if matches!(t.get(i), Some(Tok::Sep)) {
        i += 1;
    }
    let (time, used) = time_at(t, i).unwrap_or((NaiveTime::MIN, 0));
    i += used;
    let offset = zone_after(t, i).unwrap_or(0);
    finish(date, time, offset)
}

/// The zone after the time, if any: `Z`, a name, or an offset (with or without a
/// leading name, as in `GMT+02:00`).
fn zone_after(t: &[Tok], mut i: usize) -> Option<i32> {
    while matches!(t.get(i), Some(Tok::Sep | Tok::Dot)) {
        i += 1;
    }
    match t.get(i)? {
        Tok::Sign(_) => offset_at(t, i).map(|(o, _)| o),
        Tok::Word(w) => {
            let base = zone_from_word(w);
            if let Some((o, _)) = offset_at(t, i + 1) {
                Some(base.unwrap_or(0) + o)
            } else {
                base
            }
        }
        _ => None,
    }
}

/// RFC 2822 and its relatives: an optional day name, day and month in either order,
/// the year before or after the time (asctime), an optional zone.
fn loose(t: &[Tok]) -> Option<DateTime<Utc>> {
    let mut month = None;
    let mut nums: Vec<(u32, usize)> = Vec::with_capacity(3);
    let mut time = None;
    let mut offset = None;
    let mut i = 0;
    while i < t.len() {
        let at_time = if time.is_none() { time_at(t, i) } else { None };
        if let Some((tm, used)) = at_time {
            time = Some(tm);
            i += used;
            if let Some(o) = zone_after(t, i) {
                offset = Some(o);
            }
            // The zone is read; keep scanning for an asctime year after it.
            while i < t.len() && !matches!(t[i], Tok::Num(_, 4)) {
                i += 1;
            }
            continue;
        }
        match &t[i] {
            Tok::Word(w) => {
                let as_month = month.is_none().then(|| month_from_word(w)).flatten();
                if as_month.is_some() {
                    month = as_month;
                } else if offset.is_none() && time.is_some() {
                    offset = zone_from_word(w);
                }
            }
            Tok::Num(v, d) if nums.len() < 3 => nums.push((*v, *d)),
            Tok::Sign(_) if time.is_some() && offset.is_none() => {
                if let Some((o, used)) = offset_at(t, i) {
                    offset = Some(o);
                    i += used;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let (day, year) = match (month, nums.as_slice()) {
        // "03 Aug 2020", "Aug 03 2020", "Aug 3, 2020"
        (Some(_), [(a, 1 | 2), (y, 2 | 4), ..]) => (*a, expand_year(*y)),
        // "2020 Aug 03" is handled by iso(); numeric "08/03/2020" is ambiguous: US order.
        (None, [(m, 1 | 2), (d, 1 | 2), (y, 2 | 4), ..]) => {
            month = Some(*m);
            (*d, expand_year(*y))
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month?, day)?;
    finish(date, time.unwrap_or(NaiveTime::MIN), offset.unwrap_or(0))
}

/// Two-digit years: 50–99 are the 1900s, 00–49 the 2000s (RFC 2822 §4.3).
fn expand_year(y: u32) -> i32 {
    match y {
        0..=49 => 2000 + y as i32,
        50..=99 => 1900 + y as i32,
        _ => y as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_feeds_send() {
        let cases = [
            ("2020-08-03T10:00:00Z", "2020-08-03T10:00:00+00:00"),
            ("2020-08-03T12:00:00+02:00", "2020-08-03T10:00:00+00:00"),
            (
                "2020-08-03T12:00:00.123+0200",
                "2020-08-03T10:00:00.123+00:00",
            ),
            ("2020-08-03 10:00:00", "2020-08-03T10:00:00+00:00"),
            ("2020-08-03 12:00:00 +0200", "2020-08-03T10:00:00+00:00"),
            ("2020-08-03T10:00Z", "2020-08-03T10:00:00+00:00"),
            ("2020-08-03", "2020-08-03T00:00:00+00:00"),
            ("2020-08", "2020-08-01T00:00:00+00:00"),
            ("Mon, 03 Aug 2020 10:00:00 GMT", "2020-08-03T10:00:00+00:00"),
            (
                "Mon, 3 Aug 2020 10:00:00 +0000",
                "2020-08-03T10:00:00+00:00",
            ),
            ("Mon, 03 Aug 2020 06:00:00 EDT", "2020-08-03T10:00:00+00:00"),
            (
                "Monday, 03 August 2020 10:00 UTC",
                "2020-08-03T10:00:00+00:00",
            ),
            ("Mon, 03 Aug 20 10:00:00 GMT", "2020-08-03T10:00:00+00:00"),
            ("03 Aug 2020 10:00:00", "2020-08-03T10:00:00+00:00"),
            ("Sun, 03 Aug 2020 10:00:00 GMT", "2020-08-03T10:00:00+00:00"),
            (
                "Mon, 03 Aug 2020 10:00:00 GMT+02:00",
                "2020-08-03T08:00:00+00:00",
            ),
            ("Mon Aug  3 10:00:00 2020", "2020-08-03T10:00:00+00:00"),
            ("Mon Aug 3 10:00:00 UTC 2020", "2020-08-03T10:00:00+00:00"),
            ("August 3, 2020", "2020-08-03T00:00:00+00:00"),
            ("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21+00:00"),
            ("Mon, 03 Aug 2020 10:00:00 Z", "2020-08-03T10:00:00+00:00"),
            (
                "Mon, 03 Sept 2020 10:00:00 -0500",
                "2020-09-03T15:00:00+00:00",
            ),
            ("08/03/2020 10:00:00", "2020-08-03T10:00:00+00:00"),
            ("2020-08-03T24:00:00Z", "2020-08-03T00:00:00+00:00"),
        ];
        for (input, want) in cases {
            let got = parse_date(input).map(|t| t.to_rfc3339());
            assert_eq!(got.as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn non_dates_are_none() {
        for input in [
            "",
            "tomorrow",
            "2020-13-45",
            "Mon, 45 Aug 2020",
            "12345",
            "Aug",
            "99:99",
        ] {
            assert_eq!(parse_date(input), None, "{input}");
        }
    }
}
