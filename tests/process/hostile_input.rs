//! Bad input everywhere: every user-facing input — the config, a watchlist, a
//! knowledge-base file, feed bytes (`items`), a document (`extract`) and the alert log
//! (`tail`) — gets the same hostile values: an empty file, binary garbage, invalid
//! UTF-8, a 100 MB line, deep nesting, entity expansion, unknown keys, and negative or
//! absurd values. Each case runs the real binary and must end within its time limit
//! with the expected exit code, a clear message (the expected words, a bounded size:
//! no echo of a 100 MB line) and no panic.
//!
//! The 100 MB inputs are written once per test to a temporary folder and removed.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::wait_until;

/// The largest stderr a case may print: a message, not a dump of the input.
const MAX_STDERR: usize = 16 * 1024;

/// What a case must end with.
struct Expect {
    /// The exit code.
    code: i32,
    /// Words stderr must contain (all of them).
    stderr: &'static [&'static str],
    /// Words stdout must contain (all of them).
    stdout: &'static [&'static str],
}

const fn fails(stderr: &'static [&'static str]) -> Expect {
    Expect {
        code: 1,
        stderr,
        stdout: &[],
    }
}

const fn works(stdout: &'static [&'static str]) -> Expect {
    Expect {
        code: 0,
        stderr: &[],
        stdout,
    }
}

/// Runs `cmd` with a time limit; a case that runs over is killed and fails.
fn run_limited(what: &str, mut cmd: Command, limit: Duration) -> Output {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn newswatch");
    // Drain the pipes while waiting, or a large output would block the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut b).ok();
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut b).ok();
        b
    });
    let mut status = None;
    let done = wait_until(limit, || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    if !done {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what}: still running after {limit:?}");
    }
    let out = Output {
        status: status.expect("exited"),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    };
    eprintln!(
        "{what}: exit {:?} in {:.1} s",
        out.status.code(),
        started.elapsed().as_secs_f64()
    );
    out
}

fn check_case(what: &str, out: &Output, expect: &Expect) {
    let err = String::from_utf8_lossy(&out.stderr);
    let shown: String = err.chars().take(2000).collect();
    assert_eq!(
        out.status.code(),
        Some(expect.code),
        "{what}: exit status {:?}; stderr:\n{shown}",
        out.status
    );
    assert!(!err.contains("panicked"), "{what}: a panic:\n{shown}");
    assert!(
        err.len() <= MAX_STDERR,
        "{what}: {} bytes on stderr, not a clear message:\n{shown}",
        err.len()
    );
    for w in expect.stderr {
        assert!(err.contains(w), "{what}: `{w}` not in stderr:\n{shown}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    for w in expect.stdout {
        assert!(
            stdout.contains(w),
            "{what}: `{w}` not in stdout:\n{}",
            stdout.chars().take(2000).collect::<String>()
        );
    }
}

/// A folder with the shipped watchlists, for configs to point at.
struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().expect("tempdir");
        let wl = dir.path().join("watchlists");
        std::fs::create_dir(&wl).expect("watchlists dir");
        for e in std::fs::read_dir(common::repo().join("config/watchlists")).expect("shipped") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), wl.join(e.file_name())).expect("copy watchlist");
        }
        Place { dir }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write input");
        p
    }
}

fn newswatch(args: &[&str], file: &Path) -> Command {
    let mut c = common::newswatch();
    c.args(args).arg(file);
    c
}

