//! newswatch: a news-feed monitor daemon. It polls RSS/Atom/JSON feeds, runs the
//! shared extractor over every new item, matches the user's watch rules and raises
//! alerts as desktop notifications and JSON lines in an alert log.
//!
//! # Layout
//!
//! The flow is one direction: feed → [`source`] → `Item` → [`extract`] → `Extraction`
//! → [`rules`] → `Alert` → [`sink`], with the [`store`] keeping state in between.
//!
//! - [`model`]: the values that flow (`Item`, `Extraction`, `Alert`); their JSON is
//!   public contract.
//! - [`config`]: the TOML config, its defaults and validation (every error with
//!   file:line:column, via [`diag`]).
//! - [`source`]: fetching (HTTP with conditional GET and limits, local files) and
//!   parsing feeds into items with stable identity.
//! - [`extract`]: the shared extractor (HTML → text, knowledge base, entities,
//!   quantities, dates, quotes). Pure and synchronous: no tokio, HTTP or files.
//! - [`rules`]: watchlists compiled into a rule set that says which rules fire on an
//!   extraction and why.
//! - [`engine`]: one config's extractor and rules, and the step from item to alerts.
//! - [`store`]: the SQLite state file (feed state, seen items, alert outbox, and the
//!   summaries owed for popups lost from view).
//! - [`poll`]: one poll of one feed; [`commit`]: its grouping decisions, items, alerts
//!   and feed state committed in one transaction.
//! - [`sink`]: the alert log, desktop notifications, and the delivery loop over the
//!   outbox (its desktop half pauses on a hung server and summarises what it missed).
//! - [`daemon`]: wiring, schedule, signals, sd_notify, ordered shutdown; `once`.
//! - [`service`]: running as a system service: sd_notify and the status line, config
//!   file watching, systemd-managed directories, journald logging, Prometheus metrics.
//! - [`tail`]: reading and following the alert log.
//! - [`subscriptions`]: `feeds` (feed state), OPML import and export.
//! - [`cli`] and [`commands`]: the command line (with its completion scripts and
//!   manual pages); `main.rs` stays thin.

pub mod cli;
pub mod commands;
pub mod commit;
pub mod config;
pub mod daemon;
pub mod diag;
pub mod engine;
pub mod extract;
pub mod model;
pub mod page;
pub mod poll;
pub mod rules;
pub mod service;
pub mod sink;
pub mod source;
pub mod store;
pub mod subscriptions;
pub mod tail;
