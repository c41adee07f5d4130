//! Dates, absolute and relative, resolved to an inclusive range of days:
//! "2020-08-07", "August 7, 2020", "7 August", "September 2020", "September",
//! "in May", "early September", "early 2022", "the end of 2021", "in 2022",
//! "yesterday", "early this week", "last month", "last Monday", "two weeks ago".
//! Relative forms and years left out are resolved against the reference time (the
//! item's publication); without one they are reported with an open range.

use super::alternation::{Alternation, Groups, Hit};
use super::numbers::{NUM, WORD_NUM, value};
use crate::model::{DateMention, Span};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc, Weekday};

const MONTHS_FULL: &str =
    "January|February|March|April|May|June|July|August|September|October|November|December";
const MONTHS_ABBR: &str =
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?";
const MODS: &str = r"(?i:early|mid|late|the end of|end of|the start of|start of|the beginning of|beginning of|the middle of|the first half of|the second half of)";
const PREPS: &str = r"(?:[Ii]n|[Ss]ince|[Uu]ntil|[Bb]y|[Ff]rom|[Dd]uring|[Bb]efore|[Aa]fter|[Oo]f|[Tt]hrough|[Tt]ill)";
const WEEKDAYS: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
const YEAR: &str = r"(?:19|20)[0-9]{2}";

/// The compiled date pattern.
#[derive(Debug)]
pub(crate) struct Dates {
    alts: Alternation,
}

/// A part of a period named by a modifier, as (first month or day, last) fractions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Whole,
    Early,
    Mid,
    Late,
    Start,
    End,
    FirstHalf,
    SecondHalf,
}

fn part(m: Option<&str>) -> Part {
    let Some(m) = m else { return Part::Whole };
    let m = m.to_lowercase();
    match m.trim() {
        "early" => Part::Early,
        "mid" | "the middle of" => Part::Mid,
        "late" => Part::Late,
        "the start of" | "start of" | "the beginning of" | "beginning of" => Part::Start,
        "the end of" | "end of" => Part::End,
        "the first half of" => Part::FirstHalf,
        "the second half of" => Part::SecondHalf,
        _ => Part::Whole,
    }
}

impl Dates {
    pub(crate) fn new() -> Self {
        let months = format!("{MONTHS_FULL}|{MONTHS_ABBR}");
        let alts = [
            format!(r"(?P<iso>(?P<iy>{YEAR})-(?P<im>[01][0-9])-(?P<id>[0-3][0-9]))(?-u:\b)"),
            format!(
                r"(?P<md>(?P<m1>{months})\s(?P<d1>[0-3]?[0-9])(?:st|nd|rd|th)?(?:,?\s(?P<y1>{YEAR}))?)(?-u:\b)"
            ),
            format!(
                r"(?P<dm>(?P<d2>[0-3]?[0-9])(?:st|nd|rd|th)?\s(?:of\s)?(?P<m2>{months})(?:,?\s(?P<y2>{YEAR}))?)(?-u:\b)"
            ),
            format!(r"(?P<my>(?:(?P<mod3>{MODS})[\s-])?(?P<m3>{months})\s(?P<y3>{YEAR}))(?-u:\b)"),
            format!(r"(?P<mm>(?P<mod4>{MODS})[\s-](?P<m4>{MONTHS_FULL}))(?-u:\b)"),
            format!(r"(?P<myr>(?P<mod5>{MODS})[\s-](?P<y5>{YEAR}))(?-u:\b)"),
            r"(?P<rel>(?:(?P<mod6>(?i:early|earlier|late|later|mid|the end of|end of|the start of|start of|the beginning of|beginning of|the middle of))\s)?(?P<which>(?i:this|last|next|past|coming|the))\s(?P<unit>week|weekend|month|year))(?-u:\b)".to_string(),
            r"(?P<day>(?i:the day before yesterday|yesterday|today|tomorrow|tonight))(?-u:\b)".to_string(),
            format!(r"(?P<ago>(?P<an>{NUM}|{WORD_NUM})\s(?P<au>days?|weeks?|months?|years?)\sago)(?-u:\b)"),
            format!(r"(?P<lm>(?P<lmod>(?i:last|next|this))\s(?P<lmn>{MONTHS_FULL}))(?-u:\b)"),
            format!(r"(?P<wd>(?:(?P<wmod>(?i:last|next|this))\s)?(?P<wdn>{WEEKDAYS}))(?-u:\b)"),
            format!(r"{PREPS}\s(?P<pm>May|March)(?-u:\b)"),
            format!(r"{PREPS}\s(?P<py>{YEAR})(?-u:\b)"),
            r"(?P<bm>January|February|April|June|July|August|September|October|November|December)(?-u:\b)".to_string(),
        ];
        let alts: Vec<String> = alts.iter().map(|a| format!(r"(?-u:\b){a}")).collect();
        Dates {
            alts: Alternation::new(&alts),
        }
    }

