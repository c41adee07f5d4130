//! Money ("420 million euros", "€420m", "$1.5bn", "US$2 billion", "1,2 miljard euro"
//! → amount + ISO 4217 code), percentages ("10 percent", "10 per cent", "10%") and
//! durations ("45 days", "45 days’ time", "six weeks", "a 45-day deadline" → days).
//! Each is one regular expression compiled once; boundaries are ASCII-only so the
//! fast DFA engines stay in use on any text.

use super::alternation::{Alternation, Groups, Hit};

use super::numbers::{NUM, SCALE, WORD_NUM, scale_value, value};
use crate::model::{DurationMention, Money, Percent};

/// Currency written before the amount, mapped to its ISO code.
const PREFIXES: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("U.S.$", "USD"),
    ("U.S. $", "USD"),
    ("C$", "CAD"),
    ("CA$", "CAD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("HK$", "HKD"),
    ("NZ$", "NZD"),
    ("S$", "SGD"),
    ("SG$", "SGD"),
    ("R$", "BRL"),
    ("NT$", "TWD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("CN¥", "CNY"),
    ("₦", "NGN"),
    ("₪", "ILS"),
    ("₫", "VND"),
    ("₱", "PHP"),
];

/// ISO codes accepted before or after an amount.
/// ("PHP" and "COP" are left out: the language and the climate conference.)
const CODES: &str = "EUR|USD|GBP|JPY|CNY|RMB|HKD|AUD|CAD|CHF|INR|KRW|SEK|NOK|DKK|PLN|BRL|ZAR|SGD|NZD|TRY|RUB|MXN|TWD|AED|SAR|THB|IDR|MYR|VND|ARS|CLP|ILS|HUF|CZK|RON|UAH|EGP|NGN|KES|GHS|PKR|BDT|QAR|KZT|ISK";

/// The placeholder code of "crowns" and "kroner" before the document's countries
/// settle it (see [`settle_currencies`]).
const CROWNS: &str = "crowns";

/// Currency words after the amount, mapped to ISO codes; longest first.
const WORDS: &[(&str, &str)] = &[
    ("US dollars", "USD"),
    ("U.S. dollars", "USD"),
    ("American dollars", "USD"),
    ("Hong Kong dollars", "HKD"),
    ("HK dollars", "HKD"),
    ("Canadian dollars", "CAD"),
    ("Australian dollars", "AUD"),
    ("Singapore dollars", "SGD"),
    ("New Zealand dollars", "NZD"),
    ("Taiwan dollars", "TWD"),
    ("Swiss francs", "CHF"),
    ("Danish kroner", "DKK"),
    ("Norwegian kroner", "NOK"),
    ("Swedish kronor", "SEK"),
    ("Norwegian crowns", "NOK"),
    ("Danish crowns", "DKK"),
    ("Swedish crowns", "SEK"),
    ("Czech crowns", "CZK"),
    ("Icelandic crowns", "ISK"),
    ("Norwegian kroner", "NOK"),
    ("Danish krone", "DKK"),
    ("Mexican pesos", "MXN"),
    ("Argentine pesos", "ARS"),
    ("Chilean pesos", "CLP"),
    ("Colombian pesos", "COP"),
    ("Philippine pesos", "PHP"),
    ("Egyptian pounds", "EGP"),
    ("Turkish lira", "TRY"),
    ("South African rand", "ZAR"),
    ("Kenyan shillings", "KES"),
    ("Indian rupees", "INR"),
    ("Pakistani rupees", "PKR"),
    ("Sri Lankan rupees", "LKR"),
    ("Saudi riyals", "SAR"),
    ("Qatari riyals", "QAR"),
    ("UAE dirhams", "AED"),
    ("Czech korunas", "CZK"),
    ("new shekels", "ILS"),
    ("pounds sterling", "GBP"),
    ("dollars", "USD"),
    ("dollar", "USD"),
    ("euros", "EUR"),
    ("euro", "EUR"),
    ("pounds", "GBP"),
    ("pound", "GBP"),
    ("sterling", "GBP"),
    ("yuan", "CNY"),
    ("renminbi", "CNY"),
    ("yen", "JPY"),
    ("francs", "CHF"),
    ("franc", "CHF"),
    ("rupees", "INR"),
    ("rupee", "INR"),
    ("won", "KRW"),
    ("roubles", "RUB"),
    ("rubles", "RUB"),
    ("rouble", "RUB"),
    ("ruble", "RUB"),
    ("kronor", "SEK"),
    ("krona", "SEK"),
    ("kroner", CROWNS),
    ("krone", CROWNS),
    ("crowns", CROWNS),
    ("baht", "THB"),
    ("rupiah", "IDR"),
    ("ringgit", "MYR"),
    ("dong", "VND"),
    ("shekels", "ILS"),
    ("shekel", "ILS"),
    ("forints", "HUF"),
    ("forint", "HUF"),
    ("korunas", "CZK"),
    ("koruna", "CZK"),
    ("lei", "RON"),
    ("hryvnias", "UAH"),
    ("hryvnia", "UAH"),
    ("cedis", "GHS"),
    ("taka", "BDT"),
    ("tenge", "KZT"),
    ("rials", "IRR"),
    ("zloty", "PLN"),
    ("złoty", "PLN"),
    ("reais", "BRL"),
    ("rand", "ZAR"),
    ("lira", "TRY"),
    ("pesos", "MXN"),
    ("dirhams", "AED"),
    ("riyals", "SAR"),
    ("naira", "NGN"),
    ("shillings", "KES"),
];

/// Money, percentages and durations: one pattern, so one pass over the text.
#[derive(Debug)]
pub(crate) struct Quantities {
    alts: Alternation,
}

/// What [`Quantities::find`] returns.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) money: Vec<Money>,
    pub(crate) percent: Vec<Percent>,
    pub(crate) durations: Vec<DurationMention>,
}

