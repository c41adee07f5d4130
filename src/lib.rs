//! newswatch: a news-feed monitor daemon. It polls RSS/Atom/JSON feeds, runs the
//! shared extractor over every new item, matches the user's watch rules and raises
//! alerts as desktop notifications and JSON lines in an alert log.
//!
//! # Layout
//!
//! The flow is one direction: feed → [`source`] → `Item` → [`extract`] → `Extraction`
//! → [`rules`] → `Alert` → [`sink`], with the [`store`] keeping state in between.
//! `ARCHITECTURE.md` walks it file by file and says what each folder must not import.
//!
//! - [`model`]: the values that flow (`Item`, `Extraction`, `Alert`, `Validators`);
//!   their JSON is public contract. [`diag`] (problems at file:line:column) and
//!   [`duration`] are base modules every layer may use.
//! - [`config`]: the TOML config as spanned serde structs, its defaults and validation
//!   (every error with file:line:column), and reading the user files it names.
//! - [`net`]: the HTTP client the fetcher and the alert channels share (TLS provider,
//!   `[http]` settings, `Retry-After`).
//! - [`source`]: fetching (HTTP with conditional GET and limits, local files), parsing
//!   feeds into items with stable identity, the schedule and per-host politeness.
//! - [`extract`]: the shared extractor (HTML → text, knowledge base, entities,
//!   quantities, dates, quotes). Pure and synchronous: takes text, never paths; no
//!   tokio, HTTP, files or store.
//! - [`rules`]: the watch-rule language: watchlists (text) compiled into a rule set
//!   that says which rules fire on an extraction and why; story grouping. Pure too.
//! - [`page`]: the page an item links to (`full_text`, `newswatch article`): fetched
//!   through the feeds' client and host limits, decoded, read down to its article.
//! - [`worker`]: one feed's poll, the unit a work queue would carry: [`worker::poll`]
//!   (fetch, parse, unseen items), [`worker::engine`] (pure: extraction and rules to
//!   alerts), [`worker::commit`] (grouping and one transaction).
//! - [`store`]: the SQLite state file (feed state, seen items, alert outbox, rule
//!   state, the summaries owed for popups lost from view) and its shared handle.
//! - [`sink`]: the alert log, desktop notifications, and the delivery loop over the
//!   outbox (its desktop half pauses on a hung server and summarises what it missed);
//!   the channels (webhook, Slack-compatible, ntfy, email, exec), each a consumer of
//!   the outbox with its own delivery records, retries and digests.
//! - [`cluster`]: several instances as one through NATS JetStream (`[cluster]`):
//!   membership, which instance polls a feed (rendezvous hashing and leases), the
//!   poll state handed between them, alerts published to a stream and read back into
//!   every instance's outbox. Without `[cluster]` none of it runs.
//! - [`daemon`]: wiring, the event loop, signals, reload, ordered shutdown; `once`.
//! - [`service`]: running as a system service: sd_notify and the status line, config
//!   file watching, systemd-managed directories, journald logging, Prometheus metrics.
//! - [`tail`]: reading and following the alert log.
//! - [`cli`] and [`commands`]: the command line, one file per command family (with
//!   the completion scripts and manual pages); `main.rs` stays thin.

#![warn(missing_docs)]

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod diag;
pub mod duration;
pub mod extract;
pub mod model;
pub mod net;
pub mod page;
pub mod rules;
pub mod service;
pub mod sink;
pub mod source;
pub mod store;
pub mod tail;
pub mod worker;
