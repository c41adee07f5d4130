//! `newswatch rules test`: run rules over items — a feed file, JSON lines, or the
//! items the daemon kept in the last N days — and print what would fire, with the
//! spans that made it fire. Users try a rule (even one not deployed yet: `--rules
//! FILE`, `--query Q`) before it can interrupt anyone.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::print_with;
use crate::config::{self, Config};
use crate::diag::{Diagnostic, Diagnostics};
use crate::extract::Extractor;
use crate::extract::kb::KnowledgeBase;
use crate::extract::text::html_to_text;
use crate::model::{Item, Matched, Severity};
use crate::rules::{Doc, Rule, RuleSet, watchlist};
use crate::source::parse::parse_feed;
use crate::store::Store;
use crate::worker::engine::{Engine, read_knowledge_base, read_watchlists};

/// What `rules test` was asked.
#[derive(Debug, Clone, Default)]
pub struct TestArgs {
    /// A feed file or JSON lines of items.
    pub file: Option<PathBuf>,
    /// Instead of a file: stored items since this (duration or time).
    pub since: Option<String>,
    /// Only these rule ids.
    pub rules: Vec<String>,
    /// Watchlist files to use instead of the config's.
    pub rules_files: Vec<PathBuf>,
    /// An ad-hoc query, tested as rule `query`.
    pub query: Option<String>,
    /// One JSON line per firing.
    pub json: bool,
    /// The config (for the knowledge base, watchlists and stored items).
    pub config: Option<PathBuf>,
}

/// One line of a JSON-lines item file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    feed: Option<String>,
    #[serde(default)]
    title: String,
    /// Plain text; paragraphs separated by blank lines.
    #[serde(default)]
    text: Option<String>,
    /// HTML, as a feed would carry it.
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    published: Option<DateTime<Utc>>,
    /// Free-form fields for labelled sets; ignored here.
    #[serde(default)]
    #[allow(dead_code)]
    labels: Option<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    extractor_issue: Option<String>,
}

/// An item to test, from a file or the store.
#[derive(Debug, Clone)]
pub struct TestItem {
    /// Feed name (the file's stem for files; the stored feed name for stored items).
    pub feed: String,
    /// The item; `body` is HTML unless `text_body` is set.
    pub item: Item,
    /// The body is plain text (paragraphs separated by blank lines), not HTML.
    pub text_body: bool,
}

/// What one rule did on one item.
#[derive(Debug, Serialize)]
struct Outcome<'a> {
    rule: &'a str,
    severity: Severity,
    feed: &'a str,
    item: ItemOut<'a>,
    matched: &'a [Matched],
    sentences: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ItemOut<'a> {
    id: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<DateTime<Utc>>,
}

/// Reads items from `path`: a feed (RSS, Atom, JSON Feed) or JSON lines.
pub fn read_items(path: &Path) -> anyhow::Result<Vec<TestItem>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let feed = path
        .file_stem()
        .map_or_else(|| "file".to_string(), |s| s.to_string_lossy().into_owned());
    let looks_like_lines = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
        && !String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).contains("jsonfeed.org");
    if !looks_like_lines {
        let items = parse_feed(&bytes, None)
            .with_context(|| format!("{} is neither a feed nor JSON lines", path.display()))?;
        return Ok(items
            .into_iter()
            .map(|item| TestItem {
                feed: feed.clone(),
                item,
                text_body: false,
            })
            .collect());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 (at byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    parse_lines(&text, &feed).map_err(|e| anyhow!("{}:{e}", path.display()))
}

/// Parses JSON lines of items; `feed` names items that do not say their feed.
pub fn parse_lines(text: &str, feed: &str) -> Result<Vec<TestItem>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: ItemLine = serde_json::from_str(line).map_err(|e| format!("{}: {e}", n + 1))?;
        let id = match l.id {
            Some(serde_json::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => format!("line-{}", n + 1),
        };
        let (body, text_body) = match (l.text, l.html) {
            (Some(t), _) => (t, true),
            (None, Some(h)) => (h, false),
            (None, None) => (String::new(), true),
        };
        out.push(TestItem {
            feed: l.feed.unwrap_or_else(|| feed.to_string()),
            item: Item {
                id,
                title: l.title,
                link: l.link,
                published: l.published,
                body,
            },
            text_body,
        });
    }
    Ok(out)
}

