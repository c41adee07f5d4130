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
    let d = crate::config::parse_duration(s)
        .map_err(|e| format!("--since: {e}; or an RFC 3339 time"))?;
    Ok(now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
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
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 || !line.ends_with('\n') {
            break; // EOF, or a line still being written: follow picks it up
        }
        pos += n as u64;
        let Ok(a) = serde_json::from_str::<Alert>(&line) else {
            emit(&line, opts, out)?;
            continue;
        };
        if !opts.wants(&a) {
            continue;
        }
        match opts.last {
            Some(n) => {
                keep.push_back(line.clone());
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
/// appended; after rotation (a new file at `path`) or truncation, from the start.
pub fn follow(path: &Path, opts: &TailOptions, out: &mut impl Write) -> io::Result<()> {
    let mut pos = print_existing(path, opts, out)?;
    let mut file = File::open(path).ok();
    let mut ino = file
        .as_ref()
        .and_then(|f| f.metadata().ok())
        .map(|m| m.ino());
    let mut partial = String::new();
    loop {
        std::thread::sleep(FOLLOW_POLL);
        let current = std::fs::metadata(path).ok();
        if let Some(f) = file.as_mut() {
            // Finish what the old file holds before switching.
            read_new(f, &mut pos, &mut partial, opts, out)?;
        }
        match current {
            Some(m) if Some(m.ino()) != ino => {
                file = File::open(path).ok();
                ino = Some(m.ino());
                pos = 0;
                partial.clear();
            }
            Some(m) if m.len() < pos => {
                pos = 0; // truncated in place
                partial.clear();
            }
            _ => {}
        }
    }
}

fn read_new(
    f: &mut File,
    pos: &mut u64,
    partial: &mut String,
    opts: &TailOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    let len = f.metadata()?.len();
    if len <= *pos {
        return Ok(());
    }
    f.seek(SeekFrom::Start(*pos))?;
    let mut buf = Vec::new();
    f.take(len - *pos).read_to_end(&mut buf)?;
    *pos += buf.len() as u64;
    partial.push_str(&String::from_utf8_lossy(&buf));
    while let Some(i) = partial.find('\n') {
        let line: String = partial.drain(..=i).collect();
        emit(&line, opts, out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
