//! Crash safety of channel delivery, end to end: the real daemon delivers queued
//! alerts to a webhook, a Slack-compatible hook, an ntfy topic, a program, an SMTP
//! server (STARTTLS) and a digest webhook — every receiver slow to answer — and is
//! killed with SIGKILL again and again, at random moments and at moments when a
//! channel's receiver has a request in hand that the daemon has not heard back on.
//! More alerts are raised between runs. At the end:
//!
//! - every alert has arrived on every channel (each digest member in exactly one
//!   digest);
//! - an alert (or digest) arrived more than once only as a retry: the same id, the same
//!   body, a higher attempt number each time, and at most one repeat per kill;
//! - the state file agrees: every delivery is recorded as sent, after as many attempts
//!   as the receiver saw at least.
//!
//! `NEWSWATCH_CHANNEL_CRASH_KILLS` (default 18) makes a longer run.

use crate::common;
use crate::common::crash;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::receiver::{Answer, Receiver};
use crate::common::smtp::{SmtpOptions, SmtpServer};
use crate::common::{Rng, Sandbox, wait_until};
use newswatch::store::Store;

/// How long each receiver holds its answer back: the window in which a kill leaves
/// the daemon not knowing whether the alert arrived.
const SLOW: Duration = Duration::from_millis(150);
/// How long an aimed kill waits for a request in hand before killing anyway.
const AIM_PATIENCE: Duration = Duration::from_secs(6);
/// Alerts raised before the first run, and between runs.
const FIRST_WAVE: usize = 24;
const PER_RUN: usize = 2;

/// The HTTP channels: name, and whether it is the digest one.
const HTTP_CHANNELS: [&str; 4] = ["hook", "chat", "push", "digest"];

/// Raises `ids` as alerts in the state file, as a poll would (the daemon may be
/// running: SQLite serialises the writers).
fn raise(state: &Path, ids: &[String]) {
    let mut store = Store::open(state).expect("open the state file");
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    common::outbox::commit(&mut store, &ids);
}

/// One receipt: the alert ids it carried (a digest's all), its attempt, its body, and
/// the digest id if any.
#[derive(Debug, Clone, PartialEq)]
struct Receipt {
    ids: Vec<String>,
    attempt: u32,
    body: Vec<u8>,
    digest: Option<String>,
}

fn split_ids(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn http_receipts(r: &Receiver) -> Vec<Receipt> {
    r.received()
        .iter()
        .map(|q| Receipt {
            ids: split_ids(q.header("x-newswatch-alert-id").unwrap_or("")),
            attempt: q
                .header("x-newswatch-attempt")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0),
            body: q.body.clone(),
            digest: q.header("x-newswatch-digest-id").map(str::to_string),
        })
        .collect()
}

fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

fn smtp_receipts(s: &SmtpServer) -> Vec<Receipt> {
    s.messages()
        .iter()
        .map(|m| {
            let data = m["data"].as_str().unwrap_or("");
            // What must be the same on every send of a message (the MIME boundary,
            // the date and the attempt are not).
            let body = format!(
                "{:?} {:?}",
                header(data, "Message-ID"),
                header(data, "Subject")
            );
            Receipt {
                ids: split_ids(header(data, "X-Newswatch-Alert-Id").unwrap_or("")),
                attempt: header(data, "X-Newswatch-Attempt")
                    .and_then(|a| a.trim().parse().ok())
                    .unwrap_or(0),
                body: body.into_bytes(),
                digest: None,
            }
        })
        .collect()
}

fn exec_receipts(file: &Path) -> Vec<Receipt> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (id, attempt) = l.split_once(' ')?;
            Some(Receipt {
                ids: vec![id.to_string()],
                attempt: attempt.trim().parse().ok()?,
                body: Vec::new(),
                digest: None,
            })
        })
        .collect()
}

