//! `newswatch article FILE|URL [--json]`: the readable text of one web page (its
//! article, found as `full_text` finds it); `--batch` reads page files named on stdin
//! and prints one JSON line each (what `scripts/article-quality.py` measures).

use std::io::{self, BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use serde::Serialize;

use super::print_with;
use crate::config::{Config, FeedSource};
use crate::page::{self, Article};
use crate::source::fetch::Fetcher;

/// A fetcher with the default `[http]` settings (timeouts, size cap, User-Agent).
pub fn default_fetcher() -> anyhow::Result<Fetcher> {
    Ok(Fetcher::new(
        &Config::parse(Path::new("<defaults>"), "watchlists = []")
            .map_err(|d| anyhow!("{d}"))?
            .http,
    ))
}

/// `article FILE|URL`: the title and text, or with `json` the whole [`Article`].
pub async fn article(source: &str, json: bool) -> anyhow::Result<ExitCode> {
    let fetcher = default_fetcher()?;
    let cwd = std::env::current_dir().context("no current directory")?;
    let article = match FeedSource::parse(source, &cwd).map_err(|e| anyhow!(e))? {
        FeedSource::Http(url) => {
            let page = fetcher.fetch_page(&url).await?;
            page::article_of(
                &page.bytes,
                page.content_type.as_deref(),
                Some(page.url.as_str()),
            )
        }
        FeedSource::File(path) => {
            page::article_of(&read_page(&path, fetcher.max_body())?, None, None)
        }
    }
    .with_context(|| format!("reading the article of {source}"))?;
    print_with(|out| {
        if json {
            serde_json::to_writer(&mut *out, &article)?;
            out.write_all(b"\n")?;
        } else {
            if let Some(title) = &article.title {
                writeln!(out, "{title}\n")?;
            }
            writeln!(out, "{}", article.text)?;
        }
        Ok(())
    })
}

/// A page file's bytes, refused past `cap` (the `[http] max_body` default) without
/// reading further.
fn read_page(path: &Path, cap: u64) -> anyhow::Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > cap {
        bail!("{} is larger than the {cap}-byte limit", path.display());
    }
    Ok(bytes)
}

/// One output line of `article --batch`.
#[derive(Serialize)]
struct BatchLine<'a> {
    file: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    article: Option<Article>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// `article --batch`: every page file named on stdin, in this one process, in order.
pub fn article_batch() -> anyhow::Result<ExitCode> {
    let cap = default_fetcher()?.max_body();
    print_with(|out| batch_lines(out, cap))
}

/// The lines of `article --batch`: one per file named on stdin.
fn batch_lines(out: &mut impl Write, cap: u64) -> anyhow::Result<()> {
    for line in io::stdin().lock().lines() {
        let line = line.context("reading file names from stdin")?;
        let file = line.trim_end_matches('\r');
        if file.is_empty() {
            continue;
        }
        let read = read_page(Path::new(file), cap)
            .and_then(|bytes| Ok(page::article_of(&bytes, None, None)?));
        let row = match read {
            Ok(article) => BatchLine {
                file,
                article: Some(article),
                error: None,
            },
            Err(e) => BatchLine {
                file,
                article: None,
                error: Some(format!("{e:#}")),
            },
        };
        serde_json::to_writer(&mut *out, &row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