fn alternation<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(regex::escape).collect::<Vec<_>>().join("|")
}

impl Quantities {
    /// Compiles the pattern. It is constant, so failing here is a programming error
    /// that the unit tests catch; the fallback matches nothing.
    pub(crate) fn new() -> Self {
        let mut prefixes: Vec<&str> = PREFIXES.iter().map(|p| p.0).collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let prefix = alternation(prefixes.into_iter());
        let words = alternation(WORDS.iter().map(|w| w.0));
        let money = format!(
            r"(?:(?P<pc>{prefix})|(?-u:\b)(?P<pcode>{CODES}|Rs\.?)\s?)(?P<pn>{NUM})(?:\s?(?P<ps>{SCALE}))?(?-u:\b)|(?-u:\b)(?P<sn>{NUM}|{WORD_NUM})(?:[\s-]?(?P<ss>{SCALE}))?\s(?P<sc>{words}|{CODES})(?-u:\b)"
        );
        let percent = format!(
            r"(?-u:\b)(?P<cn>{NUM}|{WORD_NUM})(?:\s?%|\s?(?:percent|per cent|pct|percentage points?|procent)(?-u:\b))"
        );
        let duration = format!(
            r"(?-u:\b)(?P<dn>{NUM}|{WORD_NUM})(?:\s|-)(?:(?:calendar|working|business)\s)?(?P<du>days?|weeks?|months?|years?|hours?|decades?)(?-u:\b)"
        );
        Quantities {
            alts: Alternation::new(&[money, percent, duration]),
        }
    }

    /// Every amount of money, percentage and length of time in `text` (not ages,
    /// "45 years old", nor "two weeks ago", which is a date).
    pub(crate) fn find(&self, text: &str) -> Found {
        let mut out = Found::default();
        for hit in self.alts.find_iter(text) {
            match hit.alt {
                0 => out.money.extend(money(&hit)),
                1 => out.percent.extend(percent(&hit)),
                _ => out.durations.extend(duration(text, &hit)),
            }
        }
        out
    }
}

