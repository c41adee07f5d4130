//! The `newswatch` binary: parse the command line, set up logging (journal or
//! stderr), run a command, map errors to exit codes (1: error; 3: `once` finished but some feeds failed).

use std::process::ExitCode;

use clap::Parser;
use newswatch::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The journal when systemd started us with stderr on it, else stderr.
    newswatch::service::logging::init(cli.log_format);
    let mut builder = if cli.command.wants_worker_threads() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("newswatch: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(newswatch::commands::dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("newswatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}
