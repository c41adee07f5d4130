//! The page an item links to: fetched politely ([`fetch`]), its bytes decoded
//! ([`charset`]), read down to the article's text and metadata ([`readable`]), and
//! made the item's body ([`body`]), for `full_text` and `newswatch article`.

pub mod body;
pub mod charset;
pub mod fetch;
pub mod readable;

pub use readable::{Article, ReadError, read};

/// The article of a page's bytes: decoded by [`charset::decode`] (given the response's
/// `Content-Type`, if any), then read by [`readable::read`] (`url`, if known, is the
/// page's address).
pub fn article_of(
    bytes: &[u8],
    content_type: Option<&str>,
    url: Option<&str>,
) -> Result<Article, ReadError> {
    read(&charset::decode(bytes, content_type).text, url)
}
