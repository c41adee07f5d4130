//! Clocks that lie: publication dates far in the future or the past, absent or
//! unreadable, and the machine's own wall clock moving back (a wrong clock at boot
//! corrected later: faked with libfaketime on the real binary, never by touching the
//! system clock). None of it may hide a new item, alert one twice, or stall polling.

use crate::common;
use crate::common::crash;
use crate::common::mounts;

use std::collections::HashSet;
use std::fs::File;
use std::process::Stdio;
use std::time::Duration;

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss_owned, wait_until};

/// (guid, pubDate as written) of items whose dates lie; each mentions TikTok.
const ODD_DATES: &[(&str, &str)] = &[
    ("future-2100", "Fri, 01 Jan 2100 00:00:00 GMT"),
    ("future-9999", "Fri, 31 Dec 9999 23:59:59 GMT"),
    ("epoch", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ("year-1900", "Mon, 01 Jan 1900 00:00:00 GMT"),
    ("year-1", "Mon, 01 Jan 0001 00:00:00 GMT"),
    ("no-date", ""),
    ("garbage-date", "the day after tomorrow"),
    ("impossible-date", "Mon, 31 Feb 2020 25:61:61 +9999"),
    ("iso-future", "3000-01-01T00:00:00Z"),
];

fn odd_items() -> Vec<(String, String, String, String)> {
    ODD_DATES
        .iter()
        .map(|(g, d)| {
            (
                g.to_string(),
                format!("TikTok item dated {g}"),
                "TikTok, owned by ByteDance, said so.".to_string(),
                d.to_string(),
            )
        })
        .collect()
}

fn alert_items(sb: &Sandbox) -> Vec<String> {
    sb.alerts()
        .iter()
        .filter(|a| a["rule"] == "tiktok")
        .map(|a| a["item"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn odd_publication_dates_never_hide_a_new_item_nor_repeat_one() {
    let server = FeedServer::start();
    let first = vec![(
        "plain".to_string(),
        "TikTok item".to_string(),
        "TikTok said so.".to_string(),
        minutes_ago(3),
    )];
    server.set("/known", rss_owned(&first), Some("\"1\""));
    server.set("/fresh", rss_owned(&odd_items()), Some("\"1\""));
    // The default first-poll policy: only items of the last 24 h alert on a feed's
    // first poll, so "fresh" (only odd dates) alerts nothing then, by design.
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"known\"\nurl = \"{}\"\n[[feed]]\nname = \"fresh\"\nurl = \"{}\"\n",
        server.url("/known"),
        server.url("/fresh")
    ));
    let out = sb.once();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(alert_items(&sb), ["plain"]);

    // Later, both feeds gain items with every odd date: after a first poll, every new
    // item alerts, whatever its date says.
    let mut known = odd_items();
    known.extend(first);
    server.set("/known", rss_owned(&known), Some("\"2\""));
    let mut fresh: Vec<_> = odd_items()
        .into_iter()
        .map(|(g, t, b, d)| (format!("{g}-2"), t, b, d))
        .collect();
    fresh.extend(odd_items());
    server.set("/fresh", rss_owned(&fresh), Some("\"2\""));
    let out = sb.once();
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let got = alert_items(&sb);
    assert_eq!(got.len(), 1 + 2 * ODD_DATES.len(), "{got:?}");
    assert_eq!(
        got.iter().collect::<HashSet<_>>().len(),
        got.len(),
        "none twice"
    );
    for a in sb.alerts() {
        let p = &a["item"]["published"];
        assert!(
            p.is_null()
                || p.as_str()
                    .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            "published is RFC 3339 or null: {p}"
        );
    }

    // A third poll: nothing new, whatever the dates.
    let before = sb.alerts().len();
    let out = sb.once();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(sb.alerts().len(), before);

    // Reading them back works too.
    for args in [
        vec!["tail", "--file"],
        vec!["tail", "--since", "1h", "--file"],
    ] {
        let mut args = args;
        let log = sb.path("alerts.jsonl").display().to_string();
        args.push(&log);
        let out = common::run(&args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        assert!(
            common::stdout(&out).contains("TikTok item dated future-9999"),
            "{args:?}"
        );
    }
    let out = common::run(&["items", &server.url("/known")]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(common::stdout(&out).lines().count(), ODD_DATES.len() + 1);
}

#[test]
fn wall_clock_moving_back_does_not_stall_polling() {
    if which("faketime").is_none() {
        return mounts::skip_or_fail(
            "wall_clock_moving_back",
            "needs faketime (Debian package faketime)",
        );
    }
    let server = FeedServer::start();
    let mut items = vec![(
        "before".to_string(),
        "TikTok item".to_string(),
        "TikTok said so.".to_string(),
        minutes_ago(3),
    )];
    server.set("/f", rss_owned(&items), Some("\"1\""));
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"news\"\nurl = \"{}\"\ninterval = \"10s\"\nfirst_poll = \"all\"\n",
        server.url("/f")
    ));
    // A run while the machine's clock was ten years ahead.
    let out = std::process::Command::new("faketime")
        .args(["-f", "+3650d"])
        .arg(env!("CARGO_BIN_EXE_newswatch"))
        .args(["once", "--config", &sb.config_arg()])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .expect("faketime");
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(alert_items(&sb), ["before"]);

    // The clock is right again; a new story appears. The daemon must poll within about
    // an interval, not ten years from now.
    items.insert(
        0,
        (
            "after".to_string(),
            "TikTok item two".to_string(),
            "TikTok said more.".to_string(),
            minutes_ago(1),
        ),
    );
    server.set("/f", rss_owned(&items), Some("\"2\""));
    let stderr = sb.path("daemon.log");
    let mut child = common::newswatch()
        .args(["run", "--config", &sb.config_arg()])
        .stdout(Stdio::null())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .expect("start daemon");
    let polled = wait_until(Duration::from_secs(40), || alert_items(&sb).len() == 2);
    crash::signal(child.id(), libc::SIGTERM);
    let _ = child.wait();
    assert!(
        polled,
        "the feed was not polled after the clock moved back:\n{}",
        std::fs::read_to_string(&stderr).unwrap_or_default()
    );
    assert_eq!(alert_items(&sb), ["before", "after"]);
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}