/// The rules to test and the extractor to test them with.
fn build_engine(args: &TestArgs) -> anyhow::Result<Engine> {
    let config = match (
        &args.config,
        args.rules_files.is_empty() && args.query.is_none(),
    ) {
        (Some(c), _) => Some(Config::load(c).map_err(|d| anyhow!("{d}"))?),
        // Rules from the config: it must be found.
        (None, true) => Some(Config::load(&config::locate(None)?).map_err(|d| anyhow!("{d}"))?),
        // Rules given here: a config adds its knowledge-base files when there is one.
        (None, false) => config::locate(None)
            .ok()
            .and_then(|p| Config::load(&p).ok()),
    };
    let kb = match &config {
        Some(c) => read_knowledge_base(&c.entities),
        None => KnowledgeBase::builtin(),
    }
    .map_err(|d| anyhow!("{}", Diagnostics(d)))?;
    let mut rules: Vec<Rule> = Vec::new();
    if !args.rules_files.is_empty() {
        rules =
            read_watchlists(&args.rules_files, &kb).map_err(|d| anyhow!("{}", Diagnostics(d)))?;
    } else if args.query.is_none() {
        let c = config.as_ref().ok_or_else(|| anyhow!("no config"))?;
        rules = read_watchlists(&c.watchlists, &kb).map_err(|d| anyhow!("{}", Diagnostics(d)))?;
    }
    if let Some(q) = &args.query {
        rules.push(query_rule(q, &kb)?);
    }
    if !args.rules.is_empty() {
        for id in &args.rules {
            if !rules.iter().any(|r| &r.id == id) {
                let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                bail!("no rule `{id}` (rules: {})", known.join(", "));
            }
        }
        rules.retain(|r| args.rules.contains(&r.id));
    }
    Ok(Engine::new(
        Extractor::new(Arc::new(kb)),
        RuleSet::new(rules),
        config.and_then(|c| c.item_retention),
    ))
}

/// The `--query` text as a rule named `query`; errors point into the query.
fn query_rule(q: &str, kb: &KnowledgeBase) -> anyhow::Result<Rule> {
    // As a TOML literal string, so error positions count from the query's first byte.
    let quoted = q.replace("'''", "' ' '");
    let src = format!("[[rule]]\nid = \"query\"\nquery = '''{quoted}'''\n");
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut rules = watchlist::compile_file(Path::new("--query"), &src, kb, &mut errors);
    if !errors.is_empty() {
        let shown: Vec<String> = errors
            .iter()
            .map(|d| {
                let col = d.column.saturating_sub(11).max(1);
                format!(
                    "--query, column {col}: {}\n    {q}\n    {}^",
                    d.message.trim_start_matches("rule `query`: "),
                    " ".repeat(col - 1)
                )
            })
            .collect();
        bail!("{}", shown.join("\n"));
    }
    rules
        .pop()
        .ok_or_else(|| anyhow!("--query compiled to no rule"))
}

/// Runs `newswatch rules test`.
pub fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let engine = build_engine(args)?;
    let items = match (&args.file, &args.since) {
        (Some(f), None) => read_items(f)?,
        (None, Some(since)) => stored_items(args, since)?,
        _ => bail!("give a file of items, or --since 7d for the items the daemon kept"),
    };
    print_with(|out| Ok(report(&engine, &items, args.json, out)?))
}

fn stored_items(args: &TestArgs, since: &str) -> anyhow::Result<Vec<TestItem>> {
    let path = config::locate(args.config.as_deref())?;
    let cfg = Config::load(&path).map_err(|d| anyhow!("{d}"))?;
    let since = crate::tail::parse_since(since, Utc::now()).map_err(|e| anyhow!(e))?;
    let store = Store::open(&cfg.state_dir)
        .with_context(|| format!("cannot open the state in {}", cfg.state_dir.display()))?;
    if cfg.item_retention.is_none() {
        eprintln!("note: item_retention is \"off\" in this config: no item texts are kept");
    }
    Ok(store
        .items_since(since)?
        .into_iter()
        .map(|s| TestItem {
            feed: s.feed,
            item: s.item,
            text_body: false,
        })
        .collect())
}

