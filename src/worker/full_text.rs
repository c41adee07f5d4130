//! `full_text` in a poll: which new items get their linked page (those that may alert,
//! when the feed's mode wants it for the item's own word count), fetching those pages
//! at once within one deadline ([`crate::page::fetch`]), and making each page's
//! article the item's body ([`crate::page::body`]). Every page that is not used is one
//! log line with the feed, the item and why; every item's alerts say where its text
//! came from ([`TextSource`]). Nothing here fails a poll: a broken page leaves its item
//! with the feed's text.

use std::time::Duration;

use tracing::{info, warn};

use crate::config::{Feed, FullText};
use crate::extract::text::html_to_text;
use crate::model::{Item, TextFrom, TextSource};
use crate::page::fetch::{Fetch, Pages};
use crate::page::{self, body};
use crate::rules::words;
use crate::worker::poll::PollContext;

/// For each item, whether its page is wanted: it may alert and the feed's mode wants
/// a page for an item with that many words of its own (title aside).
pub fn wanted(mode: FullText, items: &[Item], eligible: &[bool]) -> Vec<bool> {
    items
        .iter()
        .zip(eligible)
        .map(|(item, may_alert)| {
            *may_alert
                && mode != FullText::Off
                && mode.wants_page(words::count(&html_to_text(&item.body)))
        })
        .collect()
}

/// Fetches the pages of the `wanted` items, all within `bound` from now; `None` for
/// the others.
pub async fn fetch(
    ctx: &PollContext,
    items: &[Item],
    wanted: &[bool],
    bound: Duration,
) -> Vec<Option<Fetch>> {
    let links: Vec<Option<&str>> = items
        .iter()
        .zip(wanted)
        .filter(|(_, w)| **w)
        .map(|(i, _)| i.link.as_deref())
        .collect();
    if links.is_empty() {
        return items.iter().map(|_| None).collect();
    }
    let pages = Pages {
        fetcher: &ctx.fetcher,
        hosts: &ctx.hosts,
        retry_cap: ctx.polling.max_interval.max(ctx.polling.max_backoff),
    };
    let mut got = pages.fetch_all(&links, bound).await.into_iter();
    wanted
        .iter()
        .map(|w| if *w { got.next() } else { None })
        .collect()
}

/// Reads each fetched page and, when its article is longer than the item's own text,
/// makes it the item's body. Returns each item's [`TextSource`] (`None` for items
/// that may not alert, or when the feed's mode is off). Blocking: reading a page is
/// a few milliseconds of CPU.
pub fn apply(
    feed: &Feed,
    items: &mut [Item],
    eligible: &[bool],
    pages: Vec<Option<Fetch>>,
) -> Vec<Option<TextSource>> {
    items
        .iter_mut()
        .zip(eligible)
        .zip(pages)
        .map(|((item, may_alert), page)| {
            (*may_alert && feed.full_text != FullText::Off).then(|| use_page(feed, item, page))
        })
        .collect()
}

/// Makes `page`'s article `item`'s body if it can; where the text came from.
fn use_page(feed: &Feed, item: &mut Item, page: Option<Fetch>) -> TextSource {
    let from_feed = |url: Option<String>, words: Option<usize>, error: String| {
        warn!(feed = %feed.name, item = %item.id, url = url.as_deref().unwrap_or(""), error = %error,
            "page not used; rules read the feed's text");
        TextSource {
            from: TextFrom::Feed,
            url,
            words,
            error: Some(error),
        }
    };
    let link = item.link.clone();
    let page = match page {
        // The item's own text is long enough (auto).
        None => {
            return TextSource {
                from: TextFrom::Feed,
                url: None,
                words: None,
                error: None,
            };
        }
        Some(Fetch::Failed(why)) => return from_feed(link, None, why),
        Some(Fetch::Got(p)) => p,
    };
    let url = page.url.to_string();
    let article = match page::article_of(&page.bytes, page.content_type.as_deref(), Some(&url)) {
        Ok(a) => a,
        Err(e) => return from_feed(Some(url), None, e.to_string()),
    };
    let feed_text = html_to_text(&item.body);
    let feed_words = words::count(&feed_text);
    if article.words <= feed_words {
        info!(feed = %feed.name, item = %item.id, url = %url, page_words = article.words, feed_words,
            "page not used: its text is not longer than the feed's");
        return TextSource {
            from: TextFrom::Feed,
            url: Some(url),
            words: Some(article.words),
            error: Some(format!(
                "the page's text ({} words) is not longer than the feed's ({feed_words})",
                article.words
            )),
        };
    }
    item.body = body::with_article(&feed_text, &article.text);
    TextSource {
        from: TextFrom::Page,
        url: Some(url),
        words: Some(article.words),
        error: None,
    }
}
