//! One story, one alert — with the real binary and the real SQLite state file, across
//! two runs: a story that reaches us again through another feed (the same link with
//! tracking parameters, or a rewritten title over the same lead) is logged with
//! `group_id` pointing at the first alert and queues no notification; a rule's
//! cooldown lets one notification through per period and still logs every alert.

use crate::common;

use std::collections::HashMap;
use std::fs;

use crate::common::{Sandbox, stderr};

/// An RSS document with items (guid, title, link, HTML body), published a minute ago.
fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    let date = common::minutes_ago(1);
    let mut s =
        String::from("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>t</title>\n");
    for (guid, title, link, body) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link><description><![CDATA[{body}]]></description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

const PAY_LEAD: &str = "<p>WeChat Pay now allows foreign visitors to China to link Visa and Mastercard cards to the app, Tencent said on Monday, as Beijing tries to make it easier for tourists to pay in a largely cashless country.</p><p>Visitors previously had to rely on cash.</p>";
const LGBT_LEAD: &str = "<p>WeChat has deleted dozens of accounts run by LGBT student groups at Chinese universities, in a sign of tightening control over online speech in the country.</p><p>The pages now show a notice.</p>";

fn feed(name: &str) -> String {
    format!("[[feed]]\nname = \"{name}\"\nurl = \"{name}.xml\"\nfirst_poll = \"all\"\n")
}

/// alert_id → whether the outbox queued a desktop notification for it.
fn notify_flags(sb: &Sandbox) -> HashMap<String, bool> {
    let db = rusqlite::Connection::open(sb.path("state/newswatch.sqlite3")).unwrap();
    let mut stmt = db.prepare("SELECT alert_id, notify FROM outbox").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn one_story_one_notification_and_cooldown() {
    let sb = Sandbox::new(&feed("wire"));
    fs::write(
        sb.path("watchlists/cool.toml"),
        "[[rule]]\nid = \"cool\"\nquery = '@wechat'\ncooldown = \"1h\"\ngroup_window = \"off\"\n",
    )
    .unwrap();
    fs::write(
        sb.path("wire.xml"),
        rss(&[
            (
                "w1",
                "WeChat Pay opens to foreign bank cards",
                "https://news.example.com/wechat-pay?utm_source=rss",
                PAY_LEAD,
            ),
            (
                "w2",
                "WeChat deletes accounts of LGBT student groups",
                "https://news.example.com/lgbt",
                LGBT_LEAD,
            ),
        ]),
    )
    .unwrap();
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));

    // A second run, after a restart, with a second feed carrying the same two stories.
    sb.write_config(&format!("{}{}", feed("wire"), feed("portal")));
    fs::write(
        sb.path("portal.xml"),
        rss(&[
            // Same page: the link differs only in scheme, www., slash and tracking.
            (
                "p1",
                "WeChat Pay to accept foreign cards",
                "http://www.news.example.com/wechat-pay/?ocid=portal#top",
                "<p>Short rewrite.</p>",
            ),
            // Another page, the same story: a rewritten title over the same lead.
            (
                "p2",
                "UPDATE 1-WeChat deletes accounts of LGBT student groups",
                "https://portal.example.org/2024/lgbt-wechat",
                LGBT_LEAD,
            ),
        ]),
    )
    .unwrap();
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));

    let alerts = sb.alerts();
    let flags = notify_flags(&sb);
    let by = |rule: &str, item: &str| {
        alerts
            .iter()
            .find(|a| a["rule"] == rule && a["item"]["id"] == item)
            .unwrap_or_else(|| panic!("no {rule} alert for {item}: {alerts:#?}"))
            .clone()
    };
    // Nothing lost: every alert is in the log.
    assert_eq!(alerts.iter().filter(|a| a["rule"] == "wechat").count(), 4);
    assert_eq!(alerts.iter().filter(|a| a["rule"] == "cool").count(), 4);

    let (w1, w2, p1, p2) = (
        by("wechat", "w1"),
        by("wechat", "w2"),
        by("wechat", "p1"),
        by("wechat", "p2"),
    );
    assert!(
        w1.get("group_id").is_none() && w2.get("group_id").is_none(),
        "first of their stories"
    );
    assert_eq!(
        p1["group_id"], w1["alert_id"],
        "same link after normalisation"
    );
    assert_eq!(
        p2["group_id"], w2["alert_id"],
        "near-identical title and lead"
    );
    let notified = |a: &serde_json::Value| flags[a["alert_id"].as_str().unwrap()];
    assert!(notified(&w1) && notified(&w2), "each story notifies once");
    assert!(
        !notified(&p1) && !notified(&p2),
        "repeats are not shown twice"
    );

    // Cooldown (grouping off): the first alert notifies, the next three within the hour do not.
    let cool: Vec<&serde_json::Value> = alerts.iter().filter(|a| a["rule"] == "cool").collect();
    assert!(cool.iter().all(|a| a.get("group_id").is_none()));
    let shown = cool.iter().filter(|a| notified(a)).count();
    assert_eq!(shown, 1, "{cool:#?}");
}
