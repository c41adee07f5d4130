//! Time-based polling on tokio's paused clock, with every real part: the
//! [`Schedule`], `poll_feed`, the fetcher on loopback sockets, the SQLite store and the
//! engine. Virtual hours pass in milliseconds: backoff and its reset, `Retry-After`
//! holding back one host:port, publisher hints stretching the interval, stable
//! offsets, a restart keeping the schedule, 410 disabling a feed.
//!
//! Time moves only when the harness says so: a blocking task parked for the whole
//! test keeps tokio from auto-advancing the clock while a poll waits on a socket (so
//! no timeout fires early), and the harness advances to each next slot itself.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::server::{FeedServer, Resource};
use crate::common::{minutes_ago, rss};
use newswatch::config::{Config, Feed, FeedSource};
use newswatch::source::fetch::Fetcher;
use newswatch::source::hosts::Hosts;
use newswatch::source::schedule::Schedule;
use newswatch::store::Store;
use newswatch::worker::engine::Engine;
use newswatch::worker::poll::{PollContext, poll_feed};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// One poll the harness saw: virtual second, feed, status, alerts.
#[derive(Debug, Clone)]
struct Seen {
    at: u64,
    feed: String,
    status: String,
    alerts: usize,
}

struct Harness {
    ctx: PollContext,
    schedule: Schedule,
    t0: Instant,
    log: Vec<Seen>,
    _dir: tempfile::TempDir,
    /// Dropping it lets the clock-freezing blocking task end.
    _freeze: std::sync::mpsc::Sender<()>,
}

/// Keeps the paused clock from auto-advancing until the sender is dropped.
fn freeze_clock() -> std::sync::mpsc::Sender<()> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || {
        let _ = rx.recv();
    });
    tx
}

fn config(dir: &Path, extra: &str, feeds: &[(&str, String, &str)]) -> Config {
    let wl = common::repo().join("config/watchlists/*.toml");
    let mut text = format!(
        "state_dir = \"state\"\nalert_log = \"alerts.jsonl\"\nwatchlists = [\"{}\"]\nfirst_poll = \"all\"\n{extra}\n",
        wl.display()
    );
    for (name, url, interval) in feeds {
        text.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"{interval}\"\n"
        ));
    }
    let path = dir.join("newswatch.toml");
    std::fs::write(&path, &text).unwrap();
    Config::load(&path).unwrap()
}

impl Harness {
    /// A harness over `feeds` (name, url, interval); `extra` is TOML before them.
    fn new(extra: &str, feeds: &[(&str, String, &str)]) -> Harness {
        let freeze = freeze_clock();
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), extra, feeds);
        let engine = Engine::load(&cfg).unwrap();
        let store = Store::open(&cfg.state_dir).unwrap();
        let ctx = PollContext {
            fetcher: Fetcher::new(&cfg.http),
            store: Arc::new(Mutex::new(store)),
            engine: Arc::new(engine),
            wake: Arc::new(Notify::new()),
            hosts: Arc::new(Hosts::new(cfg.concurrency, cfg.polling.per_host)),
            polling: cfg.polling.clone(),
        };
        let t0 = Instant::now();
        let mut schedule = Schedule::new();
        schedule.update(&cfg.feeds, &HashMap::new(), t0);
        Harness {
            ctx,
            schedule,
            t0,
            log: Vec::new(),
            _dir: dir,
            _freeze: freeze,
        }
    }

    fn now_secs(&self) -> u64 {
        (Instant::now() - self.t0).as_secs_f64().round() as u64
    }

    /// Runs the schedule until virtual second `end`: advance to the next slot, poll
    /// what is due (concurrently, over real sockets, time standing still), repeat.
    async fn run_until(&mut self, end: u64) {
        let end = self.t0 + Duration::from_secs(end);
        loop {
            let next = match self.schedule.next_due() {
                Some(n) if n <= end => n,
                _ => break,
            };
            let now = Instant::now();
            if next > now {
                tokio::time::advance(next - now).await;
            }
            let mut polls = JoinSet::new();
            for feed in self.schedule.take_due(Instant::now()) {
                let ctx = self.ctx.clone();
                polls.spawn(async move {
                    let r = poll_feed(&ctx, &feed).await;
                    (feed.name, r)
                });
            }
            while let Some(done) = polls.join_next().await {
                let (name, r) = done.unwrap();
                self.log.push(Seen {
                    at: self.now_secs(),
                    feed: name.clone(),
                    status: r.status.clone(),
                    alerts: r.alerts,
                });
                self.schedule
                    .finished(&name, Some(r.next_poll), Instant::now());
            }
        }
        let now = Instant::now();
        if end > now {
            tokio::time::advance(end - now).await;
        }
    }

    /// Virtual seconds of `feed`'s polls with a status in `statuses` (all if empty).
    fn times(&self, feed: &str, statuses: &[&str]) -> Vec<u64> {
        self.log
            .iter()
            .filter(|s| {
                s.feed == feed && (statuses.is_empty() || statuses.contains(&s.status.as_str()))
            })
            .map(|s| s.at)
            .collect()
    }
}

