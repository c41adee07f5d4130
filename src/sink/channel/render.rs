//! What people read: one alert or a digest as a headline, plain text, HTML (email)
//! and Slack's mrkdwn. Each alert shows its title (linked when it has an http(s)
//! link), rule and severity, feed, publication time and matched sentence; a digest
//! lists them in the order they were raised.

use std::fmt::Write as _;

use crate::model::Alert;
use crate::sink::desktop::{escape_markup, openable_link};

/// Longest title shown, in characters.
const MAX_TITLE: usize = 200;
/// Longest snippet shown, in characters.
const MAX_SNIPPET: usize = 600;

/// One line saying what the message is: `rule: title` for one alert, `N alerts:
/// rules…` for a digest.
pub fn headline(alerts: &[&Alert], digest: bool) -> String {
    match alerts {
        [a] if !digest => {
            let title = title(a);
            if title.is_empty() {
                a.rule.clone()
            } else {
                format!("{}: {title}", a.rule)
            }
        }
        _ => {
            let mut rules: Vec<&str> = Vec::new();
            for a in alerts {
                if !rules.contains(&a.rule.as_str()) {
                    rules.push(&a.rule);
                }
            }
            let n = alerts.len();
            let what = if n == 1 { "alert" } else { "alerts" };
            format!("{n} {what}: {}", rules.join(", "))
        }
    }
}

/// The alerts as plain text, one block each.
pub fn plain(alerts: &[&Alert]) -> String {
    let mut out = String::new();
    for (i, a) in alerts.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&title_or_rule(a));
        out.push('\n');
        if let Some(link) = openable_link(a.item.link.as_deref()) {
            out.push_str(&link);
            out.push('\n');
        }
        out.push_str(&facts(a));
        let snippet = snippet(a);
        if !snippet.is_empty() {
            let _ = write!(out, "\n> {snippet}");
        }
    }
    out
}

/// The alerts as a small HTML document (the HTML part of an email).
pub fn html(alerts: &[&Alert]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif\">\n",
    );
    for a in alerts {
        let t = escape_markup(&title_or_rule(a));
        match openable_link(a.item.link.as_deref()) {
            // A serialised URL has no `"`, `<` or `>`; `&` is escaped for the attribute.
            Some(link) => {
                let _ = writeln!(out, "<h3><a href=\"{}\">{t}</a></h3>", escape_markup(&link));
            }
            None => {
                let _ = writeln!(out, "<h3>{t}</h3>");
            }
        }
        let _ = writeln!(out, "<p>{}</p>", escape_markup(&facts(a)));
        let snippet = snippet(a);
        if !snippet.is_empty() {
            let _ = writeln!(out, "<blockquote>{}</blockquote>", escape_markup(&snippet));
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// The alerts in Slack's mrkdwn (Mattermost and Rocket.Chat read the same): the title
/// as a `<link|title>`, the facts, the sentence quoted.
pub fn slack(alerts: &[&Alert]) -> String {
    let mut out = String::new();
    for (i, a) in alerts.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let t = escape_markup(&title_or_rule(a));
        match openable_link(a.item.link.as_deref()) {
            Some(link) => {
                let _ = write!(out, "*<{}|{t}>*", escape_markup(&link));
            }
            None => {
                let _ = write!(out, "*{t}*");
            }
        }
        let _ = write!(out, "\n{}", escape_markup(&facts(a)));
        let snippet = snippet(a);
        if !snippet.is_empty() {
            let _ = write!(out, "\n> {}", escape_markup(&snippet));
        }
    }
    out
}

/// The line of facts under a title: rule, severity, feed, publication time, alert id.
fn facts(a: &Alert) -> String {
    let mut s = format!(
        "Rule: {} ({}) · Feed: {}",
        a.rule,
        a.severity.as_str(),
        a.feed.name
    );
    if let Some(p) = a.item.published {
        let _ = write!(s, " · Published: {}", p.format("%Y-%m-%d %H:%M UTC"));
    }
    let _ = write!(s, " · Alert {}", a.alert_id);
    s
}

/// The item's title on one line, cut to [`MAX_TITLE`].
fn title(a: &Alert) -> String {
    cut(
        &a.item
            .title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        MAX_TITLE,
    )
}

/// The title, or the rule when the item has none.
fn title_or_rule(a: &Alert) -> String {
    let t = title(a);
    if t.is_empty() { a.rule.clone() } else { t }
}

/// The matched sentence on one line, cut to [`MAX_SNIPPET`].
fn snippet(a: &Alert) -> String {
    cut(
        &a.snippet.split_whitespace().collect::<Vec<_>>().join(" "),
        MAX_SNIPPET,
    )
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::channel::sample_alert;

    #[test]
    fn one_alert_reads_well_everywhere() {
        let mut a = sample_alert("a1", "tiktok");
        a.item.title = "TikTok <fined>\n  & banned".into();
        a.item.link = Some("https://example.org/a?x=1&y=2".into());
        a.snippet = "Regulators fined TikTok.".into();
        let one = [&a];
        assert_eq!(headline(&one, false), "tiktok: TikTok <fined> & banned");
        assert_eq!(headline(&one, true), "1 alert: tiktok");
        let p = plain(&one);
        assert!(p.starts_with("TikTok <fined> & banned\nhttps://example.org/a?x=1&y=2\nRule: tiktok (high) · Feed: f"), "{p}");
        assert!(p.ends_with("\n> Regulators fined TikTok."), "{p}");
        let h = html(&one);
        assert!(
            h.contains("<h3><a href=\"https://example.org/a?x=1&amp;y=2\">TikTok &lt;fined&gt; &amp; banned</a></h3>"),
            "{h}"
        );
        let s = slack(&one);
        assert!(
            s.starts_with("*<https://example.org/a?x=1&amp;y=2|TikTok &lt;fined&gt; &amp; banned>*\nRule: tiktok (high)"),
            "{s}"
        );
    }

    #[test]
    fn links_that_are_not_web_links_are_not_linked() {
        let mut a = sample_alert("a1", "r");
        a.item.link = Some("javascript:alert(1)".into());
        assert!(!html(&[&a]).contains("href"));
        assert!(!slack(&[&a]).contains('|'));
        assert!(!plain(&[&a]).contains("javascript"));
    }

    #[test]
    fn a_digest_lists_every_alert_and_names_its_rules_once() {
        let (a, b, c) = (
            sample_alert("a", "tiktok"),
            sample_alert("b", "wechat"),
            sample_alert("c", "tiktok"),
        );
        let all = [&a, &b, &c];
        assert_eq!(headline(&all, true), "3 alerts: tiktok, wechat");
        let p = plain(&all);
        assert_eq!(p.matches("Rule: ").count(), 3, "{p}");
        assert_eq!(html(&all).matches("<h3>").count(), 3);
    }
}
