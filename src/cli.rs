//! Command-line definitions (clap). The commands are public contract (DESIGN.md).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::service::logging::LogFormat;

/// newswatch: monitor news feeds for the companies, people and regulators you watch.
#[derive(Debug, Parser)]
#[command(
    name = "newswatch",
    version,
    about,
    long_about = None,
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    /// Where and how to log. Default: the journal when systemd connected stderr to it
    /// (`$JOURNAL_STREAM`), else text on stderr.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The end of `newswatch --help`, and the FILES part of the manual page.
const AFTER_LONG_HELP: &str = "\
Without --config, commands read $XDG_CONFIG_HOME/newswatch/newswatch.toml \
(~/.config/newswatch/newswatch.toml), then /etc/newswatch/newswatch.toml. \
Each command has a manual page of its own: man newswatch-run, man newswatch-tail, ...";

impl Command {
    /// Whether the command does its work on the async runtime's worker threads
    /// (polling, fetching, following): the others run on the calling thread alone,
    /// and a process that starts no worker threads starts sooner.
    pub fn wants_worker_threads(&self) -> bool {
        !matches!(
            self,
            Command::Check { .. }
                | Command::Extract { .. }
                | Command::Entities { .. }
                | Command::Completions { .. }
                | Command::Man { .. }
                | Command::ExportOpml { .. }
                | Command::ImportOpml { .. }
        )
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every feed on its interval until stopped (SIGTERM/SIGINT;
    /// SIGHUP reloads the configuration and reopens the alert log).
    Run {
        /// Config file (default: $XDG_CONFIG_HOME/newswatch/newswatch.toml, then /etc/newswatch/newswatch.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Poll every feed once, deliver the alerts, and exit.
    Once {
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate the config, watchlists and knowledge base; report every problem.
    Check {
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print one JSON line per item of a feed: id, title, link, published.
    Items {
        /// A feed file or an http(s) URL.
        #[arg(required_unless_present = "batch")]
        source: Option<String>,
        /// Read feed file paths from stdin, one a line, and print one JSON line per
        /// file: `file`, `items` (as above) or `error`, and `panicked`. Parses in one
        /// process (for comparisons and benchmarks).
        #[arg(long, conflicts_with = "source")]
        batch: bool,
    },
    /// Print the readable text of a web page: its article, without navigation, ads
    /// and the like (what `full_text` gives rules). No JavaScript is run.
    Article {
        /// A page file (HTML) or an http(s) URL.
        #[arg(required_unless_present = "batch")]
        source: Option<String>,
        /// One JSON object: title, byline, published, lang, text, words.
        #[arg(long)]
        json: bool,
        /// Read page file paths from stdin, one a line, and print one JSON line per
        /// file: `file` and the fields of --json, or `error`.
        #[arg(long, conflicts_with = "source")]
        batch: bool,
    },
    /// Print the Extraction (entities, money, percentages, durations, dates, quotes) of a document.
    Extract {
        /// The document; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// The input is HTML.
        #[arg(long)]
        html: bool,
        /// Read JSON lines {"id", "text"} (or "html") from stdin, write one Extraction per line.
        #[arg(long, conflicts_with = "file")]
        batch: bool,
        /// Resolve relative dates ("yesterday") against this time (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        reference: Option<String>,
        /// Also load the knowledge-base files of this config.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Find knowledge-base entities by id, name or alias: the id a rule writes (`@id`).
    ///
    /// Any case, accents ignored; best first (the exact id, an exact name, a word
    /// starting with QUERY, QUERY anywhere). Shows each entity's id, kind, country,
    /// tags, aliases, owner and parent, what it owns and where it is defined; exits 1
    /// when nothing matches. Without QUERY, lists every entity. The format of entity
    /// files is in the README ("Entity files").
    Entities {
        /// Part of an id, name or alias ("cnil", "bytedance", "Data Protection").
        query: Option<String>,
        /// One JSON object per entity.
        #[arg(long)]
        json: bool,
        /// Config file (its `entities` files are searched with the built-in base).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// List the alert channels (webhooks, chat, ntfy, email, programs) with the alerts
    /// each has queued, its last success, last error and next retry; `channels test
    /// NAME` sends one a test message.
    Channels {
        /// What to do with a channel.
        #[command(subcommand)]
        command: Option<ChannelsCommand>,
        /// One JSON object per channel instead of a table.
        #[arg(long)]
        json: bool,
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Show the cluster (`[cluster]`: several instances sharing the feeds through NATS):
    /// the live members, the feeds each owns, its last heartbeat, and how many alerts
    /// each consumer of the alert stream has still to read. Exits 1 without `[cluster]`.
    Cluster {
        /// One JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Work with watch rules (`rules test`: try rules on items before deploying them).
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Read or follow the alert log.
    Tail {
        /// Keep following the log as alerts arrive.
        #[arg(short, long)]
        follow: bool,
        /// Only alerts of this rule (repeatable).
        #[arg(long)]
        rule: Vec<String>,
        /// Only alerts since this time: a duration ("2h", "7d") or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Print the raw JSON lines.
        #[arg(long)]
        json: bool,
        /// Only the last N alerts (before following).
        #[arg(short = 'n', long)]
        lines: Option<usize>,
        /// The alert log to read (default: the config's `alert_log`).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Config file (to find the alert log).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// List every configured feed with its state: last poll and status, next poll,
    /// consecutive errors and the last error, items seen, where it moved.
    Feeds {
        /// One JSON object per feed instead of a table.
        #[arg(long)]
        json: bool,
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Read an OPML subscription list (OPML 1 or 2): print its feeds as [[feed]]
    /// entries (folders and categories become tags), or append them to the config.
    ImportOpml {
        /// The OPML file.
        file: PathBuf,
        /// Append the new entries to the config file (after checking the result)
        /// instead of printing them; feeds already there are skipped.
        #[arg(long)]
        append: bool,
        /// Config file (feeds already in it are skipped; with --append, the file written).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the config's feeds as OPML 2.0 (first tag as folder, the others as categories).
    ExportOpml {
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the completion script for a shell (bash, zsh, fish, elvish, powershell),
    /// e.g. `newswatch completions bash > ~/.local/share/bash-completion/completions/newswatch`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (newswatch.1, and newswatch-COMMAND.1 for each command)
    /// into a folder. Hidden: the package and the install script use it.
    #[command(hide = true)]
    Man {
        /// The folder (created if needed).
        dir: PathBuf,
    },
}

/// The `channels` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// Send one made-up alert to channel NAME now and print the receiver's answer
    /// (exit 0 when it took it). Nothing is queued or recorded.
    Test {
        /// The channel's name.
        name: String,
        /// Config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

/// The `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run rules over items and print what would fire, with the spans that matched.
    Test {
        /// Items: a feed file (RSS, Atom, JSON Feed) or JSON lines
        /// ({"id", "title", "text" or "html", "link", "published", "feed"}).
        #[arg(required_unless_present = "since")]
        file: Option<PathBuf>,
        /// Instead of a file: the items the daemon kept from this period ("7d", "12h")
        /// or since this time (RFC 3339); see `item_retention`.
        #[arg(long, conflicts_with = "file")]
        since: Option<String>,
        /// Only this rule (repeatable).
        #[arg(long)]
        rule: Vec<String>,
        /// Use the rules of this watchlist file instead of the config's (repeatable):
        /// try a rule before deploying it.
        #[arg(long = "rules", value_name = "FILE")]
        rules_files: Vec<PathBuf>,
        /// Test this query, as a rule named `query` (with --rules or alone).
        #[arg(long)]
        query: Option<String>,
        /// One JSON line per rule that fires on an item.
        #[arg(long)]
        json: bool,
        /// Config file (watchlists, knowledge base, stored items).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}