fn money(hit: &Hit<'_>) -> Option<Money> {
    let c = &hit.caps;
    let m = c.get(0)?;
    let (num, scale, code) = if let Some(n) = c.name("pn") {
        let cur = c.name("pc").or(c.name("pcode"))?.as_str();
        (n.as_str(), c.name("ps"), currency(cur)?)
    } else {
        let cur = c.name("sc")?.as_str();
        (c.name("sn")?.as_str(), c.name("ss"), currency(cur)?)
    };
    let amount = value(num)? * scale_value(scale.map(|s| s.as_str()));
    let text = m.as_str().trim_end();
    Some(Money {
        text: text.to_string(),
        amount: round(amount),
        currency: code.to_string(),
        start: hit.base,
        end: hit.base + text.len(),
    })
}

fn percent(hit: &Hit<'_>) -> Option<Percent> {
    let m = hit.caps.get(0)?;
    Some(Percent {
        text: m.as_str().to_string(),
        value: value(hit.caps.name("cn")?.as_str())?,
        start: hit.base,
        end: hit.base + m.len(),
    })
}

fn duration(text: &str, hit: &Hit<'_>) -> Option<DurationMention> {
    let c: &Groups<'_> = &hit.caps;
    let m = c.get(0)?;
    let (start, end) = (hit.base, hit.base + m.len());
    let after = text.get(end..)?.trim_start();
    let lower: String = after
        .chars()
        .take(4)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("ago") || lower.starts_with("old") || lower.starts_with("-old") {
        return None;
    }
    let n = value(c.name("dn")?.as_str())?;
    let unit = c.name("du")?.as_str().trim_end_matches('s');
    let per = match unit {
        "hour" => 1.0 / 24.0,
        "day" => 1.0,
        "week" => 7.0,
        "month" => 30.0,
        "year" => 365.0,
        "decade" => 3650.0,
        _ => return None,
    };
    Some(DurationMention {
        text: m.as_str().to_string(),
        days: n * per,
        start,
        end,
    })
}

/// Settles "crowns" and "kroner" by the countries the document names: Danish
/// kroner with Denmark, Swedish crowns with Sweden, and so on (Norwegian kroner when
/// nothing says otherwise; bare "crowns" with no such country are dropped, as they
/// are as often royal or dental).
pub(crate) fn settle_currencies(money: &mut Vec<Money>, has_country: impl Fn(&str) -> bool) {
    if !money.iter().any(|m| m.currency == CROWNS) {
        return;
    }
    let by_country = [
        ("DK", "DKK"),
        ("NO", "NOK"),
        ("SE", "SEK"),
        ("CZ", "CZK"),
        ("IS", "ISK"),
    ];
    let named: Vec<&str> = by_country
        .iter()
        .filter(|(c, _)| has_country(c))
        .map(|&(_, code)| code)
        .collect();
    money.retain_mut(|m| {
        if m.currency != CROWNS {
            return true;
        }
        let kroner = m.text.ends_with("kroner") || m.text.ends_with("krone");
        let code = match named.as_slice() {
            [one] => Some(*one),
            _ if kroner => Some("NOK"),
            _ => None,
        };
        match code {
            Some(c) => {
                m.currency = c.to_string();
                true
            }
            None => false,
        }
    });
}

/// Rounds away float noise from scaling ("1.1" × 1e9).
fn round(v: f64) -> f64 {
    if v.abs() >= 1.0 {
        (v * 100.0).round() / 100.0
    } else {
        v
    }
}

