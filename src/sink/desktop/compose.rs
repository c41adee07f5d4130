//! What a notification says: summary, body (escaped when the server reads markup),
//! urgency from the severity, and the "Open" action for http(s) links only; and what
//! the summary of alerts lost from view says.

use notify_rust::{Hint, Notification, Timeout, Urgency};

use super::{APP_ICON, APP_NAME, OPEN_ACTION_KEY, OPEN_ACTION_LABEL};
use crate::model::{Alert, Severity};

/// Longest summary and body sent, in characters (servers show a few lines anyway).
const MAX_SUMMARY_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 1000;

/// Builds the notification for `alert`.
pub(super) fn build_notification(
    alert: &Alert,
    body_markup: bool,
    with_open: bool,
) -> Notification {
    // The summary is one line of plain text (the spec allows no markup there).
    let title = alert
        .item
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let summary = if title.is_empty() {
        alert.rule.clone()
    } else {
        format!("{}: {title}", alert.rule)
    };
    let summary = truncate(&summary, MAX_SUMMARY_CHARS);
    let snippet = truncate(&alert.snippet, MAX_BODY_CHARS);
    let body = if body_markup {
        escape_markup(&snippet)
    } else {
        snippet
    };
    let mut n = ours(&summary, &body, urgency(alert.severity));
    if with_open {
        n.action(OPEN_ACTION_KEY, OPEN_ACTION_LABEL);
    }
    n
}

/// Builds the summary of `count` alerts of `rule` that were not shown.
pub(super) fn build_summary(rule: &str, count: u64, body_markup: bool) -> Notification {
    let (summary, body) = summary_text(rule, count);
    let body = if body_markup {
        escape_markup(&body)
    } else {
        body
    };
    ours(
        &truncate(&summary, MAX_SUMMARY_CHARS),
        &truncate(&body, MAX_BODY_CHARS),
        Urgency::Normal,
    )
}

/// The summary line and body of the notification that stands for `count` alerts of
/// `rule` lost from view: how many, and the command that lists them.
pub fn summary_text(rule: &str, count: u64) -> (String, String) {
    let alerts = if count == 1 { "alert" } else { "alerts" };
    (
        format!("{count} more {alerts} for {rule}"),
        format!(
            "Not shown while notifications were paused or cooling down. See them with: newswatch tail --rule {rule}"
        ),
    )
}

/// A notification from newswatch: its name, icon and desktop entry (which lets
/// servers find an installed newswatch.desktop's name, icon and settings).
fn ours(summary: &str, body: &str, urgency: Urgency) -> Notification {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .icon(APP_ICON)
        .summary(summary)
        .body(body)
        .urgency(urgency)
        .timeout(Timeout::Default)
        .hint(Hint::DesktopEntry(APP_NAME.to_owned()));
    n
}

/// The notification urgency for a severity: only critical alerts stay on screen.
pub fn urgency(severity: Severity) -> Urgency {
    match severity {
        Severity::Critical => Urgency::Critical,
        Severity::High | Severity::Medium => Urgency::Normal,
        Severity::Low | Severity::Info => Urgency::Low,
    }
}

/// The link as it will be opened, when it is an absolute http(s) URL; `None` for
/// anything else (`file:`, `javascript:`, relative, or text starting with `-` that
/// an opener could take for an option).
pub fn openable_link(link: Option<&str>) -> Option<String> {
    let url = url::Url::parse(link?.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Escapes text for the notification body markup (a small subset of HTML): `&`, `<`
/// and `>` become entities, so feed text shows as written.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => {
            format!("{}…", &text[..cut])
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        for (input, want) in [
            ("plain", "plain"),
            ("A & B", "A &amp; B"),
            ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("already &amp;", "already &amp;amp;"),
            ("quotes \" ' stay", "quotes \" ' stay"),
        ] {
            assert_eq!(escape_markup(input), want, "{input}");
        }
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééééé", 4), "ééé…");
        assert_eq!(truncate("", 3), "");
    }

    #[test]
    fn only_http_links_open() {
        for (input, want) in [
            (
                Some("https://example.org/a?b=1"),
                Some("https://example.org/a?b=1"),
            ),
            (Some("  http://example.org  "), Some("http://example.org/")),
            (Some("file:///etc/passwd"), None),
            (Some("javascript:alert(1)"), None),
            (Some("--help"), None),
            (Some("/relative"), None),
            (None, None),
        ] {
            assert_eq!(openable_link(input).as_deref(), want, "{input:?}");
        }
    }

    fn alert(title: &str, snippet: &str) -> Alert {
        Alert {
            schema: crate::model::ALERT_SCHEMA,
            alert_id: "a".into(),
            ts: chrono::DateTime::UNIX_EPOCH,
            rule: "tiktok".into(),
            severity: Severity::High,
            feed: crate::model::AlertFeed {
                name: "f".into(),
                url: "u".into(),
            },
            item: crate::model::AlertItem {
                id: "i".into(),
                title: title.into(),
                link: None,
                published: None,
            },
            matched: Vec::new(),
            snippet: snippet.into(),
            extraction: Default::default(),
            group_id: None,
            text_source: None,
        }
    }

    #[test]
    fn builds_the_notification() {
        let n = build_notification(&alert("Ban\n  looms", "A & <b>"), true, true);
        assert_eq!(n.appname, APP_NAME);
        assert_eq!(n.summary, "tiktok: Ban looms");
        assert_eq!(n.body, "A &amp; &lt;b&gt;");
        assert_eq!(n.actions, ["default", "Open"], "one action, not two");
        assert_eq!(n.icon, APP_ICON);
        assert!(n.hints.contains(&Hint::Urgency(Urgency::Normal)));
        assert!(n.hints.contains(&Hint::DesktopEntry("newswatch".into())));

        let n = build_notification(&alert("", "A & <b>"), false, false);
        assert_eq!(n.summary, "tiktok");
        assert_eq!(n.body, "A & <b>");
        assert!(n.actions.is_empty());

        let long = "x".repeat(5000);
        let n = build_notification(&alert(&long, &long), false, false);
        assert_eq!(n.summary.chars().count(), MAX_SUMMARY_CHARS);
        assert_eq!(n.body.chars().count(), MAX_BODY_CHARS);
    }

    #[test]
    fn builds_the_summary() {
        let n = build_summary("tiktok", 4, true);
        assert_eq!(n.summary, "4 more alerts for tiktok");
        assert!(
            n.body.ends_with("newswatch tail --rule tiktok"),
            "{}",
            n.body
        );
        assert!(n.actions.is_empty(), "nothing to open");
        assert_eq!(n.icon, APP_ICON);
        assert_eq!(build_summary("r", 1, false).summary, "1 more alert for r");
    }

    #[test]
    fn severity_maps_to_urgency() {
        assert_eq!(urgency(Severity::Critical), Urgency::Critical);
        assert_eq!(urgency(Severity::High), Urgency::Normal);
        assert_eq!(urgency(Severity::Medium), Urgency::Normal);
        assert_eq!(urgency(Severity::Low), Urgency::Low);
        assert_eq!(urgency(Severity::Info), Urgency::Low);
    }
}