    /// Every date in `text`, resolved against `reference` where needed.
    pub(crate) fn find(&self, text: &str, reference: Option<DateTime<Utc>>) -> Vec<DateMention> {
        let r = reference.map(|r| r.date_naive());
        self.alts
            .find_iter(text)
            .filter_map(|hit| mention(&hit, r, future_tense(text, hit.base)))
            .collect()
    }
}

/// Words before a date that put it ahead of the reference time ("is due to report
/// on Thursday", "will decide in December").
const FUTURE_CUES: &[&str] = &[
    "will ",
    "'ll ",
    "’ll ",
    "due to ",
    "is due",
    "are due",
    "due on ",
    "expected to ",
    "set to ",
    "scheduled ",
    "plans to ",
    "plan to ",
    "aims to ",
    "going to ",
    "is to ",
    "are to ",
    "forecast ",
];

/// Whether the sentence up to byte `at` speaks of the future.
fn future_tense(text: &str, at: usize) -> bool {
    let mut from = at.saturating_sub(100);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let Some(window) = text.get(from..at) else {
        return false;
    };
    let clause = window.rsplit(['.', '!', '?', ';']).next().unwrap_or(window);
    let lower = clause.to_lowercase();
    FUTURE_CUES.iter().any(|c| lower.contains(c))
}

/// The first year, from the reference's on, in which `month` is not yet over.
fn coming_year(r: NaiveDate, month: u32) -> i32 {
    if month >= r.month() {
        r.year()
    } else {
        r.year() + 1
    }
}

fn mention(hit: &Hit<'_>, r: Option<NaiveDate>, future: bool) -> Option<DateMention> {
    let c = &hit.caps;
    // "the year" alone is no date; "the end of the year" is.
    if c.name("which")
        .is_some_and(|w| w.as_str().eq_ignore_ascii_case("the"))
        && c.name("mod6").is_none()
    {
        return None;
    }
    // The reported text leaves out a leading preposition.
    let core = ["pm", "py"]
        .iter()
        .find_map(|g| c.name(g))
        .or_else(|| c.get(0))?;
    let (start, end) = resolve(c, r, future).unwrap_or((None, None));
    Some(DateMention {
        text: core.as_str().to_string(),
        start,
        end,
        span: Span {
            start: hit.base + core.start(),
            end: hit.base + core.end(),
        },
    })
}

type Range2 = (Option<NaiveDate>, Option<NaiveDate>);

