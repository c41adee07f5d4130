//! `newswatch extract`: the Extraction of one document (plain text or `--html`) as
//! JSON, or with `--batch` one Extraction per JSON line of stdin, in order, on all
//! cores.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{keep_until_exit, print_with};
use crate::config::Config;
use crate::extract::Extractor;
use crate::extract::kb::KnowledgeBase;
use crate::model::Extraction;
use crate::worker::engine::read_knowledge_base;

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

/// `extract [FILE|-] [--html] [--batch] [--reference DATE] [--config F]`.
pub fn extract(
    file: Option<&Path>,
    html: bool,
    batch: bool,
    reference: Option<&str>,
    config: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let reference = reference.map(parse_reference).transpose()?;
    // The patterns compile on another core while the knowledge base is read; a
    // thread that cannot start only means they compile on first use.
    let _ = std::thread::Builder::new()
        .name("patterns".into())
        .spawn(crate::extract::compile_patterns);
    let kb = match config {
        Some(c) => {
            let cfg = Config::load(c).map_err(|d| anyhow!("{d}"))?;
            read_knowledge_base(&cfg.entities)
                .map_err(|d| anyhow!("{}", crate::diag::Diagnostics(d)))?
        }
        None => KnowledgeBase::builtin().map_err(|d| anyhow!("{}", crate::diag::Diagnostics(d)))?,
    };
    let extractor = Extractor::new(Arc::new(kb));
    if batch {
        let done =
            print_with(|out| extract_batch(&extractor, reference, out).context("extract --batch"));
        keep_until_exit(extractor);
        return done;
    }
    let input = read_input(file)?;
    let ex = if html {
        extractor.extract_html(&input, reference)
    } else {
        extractor.extract_text(&input, reference)
    };
    keep_until_exit(extractor);
    print_with(|out| {
        serde_json::to_writer_pretty(&mut *out, &ex)?;
        Ok(out.write_all(b"\n")?)
    })
}

/// Lines handed to the worker threads at a time (fewer when input pauses).
const BATCH_CHUNK: usize = 512;

/// Chunks smaller than this are extracted on the reading thread.
const PARALLEL_FROM: usize = 64;

/// `extract --batch`: one output line per non-blank input line, in input order. Lines
/// are read in chunks that the cores share (scoped threads, joined in order), and the
/// output is flushed whenever the input has nothing more buffered, so a slow producer
/// sees each answer at once and a fast one is not slowed by a flush per line.
fn extract_batch(
    extractor: &Extractor,
    reference: Option<DateTime<Utc>>,
    out: &mut impl Write,
) -> io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut reader = io::BufReader::with_capacity(1 << 20, io::stdin().lock());
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
