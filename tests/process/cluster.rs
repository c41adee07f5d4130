//! Several instances as one (`[cluster]`, NATS JetStream): three real `newswatch run`
//! processes share a real nats-server on loopback and a loopback publisher whose
//! feeds keep growing. One instance is SIGKILLed every few seconds and restarted
//! (every other time only after its membership has expired, so its feeds move to the
//! others), and NATS itself is stopped for 10 s mid-run and started again on the same
//! port and store. Afterwards every published item has been alerted, and each
//! instance's alert log holds each alert of the cluster exactly once.
//!
//! `NEWSWATCH_CLUSTER_FEEDS` (default 200) and `NEWSWATCH_CLUSTER_SECS` (default 40,
//! the publishing time) make a longer run.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::common::nats::NatsServer;
use crate::common::publisher::{PubItem, Publisher};
use crate::common::receiver::Receiver;
use crate::common::{Rng, crash, newswatch, read_alerts, wait_until};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Item `n` of feed `feed`: it names TikTok and ByteDance, so the one rule fires once.
fn item(feed: usize, n: usize) -> PubItem {
    PubItem {
        guid: format!("feed{feed}-item{n}"),
        title: format!("Story {n} on feed {feed}"),
        html: format!(
            "<p>TikTok, the video app owned by ByteDance, said on day {n} that feed {feed} had it first.</p>"
        ),
        pub_date: Some(Utc::now().to_rfc2822()),
    }
}

/// One instance: its folder (config, state, alert log, stderr) and its process.
struct Instance {
    dir: PathBuf,
    child: Option<Child>,
}

impl Instance {
    fn new(
        root: &Path,
        i: usize,
        nats: &str,
        publisher: &Publisher,
        hook: &str,
        feeds: usize,
    ) -> Instance {
        let dir = root.join(format!("node-{i}"));
        std::fs::create_dir_all(dir.join("watchlists")).unwrap();
        std::fs::write(
            dir.join("watchlists/tiktok.toml"),
            "[[rule]]\nid = \"tiktok\"\nquery = '@bytedance+owned'\n",
        )
        .unwrap();
        let mut cfg = format!(
            "state_dir = \"state\"\nalert_log = \"alerts.jsonl\"\nwatchlists = [\"watchlists/*.toml\"]\n\
             first_poll = \"all\"\ninterval = \"10s\"\n[desktop]\nenabled = false\n\
             [cluster]\nnats = \"{nats}\"\nname = \"node-{i}\"\nheartbeat = \"500ms\"\n\
             member_timeout = \"3s\"\n\
             [[channel]]\nname = \"team-hook\"\nkind = \"webhook\"\nurl = \"{hook}\"\n"
        );
        for f in 0..feeds {
            let url = publisher.url(&format!("/feed/{f}"));
            cfg.push_str(&format!("[[feed]]\nname = \"feed-{f}\"\nurl = \"{url}\"\n"));
        }
        std::fs::write(dir.join("newswatch.toml"), cfg).unwrap();
        Instance { dir, child: None }
    }

    fn start(&mut self) {
        let err = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("daemon.log"))
            .unwrap();
        let child = newswatch()
            .args(["run", "--config"])
            .arg(self.dir.join("newswatch.toml"))
            .stdout(std::process::Stdio::null())
            .stderr(err)
            .spawn()
            .expect("start newswatch run");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            crash::signal(c.id(), libc::SIGKILL);
            let _ = c.wait();
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            crash::signal(c.id(), libc::SIGTERM);
            let _ = c.wait();
        }
    }

    fn alerts(&self) -> Vec<serde_json::Value> {
        read_alerts(&self.dir.join("alerts.jsonl"))
    }
}

/// A failing test leaves no daemon behind.
impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// (feed name, item id) of every alert line, and the alert ids that appear twice.
fn logged(alerts: &[serde_json::Value]) -> (BTreeSet<(String, String)>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut twice = Vec::new();
    let mut items = BTreeSet::new();
    for a in alerts {
        let id = a["alert_id"].as_str().unwrap_or_default().to_string();
        if !seen.insert(id.clone()) {
            twice.push(id);
        }
        items.insert((
            a["feed"]["name"].as_str().unwrap_or_default().to_string(),
            a["item"]["id"].as_str().unwrap_or_default().to_string(),
        ));
    }
    (items, twice)
}