/// The range a date names; months without a year and bare weekdays lie nearest to
/// the reference, or ahead of it when the sentence speaks of the `future`.
fn resolve(c: &Groups<'_>, r: Option<NaiveDate>, future: bool) -> Option<Range2> {
    let g = |n: &str| c.name(n).map(|m| m.as_str());
    let year_of = |r: NaiveDate, month: u32| {
        if future {
            coming_year(r, month)
        } else {
            nearest_year(r, month)
        }
    };
    let num = |n: &str| g(n).and_then(|s| s.parse::<i32>().ok());
    if c.name("iso").is_some() {
        let d = NaiveDate::from_ymd_opt(num("iy")?, num("im")? as u32, num("id")? as u32)?;
        return Some((Some(d), Some(d)));
    }
    for (m, d, y) in [("m1", "d1", "y1"), ("m2", "d2", "y2")] {
        if let (Some(month), Some(day)) = (g(m).and_then(month_number), num(d)) {
            let year = num(y).or_else(|| r.map(|r| nearest_year(r, month)));
            let date = year.and_then(|y| NaiveDate::from_ymd_opt(y, month, day as u32));
            return Some((date, date));
        }
    }
    if let (Some(month), Some(year)) = (g("m3").and_then(month_number), num("y3")) {
        return Some(month_range(year, month, part(g("mod3"))));
    }
    if let Some(month) = g("m4").and_then(month_number) {
        return Some(match r {
            Some(r) => month_range(year_of(r, month), month, part(g("mod4"))),
            None => (None, None),
        });
    }
    // "last April": the most recent April before this month; "next April": the first
    // after it; "this April": this year's.
    if let Some(month) = g("lmn").and_then(month_number) {
        let Some(r) = r else {
            return Some((None, None));
        };
        let year = match g("lmod").map(str::to_lowercase).as_deref() {
            Some("last") if month < r.month() => r.year(),
            Some("last") => r.year() - 1,
            Some("next") if month > r.month() => r.year(),
            Some("next") => r.year() + 1,
            _ => r.year(),
        };
        return Some(month_range(year, month, Part::Whole));
    }
    if let Some(year) = num("y5") {
        return Some(year_range(year, part(g("mod5"))));
    }
    if let Some(year) = num("py") {
        return Some(year_range(year, Part::Whole));
    }
    if let Some(month) = g("bm").or(g("pm")).and_then(month_number) {
        return Some(match r {
            Some(r) => month_range(year_of(r, month), month, Part::Whole),
            None => (None, None),
        });
    }
    let r = r?;
    if let Some(unit) = g("unit") {
        return Some(relative(r, &g("which")?.to_lowercase(), unit, g("mod6")));
    }
    if let Some(day) = g("day") {
        let d = match day.to_lowercase().as_str() {
            "yesterday" => r.checked_sub_days(Days::new(1))?,
            "the day before yesterday" => r.checked_sub_days(Days::new(2))?,
            "tomorrow" => r.checked_add_days(Days::new(1))?,
            _ => r,
        };
        return Some((Some(d), Some(d)));
    }
    if let (Some(n), Some(u)) = (g("an").and_then(value), g("au")) {
        let n = n as u32;
        let d = match u.trim_end_matches('s') {
            "day" => r.checked_sub_days(Days::new(n.into()))?,
            "week" => r.checked_sub_days(Days::new(7 * u64::from(n)))?,
            "month" => r.checked_sub_months(Months::new(n))?,
            _ => r.checked_sub_months(Months::new(n.checked_mul(12)?))?,
        };
        return Some((Some(d), Some(d)));
    }
    if let Some(wd) = g("wdn").and_then(|w| w.parse::<Weekday>().ok()) {
        let back = (7 + r.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
        let d = match g("wmod").map(str::to_lowercase).as_deref() {
            Some("next") => r.checked_add_days(Days::new(u64::from(7 - back)))?,
            Some("last") if back == 0 => r.checked_sub_days(Days::new(7))?,
            None if future => r.checked_add_days(Days::new(u64::from((7 - back) % 7)))?,
            _ => r.checked_sub_days(Days::new(back.into()))?,
        };
        return Some((Some(d), Some(d)));
    }
    None
}

fn month_number(m: &str) -> Option<u32> {
    let key = m.get(..3)?.to_ascii_lowercase();
    let n = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|x| *x == key)?;
    Some(n as u32 + 1)
}

