//! What running for months as a system service takes, apart from the work itself:
//! talking to the service manager ([`notify`]), the live status line ([`status`]),
//! noticing edited config files ([`watch`]), systemd-managed directories ([`dirs`]),
//! where logs go ([`logging`]), and the optional Prometheus endpoint ([`metrics`]).
//! The daemon ([`crate::daemon`]) wires them into its event loop.

pub mod dirs;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod status;
pub mod watch;
