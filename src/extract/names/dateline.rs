//! Datelines: the place in capitals that opens a news story's first paragraph —
//! "WASHINGTON (AP) —", "TIFTON, Ga. (WALB) -", "SAN FRANCISCO, Calif. —", "LONDON —",
//! "NEW DELHI:". The capitals are a place whatever the knowledge base knows of it.

/// Words in capitals that open a paragraph with a colon but are no place.
const NOT_PLACES: &[&str] = &[
    "BREAKING",
    "UPDATE",
    "UPDATED",
    "WATCH",
    "EXCLUSIVE",
    "LIVE",
    "OPINION",
    "ANALYSIS",
    "EDITORIAL",
    "PHOTOS",
    "VIDEO",
    "CORRECTION",
    "NEW",
    "ALERT",
    "REVIEW",
    "NOTE",
    "WARNING",
    "FACT CHECK",
    "LISTEN",
    "READ",
    "SPONSORED",
    "PODCAST",
    "EDITOR'S NOTE",
    "TL;DR",
    "FILE",
    "PICTURES",
    "IN PICTURES",
    "PICS",
    "GALLERY",
    "POLL",
    "QUIZ",
    "RECAP",
    "REPORT",
    "JUST IN",
    "URGENT",
    "FLASH",
    "OFFICIAL",
    "CONFIRMED",
    "LATEST",
    "MORE",
    "SPOILER",
    "SPOILERS",
    "TRAILER",
    "INTERVIEW",
    "FEATURE",
    "COMMENT",
    "EXPLAINER",
    "FACTBOX",
    "TIMELINE",
    "UPDATES",
    "SCOOP",
    "REVEALED",
    "PREVIEW",
];

/// The byte range of the place a dateline at `at` (a paragraph's start) names.
pub(super) fn at(text: &str, at: usize) -> Option<(usize, usize)> {
    let rest = text.get(at..)?;
    let run = caps_run(rest);
    if run == 0 {
        return None;
    }
    let name = &rest[..run];
    let mut after = &rest[run..];
    // ", Ga.", ", Calif.", ", Texas", ", Malaysia": a state or country after a comma.
    let mut region = false;
    if let Some(r) = after.strip_prefix(", ") {
        let w = r
            .find(|c: char| !(c.is_alphabetic() || c == '.'))
            .unwrap_or(r.len());
        if w > 1 && r.starts_with(|c: char| c.is_uppercase()) {
            after = &r[w..];
            region = true;
        }
    }
    // "(AP)", "(Reuters)", "(WALB)": the outlet.
    let mut source = false;
    if let Some(r) = after.strip_prefix(" (") {
        let close = r.find(')')?;
        if close == 0 || close > 30 || r[..close].contains('\n') {
            return None;
        }
        after = &r[close + 1..];
        source = true;
    }
    // A dash: any after an outlet or a region ("(AP) -"), a long one alone ("LONDON —").
    let dash = after.strip_prefix(' ').unwrap_or_default();
    let long_dash = dash.starts_with(['—', '–']);
    let any_dash = long_dash || dash.starts_with('-');
    let colon = after.starts_with(": ") && !NOT_PLACES.contains(&name);
    let opens = ((source || region) && any_dash) || long_dash || (colon && !region && !source);
    opens.then_some((at, at + run))
}

/// The length of a run of one to three words in capitals at the start of `s` ("SAN
/// FRANCISCO", "ST. LOUIS", "WINSTON-SALEM"), with three letters or more in all;
/// 0 when there is none.
fn caps_run(s: &str) -> usize {
    let mut end = 0;
    let mut words = 0;
    let mut letters = 0;
    let mut pos = 0;
    while words < 3 {
        let w = s[pos..]
            .find(|c: char| !(c.is_uppercase() || matches!(c, '.' | '-' | '\'' | '’')))
            .map_or(s.len() - pos, |n| n);
        let word = &s[pos..pos + w];
        let n = word.chars().filter(|c| c.is_uppercase()).count();
        if n == 0 || !word.starts_with(|c: char| c.is_uppercase()) {
            break;
        }
        letters += n;
        words += 1;
        end = pos + w;
        match s[end..].strip_prefix(' ') {
            Some(r) if r.starts_with(|c: char| c.is_uppercase()) => pos = end + 1,
            _ => break,
        }
    }
    // Initials ("A. B.") have too few letters; a run ends neither in a hyphen nor
    // inside a word ("WASHINGTON Post" is no dateline).
    if letters < 3 || s[..end].ends_with('-') || s[end..].starts_with(char::is_alphanumeric) {
        return 0;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(text: &str) -> Option<&str> {
        at(text, 0).map(|(s, e)| &text[s..e])
    }

    #[test]
    fn datelines_name_their_place() {
        for (text, want) in [
            ("WASHINGTON (AP) — State attorneys general", "WASHINGTON"),
            ("TIFTON, Ga. (WALB) - A Tifton middle school", "TIFTON"),
            ("SAN FRANCISCO, Calif. — The company said", "SAN FRANCISCO"),
            ("LONDON — Britain's data watchdog", "LONDON"),
            ("JOHOR BARU: Police have foiled", "JOHOR BARU"),
            ("ST. LOUIS (Reuters) - Shares fell", "ST. LOUIS"),
            ("NEW DELHI: The government banned", "NEW DELHI"),
        ] {
            assert_eq!(place(text), Some(want), "{text}");
        }
    }

    #[test]
    fn other_capitals_are_no_dateline() {
        for text in [
            "BREAKING: TikTok is banned",
            "NEW: The company said",
            "FTC fines Meta over data",
            "WASHINGTON Post reporters said",
            "The FBI said on Monday",
            "A. B. Smith said",
            "US regulators — in a rare move — fined",
            "NASA said the launch was delayed",
            "",
            "WASHINGTON",
        ] {
            assert_eq!(place(text), None, "{text}");
        }
    }
}
