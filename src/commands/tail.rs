//! `newswatch tail`: finds the alert log (`--file`, else the config's `alert_log`),
//! says when what was asked for cannot be there, and prints or follows it with
//! [`crate::tail`].
//!
//! - `--file` naming no file is an error (exit 1); with `-f` it is waited for, as the
//!   daemon may not have written yet. The config's own log not existing yet only means
//!   no alert has been raised: a note, exit 0.
//! - `--rule` naming no rule of the config is a warning listing its rules, not an
//!   error: the log outlives rules removed from the config, and their alerts can
//!   still be asked for.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use chrono::Utc;

use super::print_with;
use crate::config::{self, Config};
use crate::tail::{self, TailOptions};
use crate::worker::engine::Engine;

/// What `newswatch tail` was asked.
#[derive(Debug)]
pub struct TailArgs {
    /// Keep following.
    pub follow: bool,
    /// Only these rules.
    pub rules: Vec<String>,
    /// Only alerts since (a duration back from now, or a time).
    pub since: Option<String>,
    /// Raw JSON lines.
    pub json: bool,
    /// Only the last N.
    pub lines: Option<usize>,
    /// The log to read instead of the config's.
    pub file: Option<PathBuf>,
    /// The config.
    pub config: Option<PathBuf>,
}

/// Runs `newswatch tail`.
pub fn run(args: TailArgs) -> anyhow::Result<ExitCode> {
    let since = args
        .since
        .as_deref()
        .map(|s| tail::parse_since(s, Utc::now()))
        .transpose()
        .map_err(|e| anyhow!(e))?;
    // The config: to find the log, and to know its rules. With only --file, no config
    // is looked for (the file may come from anywhere).
    let config = match (&args.file, &args.config) {
        (Some(_), None) => None,
        (_, explicit) => {
            let path = config::locate(explicit.as_deref())?;
            Some(Config::load(&path).map_err(|d| anyhow!("{d}"))?)
        }
    };
    if let Some(c) = &config {
        warn_unknown_rules(c, &args.rules);
    }
    let path = match (&args.file, &config) {
        (Some(f), _) => f.clone(),
        (None, Some(c)) => c.alert_log.clone(),
        (None, None) => bail!("no alert log to read: give --file or --config"),
    };
    if !args.follow && !exists(&path)? {
        if args.file.is_some() {
            bail!("{}: no such file", path.display());
        }
        eprintln!(
            "newswatch tail: no alerts yet ({} does not exist)",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.follow && args.file.is_some() && !exists(&path)? {
        eprintln!(
            "newswatch tail: {} does not exist yet; waiting for it",
            path.display()
        );
    }
    let opts = TailOptions {
        rules: args.rules,
        since,
        json: args.json,
        last: args.lines,
    };
    print_with(|out| {
        let res = if args.follow {
            tail::follow(&path, &opts, out)
        } else {
            tail::print_existing(&path, &opts, out).map(drop)
        };
        res.with_context(|| format!("reading {}", path.display()))
    })
}

/// Whether `path` exists (an error other than "not found" is reported).
fn exists(path: &Path) -> anyhow::Result<bool> {
    match std::fs::metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Warns about each of `asked` that is no rule of `config` (a typo shows nothing, which
/// looks like "no alerts"), listing the rules it has. Watchlists that do not load are
/// `check`'s business, not `tail`'s: then nothing is said.
fn warn_unknown_rules(config: &Config, asked: &[String]) {
    if asked.is_empty() {
        return;
    }
    let Ok(engine) = Engine::load(config) else {
        return;
    };
    let known: Vec<&str> = engine.rules.rules().iter().map(|r| r.id.as_str()).collect();
    let list = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    for rule in asked.iter().filter(|r| !known.contains(&r.as_str())) {
        eprintln!(
            "newswatch tail: warning: {} has no rule `{rule}` (its rules: {list}); alerts of a removed rule are still shown",
            config.path.display(),
        );
    }
}
