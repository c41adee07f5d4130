//! The commands behind the CLI: each takes its parsed arguments and returns an exit
//! code or an error; `main` only maps errors to exit codes.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command, RulesCommand};
use crate::config::{self, Config, FeedSource};
use crate::daemon;
use crate::engine::Engine;
use crate::extract::Extractor;
use crate::extract::kb::KnowledgeBase;
use crate::model::Extraction;
use crate::source::fetch::{Fetched, Fetcher, Validators};
use crate::source::parse::parse_feed;
use crate::subscriptions;
use crate::tail::{self, TailOptions};

pub mod article;
pub mod rules_test;
pub mod shell;

/// Exit code when some feeds failed during `once` (alerts from the others were delivered).
pub const EXIT_SOME_FEEDS_FAILED: u8 = 3;

/// Runs the command `cli` asks for.
pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run { config } => {
            daemon::run(&config::locate(config.as_deref())?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Once { config } => once(&config::locate(config.as_deref())?).await,
        Command::Check { config } => check(&config::locate(config.as_deref())?),
        Command::Items {
            batch: true,
            source: _,
        } => items_batch(),
        Command::Items {
            source: Some(source),
            ..
        } => items(&source).await,
        Command::Items { source: None, .. } => bail!("items: give a FILE or URL, or --batch"),
        Command::Article { batch: true, .. } => article::article_batch(),
        Command::Article {
            source: Some(source),
            json,
            ..
        } => article::article(&source, json).await,
        Command::Article { source: None, .. } => bail!("article: give a FILE or URL, or --batch"),
        Command::Feeds { json, config } => feeds(&config::locate(config.as_deref())?, json),
        Command::ImportOpml {
            file,
            append,
            config,
        } => import_opml(&file, append, config.as_deref()),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man { dir } => shell::man_pages(&dir),
        Command::ExportOpml { config } => {
            let cfg =
                Config::load(&config::locate(config.as_deref())?).map_err(|d| anyhow!("{d}"))?;
            let doc = crate::source::opml::write(&cfg.feeds, "newswatch feeds", Utc::now());
            write_stdout(doc.as_bytes())
        }
        Command::Extract {
            file,
            html,
            batch,
            reference,
            config,
        } => extract(
            file.as_deref(),
            html,
            batch,
            reference.as_deref(),
            config.as_deref(),
        ),
        Command::Rules {
            command:
                RulesCommand::Test {
                    file,
                    since,
                    rule,
                    rules_files,
                    query,
                    json,
                    config,
                },
        } => rules_test::run(&rules_test::TestArgs {
            file,
            since,
            rules: rule,
            rules_files,
            query,
            json,
            config,
        }),
        Command::Tail {
            follow,
            rule,
            since,
            json,
            lines,
            file,
            config,
        } => {
            let path = match file {
                Some(f) => f,
                None => {
                    Config::load(&config::locate(config.as_deref())?)
                        .map_err(|d| anyhow!("{d}"))?
                        .alert_log
                }
            };
            let since = since
                .map(|s| tail::parse_since(&s, Utc::now()))
                .transpose()
                .map_err(|e| anyhow!(e))?;
            let opts = TailOptions {
                rules: rule,
                since,
                json,
                last: lines,
            };
            let mut out = BufWriter::new(io::stdout().lock());
            let res = if follow {
                tail::follow(&path, &opts, &mut out)
            } else {
                tail::print_existing(&path, &opts, &mut out).map(drop)
            };
            match res {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                other => other
                    .with_context(|| format!("reading {}", path.display()))
                    .map(|()| ExitCode::SUCCESS),
            }
        }
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn feeds(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path).map_err(|d| anyhow!("{d}"))?;
    let store = crate::store::Store::open(&cfg.state_dir)
        .with_context(|| format!("cannot open the state in {}", cfg.state_dir.display()))?;
    let rows = subscriptions::feed_rows(&cfg.feeds, &store.feeds()?);
    if !json {
        return write_stdout(subscriptions::feeds_table(&rows, Utc::now()).as_bytes());
    }
    let mut buf = Vec::new();
    for r in &rows {
        serde_json::to_writer(&mut buf, r)?;
        buf.push(b'\n');
    }
    write_stdout(&buf)
}

fn import_opml(file: &Path, append: bool, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let outlines = crate::source::opml::parse(&bytes)
        .with_context(|| format!("reading {}", file.display()))?;
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
    let found = subscriptions::import(&outlines, existing, &base);
    for s in &found.skipped {
        eprintln!("newswatch: skipped {s}");
    }
    let toml = subscriptions::import_toml(&found.added, &file.display().to_string())?;
    match (append, &cfg_path) {
        (true, Some(p)) => {
            if !found.added.is_empty() {
                subscriptions::append_to_config(p, &toml)?;
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

async fn once(path: &Path) -> anyhow::Result<ExitCode> {
    let s = daemon::once(path).await?;
    eprintln!(
        "newswatch: {} feed(s) polled, {} failed; {} new item(s), {} alert(s); {} line(s) written to the alert log",
        s.feeds, s.failed, s.new_items, s.alerts, s.logged
    );
    Ok(if s.failed > 0 {
        ExitCode::from(EXIT_SOME_FEEDS_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(d) => {
            eprintln!("{d}");
            eprintln!("{} problem(s) found", d.0.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    match Engine::load(&config) {
        Ok(engine) => {
            println!(
                "{}: ok — {} feed(s), {} watchlist file(s), {} rule(s), {} known entities",
                path.display(),
                config.feeds.len(),
                config.watchlists.len(),
                engine.rules.rules().len(),
                engine.extractor.kb().entities().len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            eprintln!("{d}");
            eprintln!("{} problem(s) found", d.0.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The `items` JSON shape.
#[derive(Serialize)]
struct ItemLine<'a> {
    id: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<DateTime<Utc>>,
}

async fn items(source: &str) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("no current directory")?;
    let src = FeedSource::parse(source, &cwd).map_err(|e| anyhow!(e))?;
    let fetcher = Fetcher::new(
        &Config::parse(Path::new("<defaults>"), "watchlists = []")
            .map_err(|d| anyhow!("{d}"))?
            .http,
    )?;
    let bytes = match fetcher.fetch(&src, &Validators::default()).await? {
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
    let mut out = BufWriter::new(io::stdout().lock());
    for i in &items {
        let line = ItemLine {
            id: &i.id,
            title: &i.title,
            link: i.link.as_deref(),
            published: i.published,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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
fn items_batch() -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut parsing = std::time::Duration::ZERO;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut files = 0usize;
    for line in io::stdin().lock().lines() {
        let line = line.context("reading file names from stdin")?;
        let file = line.trim_end_matches('\r');
        if file.is_empty() {
            continue;
        }
        files += 1;
        let bytes = std::fs::read(file);
        let t0 = std::time::Instant::now();
        let parsed = bytes
            .map_err(|e| format!("reading: {e}"))
            .map(|b| parse_feed(&b, None));
        let spent = t0.elapsed();
        parsing += spent;
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
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!(
        "{files} files; parsing {:.1} ms; total {:.1} ms",
        parsing.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_reference(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("--reference `{s}`: use RFC 3339 or YYYY-MM-DD"))?;
    d.and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| anyhow!("--reference `{s}` is out of range"))
}

/// One input line of `extract --batch`.
#[derive(Deserialize)]
struct BatchIn {
    #[serde(default)]
    id: serde_json::Value,
    text: Option<String>,
    html: Option<String>,
    published: Option<DateTime<Utc>>,
}

/// One output line of `extract --batch`: the input's id, then the Extraction.
#[derive(Serialize)]
struct BatchOut<'a> {
    id: &'a serde_json::Value,
    #[serde(flatten)]
    extraction: &'a Extraction,
}

fn extract(
    file: Option<&Path>,
    html: bool,
    batch: bool,
    reference: Option<&str>,
    config: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let reference = reference.map(parse_reference).transpose()?;
    let kb = match config {
        Some(c) => {
            let cfg = Config::load(c).map_err(|d| anyhow!("{d}"))?;
            KnowledgeBase::with_user_files(&cfg.entities)
                .map_err(|d| anyhow!("{}", crate::diag::Diagnostics(d)))?
        }
        None => KnowledgeBase::builtin().map_err(|d| anyhow!("{}", crate::diag::Diagnostics(d)))?,
    };
    let extractor = Extractor::new(Arc::new(kb));
    if batch {
        return match extract_batch(&extractor, reference) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
            other => other.context("extract --batch").map(|()| ExitCode::SUCCESS),
        };
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let input = read_input(file)?;
    let ex = if html {
        extractor.extract_html(&input, reference)
    } else {
        extractor.extract_text(&input, reference)
    };
    serde_json::to_writer_pretty(&mut out, &ex)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Lines handed to the worker threads at a time (fewer when input pauses).
const BATCH_CHUNK: usize = 512;

/// Chunks smaller than this are extracted on the reading thread.
const PARALLEL_FROM: usize = 64;

/// `extract --batch`: one output line per non-blank input line, in input order. Lines
/// are read in chunks that the cores share (scoped threads, joined in order), and the
/// output is flushed whenever the input has nothing more buffered, so a slow producer
/// sees each answer at once and a fast one is not slowed by a flush per line.
fn extract_batch(extractor: &Extractor, reference: Option<DateTime<Utc>>) -> io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut reader = io::BufReader::with_capacity(1 << 20, io::stdin().lock());
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut line_no = 0usize;
    loop {
        let mut chunk: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut eof = false;
        loop {
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line)? == 0 {
                eof = true;
                break;
            }
            line_no += 1;
            chunk.push((line_no, line));
            if chunk.len() >= BATCH_CHUNK || reader.buffer().is_empty() {
                break;
            }
        }
        for answer in extract_chunk(extractor, reference, &chunk, threads) {
            out.write_all(&answer)?;
        }
        if eof {
            return out.flush();
        }
        // The next read may wait for the producer: what is done goes out now.
        out.flush()?;
    }
}

/// The output lines for `chunk`, in order, computed on up to `threads` threads. The
/// threads (the calling one among them) take the next line from a shared counter, so
/// a thread the machine preempts does not hold the others up.
fn extract_chunk(
    extractor: &Extractor,
    reference: Option<DateTime<Utc>>,
    chunk: &[(usize, Vec<u8>)],
    threads: usize,
) -> Vec<Vec<u8>> {
    let one = |(n, line): &(usize, Vec<u8>)| batch_line(extractor, reference, *n, line);
    // Threads pay off only when the input arrives faster than one core keeps up,
    // which is when chunks fill up.
    if threads <= 1 || chunk.len() < PARALLEL_FROM {
        return chunk.iter().map(one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = chunk.get(i) else {
                return done;
            };
            done.push((i, one(item)));
        }
    };
    let mut out: Vec<Option<Vec<u8>>> = vec![None; chunk.len()];
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mine = work();
        // A helper only panics if the extractor does, which the robustness tests rule
        // out; its lines then get an error line below.
        let theirs = helpers.into_iter().filter_map(|h| h.join().ok());
        for (i, line) in std::iter::once(mine).chain(theirs).flatten() {
            out[i] = Some(line);
        }
    });
    out.into_iter()
        .map(|line| {
            line.unwrap_or_else(|| b"{\"id\":null,\"error\":\"internal error\"}\n".to_vec())
        })
        .collect()
}

/// One output line (with its newline) for input line number `n`; empty for a blank
/// line.
fn batch_line(
    extractor: &Extractor,
    reference: Option<DateTime<Utc>>,
    n: usize,
    line: &[u8],
) -> Vec<u8> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Vec::new();
    }
    let mut buf = Vec::with_capacity(line.len() * 4);
    let written = match serde_json::from_slice::<BatchIn>(line) {
        Ok(doc) => {
            let when = doc.published.or(reference);
            let ex = match (doc.text, doc.html) {
                (Some(t), _) => extractor.extract_text(&t, when),
                (None, Some(h)) => extractor.extract_html(&h, when),
                (None, None) => Extraction::default(),
            };
            serde_json::to_writer(
                &mut buf,
                &BatchOut {
                    id: &doc.id,
                    extraction: &ex,
                },
            )
        }
        // Keep the output aligned with the input: one line per line, always.
        Err(e) => serde_json::to_writer(
            &mut buf,
            &serde_json::json!({ "id": null, "error": format!("line {n}: {e}") }),
        ),
    };
    if written.is_err() {
        buf.clear();
        buf.extend_from_slice(b"{\"id\":null,\"error\":\"cannot serialise\"}");
    }
    buf.push(b'\n');
    buf
}

fn read_input(file: Option<&Path>) -> anyhow::Result<String> {
    let bytes = match file {
        None => read_stdin()?,
        Some(p) if p == Path::new("-") => read_stdin()?,
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
    };
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "input is not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    io::stdin()
        .lock()
        .read_to_end(&mut buf)
        .context("reading standard input")?;
    Ok(buf)
}
