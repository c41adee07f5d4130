//! Sinks: where alerts go once they are in the outbox — the alert log ([`jsonl`]) and
//! desktop notifications ([`desktop`]) — and the loop that delivers them ([`deliver`]).

pub mod deliver;
pub mod desktop;
pub mod jsonl;
