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
//! - [`sink`]: where alerts go: [`sink::desktop`] shows them as desktop notifications
//!   over D-Bus and opens the item's link on "Open".

pub mod diag;
pub mod extract;
pub mod model;
pub mod sink;
