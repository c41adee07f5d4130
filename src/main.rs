//! The `newswatch` binary: parse the command line, set up logging, run a command, map
//! errors to exit codes (1: error; 3: `once` finished but some feeds failed).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use newswatch::cli::{Cli, LogFormat};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_env("NEWSWATCH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
