//! What the shell and `man` need beside the binary: completion scripts and manual
//! pages, generated from the clap definitions so they never drift from the CLI.
//!
//! The manual pages come from a hidden command rather than a build script: a build
//! script would compile clap and its companions into every build, and its output
//! would land in a hashed `OUT_DIR` that neither `cargo deb` nor an install script can
//! name. The package ships copies kept in `packaging/` (a test checks they match what
//! this prints); `packaging/install-user.sh` runs the installed binary instead.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::Cli;

/// The name completions and pages are written for.
const BIN: &str = "newswatch";

/// The completion script for `shell`, as bytes.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    out
}

/// `newswatch completions SHELL`: the script on standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    super::write_stdout(&completion_script(shell))
}

/// `newswatch man DIR`: `newswatch.1` and one page per command (`newswatch-run.1`,
/// `newswatch-rules-test.1`, …) in `dir`.
pub fn man_pages(dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}
