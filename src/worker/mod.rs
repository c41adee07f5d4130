//! One feed's poll, the unit a work queue would carry: [`poll`] fetches and parses,
//! [`full_text`] reads the new items' linked pages (when the feed asks for it),
//! [`engine`] turns new items into alerts, [`commit`] groups them and writes one
//! transaction.

pub mod commit;
pub mod engine;
pub mod full_text;
pub mod poll;
