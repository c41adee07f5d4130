//! Polling one feed: fetch (conditional), parse, find the items not seen before, run
//! the engine on them, and commit items, alerts and feed state in one transaction.
//! Failures become a per-feed error with a backoff, never a panic.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::config::{Feed, FirstPoll};
use crate::engine::{Engine, Raised};
use crate::model::Item;
use crate::sink::deliver::{SharedStore, lock};
use crate::source::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::source::parse::parse_feed;
use crate::store::{FeedState, PollRecord, StoreError};

/// Longest wait between retries of a failing feed.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// What a poll needs, shared by all polls.
#[derive(Clone)]
pub struct PollContext {
    /// The HTTP/file fetcher.
    pub fetcher: Fetcher,
    /// The state file.
    pub store: SharedStore,
    /// Extractor and rules.
    pub engine: Arc<Engine>,
    /// Woken after alerts are committed, so delivery starts at once.
    pub wake: Arc<Notify>,
}

/// How a poll went.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    /// `200`, `304`, or the error class.
    pub status: String,
    /// Items not seen before.
    pub new_items: usize,
    /// Alerts queued.
    pub alerts: usize,
    /// The error, if the poll failed.
    pub error: Option<String>,
    /// When the feed is due again.
    pub next_poll: DateTime<Utc>,
}