/// The year in which `month` lies nearest to `r` (a September mentioned in August is
/// this September; a December mentioned in January is last December).
fn nearest_year(r: NaiveDate, month: u32) -> i32 {
    let here = r.year() * 12 + r.month0() as i32;
    (r.year() - 1..=r.year() + 1)
        .min_by_key(|y| (y * 12 + month as i32 - 1 - here).abs())
        .unwrap_or(r.year())
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

fn month_range(year: i32, month: u32, p: Part) -> Range2 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let last = last_day(year, month);
    let day = |d: u32| NaiveDate::from_ymd_opt(year, month, d);
    match p {
        Part::Whole => (first, last),
        Part::Early | Part::Start | Part::FirstHalf => {
            (first, day(if p == Part::FirstHalf { 15 } else { 10 }))
        }
        Part::Mid => (day(11), day(20)),
        Part::Late | Part::End | Part::SecondHalf => {
            (day(if p == Part::SecondHalf { 16 } else { 21 }), last)
        }
    }
}

fn year_range(year: i32, p: Part) -> Range2 {
    let (a, b) = match p {
        Part::Whole => (1, 12),
        Part::Early => (1, 4),
        Part::Mid => (5, 8),
        Part::Late => (9, 12),
        Part::Start => (1, 3),
        Part::End => (10, 12),
        Part::FirstHalf => (1, 6),
        Part::SecondHalf => (7, 12),
    };
    (NaiveDate::from_ymd_opt(year, a, 1), last_day(year, b))
}