/// Bytes that are nothing at all: NULs, control bytes, high bytes.
fn garbage() -> Vec<u8> {
    (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// 100 MiB: `prefix`, then one line of `fill`, then `suffix`.
fn hundred_mb(prefix: &str, fill: u8, suffix: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(100 * 1024 * 1024 + prefix.len() + suffix.len());
    v.extend_from_slice(prefix.as_bytes());
    v.resize(v.len() + 100 * 1024 * 1024, fill);
    v.extend_from_slice(suffix.as_bytes());
    v
}

const LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>laughs</guid><title>&lol9;</title><description>&lol9;</description></item>
</channel></rss>"#;

const XXE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><guid>xxe</guid><title>&xxe;</title><description>&xxe;</description></item>
</channel></rss>"#;

fn nested(open: &str, close: &str, n: usize) -> String {
    format!("{}{}", open.repeat(n), close.repeat(n))
}

/// Runs every case of one input: `make(place, bytes)` builds the command.
fn table(
    input: &str,
    cases: Vec<(&str, Vec<u8>, Expect)>,
    make: impl Fn(&Place, &[u8]) -> Command,
    limit: Duration,
) {
    for (what, bytes, expect) in cases {
        let place = Place::new();
        let name = format!("{input}: {what}");
        let out = run_limited(&name, make(&place, &bytes), limit);
        check_case(&name, &out, &expect);
    }
}

#[test]
fn hostile_configs() {
    let config = |place: &Place, bytes: &[u8]| {
        let p = place.write("newswatch.toml", bytes);
        newswatch(&["check", "--config"], &p)
    };
    let feed = "[[feed]]\nname = \"x\"\nurl = \"https://example.org/rss\"\n";
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", Vec::new(), works(&["0 feed(s)"])),
        ("binary garbage", garbage(), fails(&["not valid UTF-8"])),
        (
            "invalid UTF-8 in a value",
            b"state_dir = \"caf\xe9\"\n".to_vec(),
            fails(&["not valid UTF-8", "line 1"]),
        ),
        (
            "100 MB line",
            hundred_mb("state_dir = \"", b'a', "\"\nbogus = 1\n"),
            fails(&["newswatch.toml:2:1", "unknown key `bogus`"]),
        ),
        (
            "100 MB line with an unknown key on it",
            hundred_mb("bogus = \"", b'a', "\"\n"),
            fails(&["newswatch.toml:1:1", "unknown key `bogus`"]),
        ),
        (
            "deeply nested arrays",
            nested("[", "]", 100_000).replacen('[', "a = [", 1).into_bytes(),
            fails(&["newswatch.toml:1:"]),
        ),
        (
            "deeply nested inline tables",
            format!("a = {}1{}\n", "{b = ".repeat(50_000), "}".repeat(50_000)).into_bytes(),
            fails(&["newswatch.toml:1:"]),
        ),
        (
            "unknown keys everywhere",
            format!("colour = 1\n[http]\nspeed = 2\n[desktop]\nsound = 3\n{feed}volume = 4\n")
                .into_bytes(),
            fails(&[
                "unknown key `colour`",
                "newswatch.toml:3:",
                "speed",
                "newswatch.toml:5:",
                "sound",
                "newswatch.toml:9:",
                "volume",
            ]),
        ),
        (
            "negative durations",
            format!("interval = \"-5m\"\n[http]\ntimeout = \"-1s\"\n{feed}interval = \"-10s\"\n")
                .into_bytes(),
            fails(&[
                "newswatch.toml:1:",
                "invalid duration `-5m`",
                "newswatch.toml:3:",
                "newswatch.toml:7:",
            ]),
        ),
        (
            "absurd durations",
            format!(
                "interval = \"99999999999999999999999d\"\n[desktop]\ntimeout = \"0s\"\n{feed}interval = \"1ns\"\n[[feed]]\nname = \"y\"\nurl = \"https://example.org/y\"\ninterval = \"500y\"\n"
            )
            .into_bytes(),
            fails(&[
                "newswatch.toml:1:",
                "newswatch.toml:3:",
                "greater than zero",
                "newswatch.toml:7:",
                "between 10s and 30d",
                "newswatch.toml:11:",
            ]),
        ),
        (
            "absurd numbers and sizes",
            b"concurrency = -1\n[http]\nmax_body = \"-3 MB\"\n[metrics]\nlisten = \"999.1.1.1:99999\"\n"
                .to_vec(),
            fails(&[
                "newswatch.toml:1:",
                "concurrency",
                "newswatch.toml:3:",
                "max_body",
                "newswatch.toml:5:",
            ]),
        ),
        (
            "huge integer",
            b"concurrency = 99999999999999999999999999\n".to_vec(),
            fails(&["newswatch.toml:1:"]),
        ),
        (
            "wrong types",
            b"state_dir = 7\nwatchlists = \"one\"\nfeed = 3\n[desktop]\nenabled = \"yes\"\n".to_vec(),
            fails(&[
                "newswatch.toml:1:",
                "newswatch.toml:2:",
                "newswatch.toml:3:",
                "newswatch.toml:5:",
            ]),
        ),
    ];
    table("config", cases, config, Duration::from_secs(120));
}

/// A config of `key = ["file"]` plus the shipped watchlists where `key` is entities.
fn with_file(place: &Place, key: &str, file: &str, bytes: &[u8]) -> Command {
    place.write(file, bytes);
    let watchlists = if key == "watchlists" {
        format!("[\"{file}\"]")
    } else {
        "[\"watchlists/*.toml\"]".to_string()
    };
    let entities = if key == "entities" {
        format!("entities = [\"{file}\"]\n")
    } else {
        String::new()
    };
    let p = place.write(
        "newswatch.toml",
        format!("watchlists = {watchlists}\n{entities}").as_bytes(),
    );
    newswatch(&["check", "--config"], &p)
}

#[test]
fn hostile_watchlists() {
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", Vec::new(), fails(&["no rules"])),
        ("binary garbage", garbage(), fails(&["w.toml"])),
        (
            "invalid UTF-8",
            b"[[rule]]\nid = \"caf\xe9\"\n".to_vec(),
            fails(&["w.toml", "UTF-8"]),
        ),
        (
            "100 MB line with an error after it",
            hundred_mb(
                "[[rule]]\nid = \"r\"\nkeywords = [\"x\"]\ndescription = \"",
                b'a',
                "\"\nbogus = 1\n",
            ),
            fails(&["w.toml:5:", "bogus"]),
        ),
        (
            "100 MB line with an error on it",
            hundred_mb(
                "[[rule]]\nid = \"r\"\nkeywords = [\"x\"]\ncolour = \"",
                b'a',
                "\"\n",
            ),
            fails(&["w.toml:4:", "colour"]),
        ),
        (
            // Words and phrases are matched by one automaton, not one regex each: a
            // 1 MB keyword is just a long literal, checked like any other.
            "1 MB keyword",
            format!("[[rule]]\nid = \"r\"\nkeywords = [\"{}\"]\n", "a".repeat(1 << 20)).into_bytes(),
            works(&["ok"]),
        ),
        (
            "deeply nested arrays",
            format!("[[rule]]\nid = \"r\"\nkeywords = {}\n", nested("[", "]", 100_000))
                .into_bytes(),
            fails(&["w.toml:3:"]),
        ),
        (
            "unknown keys",
            b"[[rule]]\nid = \"r\"\nkeywords = [\"x\"]\ncolour = \"red\"\n[extra]\n".to_vec(),
            fails(&["w.toml:", "unknown field"]),
        ),
        (
            "unknown entity, kind and severity",
            b"[[rule]]\nid = \"r\"\nentities = [\"nobody\"]\nkinds = [\"planet\"]\nseverity = \"apocalyptic\"\n"
                .to_vec(),
            fails(&["w.toml:"]),
        ),
        (
            "a hundred thousand keywords",
            format!(
                "[[rule]]\nid = \"r\"\nkeywords = [{}]\n",
                (0..100_000)
                    .map(|i| format!("\"kw{i}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            )
            .into_bytes(),
            works(&["ok"]),
        ),
    ];
    table(
        "watchlist",
        cases,
        |place, bytes| with_file(place, "watchlists", "w.toml", bytes),
        Duration::from_secs(180),
    );
}

#[test]
fn hostile_knowledge_base_files() {
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", Vec::new(), works(&["ok"])),
        ("binary garbage", garbage(), fails(&["kb.toml"])),
        (
            "invalid UTF-8",
            b"[[entity]]\nid = \"x\"\nname = \"caf\xe9\"\nkind = \"organization\"\n".to_vec(),
            fails(&["kb.toml", "UTF-8"]),
        ),
        (
            "100 MB line with an error after it",
            hundred_mb(
                "# ",
                b'a',
                "\n[[entity]]\nid = \"x\"\nname = \"X Corp\"\nkind = \"planet\"\n",
            ),
            fails(&["kb.toml:5:", "planet"]),
        ),
        (
            "1 MB alias",
            format!(
                "[[entity]]\nid = \"x\"\nname = \"X Corp\"\nkind = \"organization\"\naliases = [\"{}\"]\n",
                "a".repeat(1 << 20)
            )
            .into_bytes(),
            works(&["ok"]),
        ),
        (
            "deeply nested arrays",
            format!("[[entity]]\nid = \"x\"\naliases = {}\n", nested("[", "]", 100_000))
                .into_bytes(),
            fails(&["kb.toml:3:"]),
        ),
        (
            "unknown keys and kinds",
            b"[[entity]]\nid = \"x\"\nname = \"X\"\nkind = \"planet\"\nmass = 5\n".to_vec(),
            fails(&["kb.toml:"]),
        ),
        (
            // Harmless nonsense: ownership is followed with a visited set.
            "an owner cycle",
            b"[[entity]]\nid = \"a\"\nname = \"A\"\nkind = \"organization\"\nowner = \"b\"\n[[entity]]\nid = \"b\"\nname = \"B\"\nkind = \"organization\"\nowner = \"a\"\n"
                .to_vec(),
            works(&["ok"]),
        ),
    ];
    table(
        "knowledge base",
        cases,
        |place, bytes| with_file(place, "entities", "kb.toml", bytes),
        Duration::from_secs(180),
    );
}

#[test]
fn hostile_feed_bytes() {
    let rss_item = |body: &str| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><guid>g</guid><title>T</title><description>{body}</description></item></channel></rss>"
        )
    };
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", Vec::new(), fails(&["not a readable feed"])),
        ("binary garbage", garbage(), fails(&["not a readable feed"])),
        (
            "invalid UTF-8",
            rss_item("caf\u{e9}")
                .replace('\u{e9}', "\u{1}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect(),
            works(&["\"id\":\"g\""]),
        ),
        (
            "100 MB line",
            hundred_mb(
                &rss_item("").replace("</description>", ""),
                b'a',
                "</description></item></channel></rss>",
            ),
            fails(&["larger than the", "limit"]),
        ),
        (
            "deeply nested XML",
            format!(
                "<?xml version=\"1.0\"?>{}",
                nested("<a>", "</a>", 1_000_000)
            )
            .into_bytes(),
            fails(&["not a readable feed"]),
        ),
        (
            "deeply nested inside an item",
            rss_item(&nested("<div>", "</div>", 500_000)).into_bytes(),
            works(&["\"id\":\"g\""]),
        ),
        (
            "billion laughs",
            LAUGHS.as_bytes().to_vec(),
            works(&["\"id\":\"laughs\""]),
        ),
        (
            "external entity (XXE)",
            XXE.as_bytes().to_vec(),
            works(&["\"id\":\"xxe\""]),
        ),
        (
            "deeply nested JSON",
            format!(
                "{{\"version\":\"https://jsonfeed.org/version/1\",\"items\":{}}}",
                nested("[", "]", 1_000_000)
            )
            .into_bytes(),
            fails(&["not a readable feed"]),
        ),
        (
            "200,000 empty items (one shared id)",
            format!(
                "<rss version=\"2.0\"><channel>{}</channel></rss>",
                "<item/>".repeat(200_000)
            )
            .into_bytes(),
            works(&["\"id\""]),
        ),
    ];
    table(
        "feed",
        cases,
        |place, bytes| {
            let p = place.write("feed.xml", bytes);
            newswatch(&["items"], &p)
        },
        Duration::from_secs(120),
    );
}

