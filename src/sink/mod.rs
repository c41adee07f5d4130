//! Sinks: where alerts go once they are stored (the alert log, desktop notifications)
//! and the delivery loop over the outbox.

pub mod desktop;
