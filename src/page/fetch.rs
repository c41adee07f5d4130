//! Fetching the pages a poll's new items link to: through the feeds' HTTP client (so
//! the same timeouts, size cap, redirects and User-Agent), each within its host's
//! request limit, skipping hosts that asked us to wait (a 429/503 `Retry-After` on a
//! page holds back that host's feeds and pages alike), all concurrently, and given up
//! at a deadline so that no item waits long for its page.

use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;
use url::Url;

use crate::source::fetch::{FetchError, Fetcher, Page};
use crate::source::hosts::{Hosts, host_key};

/// What fetching one item's page came to.
#[derive(Debug)]
pub enum Fetch {
    /// The page (HTML, within the size cap).
    Got(Page),
    /// No usable page, and why (for the log line and the alert's `page`).
    Failed(String),
}

/// What page fetches share.
#[derive(Debug, Clone, Copy)]
pub struct Pages<'a> {
    /// The feeds' HTTP client.
    pub fetcher: &'a Fetcher,
    /// Per-host request slots and `Retry-After` blocks.
    pub hosts: &'a Hosts,
    /// The longest a `Retry-After` may hold a host back.
    pub retry_cap: Duration,
}

impl Pages<'_> {
    /// Fetches the page of each of `links` (`None`: an item without a link), at once,
    /// each host within its limits; those not done within `bound` fail. One answer
    /// per link, in order.
    pub async fn fetch_all(&self, links: &[Option<&str>], bound: Duration) -> Vec<Fetch> {
        let deadline = Instant::now() + bound;
        join_all(links.iter().map(|link| async move {
            let Some(link) = link else {
                return Fetch::Failed("the item has no link".into());
            };
            tokio::time::timeout_at(deadline, self.fetch_one(link))
                .await
                .unwrap_or_else(|_| {
                    Fetch::Failed(format!(
                        "no page within {}",
                        humantime::format_duration(bound)
                    ))
                })
        }))
        .await
    }

    async fn fetch_one(&self, link: &str) -> Fetch {
        let url = match Url::parse(link) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => u,
            _ => return Fetch::Failed(format!("the link is not an http(s) URL: {link}")),
        };
        let host = host_key(&url);
        if let Some(why) = self.held_back(&host) {
            return Fetch::Failed(why);
        }
        let _slot = self.hosts.host_slot(&host).await;
        // The host may have asked to wait while this one queued for its slot.
        if let Some(why) = self.held_back(&host) {
            return Fetch::Failed(why);
        }
        match self.fetcher.fetch_page(&url).await {
            Ok(page) => Fetch::Got(page),
            Err(e) => {
                if let FetchError::Status {
                    status: 429 | 503,
                    retry_after: Some(wait),
                } = &e
                {
                    self.hosts
                        .block(&host, Instant::now(), (*wait).min(self.retry_cap));
                }
                Fetch::Failed(e.to_string())
            }
        }
    }

    /// Why `host` is not asked now, if it asked us to wait.
    fn held_back(&self, host: &str) -> Option<String> {
        let now = Instant::now();
        self.hosts.blocked_until(host, now).map(|until| {
            format!(
                "{host} asked us to wait (Retry-After) for {} more",
                humantime::format_duration(Duration::from_secs((until - now).as_secs().max(1)))
            )
        })
    }
}