fn gaps(times: &[u64]) -> Vec<u64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Whether every gap is `want` seconds. Slots are handed over as wall-clock times
/// (as the daemon does), so a few milliseconds of real time can round a second off.
fn all_about(gaps: &[u64], want: u64) -> bool {
    gaps.iter().all(|g| g.abs_diff(want) <= 1)
}

fn feed_body(guid: &str, title: &str) -> String {
    rss(&[(guid, title, title, &minutes_ago(1))])
}

fn status_resource(status: u16, headers: &[(&str, &str)]) -> Resource {
    Resource {
        status,
        body: b"<html>no</html>".to_vec(),
        etag: None,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test(start_paused = true)]
async fn errors_back_off_to_the_cap_and_recovery_resets_the_interval() {
    let server = FeedServer::start();
    server.set_resource("/flaky", status_resource(500, &[]));
    let mut h = Harness::new(
        "[polling]\nmax_backoff = \"10m\"",
        &[("flaky", server.url("/flaky"), "1m")],
    );
    h.run_until(3000).await;
    let failing = h.times("flaky", &[]);
    assert!(
        failing[0] < 30,
        "first poll within the start spread: {failing:?}"
    );
    let want = [60, 120, 240, 480, 600, 600];
    let got = &gaps(&failing)[..6];
    assert!(
        got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 1),
        "doubling, capped at max_backoff, never giving up: {got:?}"
    );
    assert!(h.log.iter().all(|s| s.status == "500"));

    // The publisher recovers: the next poll succeeds and the interval is back to 1 m.
    server.set("/flaky", feed_body("x1", "TikTok is back"), Some("\"1\""));
    let back_at = h.now_secs();
    h.run_until(back_at + 1500).await;
    let ok = h.times("flaky", &["200", "304"]);
    assert!(ok.len() >= 3, "{:?}", h.log);
    assert!(ok[0] <= back_at + 600, "recovered within one backoff step");
    assert!(all_about(&gaps(&ok), 60), "{:?}", gaps(&ok));
    assert_eq!(h.log.iter().map(|s| s.alerts).sum::<usize>(), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_holds_back_its_host_port_and_nothing_else() {
    let a = FeedServer::start();
    let b = FeedServer::start();
    a.set_resource("/limited", status_resource(429, &[("retry-after", "600")]));
    a.set("/sibling", feed_body("s", "sibling"), Some("\"s\""));
    b.set("/other", feed_body("o", "other"), Some("\"o\""));
    let mut h = Harness::new(
        "",
        &[
            ("limited", a.url("/limited"), "1m"),
            ("sibling", a.url("/sibling"), "1m"),
            ("other", b.url("/other"), "1m"),
        ],
    );
    h.run_until(300).await;
    // The publisher lets us back in after its wait; until then it never saw us.
    a.set("/limited", feed_body("l", "limited"), Some("\"l\""));
    h.run_until(1500).await;
    let limited = h.times("limited", &[]);
    let t429 = limited[0];
    assert!(
        limited[1] >= t429 + 600,
        "the limited feed waits its Retry-After: {limited:?}"
    );
    let sibling = h.times("sibling", &["200", "304"]);
    assert!(
        sibling.iter().all(|t| *t <= t429 || *t >= t429 + 600),
        "nothing else on that host:port during the wait: 429 at {t429}, sibling {sibling:?}"
    );
    assert!(
        sibling.iter().any(|t| *t >= t429 + 600 && *t <= t429 + 680),
        "the sibling resumes when the wait is over: {sibling:?}"
    );
    assert!(
        h.times("sibling", &["deferred"]).len() <= h.times("limited", &["429"]).len(),
        "a deferred feed waits for the host, not once a minute: {:?}",
        h.log
    );
    assert!(
        h.times("limited", &["deferred"]).is_empty(),
        "the limited feed's own retry is not held back by its own block: {:?}",
        h.log
    );
    let other = h.times("other", &[]);
    assert!(
        all_about(&gaps(&other), 60),
        "another port polls on: {other:?}"
    );
    assert!(other.len() >= 24);
    // The server saw exactly what the log says: no request slipped through.
    let sibling_requests = a.paths().iter().filter(|p| *p == "/sibling").count();
    assert_eq!(sibling_requests, sibling.len());
}

#[tokio::test(start_paused = true)]
async fn publisher_hints_stretch_the_interval_within_bounds() {
    let server = FeedServer::start();
    let with_ttl = feed_body("t", "ttl").replace(
        "<channel><title>test</title>",
        "<channel><title>test</title><ttl>30</ttl>",
    );
    server.set("/ttl", with_ttl, Some("\"t\""));
    server.set_resource(
        "/maxage",
        Resource {
            status: 200,
            body: feed_body("m", "max-age").into_bytes(),
            etag: Some("\"m\"".into()),
            headers: vec![("cache-control".into(), "public, max-age=7200".into())],
        },
    );
    server.set("/plain", feed_body("p", "plain"), Some("\"p\""));
    let mut h = Harness::new(
        "[polling]\nmax_interval = \"1h\"",
        &[
            ("ttl", server.url("/ttl"), "1m"),
            ("maxage", server.url("/maxage"), "1m"),
            ("plain", server.url("/plain"), "1m"),
        ],
    );
    h.run_until(4 * 3600).await;
    let ttl = gaps(&h.times("ttl", &[]));
    assert!(
        ttl.len() >= 6 && all_about(&ttl, 1800),
        "ttl 30 min, also after 304s: {ttl:?}"
    );
    let maxage = gaps(&h.times("maxage", &[]));
    assert!(
        maxage.len() >= 3 && all_about(&maxage, 3600),
        "max-age 2 h capped at max_interval 1 h: {maxage:?}"
    );
    assert!(all_about(&gaps(&h.times("plain", &[])), 60));
    assert!(h.times("ttl", &["304"]).len() >= 6, "{:?}", h.log);
}

#[tokio::test(start_paused = true)]
async fn offsets_are_spread_and_stable_and_a_restart_keeps_the_schedule() {
    let server = FeedServer::start();
    let mut feeds = Vec::new();
    for i in 0..20 {
        let path = format!("/f{i}");
        server.set(&path, feed_body(&format!("g{i}"), "x"), Some("\"e\""));
        feeds.push((format!("feed-{i}"), server.url(&path)));
    }
    let specs: Vec<(&str, String, &str)> = feeds
        .iter()
        .map(|(n, u)| (n.as_str(), u.clone(), "10m"))
        .collect();
    let mut h = Harness::new("", &specs);
    h.run_until(700).await;
    let firsts: Vec<u64> = feeds.iter().map(|(n, _)| h.times(n, &[])[0]).collect();
    assert!(
        firsts.iter().all(|t| *t <= 30),
        "first polls within 30 s: {firsts:?}"
    );
    let mut distinct = firsts.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 10, "spread, not a burst: {firsts:?}");
    for (n, _) in &feeds {
        let g = gaps(&h.times(n, &[]));
        assert!(g.len() == 1 && all_about(&g, 600), "{n}: {g:?}");
    }

    // A restart: a new schedule from the stored next polls is not a burst of polls.
    let stored = {
        let store = h.ctx.store.lock().unwrap();
        store
            .feeds()
            .unwrap()
            .into_iter()
            .filter_map(|f| Some((f.name, f.next_poll?)))
            .collect::<HashMap<_, _>>()
    };
    let cfg_feeds: Vec<Feed> = specs
        .iter()
        .map(|(n, u, _)| Feed {
            name: n.to_string(),
            source: FeedSource::Http(u.parse().unwrap()),
            interval: Duration::from_secs(600),
            first_poll: newswatch::config::FirstPoll::All,
            full_text: newswatch::config::FullText::Off,
            tags: Vec::new(),
        })
        .collect();
    let mut restarted = Schedule::new();
    let now = Instant::now();
    restarted.update(&cfg_feeds, &stored, now);
    // The store holds wall-clock slots; on the paused clock barely any wall time
    // passed, so every stored slot is still about one interval (600 s) ahead.
    let next = restarted.next_due().unwrap();
    assert!(
        next >= now + Duration::from_secs(590),
        "the stored slot, not a poll at start-up: {:?}",
        next - now
    );
    assert_eq!(
        restarted.take_due(now + Duration::from_secs(601)).len(),
        20,
        "every feed keeps its stored slot"
    );
}

#[tokio::test(start_paused = true)]
async fn gone_disables_the_feed_until_its_url_changes() {
    let server = FeedServer::start();
    server.set_resource("/old", status_resource(410, &[]));
    server.set("/new", feed_body("n", "TikTok moved"), None);
    let mut h = Harness::new("", &[("moving", server.url("/old"), "1m")]);
    h.run_until(3 * 86_400).await;
    let statuses: Vec<&str> = h.log.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses[0], "410");
    assert!(statuses[1..].iter().all(|s| *s == "gone"), "{statuses:?}");
    assert!(
        statuses.len() <= 4,
        "checked once a day at most: {statuses:?}"
    );
    assert_eq!(server.paths(), ["/old"], "never requested again");

    // The user points the feed elsewhere: it is polled again at once.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "", &[("moving", server.url("/new"), "1m")]);
    h.schedule
        .update(&cfg.feeds, &HashMap::new(), Instant::now());
    let report = poll_feed(&h.ctx, &cfg.feeds[0]).await;
    assert_eq!(report.status, "200");
    assert_eq!(report.alerts, 1);
}
