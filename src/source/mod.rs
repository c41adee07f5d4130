//! Getting items from feeds: [`schedule`] (which feed when), [`hints`] (what the
//! publisher asks about polling), [`hosts`] (per-host politeness), [`fetch`] (HTTP
//! and local files, conditional requests, redirects, limits), [`parse`] (bytes →
//! [`Item`](crate::model::Item)s with stable identity) and [`opml`] (subscription
//! lists in and out). Parsing is helped by [`fixup`] (decoding and markup repair
//! before any reader), [`tolerant`] (the fallback reader), [`jsonfeed`] (JSON Feed's base
//! address and its fallback reader) and [`date`] (lenient feed
//! dates).

pub mod date;
pub mod fetch;
pub mod fixup;
pub mod hints;
pub mod hosts;
pub mod jsonfeed;
pub mod opml;
pub mod parse;
pub mod schedule;
pub mod tolerant;
