//! Library-level integration tests: the crate's public API in this process — feed
//! parsing, extraction, rules, the poll worker against loopback servers, the store and
//! the delivery loop on real SQLite files. Nothing here starts the `newswatch` binary.
//!
//! Add a test to the module of its stage, or a new module here (`mod NAME;` below and
//! `tests/library/NAME.rs`). Run one module: `cargo test --test library parse_identity`.

// `pub`: the shared helpers are this binary's API; each binary uses part of them.
#[path = "../common/mod.rs"]
pub mod common;

mod channel_delivery;
mod channel_payloads;
mod cluster_lease;
mod crash_recovery;
mod delivery;
mod extract_gold;
mod extract_reference;
mod extract_robustness;
mod hostile_input_xml;
mod layering;
mod parse_classes;
mod parse_corpus;
mod parse_identity;
mod parse_robustness;
mod polling_bomb;
mod polling_clock;
mod rules_precision;