/// The feeds an instance's state file says it polled itself (a feed whose state was
/// only handed over has no poll time); none while there is no state file yet.
fn polled_feeds(dir: &Path) -> HashSet<String> {
    polled_since(dir, 0)
}

#[test]
fn three_instances_survive_kills_and_a_nats_outage_alerting_everything_once_each() {
    let root = tempfile::tempdir().unwrap();
    let Some(mut nats) = NatsServer::start(root.path()) else {
        return;
    };
    let feeds = env_usize("NEWSWATCH_CLUSTER_FEEDS", 200);
    let secs = env_usize("NEWSWATCH_CLUSTER_SECS", 40) as u64;
    let publisher = Publisher::start(Duration::from_millis(50));
    let receiver = Receiver::start();
    let hook = receiver.url("/hook");
    let mut expected = BTreeSet::new();
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for f in 0..feeds {
        publisher.add_feed(&format!("/feed/{f}"), false);
        publisher.publish(&format!("/feed/{f}"), item(f, 0));
        expected.insert((format!("feed-{f}"), format!("feed{f}-item0")));
        counts.insert(f, 1);
    }
    let mut nodes: Vec<Instance> = (0..3)
        .map(|i| Instance::new(root.path(), i, &nats.url(), &publisher, &hook, feeds))
        .collect();
    for n in &mut nodes {
        n.start();
    }

    let mut rng = Rng(0x16c1);
    let start = Instant::now();
    let publish_every = Duration::from_secs(secs) / (feeds as u32).max(1);
    let mut next_kill = start + Duration::from_secs(4);
    let mut kills = 0usize;
    let mut down: Option<(usize, Instant)> = None;
    let outage_at = start + Duration::from_secs(secs / 3);
    let mut outage: Option<Instant> = None;
    let mut outage_done = false;
    while start.elapsed() < Duration::from_secs(secs) {
        // Pacing the publisher, not waiting for anything.
        std::thread::sleep(publish_every);
        let f = rng.below(feeds);
        let n = counts[&f];
        publisher.publish(&format!("/feed/{f}"), item(f, n));
        expected.insert((format!("feed-{f}"), format!("feed{f}-item{n}")));
        counts.insert(f, n + 1);
        let now = Instant::now();
        if let Some((i, until)) = down {
            if now >= until {
                nodes[i].start();
                down = None;
            }
        }
        if now >= next_kill && down.is_none() {
            let i = rng.below(3);
            nodes[i].kill();
            kills += 1;
            // Every other kill keeps the instance away past its member timeout.
            let away = if kills % 2 == 0 { 5000 } else { 200 };
            down = Some((i, now + Duration::from_millis(away)));
            next_kill = now + Duration::from_secs(4);
        }
        if !outage_done && outage.is_none() && now >= outage_at {
            nats.stop();
            outage = Some(now);
        }
        if let Some(since) = outage {
            if now >= since + Duration::from_secs(10) {
                nats.resume();
                outage = None;
                outage_done = true;
            }
        }
    }
    if let Some((i, _)) = down {
        nodes[i].start();
    }
    if outage.is_some() {
        nats.resume();
    }
    assert!(kills >= 4, "only {kills} kills");

    // Every instance's log comes to hold every item's alert, and the team's webhook
    // receives each alert.
    let hooked = || -> HashMap<String, usize> {
        let mut by_id = HashMap::new();
        for r in receiver.received() {
            let id = r.json()["alert_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            *by_id.entry(id).or_insert(0) += 1;
        }
        by_id
    };
    wait_until(Duration::from_secs(90), || {
        nodes
            .iter()
            .all(|n| logged(&n.alerts()).0.is_superset(&expected))
            && hooked().len() >= expected.len()
    });
    for n in &mut nodes {
        n.stop();
    }
    let hooks = hooked().len();
    assert!(
        hooks >= expected.len(),
        "the team webhook received {hooks} of {} alerts",
        expected.len()
    );
    for (i, n) in nodes.iter().enumerate() {
        let (items, twice) = logged(&n.alerts());
        let missing: Vec<_> = expected.difference(&items).take(5).collect();
        assert!(
            missing.is_empty(),
            "node-{i} misses {} of {} items, e.g. {missing:?}; its log ends:\n{}",
            expected.difference(&items).count(),
            expected.len(),
            log_tail(&n.dir.join("daemon.log"))
        );
        assert!(
            twice.is_empty(),
            "node-{i} logged {} alerts twice: {:?}",
            twice.len(),
            &twice[..twice.len().min(5)]
        );
        let extra: Vec<_> = items.difference(&expected).collect();
        assert!(
            extra.is_empty(),
            "node-{i} alerted what was not published: {extra:?}"
        );
    }
    // And they hold the same alerts, by id.
    let ids = |n: &Instance| -> BTreeSet<String> {
        n.alerts()
            .iter()
            .map(|a| a["alert_id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&nodes[0]), ids(&nodes[1]));
    assert_eq!(ids(&nodes[0]), ids(&nodes[2]));
    // The webhook fired once for the team, not once per instance: every alert
    // arrived, and repeats are only what a kill in the middle of a send (or between a
    // commit and its ack) can cause: at most two per kill.
    let by_id = hooked();
    assert_eq!(
        by_id.keys().cloned().collect::<BTreeSet<_>>(),
        ids(&nodes[0])
    );
    let repeats: usize = by_id.values().map(|n| n - 1).sum();
    assert!(
        repeats <= 2 * kills,
        "{repeats} repeated webhook calls for {kills} kills"
    );
    // The work was shared: each instance polled a part of the feeds, and feeds moved
    // between instances (the kills that outlasted the member timeout).
    let polled: Vec<HashSet<String>> = nodes.iter().map(|n| polled_feeds(&n.dir)).collect();
    for (i, p) in polled.iter().enumerate() {
        assert!(
            p.len() >= feeds / 10,
            "node-{i} polled only {} of {feeds} feeds",
            p.len()
        );
    }
    let union: HashSet<&String> = polled.iter().flatten().collect();
    assert_eq!(union.len(), feeds, "some feeds were never polled");
    let moved = union
        .iter()
        .filter(|f| polled.iter().filter(|p| p.contains(**f)).count() > 1)
        .count();
    assert!(moved > 0, "no feed ever moved between instances");
    eprintln!(
        "{} items in {feeds} feeds, {kills} kills, one 10 s NATS outage: every log holds each alert once; feeds polled per instance {:?}, {moved} moved, {repeats} webhook repeats",
        expected.len(),
        polled.iter().map(HashSet::len).collect::<Vec<_>>()
    );
}

#[test]
fn cluster_command_shows_members_feeds_and_lag_and_refuses_without_a_cluster() {
    let root = tempfile::tempdir().unwrap();
    // Without [cluster]: it says so and exits 1.
    let alone = root.path().join("alone.toml");
    std::fs::write(&alone, "watchlists = []\n").unwrap();
    let out = newswatch()
        .args(["cluster", "--config"])
        .arg(&alone)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no [cluster]"),
        "{out:?}"
    );
    // A bad [cluster] is a `check` error at its line.
    let bad = root.path().join("bad.toml");
    std::fs::write(
        &bad,
        "watchlists = []\n[cluster]\nnats = \"http://127.0.0.1:1\"\n",
    )
    .unwrap();
    let out = newswatch()
        .args(["check", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:3") && err.contains("cluster.nats"),
        "{err}"
    );

    let Some(nats) = NatsServer::start(root.path()) else {
        return;
    };
    let publisher = Publisher::start(Duration::from_millis(10));
    for f in 0..3 {
        publisher.add_feed(&format!("/feed/{f}"), false);
    }
    let receiver = Receiver::start();
    let mut node = Instance::new(
        root.path(),
        0,
        &nats.url(),
        &publisher,
        &receiver.url("/h"),
        3,
    );
    node.start();
    let cfg = node.dir.join("newswatch.toml");
    let mut last = String::new();
    let shown = wait_until(Duration::from_secs(30), || {
        let out = newswatch()
            .args(["cluster", "--json", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        last = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
            return false;
        };
        let members = v["members"].as_array().cloned().unwrap_or_default();
        let consumers = v["consumers"].as_array().cloned().unwrap_or_default();
        members.len() == 1
            && members[0]["name"] == "node-0"
            && members[0]["feeds_owned"] == 3
            && members[0]["pid"] == node.child.as_ref().map_or(0, Child::id)
            && consumers.iter().any(|c| c["name"] == "member-node-0")
            && consumers.iter().any(|c| c["name"] == "team")
    });
    assert!(
        shown,
        "cluster --json never showed the member and its consumers: {last}"
    );
    let out = newswatch()
        .args(["cluster", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && table.contains("node-0 (this config)") && table.contains("3/3"),
        "{table}"
    );
    // A stop says goodbye: the member is gone at once, not after its timeout.
    node.stop();
    let gone = wait_until(Duration::from_secs(2), || {
        let out = newswatch()
            .args(["cluster", "--json", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .is_ok_and(|v| v["members"].as_array().is_some_and(Vec::is_empty))
    });
    assert!(gone, "the stopped member is still listed");
}

/// The feeds each instance's state file says it polled after `since` (ms since the
/// epoch).
fn polled_since(dir: &Path, since: i64) -> HashSet<String> {
    let Some((_tmp, conn)) = crash::open_copy(&dir.join("state")) else {
        return HashSet::new();
    };
    let Ok(mut stmt) = conn.prepare("SELECT name FROM feeds WHERE last_poll > ?1") else {
        return HashSet::new();
    };
    stmt.query_map([since], |r| r.get(0))
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default()
}

#[test]
fn a_dead_instances_feeds_are_polled_by_the_other_within_30_s_with_the_default_timings() {
    let root = tempfile::tempdir().unwrap();
    let Some(nats) = NatsServer::start(root.path()) else {
        return;
    };
    let feeds = 40;
    let publisher = Publisher::start(Duration::from_millis(10));
    for f in 0..feeds {
        publisher.add_feed(&format!("/feed/{f}"), false);
        publisher.publish(&format!("/feed/{f}"), item(f, 0));
    }
    let receiver = Receiver::start();
    let mut nodes: Vec<Instance> = (0..2)
        .map(|i| {
            Instance::new(
                root.path(),
                i,
                &nats.url(),
                &publisher,
                &receiver.url("/h"),
                feeds,
            )
        })
        .collect();
    // The defaults: heartbeat 2 s, member_timeout 10 s.
    for n in &nodes {
        let cfg = n.dir.join("newswatch.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        let text = text
            .replace("heartbeat = \"500ms\"\n", "")
            .replace("member_timeout = \"3s\"\n", "");
        std::fs::write(&cfg, text).unwrap();
    }
    for n in &mut nodes {
        n.start();
    }
    // Both poll their share.
    let shared = wait_until(Duration::from_secs(60), || {
        nodes.iter().all(|n| !polled_feeds(&n.dir).is_empty())
            && nodes
                .iter()
                .map(|n| polled_feeds(&n.dir).len())
                .sum::<usize>()
                >= feeds
    });
    assert!(shared, "the two instances did not share the first cycle");
    let theirs = polled_feeds(&nodes[1].dir);
    let mine = polled_feeds(&nodes[0].dir);
    nodes[1].kill();
    let killed = Utc::now().timestamp_millis();
    // Every feed node-1 polled is polled by node-0 within 30 s of the kill.
    let moved = wait_until(Duration::from_secs(30), || {
        polled_since(&nodes[0].dir, killed)
            .is_superset(&theirs.difference(&mine).cloned().collect())
    });
    let got = polled_since(&nodes[0].dir, killed);
    nodes[0].stop();
    assert!(
        moved,
        "{} of node-1's {} feeds polled by node-0 within 30 s",
        theirs.intersection(&got).count(),
        theirs.len()
    );
}

/// The last lines of the daemon log at `path`, for a failure's message.
fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
