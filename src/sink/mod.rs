//! Sinks: where alerts go once they are in the outbox — the alert log ([`jsonl`]),
//! desktop notifications ([`desktop`]) and the channels ([`channel`]: webhooks, chat,
//! ntfy, email, programs) — and the loops that deliver them ([`deliver`]).

pub mod channel;
pub mod deliver;
pub mod desktop;
pub mod jsonl;
