//! `newswatch items`: the items a feed yields, one JSON line each (`id`, `title`,
//! `link`, `published`); `--batch` parses every file named on stdin in one process
//! (what `scripts/compare-feedparser.py` calls).

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::print_with;
use crate::config::FeedSource;
use crate::model::Validators;
use crate::source::fetch::Fetched;
use crate::source::parse::parse_feed;

/// The `items` JSON shape.
#[derive(Serialize)]
struct ItemLine<'a> {
    id: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<DateTime<Utc>>,
}

/// `items FILE|URL`.
pub async fn items(source: &str) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("no current directory")?;
    let src = FeedSource::parse(source, &cwd).map_err(|e| anyhow!(e))?;
    let fetcher = super::article::default_fetcher()?;
    let fetched = fetcher
        .fetch(&src, &Validators::default())
        .await
        .map_err(|e| {
            // Say what could not be fetched, unless the error already does.
            let (what, text) = (src.display(), e.to_string());
            if text.contains(&what) {
                anyhow!(text)
            } else {
                anyhow!("{what}: {text}")
            }
        })?;
    let bytes = match fetched {
        Fetched::Body { bytes, .. } => bytes,
        Fetched::NotModified { .. } => {
            bail!("the server answered 304 Not Modified to an unconditional request")
        }
    };
    let base = match &src {
        FeedSource::Http(u) => Some(u.as_str()),
        FeedSource::File(_) => None,
    };
    let items = parse_feed(&bytes, base).with_context(|| format!("parsing {source}"))?;
    print_with(|out| {
        for i in &items {
            let line = ItemLine {
                id: &i.id,
                title: &i.title,
                link: i.link.as_deref(),
                published: i.published,
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// One output line of `items --batch`.
#[derive(Serialize)]
struct BatchItems<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<ItemLine<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    panicked: bool,
    /// Microseconds spent in `parse_feed`.
    parse_us: u128,
}

/// `items --batch`: parse every file named on stdin in this one process.
pub fn items_batch() -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut parsing = std::time::Duration::ZERO;
    let mut files = 0usize;
    let code = print_with(|out| batch_lines(out, &mut files, &mut parsing))?;
    eprintln!(
        "{files} files; parsing {:.1} ms; total {:.1} ms",
        parsing.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(code)
}

/// The lines of `items --batch`, counting the files and the time spent parsing.
fn batch_lines(
    out: &mut impl Write,
    files: &mut usize,
    parsing: &mut std::time::Duration,
) -> anyhow::Result<()> {
    for line in io::stdin().lock().lines() {
        let line = line.context("reading file names from stdin")?;
        let file = line.trim_end_matches('\r');
        if file.is_empty() {
            continue;
        }
        *files += 1;
        let bytes = std::fs::read(file);
        let t0 = std::time::Instant::now();
        let parsed = bytes
            .map_err(|e| format!("reading: {e}"))
            .map(|b| parse_feed(&b, None));
        let spent = t0.elapsed();
        *parsing += spent;
        let parse_us = spent.as_micros();
        let row = match &parsed {
            Ok(Ok(items)) => BatchItems {
                file,
                items: Some(
                    items
                        .iter()
                        .map(|i| ItemLine {
                            id: &i.id,
                            title: &i.title,
                            link: i.link.as_deref(),
                            published: i.published,
                        })
                        .collect(),
                ),
                error: None,
                panicked: false,
                parse_us,
            },
            Ok(Err(e)) => BatchItems {
                file,
                items: None,
                error: Some(e.to_string()),
                panicked: matches!(e, crate::source::parse::ParseError::Panicked(_)),
                parse_us,
            },
            Err(e) => BatchItems {
                file,
                items: None,
                error: Some(e.clone()),
                panicked: false,
                parse_us,
            },
        };
        serde_json::to_writer(&mut *out, &row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
