//! Logs reach the journal with their structured fields. A real systemd-journald runs in
//! a private mount namespace (its own tmpfs on /run, so the machine's journal, if any,
//! is untouched); the daemon is started the way systemd starts a unit: stderr connected
//! to the journal's stream socket and `JOURNAL_STREAM` naming it. The test reads the
//! entries back with `journalctl -o json` and checks FEED, RULE and ITEM.
//!
//! Needs root (mounts), `unshare`, `/lib/systemd/systemd-journald`, `journalctl` and
//! `systemd-cat` (package systemd, see .ci/run): fails in CI without them, skips
//! elsewhere.

use crate::common;

use std::path::Path;
use std::process::Command;

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss};

const JOURNALD: &str = "/lib/systemd/systemd-journald";

/// The script run inside the private namespace: $1 newswatch, $2 config, $3 output.
const SCRIPT: &str = r#"
set -eu
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal /run/log/journal
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
/lib/systemd/systemd-journald >/dev/null 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null || true' EXIT
i=0
until [ -S /run/systemd/journal/socket ] && [ -S /run/systemd/journal/stdout ]; do
    i=$((i + 1)); [ $i -lt 400 ] || { echo "journald did not start" >&2; exit 1; }
    sleep 0.05
done
# As systemd does for a unit: stderr is a journal stream, JOURNAL_STREAM=dev:ino of it.
systemd-cat -t newswatch-stream sh -c \
    'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" once --config "$1"' "$1" "$2"
journalctl --sync
journalctl -o json --no-pager > "$3"
"#;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Why this machine cannot run the test, if it cannot.
fn missing() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("needs root to mount a private /run".into());
    }
    if !Path::new(JOURNALD).is_file() {
        return Some(format!("{JOURNALD} is missing (apt-get install systemd)"));
    }
    for tool in ["unshare", "journalctl", "systemd-cat", "stat"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("`{tool}` is not in PATH"));
        }
    }
    None
}

#[test]
fn structured_fields_reach_the_journal() {
    if let Some(why) = missing() {
        assert!(!in_ci(), "structured_fields_reach_the_journal: {why}");
        eprintln!("SKIPPED structured_fields_reach_the_journal: {why}");
        return;
    }
    let server = FeedServer::start();
    server.set(
        "/f",
        rss(&[("item-one", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"journal-feed\"\nurl = \"{}\"\n",
        server.url("/f")
    ));
    let out_path = sb.path("journal.json");
    let run = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            SCRIPT,
            "sh",
        ])
        .arg(env!("CARGO_BIN_EXE_newswatch"))
        .arg(sb.config())
        .arg(&out_path)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/newswatch-test-bus",
        )
        .env("NEWSWATCH_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .output()
        .expect("run unshare");
    assert!(
        run.status.success(),
        "{}\n{}",
        common::stdout(&run),
        common::stderr(&run)
    );
    assert_eq!(sb.alerts().len(), 1, "once still did its work");

    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("journalctl -o json lines"))
        .collect();
    let ours: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["SYSLOG_IDENTIFIER"] == "newswatch")
        .collect();
    let alert = ours
        .iter()
        .find(|e| e["MESSAGE"] == "alert")
        .unwrap_or_else(|| panic!("no `alert` entry among {ours:#?}"));
    assert_eq!(alert["FEED"], "journal-feed", "{alert:#?}");
    assert_eq!(alert["RULE"], "tiktok", "{alert:#?}");
    assert_eq!(alert["ITEM"], "item-one", "{alert:#?}");
    assert_eq!(alert["PRIORITY"], "6", "info: {alert:#?}");
    assert_eq!(
        alert["_TRANSPORT"], "journal",
        "native protocol: {alert:#?}"
    );
    let polled = ours
        .iter()
        .find(|e| e["MESSAGE"] == "polled")
        .unwrap_or_else(|| panic!("no `polled` entry among {ours:#?}"));
    assert_eq!(polled["FEED"], "journal-feed", "{polled:#?}");
    let warning = ours
        .iter()
        .find(|e| {
            e["MESSAGE"]
                .as_str()
                .is_some_and(|m| m.starts_with("desktop notifications unavailable"))
        })
        .unwrap_or_else(|| panic!("no desktop warning among {ours:#?}"));
    assert_eq!(warning["PRIORITY"], "4", "warn: {warning:#?}");
    // No log line fell back to plain text on the stream; only `once`'s own summary
    // (a command's output, not a log line) is there.
    let stream: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["SYSLOG_IDENTIFIER"] == "newswatch-stream")
        .filter(|e| {
            !e["MESSAGE"]
                .as_str()
                .is_some_and(|m| m.starts_with("newswatch: 1 feed(s) polled"))
        })
        .collect();
    assert!(stream.is_empty(), "stderr stayed quiet: {stream:#?}");
}

#[test]
fn an_inherited_journal_stream_keeps_logs_on_stderr() {
    // JOURNAL_STREAM inherited from a unit by a process whose stderr was redirected
    // does not name its stderr: logs stay on stderr, as text.
    let sb = Sandbox::new("");
    let out = common::newswatch()
        .args(["once", "--config", &sb.config_arg()])
        .env("JOURNAL_STREAM", "1:2")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let err = common::stderr(&out);
    assert!(
        err.contains("WARN") && err.contains("desktop notifications unavailable"),
        "{err}"
    );
}
