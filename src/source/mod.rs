//! Getting items from feeds: [`schedule`] (which feed when), [`fetch`] (HTTP and local
//! files, conditional requests, limits) and [`parse`] (bytes → [`Item`](crate::model::Item)s
//! with stable identity). Parsing is helped by [`fixup`] (decoding and markup repair
//! before any reader), [`tolerant`] (the fallback reader) and [`date`] (lenient feed
//! dates).

pub mod date;
pub mod fetch;
pub mod fixup;
pub mod parse;
pub mod schedule;
pub mod tolerant;
