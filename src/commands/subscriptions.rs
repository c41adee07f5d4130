//! The subscription commands: `feeds` (every configured feed with its stored state),
//! `import-opml` (OPML → `[[feed]]` TOML, printed or appended to a config after
//! validating the result) and `export-opml`. The logic returns strings or values, so
//! tests check it without a process; the command functions at the end print them.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::write_stdout;
use crate::config::{self, Config, Feed, FeedSource};
use crate::duration::short_span as span;
use crate::source::opml::{self, OpmlFeed};
use crate::store::{FeedState, Store};

/// One configured feed and what the store knows of it, as `feeds --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedRow {
    /// The feed's name.
    pub name: String,
    /// The configured URL or path.
    pub url: String,
    /// Where permanent redirects moved it (what is actually polled), if anywhere.
    pub effective_url: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// `200`, `304`, an error class (`timeout`, `500`, `parse`…), or `never`.
    pub status: String,
    /// Disabled after 410 Gone, until its URL changes.
    pub disabled: bool,
    /// When it was last polled.
    pub last_poll: Option<DateTime<Utc>>,
    /// When it last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// When it is due next.
    pub next_poll: Option<DateTime<Utc>>,
    /// Consecutive failures.
    pub error_count: u32,
    /// The last failure's message (cleared by a success).
    pub last_error: Option<String>,
    /// Items remembered from it.
    pub items_seen: u64,
}

/// The rows of `feeds`: every configured feed, in config order, with its state (state
/// recorded for another URL than the configured one does not count).
pub fn feed_rows(feeds: &[Feed], states: &[FeedState]) -> Vec<FeedRow> {
    feeds
        .iter()
        .map(|f| {
            let url = f.source.display();
            let st = states.iter().find(|s| s.name == f.name && s.url == url);
            FeedRow {
                name: f.name.clone(),
                url,
                effective_url: st.and_then(|s| s.effective_url.clone()),
                tags: f.tags.clone(),
                status: st
                    .and_then(|s| s.last_status.clone())
                    .unwrap_or_else(|| "never".into()),
                disabled: st.is_some_and(|s| s.disabled),
                last_poll: st.and_then(|s| s.last_poll),
                last_success: st.and_then(|s| s.last_success),
                next_poll: st.and_then(|s| s.next_poll),
                error_count: st.map_or(0, |s| s.error_count),
                last_error: st.and_then(|s| s.last_error.clone()),
                items_seen: st.map_or(0, |s| s.items_seen),
            }
        })
        .collect()
}

/// `feeds` as an aligned table; a failing feed's error and a moved feed's address
/// follow on their own indented lines.
pub fn feeds_table(rows: &[FeedRow], now: DateTime<Utc>) -> String {
    let head = [
        "NAME",
        "STATUS",
        "LAST POLL",
        "NEXT POLL",
        "ERRORS",
        "ITEMS",
        "URL",
    ];
    let rows: Vec<(Vec<String>, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let status = if r.disabled {
                format!("{} (disabled)", r.status)
            } else {
                r.status.clone()
            };
            let cells = vec![
                r.name.clone(),
                status,
                r.last_poll.map_or("never".into(), |t| ago(t, now)),
                r.next_poll.map_or("-".into(), |t| until(t, now)),
                r.error_count.to_string(),
                r.items_seen.to_string(),
                r.url.clone(),
            ];
            let mut notes = Vec::new();
            if let Some(e) = &r.effective_url {
                notes.push(format!("moved permanently to {e} (polled there)"));
            }
            if r.error_count > 0 {
                if let Some(e) = &r.last_error {
                    notes.push(format!("last error: {e}"));
                }
            }
            (cells, notes)
        })
        .collect();
    aligned(&head, &rows)
}

/// An aligned table: the head, then each row's cells (the last one not padded), each
/// followed by its notes on indented lines of their own.
pub fn aligned(head: &[&str], rows: &[(Vec<String>, Vec<String>)]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for (cells, _) in rows {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |c: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in c.iter().zip(&widths).enumerate() {
            if i + 1 == c.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let head: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    let mut out = line(&head);
    for (cells, notes) in rows {
        out.push_str(&line(cells));
        for n in notes {
            out.push_str(&format!("    {n}\n"));
        }
    }
    out
}

/// `t` as a time past: `12m ago`.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ago", span(now - t))
}

/// `t` as a time to come: `in 12m`, or `due` once reached.
pub fn until(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t <= now {
        "due".into()
    } else {
        format!("in {}", span(t - now))
    }
}

/// A `[[feed]]` entry made from an OPML outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFeed {
    /// Unique among the config's feeds and the other new ones.
    pub name: String,
    /// The feed's URL (or `file://` path).
    pub url: String,
    /// Folders and categories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// What an import would add, and what it left out and why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Import {
    /// New entries, in OPML order.
    pub added: Vec<NewFeed>,
    /// One line per outline left out (already configured, duplicate, bad URL).
    pub skipped: Vec<String>,
}

