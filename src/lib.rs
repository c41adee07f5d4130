//! newswatch: a news-feed monitor daemon. It polls RSS/Atom/JSON feeds, runs the
//! shared extractor over every new item, matches the user's watch rules and raises
//! alerts as desktop notifications and JSON lines in an alert log.
//!
//! # Layout
//!
//! - [`model`]: the values that flow (`Item`, `Extraction`, `Alert`).
//! - [`diag`]: `file:line:column` diagnostics for user files.
//! - [`extract`]: the shared extractor (HTML → text, knowledge base, entities,
//!   quantities, quotes). Pure and synchronous.

pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod diag;
pub mod engine;
pub mod extract;
pub mod model;
pub mod poll;
pub mod rules;
pub mod sink;
pub mod source;
pub mod store;
pub mod tail;
