//! Getting items from feeds: [`fetch`] (HTTP and local files, conditional requests,
//! limits) and [`parse`] (bytes → [`Item`](crate::model::Item)s with stable identity).

pub mod fetch;
pub mod parse;
