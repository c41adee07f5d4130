//! Channels as users meet them, through the built binary: `check` refuses bad
//! `[[channel]]` tables with file:line; `once` delivers the reference article's alerts to
//! a webhook and a program (each once, also when run again); `channels` lists what is
//! queued and what failed; `channels test NAME` sends a test message and says how it went.

use std::os::unix::fs::PermissionsExt;

use crate::common::receiver::{Answer, Receiver};
use crate::common::{Sandbox, repo, run, stderr, stdout};

/// The demo feed (the reference article): three alerts, one per shipped rule.
fn demo_feed() -> String {
    format!(
        "[[feed]]\nname = \"demo\"\nurl = \"{}\"\nfirst_poll = \"all\"\n",
        repo().join("config/demo/demo-feed.xml").display()
    )
}

#[test]
fn check_reports_each_bad_channel_with_file_and_line() {
    let sb = Sandbox::new("");
    let open = sb.path("open.key");
    std::fs::write(&open, "k").unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    sb.write_config(&format!(
        r#"{}
[[channel]]
name = "a"
kind = "pager"

[[channel]]
name = "b"
kind = "webhook"

[[channel]]
name = "c"
kind = "webhook"
url = "https://hooks.example.org/x"
secret = "hunter2"

[[channel]]
name = "d"
kind = "webhook"
url = "https://hooks.example.org/x"
secret_file = "open.key"
"#,
        demo_feed()
    ));
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let cfg = sb.config_arg();
    for want in [
        format!("{cfg}:15:8: `channel`: unknown variant `pager`"),
        format!("{cfg}:17:1: channel `b` has no URL"),
        format!("{cfg}:25:10: secret inline"),
        format!("{cfg}:31:15: `secret`: secret file"),
    ] {
        assert!(err.contains(&want), "{want:?} not in:\n{err}");
    }
    assert!(err.contains("readable by every user"), "{err}");

    // A rule glob that matches no rule is found once the watchlists are read.
    sb.write_config(&format!(
        "{}\n[[channel]]\nname = \"x\"\nkind = \"exec\"\ncommand = [\"/bin/true\"]\nrules = [\"tiktok\", \"privacy-*\", \"wechta\"]\n",
        demo_feed()
    ));
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{cfg}:17:33: channel `x`: `wechta` matches no rule of the watchlists"
        )),
        "{err}"
    );
}

#[test]
fn once_delivers_each_alert_to_each_channel_once_and_channels_says_so() {
    let sb = Sandbox::new("");
    let hook = Receiver::start();
    let got = sb.path("exec-got.jsonl");
    sb.write_config(&format!(
        r#"{}
[[channel]]
name = "hook"
kind = "webhook"
url = "{}"

[[channel]]
name = "prog"
kind = "exec"
command = ["/bin/sh", "-c", "cat >> {}; echo >> {}"]
rules = ["tiktok", "wechat"]
"#,
        demo_feed(),
        hook.url("/nw"),
        got.display(),
        got.display()
    ));
    let out = run(&["check", "--config", &sb.config_arg()]);
    assert!(
        stdout(&out).ends_with(", 2 channel(s)\n"),
        "{}",
        stdout(&out)
    );
    let out = run(&["once", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let logged: Vec<String> = sb
        .alerts()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(logged.len(), 3);
    let posted: Vec<String> = hook
        .received()
        .iter()
        .map(|r| r.json()["alert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(posted, logged, "every alert, in order, once");
    let ran: Vec<String> = std::fs::read_to_string(&got)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["rule"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ran, ["tiktok", "wechat"], "only its rules");

    // Again: nothing new, nothing sent again.
    let out = run(&["once", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hook.received().len(), 3);

    let out = run(&["channels", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.starts_with("NAME  KIND     QUEUED  LAST SUCCESS  NEXT RETRY\n"),
        "{table}"
    );
    assert!(table.contains("\nhook  webhook  0       "), "{table}");
    let out = run(&["channels", "--json", "--config", &sb.config_arg()]);
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["name"], "prog");
    assert_eq!(rows[1]["queued"], 0);
    assert!(rows[1]["last_success"].is_string());
}

#[test]
fn a_refusing_receiver_shows_in_channels_and_channels_test_says_why() {
    let sb = Sandbox::new("");
    let hook = Receiver::start();
    hook.answer(Answer::Status(503, vec![]));
    sb.write_config(&format!(
        "{}\n[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nretry = \"1h\"\n",
        demo_feed(),
        hook.url("/nw")
    ));
    let out = run(&["once", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "alerts stay queued: {}", stderr(&out));
    assert_eq!(
        hook.received().len(),
        1,
        "one attempt, then it waits an hour"
    );
    let out = run(&["channels", "--config", &sb.config_arg()]);
    let table = stdout(&out);
    assert!(
        table.contains("\nhook  webhook  3       never         in 59m"),
        "{table}"
    );
    assert!(
        table.contains("    last error (0s ago): HTTP 503: no thanks\n"),
        "{table}"
    );

    // `channels test` sends now, whatever the queue waits for; and says what happened.
    let out = run(&["channels", "test", "hook", "--config", &sb.config_arg()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("hook: not delivered, would be retried: HTTP 503"),
        "{}",
        stderr(&out)
    );
    hook.answer(Answer::Status(200, vec![]));
    let out = run(&["channels", "test", "hook", "--config", &sb.config_arg()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("hook: delivered a test message (webhook"),
        "{}",
        stdout(&out)
    );
    let last = hook.received().pop().unwrap();
    assert_eq!(last.json()["rule"], "newswatch-test");
    assert_eq!(
        run(&["channels", "--config", &sb.config_arg()])
            .status
            .code(),
        Some(0)
    );
    let out = run(&["channels", "test", "nope", "--config", &sb.config_arg()]);
    assert!(
        stderr(&out).contains("no channel `nope`"),
        "{}",
        stderr(&out)
    );
}
