//! Numbers as news writes them: digits with thousands separators or decimal commas
//! ("1,200", "1.5", "1,2", "1.200.000"), number words ("six", "twenty-one") and scale
//! words ("million", "bn", "m", "miljard"). Shared by money, percentages, durations
//! and dates; the regular-expression fragments here are the single source of truth.

/// A number in digits: grouped thousands first, then plain with optional decimals.
/// ASCII digits only, as [`parse_num`] reads them (other scripts' digits matched here
/// gave no value, and compiling every Unicode digit into each of these repetitions
/// cost most of the extractor's start-up).
pub(crate) const NUM: &str = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]{1,3}(?:\.[0-9]{3}){2,}(?:,[0-9]+)?|[0-9]+(?:[.,][0-9]+)?";

/// Number words (lower or capitalised), longest first so the alternation prefers them.
pub(crate) const WORD_NUM: &str = r"(?:[Tt]wenty|[Tt]hirty|[Ff]orty|[Ff]ifty|[Ss]ixty|[Ss]eventy|[Ee]ighty|[Nn]inety)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|[Tt]hirteen|[Ff]ourteen|[Ff]ifteen|[Ss]ixteen|[Ss]eventeen|[Ee]ighteen|[Nn]ineteen|[Ee]leven|[Tt]welve|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|[Aa] dozen|[Aa] hundred";

/// Scale words after a number.
pub(crate) const SCALE: &str = r"trillion|billion|million|thousand|lakh crore|crore|lakh|miljard|miljoen|Milliarden|Milliarde|Millionen|Million|milliards?|millions?|bn|tn|mn|mln|bln|m|b|k";

/// Parses a number in digits. Commas followed by exactly three digits group
/// thousands; a lone comma otherwise is a decimal comma ("1,2" = 1.2). Dots group
/// thousands only when there are several groups ("1.200.000").
pub(crate) fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    let commas = s.matches(',').count();
    let dots = s.matches('.').count();
    let grouped_commas = commas > 0
        && s.split(',')
            .skip(1)
            .all(|g| g.len() == 3 || g.contains('.'));
    let cleaned: String = if commas > 0 && dots > 0 {
        // Whichever comes last is the decimal mark.
        if s.rfind(',') > s.rfind('.') {
            s.replace('.', "").replace(',', ".")
        } else {
            s.replace(',', "")
        }
    } else if commas > 0 {
        if grouped_commas && !(commas == 1 && s.starts_with('0')) {
            s.replace(',', "")
        } else {
            s.replace(',', ".")
        }
    } else if dots > 1 {
        s.replace('.', "")
    } else {
        s.to_string()
    };
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The value of a number word (as matched by [`WORD_NUM`]).
pub(crate) fn word_value(w: &str) -> Option<f64> {
    let w = w.to_ascii_lowercase();
    let (tens, unit) = match w.split_once('-') {
        Some((t, u)) => (t.to_string(), Some(u.to_string())),
        None => (w.clone(), None),
    };
    let base = match tens.as_str() {
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" | "a dozen" => 12.0,
        "thirteen" => 13.0,
        "fourteen" => 14.0,
        "fifteen" => 15.0,
        "sixteen" => 16.0,
        "seventeen" => 17.0,
        "eighteen" => 18.0,
        "nineteen" => 19.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "seventy" => 70.0,
        "eighty" => 80.0,
        "ninety" => 90.0,
        "a hundred" => 100.0,
        _ => return None,
    };
    let extra = match unit {
        Some(u) => word_value(&u)?,
        None => 0.0,
    };
    Some(base + extra)
}

/// A number in digits or words.
pub(crate) fn value(s: &str) -> Option<f64> {
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        parse_num(s)
    } else {
        word_value(s)
    }
}

/// The multiplier of a scale word; 1 for none.
pub(crate) fn scale_value(s: Option<&str>) -> f64 {
    match s.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => 1.0,
        Some("trillion" | "tn") => 1e12,
        Some(
            "billion" | "bn" | "bln" | "b" | "miljard" | "milliarden" | "milliarde" | "milliard"
            | "milliards",
        ) => 1e9,
        Some("million" | "mn" | "mln" | "m" | "miljoen" | "millionen" | "millions") => 1e6,
        Some("thousand" | "k") => 1e3,
        Some("lakh crore") => 1e12,
        Some("crore") => 1e7,
        Some("lakh") => 1e5,
        Some(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cases() {
        let cases: &[(&str, Option<f64>)] = &[
            ("420", Some(420.0)),
            ("1.5", Some(1.5)),
            ("1,200", Some(1200.0)),
            ("2,000,000", Some(2_000_000.0)),
            ("1,2", Some(1.2)),
            ("1.200.000", Some(1_200_000.0)),
            ("1.234,5", Some(1234.5)),
            ("1,234.5", Some(1234.5)),
            ("0,5", Some(0.5)),
            ("abc", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_num(s), *want, "{s}");
        }
    }

    #[test]
    fn word_cases() {
        let cases: &[(&str, Option<f64>)] = &[
            ("six", Some(6.0)),
            ("Six", Some(6.0)),
            ("forty-five", Some(45.0)),
            ("a dozen", Some(12.0)),
            ("zillion", None),
        ];
        for (s, want) in cases {
            assert_eq!(word_value(s), *want, "{s}");
        }
        assert_eq!(scale_value(Some("bn")), 1e9);
        assert_eq!(scale_value(Some("M")), 1e6);
        assert_eq!(scale_value(None), 1.0);
    }
}
