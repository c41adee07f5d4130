//! Getting items from feeds: [`schedule`] (which feed when), [`fetch`] (HTTP and local
//! files, conditional requests, limits) and [`parse`] (bytes → [`Item`](crate::model::Item)s
//! with stable identity).

pub mod fetch;
pub mod parse;
pub mod schedule;