/// "this week", "early last week", "next month", "later this year" …
fn relative(r: NaiveDate, which: &str, unit: &str, m: Option<&str>) -> Range2 {
    // "the end of the year" is late this year; "the start of next month", early.
    let which = if which == "the" { "this" } else { which };
    let m = m.map(|m| {
        match m.to_lowercase().as_str() {
            "the end of" | "end of" => "end",
            "the start of" | "start of" | "the beginning of" | "beginning of" => "start",
            "the middle of" => "mid",
            other => return other.to_string(),
        }
        .to_string()
    });
    match unit {
        "week" | "weekend" => {
            let monday = r.checked_sub_days(Days::new(r.weekday().num_days_from_monday().into()));
            let shift = |d: Option<NaiveDate>, weeks: i64| {
                d.and_then(|d| {
                    if weeks >= 0 {
                        d.checked_add_days(Days::new(7 * weeks as u64))
                    } else {
                        d.checked_sub_days(Days::new(7 * weeks.unsigned_abs()))
                    }
                })
            };
            if which == "past" {
                return (r.checked_sub_days(Days::new(7)), Some(r));
            }
            let weeks = match which {
                "last" => -1,
                "next" | "coming" => 1,
                _ => 0,
            };
            let mon = shift(monday, weeks);
            let plus = |n: u64| mon.and_then(|d| d.checked_add_days(Days::new(n)));
            if unit == "weekend" {
                return (plus(5), plus(6));
            }
            match m.as_deref() {
                Some("early" | "start") => (mon, plus(2)),
                Some("mid") => (plus(2), plus(3)),
                Some("late" | "end") => (plus(3), plus(6)),
                Some("earlier") if weeks == 0 => (mon, Some(r)),
                Some("later") if weeks == 0 => (Some(r), plus(6)),
                _ => (mon, plus(6)),
            }
        }
        "month" => {
            let first = NaiveDate::from_ymd_opt(r.year(), r.month(), 1);
            let target = match which {
                "last" | "past" => first.and_then(|d| d.checked_sub_months(Months::new(1))),
                "next" | "coming" => first.and_then(|d| d.checked_add_months(Months::new(1))),
                _ => first,
            };
            let Some(t) = target else { return (None, None) };
            let p = match m.as_deref() {
                Some("early") => Part::Early,
                Some("start") => Part::Start,
                Some("mid") => Part::Mid,
                Some("late") => Part::Late,
                Some("end") => Part::End,
                // "earlier this month": from its start up to the reference day.
                Some("earlier") if which == "this" => return (first, Some(r)),
                Some("later") if which == "this" => {
                    return (Some(r), month_range(t.year(), t.month(), Part::Whole).1);
                }
                _ => Part::Whole,
            };
            month_range(t.year(), t.month(), p)
        }
        _ => {
            let year = match which {
                "last" | "past" => r.year() - 1,
                "next" | "coming" => r.year() + 1,
                _ => r.year(),
            };
            let p = match m.as_deref() {
                Some("early") => Part::Early,
                Some("start") => Part::Start,
                Some("mid") => Part::Mid,
                Some("late") => Part::Late,
                Some("end") => Part::End,
                _ => Part::Whole,
            };
            year_range(year, p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn date_cases() {
        // Friday 7 August 2020.
        let reference = Utc.with_ymd_and_hms(2020, 8, 7, 12, 0, 0).single();
        let dates = Dates::new();
        assert!(dates.alts.compiled());
        let cases: &[(&str, &str, &str, &str)] = &[
            ("by early 2022", "early 2022", "2022-01-01", "2022-04-30"),
            (
                "the September deadline",
                "September",
                "2020-09-01",
                "2020-09-30",
            ),
            (
                "Yesterday, the paper",
                "Yesterday",
                "2020-08-06",
                "2020-08-06",
            ),
            (
                "confirmed early this week",
                "early this week",
                "2020-08-03",
                "2020-08-05",
            ),
            ("in September", "September", "2020-09-01", "2020-09-30"),
            ("on 2020-08-06.", "2020-08-06", "2020-08-06", "2020-08-06"),
            (
                "August 6, 2020",
                "August 6, 2020",
                "2020-08-06",
                "2020-08-06",
            ),
            ("6 August 2020", "6 August 2020", "2020-08-06", "2020-08-06"),
            ("since May", "May", "2020-05-01", "2020-05-31"),
            (
                "late last year",
                "late last year",
                "2019-09-01",
                "2019-12-31",
            ),
            ("last month", "last month", "2020-07-01", "2020-07-31"),
            ("in 2022", "2022", "2022-01-01", "2022-12-31"),
            (
                "the end of 2021",
                "the end of 2021",
                "2021-10-01",
                "2021-12-31",
            ),
            ("on Monday", "Monday", "2020-08-03", "2020-08-03"),
            ("since last April", "last April", "2020-04-01", "2020-04-30"),
            ("until next June", "next June", "2021-06-01", "2021-06-30"),
            ("last August", "last August", "2019-08-01", "2019-08-31"),
            (
                "results are due on Thursday",
                "Thursday",
                "2020-08-13",
                "2020-08-13",
            ),
            ("it will decide in June", "June", "2021-06-01", "2021-06-30"),
            ("two weeks ago", "two weeks ago", "2020-07-24", "2020-07-24"),
            ("in December", "December", "2020-12-01", "2020-12-31"),
            ("March 2021", "March 2021", "2021-03-01", "2021-03-31"),
            (
                "early September",
                "early September",
                "2020-09-01",
                "2020-09-10",
            ),
        ];
        for (text, want, start, end) in cases {
            let found = dates.find(text, reference);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            let m = &found[0];
            assert_eq!(m.text, *want, "{text}");
            assert_eq!(&text[m.span.start..m.span.end], *want);
            assert_eq!((m.start, m.end), (d(start), d(end)), "{text}");
        }
    }

    #[test]
    fn not_dates() {
        let dates = Dates::new();
        for text in [
            "you may go",
            "a march on Washington",
            "May I?",
            "2022 users",
            "June",
        ] {
            let found = dates.find(text, None);
            assert!(found.iter().all(|m| m.text == "June"), "{text}: {found:?}");
        }
    }

    #[test]
    fn unresolved_without_reference() {
        let dates = Dates::new();
        let found = dates.find("yesterday and in September and early 2022", None);
        let texts: Vec<_> = found.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["yesterday", "September", "early 2022"]);
        assert_eq!((found[0].start, found[1].start), (None, None));
        assert_eq!(found[2].start, d("2022-01-01"));
    }
}
