//! The command-line edges a new user hits: every printing command piped into a reader
//! that stops early (`| head -1`) ends quietly with status 0; `tail --file` naming no
//! file says so and fails; `tail --rule` naming no rule of the config warns, listing
//! the rules it has.

use std::io::Write as _;
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::common::server::FeedServer;
use crate::common::{self, Sandbox, repo, run, stderr, stdout, wait_until};

/// `newswatch args…` with stdin `input` and stdout a pipe whose reader is already
/// gone, as after `| head -1` has read its line: every write fails with EPIPE.
fn into_closed_pipe(sb: &Sandbox, args: &[&str], input: &[u8]) -> Output {
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    drop(reader);
    let err_path = sb.path("stderr.txt");
    let mut child = common::newswatch()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(writer))
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    // The command may end before reading its input; that is not this test's business.
    let _ = child.stdin.take().unwrap().write_all(input);
    let mut status = None;
    let ended = wait_until(Duration::from_secs(30), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    if !ended {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{args:?} did not end after its reader went away");
    }
    Output {
        status: status.unwrap(),
        stdout: Vec::new(),
        stderr: std::fs::read(&err_path).unwrap(),
    }
}

/// A sandbox whose one feed is the demo feed (three alerts), polled once.
fn demo_sandbox() -> Sandbox {
    let sb = Sandbox::new("[[feed]]\nname = \"demo\"\nurl = \"demo.xml\"\nfirst_poll = \"all\"\n");
    std::fs::copy(
        repo().join("config/demo/demo-feed.xml"),
        sb.path("demo.xml"),
    )
    .unwrap();
    let out = sb.once();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.alerts().len(), 3);
    sb
}

#[test]
fn every_printing_command_ends_quietly_when_its_reader_goes_away() {
    let sb = demo_sandbox();
    let cfg = sb.config_arg();
    let demo = sb.path("demo.xml").display().to_string();
    let server = FeedServer::start();
    server.set("/d.xml", std::fs::read(&demo).unwrap(), None);
    let url = server.url("/d.xml");
    let article = repo().join("tests/fixtures/tiktok-wechat-2020.txt");
    let article = article.to_str().unwrap();
    let batch_input = format!("{demo}\n");
    let opml = sb.path("subs.opml");
    std::fs::write(
        &opml,
        "<opml version=\"2.0\"><body><outline type=\"rss\" text=\"x\" xmlUrl=\"https://x.example/feed\"/></body></opml>",
    )
    .unwrap();
    let opml = opml.display().to_string();
    let page = sb.path("page.html");
    std::fs::write(&page, super::full_text::fined_page(6)).unwrap();
    let page = page.display().to_string();
    let page_input = format!("{page}\n");
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["items", &demo], b""),
        (vec!["items", &url], b""),
        (vec!["items", "--batch"], batch_input.as_bytes()),
        (vec!["extract", article], b""),
        (
            vec!["extract", "--batch"],
            b"{\"id\":\"1\",\"text\":\"TikTok\"}\n",
        ),
        (vec!["article", &page], b""),
        (vec!["article", &page, "--json"], b""),
        (vec!["article", "--batch"], page_input.as_bytes()),
        (vec!["check", "--config", &cfg], b""),
        (vec!["tail", "--config", &cfg], b""),
        (vec!["tail", "--json", "--config", &cfg], b""),
        (vec!["tail", "-f", "--config", &cfg], b""),
        (vec!["rules", "test", &demo, "--config", &cfg], b""),
        (vec!["feeds", "--config", &cfg], b""),
        (vec!["feeds", "--json", "--config", &cfg], b""),
        (vec!["channels", "--config", &cfg], b""),
        (vec!["export-opml", "--config", &cfg], b""),
        (vec!["import-opml", &opml, "--config", &cfg], b""),
        (vec!["completions", "bash"], b""),
    ];
    for (args, input) in cases {
        let out = into_closed_pipe(&sb, &args, input);
        let err = stderr(&out);
        assert!(
            !err.contains("Broken pipe")
                && !err.contains("os error 32")
                && !err.contains("panicked"),
            "{args:?}: {err}"
        );
        assert!(out.status.success(), "{args:?}: {:?}\n{err}", out.status);
    }
}

#[test]
fn tail_says_when_the_file_or_the_rule_asked_for_does_not_exist() {
    let sb = Sandbox::new("");
    let cfg = sb.config_arg();
    let missing = sb.path("no-such-alerts.jsonl").display().to_string();

    // An explicit file that is not there: an error naming it.
    let out = run(&["tail", "--file", &missing]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{missing}: no such file")),
        "{}",
        stderr(&out)
    );
    // The config's log not written yet: no alerts so far, which is no error.
    let out = run(&["tail", "--config", &cfg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no alerts yet"), "{}", stderr(&out));

    // A rule the config does not have: a warning listing the ones it has.
    let sb = demo_sandbox();
    let cfg = sb.config_arg();
    let out = run(&["tail", "--config", &cfg, "--rule", "tiktokk", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("has no rule `tiktokk` (its rules: privacy-regulators, tiktok, wechat)"),
        "{err}"
    );
    // A rule it has: no warning.
    let out = run(&["tail", "--config", &cfg, "--rule", "tiktok", "--json"]);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}