#[test]
fn feeds_never_expand_entities_nor_read_local_files() {
    let place = Place::new();
    for (doc, name) in [(LAUGHS, "laughs.xml"), (XXE, "xxe.xml")] {
        let p = place.write(name, doc.as_bytes());
        let out = run_limited(name, newswatch(&["items"], &p), Duration::from_secs(60));
        check_case(name, &out, &works(&[]));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.len() < 4096,
            "{name}: entities were expanded: {} bytes",
            stdout.len()
        );
        assert!(
            !stdout.contains("root:"),
            "{name}: /etc/passwd leaked into the item"
        );
        assert!(
            !stdout.contains("lollollol"),
            "{name}: entities were expanded"
        );
    }
}

#[test]
fn hostile_documents_to_extract() {
    let cases: Vec<(&str, &[&str], Vec<u8>, Expect)> = vec![
        ("empty file", &[], Vec::new(), works(&["\"entities\": []"])),
        ("binary garbage", &[], garbage(), fails(&["not UTF-8"])),
        (
            "invalid UTF-8",
            &["--html"],
            b"<p>TikTok caf\xe9</p>".to_vec(),
            fails(&["not UTF-8", "byte 13"]),
        ),
        (
            "100 MB line",
            &[],
            hundred_mb("TikTok ", b'a', "\n"),
            works(&["\"id\": \"tiktok\""]),
        ),
        (
            "deeply nested HTML",
            &["--html"],
            format!("<p>TikTok</p>{}", nested("<div>", "</div>", 500_000)).into_bytes(),
            works(&["\"id\": \"tiktok\""]),
        ),
        (
            "billion laughs in HTML",
            &["--html"],
            LAUGHS.as_bytes().to_vec(),
            works(&["\"text\""]),
        ),
        (
            "a million quotation marks",
            &[],
            "\u{201c}TikTok ".repeat(1_000_000).into_bytes(),
            works(&["\"id\": \"tiktok\""]),
        ),
    ];
    for (what, args, bytes, expect) in cases {
        let place = Place::new();
        let p = place.write("doc", &bytes);
        let mut all = vec!["extract"];
        all.extend_from_slice(args);
        let name = format!("extract: {what}");
        // A hang guard: the 100 MB line takes about a minute of CPU in a debug build
        // (every stage reads every byte), several on a machine shared with builds.
        let out = run_limited(&name, newswatch(&all, &p), Duration::from_secs(600));
        check_case(&name, &out, &expect);
    }
}

