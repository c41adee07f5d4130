//! Whole-process integration tests: the built `newswatch` binary run as users and
//! systemd run it — commands, the daemon with its signals, reload, sd_notify, metrics
//! and journal, desktop notifications on a private session bus, real file-system and
//! clock faults — against feeds served on 127.0.0.1.
//!
//! Add a test to the module of its concern, or a new module here (`mod NAME;` below
//! and `tests/process/NAME.rs`). Run one module: `cargo test --test process service_reload`.

// `pub`: the shared helpers are this binary's API; each binary uses part of them.
#[path = "../common/mod.rs"]
pub mod common;

mod article_cli;
mod channels_cli;
mod cli;
mod cli_edges;
mod cluster;
mod daemon_lock;
mod daemon_run;
mod desktop;
mod extract_batch;
mod fault_alert_log;
mod fault_clock;
mod fault_desktop;
mod fault_state;
mod full_text;
mod full_text_hosts;
mod hostile_input;
mod poll_http;
mod polling_hostile;
mod polling_http;
mod polling_opml;
mod rules_cli;
mod rules_grouping;
mod service_journal;
mod service_metrics;
mod service_notify;
mod service_reload;
mod service_stop;
mod service_tail;
mod systemd_units;
