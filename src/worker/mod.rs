//! One feed's poll, the unit a work queue would carry: [`poll`] fetches and parses,
//! [`engine`] turns new items into alerts, [`commit`] groups them and writes one
//! transaction.

pub mod commit;
pub mod engine;
pub mod poll;