/// What one channel's receipts say, checked against `expected` alert ids and `kills`.
/// Returns the number of repeats.
fn check_channel(
    name: &str,
    receipts: &[Receipt],
    expected: &HashSet<String>,
    kills: usize,
) -> usize {
    // Group by message: the digest id, or the alert id.
    let mut by_message: BTreeMap<String, Vec<&Receipt>> = BTreeMap::new();
    for r in receipts {
        let key = r.digest.clone().unwrap_or_else(|| r.ids.join(","));
        by_message.entry(key).or_default().push(r);
    }
    let mut repeats = 0;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (key, rs) in &by_message {
        for pair in rs.windows(2) {
            assert!(
                pair[1].attempt > pair[0].attempt,
                "{name}: {key} repeated without a higher attempt: {} then {}",
                pair[0].attempt,
                pair[1].attempt
            );
            assert_eq!(
                pair[1].ids, pair[0].ids,
                "{name}: {key} repeated with other alerts"
            );
            assert!(
                pair[1].body == pair[0].body || pair[0].body.is_empty(),
                "{name}: {key} repeated with another body"
            );
        }
        repeats += rs.len() - 1;
        for id in &rs[0].ids {
            *seen.entry(id.as_str()).or_default() += 1;
        }
    }
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !seen.contains_key(e.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: alerts never arrived: {missing:?}"
    );
    let twice: Vec<(&&str, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{name}: alerts in two different messages: {twice:?}"
    );
    let unexpected: Vec<&&str> = seen.keys().filter(|k| !expected.contains(**k)).collect();
    assert!(
        unexpected.is_empty(),
        "{name}: alerts nobody raised: {unexpected:?}"
    );
    assert!(
        repeats <= kills,
        "{name}: {repeats} repeats for {kills} kills"
    );
    repeats
}