/// The ISO code for a currency prefix, word or code.
fn currency(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if let Some(p) = PREFIXES.iter().find(|p| p.0 == s) {
        return Some(p.1);
    }
    if let Some(w) = WORDS.iter().find(|w| w.0 == s) {
        return Some(w.1);
    }
    match s {
        "RMB" => Some("CNY"),
        "Rs" | "Rs." => Some("INR"),
        _ => CODES.split('|').find(|c| *c == s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_cases() {
        let q = Quantities::new();
        assert!(q.alts.compiled());
        let cases: &[(&str, &str, f64, &str)] = &[
            (
                "invest 420 million euros in",
                "420 million euros",
                420e6,
                "EUR",
            ),
            ("a fine of €420m.", "€420m", 420e6, "EUR"),
            ("worth $1.5bn", "$1.5bn", 1.5e9, "USD"),
            ("paid US$2 billion", "US$2 billion", 2e9, "USD"),
            ("a 1,2 miljard euro boete", "1,2 miljard euro", 1.2e9, "EUR"),
            ("£20m fine", "£20m", 20e6, "GBP"),
            ("cost 5,000 dollars", "5,000 dollars", 5000.0, "USD"),
            ("EUR 50 million", "EUR 50 million", 50e6, "EUR"),
            ("50 million yuan", "50 million yuan", 50e6, "CNY"),
            ("HK$3.2 billion", "HK$3.2 billion", 3.2e9, "HKD"),
            (
                "two billion US dollars",
                "two billion US dollars",
                2e9,
                "USD",
            ),
            (
                "1.2 billion Swiss francs",
                "1.2 billion Swiss francs",
                1.2e9,
                "CHF",
            ),
        ];
        for (text, want, amount, cur) in cases {
            let m = q.find(text).money;
            assert_eq!(m.len(), 1, "{text}: {m:?}");
            assert_eq!(m[0].text, *want, "{text}");
            assert_eq!(&text[m[0].start..m[0].end], *want);
            assert!(
                (m[0].amount - amount).abs() < 1e-3,
                "{text}: {}",
                m[0].amount
            );
            assert_eq!(m[0].currency, *cur, "{text}");
        }
        for text in [
            "5 million users",
            "in 2022",
            "10 percent",
            "$ sign",
            "the real deal 10 real",
        ] {
            assert!(q.find(text).money.is_empty(), "{text}");
        }
    }

    #[test]
    fn percent_cases() {
        let q = Quantities::new();
        let cases: &[(&str, &str, f64)] = &[
            ("went down 10 percent after", "10 percent", 10.0),
            ("10 per cent", "10 per cent", 10.0),
            ("rose 10%", "10%", 10.0),
            ("a 2.5 % rise", "2.5 %", 2.5),
            ("ten percent", "ten percent", 10.0),
            ("up 3 percentage points", "3 percentage points", 3.0),
        ];
        for (text, want, v) in cases {
            let p = q.find(text).percent;
            assert_eq!(p.len(), 1, "{text}");
            assert_eq!(p[0].text, *want);
            assert_eq!(&text[p[0].start..p[0].end], *want);
            assert_eq!(p[0].value, *v);
        }
        assert!(q.find("10 people").percent.is_empty());
        // Numbers are read in ASCII digits; others' (Arabic-Indic, full-width) give no
        // value and do not hide one next to them.
        assert!(q.find("٣٠ percent").percent.is_empty());
        assert!(q.find("３０%").percent.is_empty());
        assert_eq!(q.find("٣ 30 percent").percent[0].text, "30 percent");
        assert!(q.find("?DOI=10.1111%2Fjvs.12015").percent.is_empty());
        assert!(q.find("a/10%").percent.is_empty());
    }

    #[test]
    fn duration_cases() {
        let q = Quantities::new();
        let cases: &[(&str, &str, f64)] = &[
            ("take effect in 45 days’ time", "45 days", 45.0),
            ("within six weeks", "six weeks", 42.0),
            ("a 45-day deadline", "45-day", 45.0),
            ("for 2 years", "2 years", 730.0),
            ("48 hours", "48 hours", 2.0),
            ("three months", "three months", 90.0),
            ("30 business days", "30 business days", 30.0),
        ];
        for (text, want, days) in cases {
            let d = q.find(text).durations;
            assert_eq!(d.len(), 1, "{text}");
            assert_eq!(d[0].text, *want);
            assert_eq!(&text[d[0].start..d[0].end], *want);
            assert!((d[0].days - days).abs() < 1e-9, "{text}");
        }
        for text in [
            "two weeks ago",
            "a 45-year-old man",
            "45 years old",
            "the day",
        ] {
            assert!(q.find(text).durations.is_empty(), "{text}");
        }
    }
}
