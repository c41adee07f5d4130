//! Reading and following the alert log: filters (rule, since), a readable rendering or
//! the raw lines, and `-f` that keeps following across rotation and truncation.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::Alert;

/// How often `-f` looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

/// What to show.
#[derive(Debug, Clone, Default)]
pub struct TailOptions {
    /// Only these rules (empty: all).
    pub rules: Vec<String>,
    /// Only alerts raised at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Print raw JSON lines instead of the readable form.
    pub json: bool,
    /// Only the last N matching alerts of what is already there.
    pub last: Option<usize>,
}

impl TailOptions {
    fn wants(&self, a: &Alert) -> bool {
        (self.rules.is_empty() || self.rules.contains(&a.rule))
            && self.since.is_none_or(|s| a.ts >= s)
    }
}

/// Parses `--since`: a duration back from now ("2h", "7d") or an RFC 3339 time / date.
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc()));
    }
    let d = crate::duration::parse_duration(s)
        .map_err(|e| format!("--since: {e}; or an RFC 3339 time"))?;
    // An absurd span ("100000000y") means "since the beginning", not an overflow.
    Ok(crate::duration::ago(now, d))
}

/// The readable rendering of one alert (several lines, ending with a newline).
pub fn render(a: &Alert) -> String {
    let mut s = format!(
        "{}  {:<8}  {}  {}\n",
        a.ts.format("%Y-%m-%d %H:%M:%SZ"),
        a.severity.as_str().to_uppercase(),
        a.rule,
        if a.item.title.is_empty() {
            "(untitled)"
        } else {
            &a.item.title
        }
    );
    if let Some(link) = &a.item.link {
        s.push_str(&format!("    {link}\n"));
    }
    let mut names: Vec<String> = Vec::new();
    for m in &a.matched {
        let n = if m.kind == "keyword" {
            format!("\"{}\"", m.surface)
        } else {
            format!("{} ({})", m.name, m.id)
        };
        if !names.contains(&n) {
            names.push(n);
        }
    }
    s.push_str(&format!("    matched: {}\n", names.join(", ")));
    if !a.snippet.is_empty() {
        s.push_str(&format!("    “{}”\n", a.snippet));
    }
    s.push_str(&format!("    feed: {}\n", a.feed.name));
    s
}

/// Writes one line of the log to `out` if it passes the filters. Unreadable lines (a
/// torn write, a foreign line) are reported on stderr and skipped.
fn emit(line: &str, opts: &TailOptions, out: &mut impl Write) -> io::Result<()> {
    if line.trim().is_empty() {
        return Ok(());
    }
    match serde_json::from_str::<Alert>(line) {
        Ok(a) if opts.wants(&a) => {
            if opts.json {
                writeln!(out, "{}", line.trim_end())
            } else {
                writeln!(out, "{}", render(&a))
            }
        }
        Ok(_) => Ok(()),
        Err(e) => {
            eprintln!("newswatch tail: skipping an unreadable line: {e}");
            Ok(())
        }
    }
}

/// Prints the alerts already in the log at `path`; returns the byte offset reached.
pub fn print_existing(path: &Path, opts: &TailOptions, out: &mut impl Write) -> io::Result<u64> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(f);
    let mut pos = 0u64;
    let mut keep: VecDeque<String> = VecDeque::new();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        // Bytes, not a String: one line that is not UTF-8 (a damaged disk block, a
        // foreign writer) is skipped like any unreadable line, instead of ending the read.
        let n = reader.read_until(b'\n', &mut bytes)?;
        if n == 0 || bytes.last() != Some(&b'\n') {
            break; // EOF, or a line still being written: follow picks it up
        }
        pos += n as u64;
        let line = String::from_utf8_lossy(&bytes);
        let Ok(a) = serde_json::from_str::<Alert>(&line) else {
            emit(&line, opts, out)?;
            continue;
        };
        if !opts.wants(&a) {
            continue;
        }
        match opts.last {
            Some(n) => {
                keep.push_back(line.clone().into_owned());
                if keep.len() > n {
                    keep.pop_front();
                }
            }
            None => emit(&line, opts, out)?,
        }
    }
    for l in keep {
        emit(&l, opts, out)?;
    }
    out.flush()?;
    Ok(pos)
}

/// Prints what is there, then follows the log for ever: new lines as they are
/// appended, across rotation and truncation.
///
/// - Rotation by renaming (logrotate's default, then SIGHUP to the daemon): when a new
///   file appears at `path`, the old one is still read, since the daemon writes to it
///   until it reopens; once the new file has data the daemon has switched, so the old
///   file is read a last time and closed. Nothing written to either is missed, and the
///   old file's lines come first.
/// - Truncation in place (`copytruncate`): the file shrinking below what was read
///   means it starts again, so reading restarts at 0. (A file truncated and refilled
///   beyond the old size between two looks cannot be told from growth; use rename.)
/// - No file yet, or none for a while after a rename: it is waited for.
pub fn follow(path: &Path, opts: &TailOptions, out: &mut impl Write) -> io::Result<()> {
    let pos = print_existing(path, opts, out)?;
    let mut current = Followed::open(path, pos);
    let mut rotated: Option<Followed> = None;
    loop {
        std::thread::sleep(FOLLOW_POLL);
        step(path, &mut current, &mut rotated, opts, out)?;
    }
}