#[test]
fn sigkill_during_channel_delivery_repeats_only_as_retries_and_loses_nothing() {
    let kills: usize = std::env::var("NEWSWATCH_CHANNEL_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(18);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64 | 1);
    let mut rng = Rng(seed);
    let sb = Sandbox::new("");
    let receivers: Vec<Receiver> = HTTP_CHANNELS.iter().map(|_| Receiver::start()).collect();
    for r in &receivers {
        r.answer(Answer::Slow(SLOW));
    }
    let smtp = SmtpServer::start(
        sb.dir.path(),
        SmtpOptions {
            delay: Some(SLOW),
            ..SmtpOptions::default()
        },
    );
    let slack_url = sb.path("slack.url");
    std::fs::write(&slack_url, receivers[1].url("/services/T/B/x")).unwrap();
    std::fs::set_permissions(&slack_url, std::fs::Permissions::from_mode(0o600)).unwrap();
    let exec_log = sb.path("exec.log");
    let fast = "retry = \"100ms\"\nmax_retry = \"300ms\"\ntimeout = \"5s\"\n";
    let mut toml = format!(
        r#"
[[channel]]
name = "hook"
kind = "webhook"
url = "{}"
{fast}
[[channel]]
name = "chat"
kind = "slack"
url_file = "slack.url"
{fast}
[[channel]]
name = "push"
kind = "ntfy"
url = "{}"
{fast}
[[channel]]
name = "digest"
kind = "webhook"
url = "{}"
digest = "1s"
{fast}
[[channel]]
name = "prog"
kind = "exec"
command = ["/bin/sh", "-c", "cat > /dev/null; echo \"$NEWSWATCH_ALERT_ID $NEWSWATCH_ATTEMPT\" >> {}; sleep 0.15"]
{fast}"#,
        receivers[0].url("/hook"),
        receivers[2].url("/topic"),
        receivers[3].url("/digest"),
        exec_log.display(),
    );
    if let Some(s) = &smtp {
        toml.push_str(&format!(
            "\n[[channel]]\nname = \"mail\"\nkind = \"email\"\nurl = \"smtp://localhost:{}\"\nca_file = \"{}\"\nfrom = \"nw@example.org\"\nto = [\"team@example.org\"]\n{fast}",
            s.port,
            s.ca_pem.display()
        ));
    }
    sb.write_config(&toml);
    let state = sb.path("state");
    // The channels exist before the first alert, as after a first start.
    let mut names: Vec<&str> = vec!["hook", "chat", "push", "digest", "prog"];
    if smtp.is_some() {
        names.push("mail");
    }
    Store::open(&state).unwrap().sync_channels(&names).unwrap();
    let mut raised: Vec<String> = (0..FIRST_WAVE).map(|i| format!("alert-{i:03}")).collect();
    raise(&state, &raised);

    let daemon_log = sb.path("daemon.log");
    let exec_count = || exec_receipts(&exec_log).len();
    let smtp_count = || smtp.as_ref().map_or(0, |s| s.messages().len());
    let mut landed_in_flight = 0;
    for k in 0..kills {
        let spawned = Instant::now();
        let mut child = crash::start_daemon(&sb, &daemon_log);
        // Aim in turn at each channel's moment of not knowing; every fourth kill is
        // at a random moment instead.
        let target = k % 7;
        let deadline = Instant::now() + AIM_PATIENCE;
        let (exec0, smtp0) = (exec_count(), smtp_count());
        let http0: Vec<usize> = receivers.iter().map(|r| r.received().len()).collect();
        let mut in_flight = false;
        if target == 6 || k % 4 == 3 {
            thread::sleep(Duration::from_millis(rng.below(2500) as u64));
        } else {
            while Instant::now() < deadline {
                in_flight = match target {
                    // A request of this run (one of the last run's may still be held).
                    0..=3 => {
                        receivers[target].in_flight() > 0
                            && receivers[target].received().len() > http0[target]
                    }
                    4 => exec_count() > exec0,
                    _ => smtp_count() > smtp0,
                };
                if in_flight {
                    break;
                }
                thread::yield_now();
            }
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("reap");
        assert!(
            status.code().is_none(),
            "run {k} ended by itself ({status:?}):\n{}",
            std::fs::read_to_string(&daemon_log).unwrap_or_default()
        );
        landed_in_flight += usize::from(in_flight);
        eprintln!(
            "kill {k:>2} aimed at {target} after {:>4} ms, request in hand: {in_flight}",
            spawned.elapsed().as_millis()
        );
        let more: Vec<String> = (0..PER_RUN)
            .map(|i| format!("alert-{:03}", raised.len() + i))
            .collect();
        raise(&state, &more);
        raised.extend(more);
    }

    // The last run: no kills. Every channel must catch up, then it stops on SIGTERM.
    let mut child = crash::start_daemon(&sb, &daemon_log);
    let expected: HashSet<String> = raised.iter().cloned().collect();
    let done = wait_until(Duration::from_secs(120), || {
        crash::deliveries(&state).is_some_and(|rows| {
            rows.len() == expected.len() * names.len() && rows.iter().all(|r| r.state == "sent")
        })
    });
    crash::signal(child.id(), libc::SIGTERM);
    let mut exit = None;
    let stopped = wait_until(Duration::from_secs(30), || {
        exit = child.try_wait().expect("try_wait");
        exit.is_some()
    });
    assert!(
        done,
        "not everything was delivered: {:?}\n{}",
        crash::deliveries(&state).map(|r| r
            .into_iter()
            .filter(|r| r.state != "sent")
            .collect::<Vec<_>>()),
        std::fs::read_to_string(&daemon_log).unwrap_or_default()
    );
    assert!(
        stopped && exit.is_some_and(|e| e.success()),
        "exit: {exit:?}"
    );

    let mut all: Vec<(&str, Vec<Receipt>)> = HTTP_CHANNELS
        .iter()
        .zip(&receivers)
        .map(|(n, r)| (*n, http_receipts(r)))
        .collect();
    all.push(("prog", exec_receipts(&exec_log)));
    if let Some(s) = &smtp {
        all.push(("mail", smtp_receipts(s)));
    }
    let rows = crash::deliveries(&state).unwrap();
    let mut figures = format!(
        "\n──── channel crash figures (seed {seed}) ────\nkills {kills}, landed with a request in hand {landed_in_flight}, alerts {}\n",
        expected.len()
    );
    for (name, receipts) in &all {
        let repeats = check_channel(name, receipts, &expected, kills);
        // The state file agrees: each delivery sent, after at least as many attempts
        // as the receiver saw of it.
        let mut seen_attempts: HashMap<&str, u32> = HashMap::new();
        for r in receipts {
            for id in &r.ids {
                let a = seen_attempts.entry(id.as_str()).or_default();
                *a = (*a).max(r.attempt);
            }
        }
        for row in rows.iter().filter(|r| r.channel == *name) {
            assert_eq!(row.state, "sent", "{name}: {row:?}");
            let saw = seen_attempts
                .get(row.alert_id.as_str())
                .copied()
                .unwrap_or(0);
            assert!(
                row.attempts >= saw,
                "{name}: the state file counts fewer attempts than arrived: {row:?}, saw {saw}"
            );
        }
        figures.push_str(&format!(
            "{name:<7} messages {:>3}, repeats {repeats}\n",
            receipts.len()
        ));
    }
    figures.push_str("─────────────────────────────────────────────\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), figures.as_bytes());
    if kills >= 14 {
        assert!(
            landed_in_flight > 0,
            "no kill landed with a request in hand"
        );
    }
}