/// Evaluates every item and writes what fired: readable text, or JSON lines.
pub fn report(
    engine: &Engine,
    items: &[TestItem],
    json: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut counts: Vec<usize> = vec![0; engine.rules.rules().len()];
    for t in items {
        let body = if t.text_body {
            t.item.body.clone()
        } else {
            html_to_text(&t.item.body)
        };
        let ex = engine.extract_title_body(&t.item.title, &body, t.item.published);
        let doc = Doc::new(&ex, Engine::title_len(&t.item.title));
        for f in engine.rules.evaluate(&t.feed, &doc) {
            let matched = f.matched(&doc);
            if let Some(i) = engine.rules.rules().iter().position(|r| r.id == f.rule.id) {
                counts[i] += 1;
            }
            let o = Outcome {
                rule: &f.rule.id,
                severity: f.rule.severity,
                feed: &t.feed,
                item: ItemOut {
                    id: &t.item.id,
                    title: &t.item.title,
                    link: t.item.link.as_deref(),
                    published: t.item.published,
                },
                matched: &matched,
                sentences: marked_sentences(&ex.text, &matched),
            };
            if json {
                serde_json::to_writer(&mut *out, &o)?;
                out.write_all(b"\n")?;
            } else {
                write_text(&o, out)?;
            }
        }
    }
    let summary: Vec<String> = engine
        .rules
        .rules()
        .iter()
        .zip(&counts)
        .map(|(r, n)| format!("{} {n}", r.id))
        .collect();
    let line = format!(
        "{} item(s); fired: {}",
        items.len(),
        if summary.is_empty() {
            "no rules".to_string()
        } else {
            summary.join(", ")
        }
    );
    if json {
        eprintln!("{line}");
    } else {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_text(o: &Outcome<'_>, out: &mut impl Write) -> io::Result<()> {
    let title = if o.item.title.is_empty() {
        "(untitled)"
    } else {
        o.item.title
    };
    writeln!(
        out,
        "{}  {}  [{}]  {}",
        o.rule,
        o.severity.as_str().to_uppercase(),
        o.feed,
        title
    )?;
    if let Some(link) = o.item.link {
        writeln!(out, "    {link}")?;
    }
    let spans: Vec<String> = o
        .matched
        .iter()
        .map(|m| {
            format!(
                "{} ({} {}) @{}..{}",
                m.surface, m.kind, m.id, m.start, m.end
            )
        })
        .collect();
    writeln!(out, "    matched: {}", spans.join(", "))?;
    for s in &o.sentences {
        writeln!(out, "    > {s}")?;
    }
    writeln!(out)
}

/// The sentences holding the matches, each match in [brackets] (at most five).
fn marked_sentences(text: &str, matched: &[Matched]) -> Vec<String> {
    let seg = crate::extract::segment::Segments::new(text);
    let mut out: Vec<(std::ops::Range<usize>, Vec<&Matched>)> = Vec::new();
    for m in matched {
        let s = seg.sentence_of(m.start);
        match out.last_mut() {
            Some((r, ms)) if *r == s => ms.push(m),
            _ => out.push((s, vec![m])),
        }
    }
    out.into_iter()
        .take(5)
        .filter_map(|(r, ms)| {
            let mut s = String::new();
            let mut at = r.start;
            for m in ms {
                if m.start < at || m.end > r.end {
                    continue;
                }
                s.push_str(text.get(at..m.start)?);
                s.push('[');
                s.push_str(text.get(m.start..m.end)?);
                s.push(']');
                at = m.end;
            }
            s.push_str(text.get(at..r.end.max(at))?);
            Some(crate::rules::snippet::trim_to_length(&s.replace('\n', " ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_items() {
        let text = "{\"id\": 7, \"title\": \"T\", \"text\": \"Body.\\n\\nMore.\"}\n\n{\"title\": \"U\", \"html\": \"<p>x</p>\", \"feed\": \"bbc\", \"labels\": {\"a\": true}}\n";
        let items = parse_lines(text, "file").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].item.id, "7");
        assert!(items[0].text_body);
        assert_eq!(items[0].feed, "file");
        assert_eq!(items[1].item.id, "line-3");
        assert_eq!(items[1].feed, "bbc");
        assert!(!items[1].text_body);
        assert!(
            parse_lines("{\"titel\": 1}", "f")
                .unwrap_err()
                .starts_with("1: ")
        );
    }

    #[test]
    fn sentences_are_marked() {
        let text = "TikTok faces a ban. Nothing else. WeChat too.";
        let m = |s: &str| {
            let start = text.find(s).unwrap();
            Matched {
                kind: "keyword".into(),
                id: s.into(),
                name: s.into(),
                surface: s.into(),
                start,
                end: start + s.len(),
            }
        };
        assert_eq!(
            marked_sentences(text, &[m("TikTok"), m("ban"), m("WeChat")]),
            ["[TikTok] faces a [ban].", "[WeChat] too."]
        );
    }
}
