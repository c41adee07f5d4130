//! `newswatch check`: every problem that can be found in one run, config, knowledge
//! base and watchlists together. An error in one layer does not hide the next: a
//! config with errors still names its watchlists (the ones its key names when that
//! key was read as written), and a knowledge base with errors still lets the
//! watchlists be checked, against what of it loads.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{keep_until_exit, print_with};
use crate::config::{Config, read_user_files};
use crate::diag::{Diagnostic, Diagnostics};
use crate::extract::kb::KnowledgeBase;
use crate::worker::engine::{read_knowledge_base, read_watchlists, rule_set_problems};

/// What `check` found, besides the problems.
struct Counts {
    feeds: usize,
    watchlists: usize,
    rules: usize,
    entities: usize,
    channels: usize,
}

/// Checks the config at `path` and the files it names; prints warnings and errors on
/// stderr, the summary on stdout. Exit 1 on any error (warnings alone: 0).
pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let (config, mut errors) = Config::load_for_check(path);
    let mut warnings = Vec::new();
    let mut counts = None;
    if let Some(config) = &config {
        warnings.extend(config.warnings.iter().cloned());
        let (kb, kb_whole) = knowledge_base(&config.entities, &mut errors);
        // No watchlists in a config with errors: its `watchlists` key may be what
        // failed, so the rules are unknown, not none.
        let unknown = config.watchlists.is_empty() && !errors.is_empty();
        let rules = match read_watchlists(&config.watchlists, &kb) {
            Ok(rules) if kb_whole && !unknown => {
                errors.extend(rule_set_problems(config, &rules));
                rules
            }
            Ok(rules) => rules,
            // Rules are missing for a reason already reported.
            Err(problems) => {
                errors.extend(problems);
                Vec::new()
            }
        };
        if !kb_whole {
            warnings.push(Diagnostic::file(
                path,
                "the watchlists were checked against the knowledge base without its files \
                 in error: an entity id defined there shows as unknown",
            ));
        }
        counts = Some(Counts {
            feeds: config.feeds.len(),
            watchlists: config.watchlists.len(),
            rules: rules.len(),
            entities: kb.entities().len(),
            channels: config.channels.len(),
        });
        // The process exits next: the kernel frees these faster than their drops.
        keep_until_exit((kb, rules));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    match counts {
        Some(c) if errors.is_empty() => {
            if !warnings.is_empty() {
                eprintln!("{} warning(s)", warnings.len());
            }
            print_with(|out| {
                Ok(writeln!(
                    out,
                    "{}: ok — {} feed(s), {} watchlist file(s), {} rule(s), {} known entities, {} channel(s)",
                    path.display(),
                    c.feeds,
                    c.watchlists,
                    c.rules,
                    c.entities,
                    c.channels,
                )?)
            })
        }
        _ => {
            eprintln!("{}", Diagnostics(errors.clone()));
            eprintln!("{} problem(s) found", errors.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The knowledge base the config's `entities` files make, and whether it is whole.
/// When they have errors (pushed onto `errors`), the built-in base plus each file that
/// loads on its own, so the watchlists can still be checked.
fn knowledge_base(entities: &[PathBuf], errors: &mut Vec<Diagnostic>) -> (KnowledgeBase, bool) {
    match read_knowledge_base(entities) {
        Ok(kb) => (kb, true),
        Err(problems) => {
            errors.extend(problems);
            let (texts, _) = read_user_files(entities, "cannot read");
            let sound: Vec<_> = texts
                .into_iter()
                .filter(|t| KnowledgeBase::from_sources(std::slice::from_ref(t)).is_ok())
                .collect();
            let kb = KnowledgeBase::from_sources(&sound)
                .or_else(|_| KnowledgeBase::builtin())
                .unwrap_or_default();
            (kb, false)
        }
    }
}
