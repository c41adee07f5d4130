//! Shared integration-test helpers: a sandbox folder with a config, the built binary,
//! a loopback feed server, and polling with a deadline (never a fixed sleep).

pub mod crash;
pub mod desktop;
pub mod fuzz_checks;
pub mod hostile;
pub mod mounts;
pub mod nats;
pub mod outbox;
pub mod publisher;
pub mod receiver;
pub mod server;
pub mod service;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The `newswatch` binary under test, with no desktop session and quiet logs.
pub fn newswatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newswatch"));
    c.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/newswatch-test-bus",
    )
    .env_remove("NOTIFY_SOCKET")
    .env("NEWSWATCH_LOG", "info");
    c
}

/// Runs `newswatch args…` to completion.
pub fn run(args: &[&str]) -> Output {
    newswatch().args(args).output().expect("run newswatch")
}

/// Calls `check` every 20 ms until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`wait_until`] for async tests: checks every 20 ms without blocking the runtime.
pub async fn wait_until_async(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `program` found in `PATH`, if there.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The repository's folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder holding a config, the shipped watchlists and the state.
pub struct Sandbox {
    /// The folder (removed on drop).
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    /// A sandbox with the shipped watchlists and a config listing `feeds_toml`.
    pub fn new(feeds_toml: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let wl = dir.path().join("watchlists");
        std::fs::create_dir(&wl).unwrap();
        for e in std::fs::read_dir(repo().join("config/watchlists")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), wl.join(e.file_name())).unwrap();
        }
        let sb = Sandbox { dir };
        sb.write_config(feeds_toml);
        sb
    }

    /// Rewrites the config with `feeds_toml` after the common keys.
    pub fn write_config(&self, feeds_toml: &str) {
        let text = format!(
            "state_dir = \"state\"\nalert_log = \"alerts.jsonl\"\nwatchlists = [\"watchlists/*.toml\"]\n[desktop]\nenabled = true\ntimeout = \"1s\"\n\n{feeds_toml}\n"
        );
        std::fs::write(self.config(), text).unwrap();
    }

    /// The config file's path.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("newswatch.toml")
    }

    /// The config path as a string, for argument lists.
    pub fn config_arg(&self) -> String {
        self.config().display().to_string()
    }

    /// A path inside the sandbox.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The alert log's lines, parsed.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        read_alerts(&self.path("alerts.jsonl"))
    }

    /// Runs `newswatch once` on this sandbox's config.
    pub fn once(&self) -> Output {
        run(&["once", "--config", &self.config_arg()])
    }

    /// Replaces the shipped watchlists with one rule, `tiktok`, that fires on any
    /// mention of ByteDance or what it owns; `extra` adds keys to it (`cooldown`…).
    /// Each of [`distinct_stories`] then raises exactly one alert.
    pub fn only_tiktok_rule(&self, extra: &str) {
        let wl = self.path("watchlists");
        for e in std::fs::read_dir(&wl).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        std::fs::write(
            wl.join("tiktok.toml"),
            format!("[[rule]]\nid = \"tiktok\"\nquery = '@bytedance+owned'\n{extra}\n"),
        )
        .unwrap();
    }
}

/// Whether the state file in `state_dir` comes to owe no summary of alerts lost from
/// view (polled for up to 10 s: the daemon marks a summary shown once the server has
/// answered its call, a moment after the call goes out). Then no further summary
/// can come.
pub fn owes_no_summary(state_dir: &Path) -> bool {
    let store = newswatch::store::Store::open(state_dir).expect("open the state file");
    let far = chrono::Utc::now() + chrono::Duration::days(365);
    wait_until(Duration::from_secs(10), || {
        store
            .due_summaries(far)
            .expect("read the outbox")
            .is_empty()
    })
}

/// Headlines about TikTok and ByteDance that share no story: none groups with
/// another as a near-duplicate, so each alert wants a popup of its own.
const DISTINCT_HEADLINES: [&str; 10] = [
    "TikTok fined by the Irish regulator over children's data",
    "ByteDance sells Moonton games studio to private investors",
    "Douyin opens grocery delivery across Shanghai suburbs",
    "CapCut video editor pulled from app stores in India",
    "TikTok Shop launches in Brazil with local sellers",
    "Lemon8 photo app climbs American download charts",
    "Toutiao news aggregator adds paywalled magazines",
    "TikTok moves European user data to Norwegian servers",
    "ByteDance trains a chatbot called Doubao for schools",
    "Douyin bans livestream sales of counterfeit sneakers",
];

/// Items `range` (at most 10) of [`DISTINCT_HEADLINES`], newest first, for [`rss_owned`]:
/// (guid, title, description naming TikTok, published a minute ago).
pub fn distinct_stories(range: std::ops::Range<usize>) -> Vec<(String, String, String, String)> {
    range
        .rev()
        .map(|n| {
            let title = DISTINCT_HEADLINES[n];
            (
                format!("story-{n}"),
                title.to_string(),
                format!("{title}, according to people familiar with TikTok's plans."),
                minutes_ago(1),
            )
        })
        .collect()
}

/// The lines of an alert log, parsed (none if it does not exist).
pub fn read_alerts(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("alert lines are JSON"))
        .collect()
}

/// An RSS 2.0 document with `items` as (guid, title, description, pubDate RFC 2822),
/// each linking to `http://example.org/GUID`.
pub fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    rss_with(items.iter().map(|(guid, title, desc, date)| {
        (
            guid.to_string(),
            title.to_string(),
            format!("http://example.org/{guid}"),
            desc.to_string(),
            date.to_string(),
        )
    }))
}

/// An RSS 2.0 document with `items` as (guid, title, link, description), published a
/// minute ago.
pub fn rss_linked(items: &[(&str, &str, &str, &str)]) -> String {
    let date = minutes_ago(1);
    rss_with(items.iter().map(|(guid, title, link, desc)| {
        (
            guid.to_string(),
            title.to_string(),
            link.to_string(),
            desc.to_string(),
            date.clone(),
        )
    }))
}

/// The RSS document of (guid, title, link, description, pubDate) items.
fn rss_with(items: impl Iterator<Item = (String, String, String, String, String)>) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>test</title><link>http://example.org/</link>\n",
    );
    for (guid, title, link, desc, date) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link><description><![CDATA[{desc}]]></description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

/// [`rss`] for items held as owned strings.
pub fn rss_owned(items: &[(String, String, String, String)]) -> String {
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    rss(&refs)
}

/// The RFC 2822 form of "now minus `minutes`".
pub fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc2822()
}

/// Stderr of an output as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Stdout of an output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A small deterministic generator (xorshift), so a seed repeats a run's choices and
/// a failure reproduces.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits (the seed must not be 0).
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}