/// Why a poll failed, with the status word stored for `newswatch feeds`.
struct Failure {
    status: String,
    message: String,
    retry_after: Option<Duration>,
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Self {
        let (status, retry_after) = match &e {
            FetchError::Timeout(_) => ("timeout".to_string(), None),
            FetchError::Status {
                status,
                retry_after,
            } => (status.to_string(), *retry_after),
            FetchError::TooLarge(_) => ("too-large".to_string(), None),
            FetchError::Network(_) => ("network".to_string(), None),
            FetchError::File { .. } => ("file".to_string(), None),
        };
        Failure {
            status,
            message: e.to_string(),
            retry_after,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure {
            status: "store".into(),
            message: e.to_string(),
            retry_after: None,
        }
    }
}

fn join_failure(e: tokio::task::JoinError) -> Failure {
    Failure {
        status: "internal".into(),
        message: format!("poll task failed: {e}"),
        retry_after: None,
    }
}

/// Polls `feed` once and records the outcome in the store.
pub async fn poll_feed(ctx: &PollContext, feed: &Feed) -> PollReport {
    let url = feed.source.display();
    match try_poll(ctx, feed, &url).await {
        Ok(report) => {
            if report.new_items > 0 || report.alerts > 0 {
                info!(feed = %feed.name, status = %report.status, new_items = report.new_items, alerts = report.alerts, "polled");
            }
            report
        }
        Err(f) => {
            let store = ctx.store.clone();
            let (name, status, message) = (feed.name.clone(), f.status.clone(), f.message.clone());
            let interval = feed.interval;
            let counted = tokio::task::spawn_blocking(move || {
                let mut s = lock(&store);
                let errors = s.feed_state(&name)?.map_or(0, |st| st.error_count);
                let next = Utc::now() + to_chrono(backoff(interval, errors + 1, f.retry_after));
                s.record_failure(&name, &url, &status, &message, next)
                    .map(|_| next)
            })
            .await;
            let next_poll = match counted {
                Ok(Ok(next)) => next,
                Ok(Err(e)) => {
                    warn!(feed = %feed.name, error = %e, "cannot record poll failure");
                    Utc::now() + to_chrono(feed.interval)
                }
                Err(e) => {
                    warn!(feed = %feed.name, error = %e, "cannot record poll failure");
                    Utc::now() + to_chrono(feed.interval)
                }
            };
            warn!(feed = %feed.name, status = %f.status, error = %f.message, next_poll = %next_poll, "poll failed");
            PollReport {
                status: f.status,
                new_items: 0,
                alerts: 0,
                error: Some(f.message),
                next_poll,
            }
        }
    }
}

/// Delay before the next try after `errors` consecutive failures: the interval doubled
/// per failure, capped, and never shorter than what the server asked for.
pub fn backoff(interval: Duration, errors: u32, retry_after: Option<Duration>) -> Duration {
    let doubled = interval.saturating_mul(1u32 << errors.saturating_sub(1).min(16));
    let wait = doubled.min(MAX_BACKOFF.max(interval));
    retry_after.map_or(wait, |r| {
        wait.max(r.min(Duration::from_secs(7 * 24 * 3600)))
    })
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

async fn try_poll(ctx: &PollContext, feed: &Feed, url: &str) -> Result<PollReport, Failure> {
    let store = ctx.store.clone();
    let name = feed.name.clone();
    let state: Option<FeedState> =
        tokio::task::spawn_blocking(move || lock(&store).feed_state(&name))
            .await
            .map_err(join_failure)??;
    // Validators belong to a URL: after the config points elsewhere, start afresh.
    let validators = state
        .as_ref()
        .filter(|s| s.url == url)
        .map(|s| s.validators.clone())
        .unwrap_or_default();
    let first_poll = !state.as_ref().is_some_and(|s| s.first_poll_done);
    let next_poll = Utc::now() + to_chrono(feed.interval);

    let fetched = ctx.fetcher.fetch(&feed.source, &validators).await?;
    let (bytes, new_validators, base) = match fetched {
        Fetched::NotModified => {
            commit(
                ctx,
                feed,
                url,
                None,
                "304",
                Vec::new(),
                Vec::new(),
                next_poll,
            )
            .await?;
            return Ok(PollReport {
                status: "304".into(),
                new_items: 0,
                alerts: 0,
                error: None,
                next_poll,
            });
        }
        Fetched::Body {
            bytes,
            validators,
            final_url,
        } => (
            bytes,
            validators,
            final_url.unwrap_or_else(|| url.to_string()),
        ),
    };

    let engine = ctx.engine.clone();
    let store = ctx.store.clone();
    let feed_c = feed.clone();
    let url_c = url.to_string();
    let (items, raised) =
        tokio::task::spawn_blocking(move || -> Result<(Vec<Item>, Vec<Raised>), Failure> {
            let base = base.starts_with("http").then_some(base.as_str());
            let items = parse_feed(&bytes, base).map_err(|e| Failure {
                status: "parse".into(),
                message: e.to_string(),
                retry_after: None,
            })?;
            let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
            let unseen = lock(&store).unseen(&feed_c.name, &ids)?;
            let new_items: Vec<Item> = items
                .into_iter()
                .zip(unseen)
                .filter_map(|(i, u)| u.then_some(i))
                .collect();
            let now = Utc::now();
            let raised = new_items
                .iter()
                .filter(|item| !first_poll || eligible_on_first_poll(feed_c.first_poll, item, now))
                .flat_map(|item| engine.alerts_for(&feed_c.name, &url_c, item, now))
                .collect();
            Ok((new_items, raised))
        })
        .await
        .map_err(join_failure)??;

    let (n_items, n_alerts) = (items.len(), raised.len());
    commit(
        ctx,
        feed,
        url,
        Some(new_validators),
        "200",
        items,
        raised,
        next_poll,
    )
    .await?;
    if n_alerts > 0 {
        ctx.wake.notify_one();
    }
    Ok(PollReport {
        status: "200".into(),
        new_items: n_items,
        alerts: n_alerts,
        error: None,
        next_poll,
    })
}

/// Whether an item found on a feed's first poll may alert under `policy`.
fn eligible_on_first_poll(policy: FirstPoll, item: &Item, now: DateTime<Utc>) -> bool {
    match policy {
        FirstPoll::All => true,
        FirstPoll::Nothing => false,
        FirstPoll::Within(window) => item
            .published
            .is_some_and(|p| p <= now + chrono::Duration::hours(1) && now - p <= to_chrono(window)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn commit(
    ctx: &PollContext,
    feed: &Feed,
    url: &str,
    validators: Option<Validators>,
    status: &'static str,
    items: Vec<Item>,
    raised: Vec<Raised>,
    next_poll: DateTime<Utc>,
) -> Result<(), Failure> {
    let store = ctx.store.clone();
    let engine = ctx.engine.clone();
    let name = feed.name.clone();
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let mut store = lock(&store);
        // Grouping reads earlier alerts: decided under the same lock as the commit.
        let raised = engine.group(&store, raised)?;
        let rec = PollRecord {
            feed: &name,
            url: &url,
            validators: validators.as_ref(),
            status,
            new_items: &items,
            alerts: raised.iter().map(|(a, n)| (a, *n)).collect(),
            next_poll,
        };
        store.commit_poll(&rec)?;
        engine.after_commit(&mut store, &name, &items, Utc::now());
        Ok::<(), StoreError>(())
    })
    .await
    .map_err(join_failure)??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_respects_retry_after() {
        let m = Duration::from_secs(60);
        assert_eq!(backoff(m, 1, None), m);
        assert_eq!(backoff(m, 3, None), 4 * m);
        assert_eq!(backoff(m, 40, None), MAX_BACKOFF);
        assert_eq!(
            backoff(m, 1, Some(Duration::from_secs(600))),
            Duration::from_secs(600)
        );
        let day = Duration::from_secs(86400);
        assert_eq!(backoff(day, 5, None), day, "never faster than the interval");
    }

    #[test]
    fn first_poll_window() {
        let now = Utc::now();
        let item = |h: i64| Item {
            id: "x".into(),
            title: String::new(),
            link: None,
            published: Some(now - chrono::Duration::hours(h)),
            body: String::new(),
        };
        let day = FirstPoll::Within(Duration::from_secs(86400));
        assert!(eligible_on_first_poll(day, &item(2), now));
        assert!(!eligible_on_first_poll(day, &item(30), now));
        assert!(!eligible_on_first_poll(
            day,
            &Item {
                published: None,
                ..item(0)
            },
            now
        ));
        assert!(eligible_on_first_poll(FirstPoll::All, &item(1000), now));
        assert!(!eligible_on_first_poll(FirstPoll::Nothing, &item(0), now));
    }
}