/// Turns OPML feeds into new `[[feed]]` entries for a config that has `existing`
/// feeds (folder `base_dir`): feeds already there (same URL) are left out, names
/// are made unique, and anything but http(s) or a `file://` path is refused.
pub fn import(opml: &[OpmlFeed], existing: &[Feed], base_dir: &Path) -> Import {
    let mut names: HashSet<String> = existing.iter().map(|f| f.name.clone()).collect();
    let mut sources: HashSet<FeedSource> = existing.iter().map(|f| f.source.clone()).collect();
    let mut out = Import::default();
    for o in opml {
        let source = match FeedSource::parse(&o.url, base_dir) {
            Ok(s @ FeedSource::Http(_)) => s,
            Ok(s @ FeedSource::File(_)) if o.url.starts_with("file://") => s,
            Ok(_) => {
                out.skipped.push(format!("{}: not an http(s) URL", o.url));
                continue;
            }
            Err(e) => {
                out.skipped.push(format!("{}: {e}", o.url));
                continue;
            }
        };
        if !sources.insert(source.clone()) {
            out.skipped
                .push(format!("{}: already in the config or listed twice", o.url));
            continue;
        }
        let base = if o.title.trim().is_empty() {
            url_name(&source)
        } else {
            o.title.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        names.insert(name.clone());
        let url = match &source {
            FeedSource::Http(u) => u.to_string(),
            FeedSource::File(_) => o.url.clone(),
        };
        out.added.push(NewFeed {
            name,
            url,
            tags: o.tags.clone(),
        });
    }
    out
}

/// A name for a feed without a title: host and path, or the file's stem.
fn url_name(source: &FeedSource) -> String {
    match source {
        FeedSource::Http(u) => {
            let host = u.host_str().unwrap_or("feed").trim_start_matches("www.");
            match u.path().trim_matches('/') {
                "" => host.to_string(),
                p => format!("{host}/{p}"),
            }
        }
        FeedSource::File(p) => p
            .file_stem()
            .map_or_else(|| "feed".into(), |s| s.to_string_lossy().into_owned()),
    }
}

/// The entries as TOML `[[feed]]` tables, after a comment naming where they came from.
pub fn import_toml(added: &[NewFeed], from: &str) -> anyhow::Result<String> {
    #[derive(Serialize)]
    struct Doc<'a> {
        feed: &'a [NewFeed],
    }
    let body = toml::to_string(&Doc { feed: added }).context("writing TOML")?;
    Ok(format!(
        "# Imported from {from} by newswatch import-opml ({} feed(s)).\n{body}",
        added.len()
    ))
}

/// Appends `toml` to the config at `path`, after checking that the whole result is a
/// valid config; the file is replaced in one rename, so it is never half-written.
pub fn append_to_config(path: &Path, toml: &str) -> anyhow::Result<()> {
    let old =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut text = old.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(toml);
    Config::parse(path, &text).map_err(|d| {
        anyhow!("the config would not be valid after the import; nothing written:\n{d}")
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "newswatch.toml".into());
    let tmp = dir.join(format!(".{file_name}.import-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("cannot write {}: {e}", path.display())
    })
}

/// `newswatch feeds [--json]`: every configured feed with its stored state.
pub fn feeds(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path).map_err(|d| anyhow!("{d}"))?;
    let store = Store::open(&cfg.state_dir)
        .with_context(|| format!("cannot open the state in {}", cfg.state_dir.display()))?;
    let rows = feed_rows(&cfg.feeds, &store.feeds()?);
    if !json {
        return write_stdout(feeds_table(&rows, Utc::now()).as_bytes());
    }
    let mut buf = Vec::new();
    for r in &rows {
        serde_json::to_writer(&mut buf, r)?;
        buf.push(b'\n');
    }
    write_stdout(&buf)
}

