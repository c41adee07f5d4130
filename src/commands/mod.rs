//! The commands behind the CLI: each takes its parsed arguments and returns an exit
//! code or an error; `main` only maps errors to exit codes. One file per command
//! family ([`article`], [`channels`], [`check`], [`cluster`], [`entities`], [`extract`], [`items`],
//! [`shell`], [`subscriptions`], [`tail`], [`try_rules`]); `run` and `once` are a few
//! lines each over
//! [`crate::daemon`]. Everything printed goes through `output` (a closed pipe ends a
//! command quietly).

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;

use crate::cli::{ChannelsCommand, Cli, Command, RulesCommand};
use crate::config;
use crate::daemon;

pub mod article;
pub mod channels;
pub mod check;
pub mod cluster;
pub mod entities;
pub mod extract;
pub mod items;
mod output;
pub mod shell;
pub mod subscriptions;
pub mod tail;
pub mod try_rules;

pub(crate) use output::{print_with, write_stdout};

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
        Command::Check { config } => check::check(&config::locate(config.as_deref())?),
        Command::Items {
            batch: true,
            source: _,
        } => items::items_batch(),
        Command::Items {
            source: Some(source),
            ..
        } => items::items(&source).await,
        Command::Items { source: None, .. } => bail!("items: give a FILE or URL, or --batch"),
        Command::Article { batch: true, .. } => article::article_batch(),
        Command::Article {
            source: Some(source),
            json,
            ..
        } => article::article(&source, json).await,
        Command::Article { source: None, .. } => bail!("article: give a FILE or URL, or --batch"),
        Command::Feeds { json, config } => {
            subscriptions::feeds(&config::locate(config.as_deref())?, json)
        }
        Command::Channels {
            command: None,
            json,
            config,
        } => channels::list(&config::locate(config.as_deref())?, json),
        Command::Channels {
            command: Some(ChannelsCommand::Test { name, config: c }),
            config,
            ..
        } => channels::test(&config::locate(c.or(config).as_deref())?, &name).await,
        Command::Cluster { json, config } => {
            cluster::cluster(&config::locate(config.as_deref())?, json).await
        }
        Command::ImportOpml {
            file,
            append,
            config,
        } => subscriptions::import_opml(&file, append, config.as_deref()),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man { dir } => shell::man_pages(&dir),
        Command::ExportOpml { config } => subscriptions::export_opml(config.as_deref()),
        Command::Extract {
            file,
            html,
            batch,
            reference,
            config,
        } => extract::extract(
            file.as_deref(),
            html,
            batch,
            reference.as_deref(),
            config.as_deref(),
        ),
        Command::Entities {
            query,
            json,
            config,
        } => entities::entities(query.as_deref(), json, config.as_deref()),
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
        } => try_rules::run(&try_rules::TestArgs {
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
        } => tail::run(tail::TailArgs {
            follow,
            rules: rule,
            since,
            json,
            lines,
            file,
            config,
        }),
    }
}

async fn once(path: &Path) -> anyhow::Result<ExitCode> {
    let (s, loaded) = daemon::once_for_exit(path).await?;
    keep_until_exit(loaded);
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

/// Ends the life of `value` without freeing it, in a command whose process exits
/// next: the kernel takes the memory back at once, where dropping the knowledge base
/// and the matchers walks them allocation by allocation (a twentieth of a short
/// `extract` or a `check`).
pub(crate) fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}