#[test]
fn hostile_batch_lines_to_extract() {
    let place = Place::new();
    let input = place.write(
        "batch.jsonl",
        format!(
            "{{\"id\":1,\"text\":\"TikTok\"}}\nnot json\n{}\n{{\"id\":2,\"html\":5}}\n\u{0}\u{1}\n{{\"id\":3}}\n{{\"id\":4,\"text\":\"WeChat\"}}\n",
            nested("[", "]", 100_000)
        )
        .as_bytes(),
    );
    let mut cmd = common::newswatch();
    cmd.args(["extract", "--batch"])
        .stdin(std::fs::File::open(&input).expect("batch input"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().expect("extract --batch");
    check_case("extract --batch", &out, &works(&["tiktok", "wechat"]));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout)
        .expect("utf-8")
        .lines()
        .collect();
    assert_eq!(lines.len(), 7, "one output line per input line: {lines:#?}");
    assert!(
        lines[1].contains("\"error\"") && lines[1].contains("line 2"),
        "{}",
        lines[1]
    );
}

#[test]
fn hostile_alert_logs_to_tail() {
    let good = r#"{"schema":1,"alert_id":"a1","ts":"2024-05-01T10:00:00Z","rule":"tiktok","severity":"high","feed":{"name":"f","url":"u"},"item":{"id":"i","title":"Good alert","link":null,"published":null},"matched":[],"snippet":"","extraction":{"text":"","entities":[],"money":[],"percent":[],"durations":[],"dates":[],"quotes":[]}}"#;
    let with_good = |junk: Vec<u8>| {
        let mut v = junk;
        v.push(b'\n');
        v.extend_from_slice(good.as_bytes());
        v.push(b'\n');
        v
    };
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty file", Vec::new(), works(&[])),
        (
            // One line of garbage (each unreadable line is reported once on stderr).
            "binary garbage, then an alert",
            with_good(garbage().into_iter().filter(|&b| b != b'\n').collect()),
            works(&["Good alert"]),
        ),
        (
            "invalid UTF-8, then an alert",
            with_good(b"{\"alert_id\":\"caf\xe9\"}".to_vec()),
            works(&["Good alert"]),
        ),
        (
            "100 MB line, then an alert",
            with_good(hundred_mb("{\"x\":\"", b'a', "\"}")),
            works(&["Good alert"]),
        ),
        (
            "deeply nested JSON, then an alert",
            with_good(nested("[", "]", 1_000_000).into_bytes()),
            works(&["Good alert"]),
        ),
        (
            "JSON that is not an alert, then an alert",
            with_good(b"{\"schema\":1}\n[1,2,3]\nnull".to_vec()),
            works(&["Good alert"]),
        ),
    ];
    table(
        "tail",
        cases,
        |place, bytes| {
            let p = place.write("alerts.jsonl", bytes);
            newswatch(&["tail", "--file"], &p)
        },
        Duration::from_secs(120),
    );
}