/// `newswatch import-opml FILE [--append]`: the OPML's feeds as `[[feed]]` TOML, printed
/// or appended to the config.
pub fn import_opml(file: &Path, append: bool, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let outlines = opml::parse(&bytes).with_context(|| format!("reading {}", file.display()))?;
    // Without --append a config is optional: it only tells which feeds to skip.
    let cfg_path = match (append, config) {
        (true, _) => Some(config::locate(config)?),
        (false, Some(p)) => Some(p.to_path_buf()),
        (false, None) => config::locate(None).ok(),
    };
    let cfg = cfg_path
        .as_deref()
        .map(|p| Config::load(p).map_err(|d| anyhow!("{d}")))
        .transpose()?;
    let existing = cfg.as_ref().map_or(&[][..], |c| &c.feeds[..]);
    let base = match &cfg_path {
        Some(p) => p.parent().unwrap_or(Path::new(".")).to_path_buf(),
        None => std::env::current_dir().context("no current directory")?,
    };
    let found = import(&outlines, existing, &base);
    for s in &found.skipped {
        eprintln!("newswatch: skipped {s}");
    }
    let toml = import_toml(&found.added, &file.display().to_string())?;
    match (append, &cfg_path) {
        (true, Some(p)) => {
            if !found.added.is_empty() {
                append_to_config(p, &toml)?;
            }
            eprintln!(
                "newswatch: {} feed(s) added to {}, {} skipped",
                found.added.len(),
                p.display(),
                found.skipped.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => write_stdout(toml.as_bytes()),
    }
}

/// `newswatch export-opml`: the config's feeds as OPML 2.0.
pub fn export_opml(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(&config::locate(config)?).map_err(|d| anyhow!("{d}"))?;
    let doc = opml::write(&cfg.feeds, "newswatch feeds", Utc::now());
    write_stdout(doc.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::opml;

    fn config(text: &str) -> Config {
        Config::parse(Path::new("/cfg/newswatch.toml"), text).unwrap()
    }

    #[test]
    fn import_skips_known_urls_and_makes_names_unique() {
        let cfg = config(
            "watchlists = []\n[[feed]]\nname = \"BBC\"\nurl = \"https://feeds.bbci.co.uk/news/rss.xml\"\n",
        );
        let doc = r#"<opml version="2.0"><body><outline text="News">
            <outline text="BBC" xmlUrl="https://feeds.bbci.co.uk/news/rss.xml"/>
            <outline text="BBC" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
            <outline text="" xmlUrl="https://example.org/atom/"/>
            <outline text="again" xmlUrl="https://example.org/atom/"/>
            <outline text="ftp" xmlUrl="ftp://example.org/x"/>
        </outline></body></opml>"#;
        let feeds = opml::parse(doc.as_bytes()).unwrap();
        let got = import(&feeds, &cfg.feeds, Path::new("/cfg"));
        let names: Vec<&str> = got.added.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["BBC (2)", "example.org/atom"]);
        assert_eq!(got.added[0].tags, ["News"]);
        assert_eq!(got.skipped.len(), 3, "{:?}", got.skipped);
        let toml = import_toml(&got.added, "subs.opml").unwrap();
        let merged = format!("watchlists = []\n{toml}");
        let back = config(&merged);
        assert_eq!(back.feeds.len(), 2);
        assert_eq!(back.feeds[0].name, "BBC (2)");
        assert_eq!(back.feeds[0].tags, ["News"]);
    }

    #[test]
    fn append_validates_then_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, "# mine\nwatchlists = []\n[desktop]\nenabled = false").unwrap();
        let add = vec![NewFeed {
            name: "x".into(),
            url: "https://x.example/rss".into(),
            tags: vec![],
        }];
        append_to_config(&path, &import_toml(&add, "a.opml").unwrap()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\n"),
            "the user's text is kept: {text}"
        );
        let cfg = Config::load(&path).unwrap();
        assert_eq!(cfg.feeds[0].name, "x");
        assert!(!cfg.desktop.enabled);
        // A result that would not load is refused and the file is left as it was.
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(append_to_config(&path, "[[feed]]\nurl = \"ftp://nope\"\n").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp litter"
        );
    }

    #[test]
    fn table_shows_state_errors_and_moves() {
        let cfg = config(
            "watchlists = []\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n[[feed]]\nname = \"b\"\nurl = \"https://b.example/rss\"\n",
        );
        let now = Utc::now();
        let states = vec![FeedState {
            name: "a".into(),
            url: "https://a.example/rss".into(),
            last_poll: Some(now - chrono::Duration::minutes(5)),
            last_status: Some("500".into()),
            next_poll: Some(now + chrono::Duration::minutes(30)),
            error_count: 2,
            last_error: Some("HTTP 500".into()),
            items_seen: 7,
            effective_url: Some("https://a2.example/rss".into()),
            ..FeedState::default()
        }];
        let rows = feed_rows(&cfg.feeds, &states);
        assert_eq!(rows[1].status, "never");
        let t = feeds_table(&rows, now);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("NAME"), "{t}");
        assert!(
            lines[1].contains("500") && lines[1].contains("5m ago") && lines[1].contains("in 30m"),
            "{t}"
        );
        assert!(
            t.contains("moved permanently to https://a2.example/rss"),
            "{t}"
        );
        assert!(t.contains("last error: HTTP 500"), "{t}");
        assert!(
            lines.last().unwrap().starts_with("b ") && lines.last().unwrap().contains("never"),
            "{t}"
        );
    }
}