/// One look at the log: drain a rotated file, notice rotation or truncation, read new
/// lines.
fn step(
    path: &Path,
    current: &mut Option<Followed>,
    rotated: &mut Option<Followed>,
    opts: &TailOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    if let Some(old) = rotated.as_mut() {
        // Seen before the last read of the old file: data in the new one means the
        // writer had already switched, so that read got everything.
        let switched = current.as_ref().is_some_and(|c| c.len() > 0);
        old.read_new(opts, out)?;
        if switched {
            *rotated = None;
        }
    }
    let at_path = std::fs::metadata(path).ok();
    if let Some(c) = current.as_mut() {
        c.read_new(opts, out)?;
    }
    match (&at_path, current.as_ref()) {
        (Some(m), Some(c)) if m.ino() != c.ino => {
            // Rotated: keep the old file until the writer has moved on.
            if let Some(mut older) = rotated.take() {
                older.read_new(opts, out)?;
            }
            *rotated = current.take();
            *current = Followed::open(path, 0);
        }
        (Some(m), Some(c)) if m.len() < c.pos => {
            eprintln!(
                "newswatch tail: {} was truncated; reading it from the start",
                path.display()
            );
            if let Some(c) = current.as_mut() {
                c.pos = 0;
                c.partial.clear();
            }
        }
        (Some(_), None) => *current = Followed::open(path, 0),
        _ => {}
    }
    if let Some(c) = current.as_mut() {
        c.read_new(opts, out)?;
    }
    Ok(())
}

/// One open log file being followed.
struct Followed {
    /// The open file (it stays the same file when renamed).
    file: File,
    /// Its inode, to notice a new file at the path.
    ino: u64,
    /// Bytes read so far.
    pos: u64,
    /// An incomplete last line (bytes: a character may be cut), kept until its
    /// newline arrives.
    partial: Vec<u8>,
}

impl Followed {
    fn open(path: &Path, pos: u64) -> Option<Followed> {
        let file = File::open(path).ok()?;
        let ino = file.metadata().ok()?.ino();
        Some(Followed {
            file,
            ino,
            pos,
            partial: Vec::new(),
        })
    }

    fn len(&self) -> u64 {
        self.file.metadata().map_or(0, |m| m.len())
    }

    /// Emits the complete lines appended since the last read.
    fn read_new(&mut self, opts: &TailOptions, out: &mut impl Write) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len <= self.pos {
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(self.pos))?;
        let mut buf = Vec::new();
        (&mut self.file)
            .take(len - self.pos)
            .read_to_end(&mut buf)?;
        self.pos += buf.len() as u64;
        self.partial.extend_from_slice(&buf);
        while let Some(i) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=i).collect();
            emit(&String::from_utf8_lossy(&line), opts, out)?;
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str) -> String {
        let a = Alert {
            schema: crate::model::ALERT_SCHEMA,
            alert_id: id.into(),
            ts: DateTime::UNIX_EPOCH,
            rule: "r".into(),
            severity: crate::model::Severity::High,
            feed: crate::model::AlertFeed {
                name: "f".into(),
                url: "u".into(),
            },
            item: crate::model::AlertItem {
                id: "i".into(),
                title: "t".into(),
                link: None,
                published: None,
            },
            matched: Vec::new(),
            snippet: String::new(),
            extraction: Default::default(),
            group_id: None,
            text_source: None,
        };
        format!("{}\n", serde_json::to_string(&a).unwrap())
    }

    fn append(path: &Path, text: &str) {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn ids(out: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["alert_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.jsonl");
        let mut bytes = line("a").into_bytes();
        bytes.extend_from_slice(b"{\"alert_id\":\"caf\xe9\"}\n\xff\xfe\x00\n");
        bytes.extend_from_slice(line("b").as_bytes());
        std::fs::write(&path, bytes).unwrap();
        let opts = TailOptions {
            json: true,
            ..TailOptions::default()
        };
        let mut out = Vec::new();
        print_existing(&path, &opts, &mut out).unwrap();
        assert_eq!(ids(&out), ["a", "b"]);
    }

    #[test]
    fn follows_across_rename_rotation_truncation_and_torn_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.jsonl");
        let opts = TailOptions {
            json: true,
            ..TailOptions::default()
        };
        let mut out = Vec::new();
        let (mut cur, mut rot) = (None, None);
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        assert!(out.is_empty(), "no file yet");
        append(&path, &line("a"));
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        assert_eq!(ids(&out), ["a"], "the file appeared");

        // logrotate renames; the writer still writes to the old file, then reopens.
        std::fs::rename(&path, dir.path().join("alerts.jsonl.1")).unwrap();
        append(&dir.path().join("alerts.jsonl.1"), &line("b"));
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        std::fs::write(&path, "").unwrap(); // `create`: an empty new file at once
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        append(&dir.path().join("alerts.jsonl.1"), &line("c")); // before the SIGHUP
        append(&path, &line("d")); // after it
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        assert_eq!(ids(&out), ["a", "b", "c", "d"]);
        assert!(
            rot.is_none(),
            "the old file is closed once the writer switched"
        );

        // A line written in two parts, cut inside a character.
        let l = line("é");
        let cut = l.find('é').unwrap() + 1;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&l.as_bytes()[..cut])
            .unwrap();
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&l.as_bytes()[cut..])
            .unwrap();
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        assert_eq!(ids(&out), ["a", "b", "c", "d", "é"]);

        // copytruncate: cut to zero in place, then written again.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        append(&path, &line("e"));
        step(&path, &mut cur, &mut rot, &opts, &mut out).unwrap();
        assert_eq!(ids(&out), ["a", "b", "c", "d", "é", "e"]);
    }

    #[test]
    fn since_accepts_durations_and_times() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("1d", now).unwrap().to_rfc3339(),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2025-12-31", now).unwrap().to_rfc3339(),
            "2025-12-31T00:00:00+00:00"
        );
        assert!(parse_since("soon", now).is_err());
        assert_eq!(
            parse_since("100000000y", now).unwrap(),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
