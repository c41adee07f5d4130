//! Polling one feed: wait for the host's and the global slot, fetch (conditional, from
//! where permanent redirects moved the feed), parse, find the items not seen before,
//! run the engine on them, and commit items, alerts and feed state in one transaction.
//! The next poll follows [`schedule::next_wait`] (interval raised to the publisher's
//! asks) or [`schedule::backoff`]; a 429/503 `Retry-After` holds back the whole
//! host:port; 410 Gone disables the feed. Failures become a per-feed error with a
//! backoff, never a panic.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tracing::{info, warn};
use url::Url;

use crate::config::{Feed, FeedSource, FirstPoll, FullText, Polling};
use crate::model::{Item, TextSource, Validators};
use crate::source::fetch::{FetchError, Fetched, Fetcher};
use crate::source::hints::{Hints, document_ttl};
use crate::source::hosts::{Hosts, PollSlot, host_key};
use crate::source::parse::parse_feed;
use crate::source::schedule::{self, stagger};
use crate::store::{FailureRecord, FeedState, SharedStore, Store, StoreError, lock};
use crate::worker::commit::{OwnedPoll, commit};
use crate::worker::engine::{Engine, Raised};
use crate::worker::full_text;

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
    /// Global and per-host slots, and the hosts that asked us to wait.
    pub hosts: Arc<Hosts>,
    /// Bounds on the next wait.
    pub polling: Polling,
}

/// How a poll went.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    /// `200`, `304`, `deferred` (the host asked us to wait), `gone` (disabled by an
    /// earlier 410), or the error class.
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

impl PollReport {
    fn quiet(status: &str, next_poll: DateTime<Utc>) -> Self {
        PollReport {
            status: status.into(),
            new_items: 0,
            alerts: 0,
            error: None,
            next_poll,
        }
    }
}

/// Why a poll failed, with the status word stored for `newswatch feeds`.
struct Failure {
    status: String,
    message: String,
    retry_after: Option<Duration>,
    gone: bool,
}

impl Failure {
    fn new(status: &str, message: String) -> Self {
        Failure {
            status: status.into(),
            message,
            retry_after: None,
            gone: false,
        }
    }
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Self {
        let status = match &e {
            FetchError::Timeout(_) => "timeout".to_string(),
            FetchError::Status { status, .. } => status.to_string(),
            FetchError::TooLarge(_) => "too-large".to_string(),
            FetchError::Redirect(_) => "redirect".to_string(),
            FetchError::Tls(_) => "tls".to_string(),
            FetchError::Network(_) => "network".to_string(),
            FetchError::File { .. } => "file".to_string(),
            FetchError::NotHtml(_) => "not-html".to_string(),
        };
        let (retry_after, gone) = match &e {
            FetchError::Status {
                status,
                retry_after,
            } => (*retry_after, *status == 410),
            _ => (None, false),
        };
        Failure {
            status,
            message: e.to_string(),
            retry_after,
            gone,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::new("store", e.to_string())
    }
}

fn join_failure(e: tokio::task::JoinError) -> Failure {
    Failure::new("internal", format!("poll task failed: {e}"))
}

/// Runs `f` on the store in the blocking pool.
async fn with_store<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Failure> {
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&mut lock(&store)))
        .await
        .map_err(join_failure)??)
}

/// Polls `feed` once and records the outcome in the store. Waits for the feed's
/// host slot and a global slot first, so callers need no limits of their own.
pub async fn poll_feed(ctx: &PollContext, feed: &Feed) -> PollReport {
    let url = feed.source.display();
    match try_poll(ctx, feed, &url).await {
        Ok(report) => {
            if report.new_items > 0 || report.alerts > 0 {
                info!(feed = %feed.name, status = %report.status, new_items = report.new_items, alerts = report.alerts, "polled");
            }
            report
        }
        Err(f) => record_failure(ctx, feed, url, f).await,
    }
}

async fn record_failure(ctx: &PollContext, feed: &Feed, url: String, f: Failure) -> PollReport {
    let (name, status, message) = (feed.name.clone(), f.status.clone(), f.message.clone());
    let (interval, bounds, retry_after, gone) =
        (feed.interval, ctx.polling.clone(), f.retry_after, f.gone);
    let counted = with_store(&ctx.store, move |s| {
        let known = s.feed_state(&name)?;
        let errors = known
            .filter(|st| st.url == url)
            .map_or(0, |st| st.error_count);
        let wait = if gone {
            bounds.max_interval
        } else {
            schedule::backoff(interval, errors + 1, retry_after, &bounds)
        };
        let next_poll = Utc::now() + to_chrono(wait);
        let rec = FailureRecord {
            feed: &name,
            url: &url,
            status: &status,
            error: &message,
            next_poll,
            disable: gone,
        };
        s.record_failure(&rec).map(|n| (n, next_poll))
    })
    .await;
    let (errors, next_poll) = match counted {
        Ok(v) => v,
        Err(e) => {
            warn!(feed = %feed.name, error = %e.message, "cannot record poll failure");
            (0, Utc::now() + to_chrono(feed.interval))
        }
    };
    if f.gone {
        warn!(feed = %feed.name, url = %feed.source.display(), "feed is gone (HTTP 410): polling stops until its url changes in the config");
    } else {
        warn!(feed = %feed.name, status = %f.status, error = %f.message, errors, next_poll = %next_poll, "poll failed");
    }
    PollReport {
        status: f.status,
        new_items: 0,
        alerts: 0,
        error: Some(f.message),
        next_poll,
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Where to fetch `feed` from: the address permanent redirects moved it to, while its
/// configured URL is the one they were seen for; else the configured source.
fn effective_source(feed: &Feed, state: Option<&FeedState>) -> FeedSource {
    let moved = state.and_then(|s| s.effective_url.as_deref());
    match (&feed.source, moved) {
        (FeedSource::Http(_), Some(m)) => Url::parse(m)
            .map(FeedSource::Http)
            .unwrap_or_else(|_| feed.source.clone()),
        _ => feed.source.clone(),
    }
}

/// The steps of one poll: the stored state, then (unless the feed is gone) the fetch,
/// then the 304 or the new body committed.
async fn try_poll(ctx: &PollContext, feed: &Feed, url: &str) -> Result<PollReport, Failure> {
    let state = known_state(ctx, feed, url).await?;
    if state.as_ref().is_some_and(|s| s.disabled) {
        return stay_gone(ctx, feed, url).await;
    }
    let source = effective_source(feed, state.as_ref());
    let (fetched, poll_slot) = match fetch(ctx, feed, url, &source, state.as_ref()).await? {
        Fetch::Got(fetched, slot) => (fetched, slot),
        Fetch::Deferred(report) => return Ok(report),
    };
    let known_moved = state.as_ref().and_then(|s| s.effective_url.clone());
    let effective = moved_to(feed, url, &source, &fetched, known_moved);
    match fetched {
        Fetched::NotModified { hints, .. } => {
            // The document's ttl is known from the last body.
            let publisher_ttl = state.as_ref().and_then(|s| s.publisher_ttl);
            let hints = Hints {
                ttl: publisher_ttl,
                ..hints
            };
            let next_poll = next_poll(ctx, feed, &hints);
            let rec = OwnedPoll {
                feed: feed.name.clone(),
                url: url.to_string(),
                validators: None,
                status: "304",
                items: Vec::new(),
                raised: Vec::new(),
                next_poll,
                effective_url: effective,
                publisher_ttl,
            };
            let (store, engine) = (ctx.store.clone(), ctx.engine.clone());
            tokio::task::spawn_blocking(move || commit(&store, &engine, rec))
                .await
                .map_err(join_failure)??;
            drop(poll_slot);
            Ok(PollReport::quiet("304", next_poll))
        }
        Fetched::Body {
            bytes,
            validators,
            final_url,
            hints,
            ..
        } => {
            let publisher_ttl = document_ttl(&bytes);
            let hints = Hints {
                ttl: publisher_ttl,
                ..hints
            };
            let body = Body {
                base: final_url.unwrap_or_else(|| url.to_string()),
                bytes,
                validators,
                first_poll: !state.as_ref().is_some_and(|s| s.first_poll_done),
                next_poll: next_poll(ctx, feed, &hints),
                effective_url: effective,
                publisher_ttl,
            };
            new_body(ctx, feed, url, body, poll_slot).await
        }
    }
}

/// The stored state of `feed`, if it belongs to `url` (after the config points
/// elsewhere, the feed starts afresh).
async fn known_state(
    ctx: &PollContext,
    feed: &Feed,
    url: &str,
) -> Result<Option<FeedState>, Failure> {
    // Reading the state takes a global slot too, so thousands of due feeds do not all
    // queue on the blocking pool at once; it is released before waiting for the host.
    let _slot = ctx.hosts.poll_slot().await;
    let name = feed.name.clone();
    let state = with_store(&ctx.store, move |s| s.feed_state(&name)).await?;
    Ok(state.filter(|s| s.url == url))
}

/// A feed disabled by an earlier 410 Gone: not fetched, looked at again after the
/// longest interval (in case the config's url changes).
async fn stay_gone(ctx: &PollContext, feed: &Feed, url: &str) -> Result<PollReport, Failure> {
    let next_poll = Utc::now() + to_chrono(ctx.polling.max_interval);
    info!(feed = %feed.name, "feed answered 410 Gone earlier; not polled until its url changes");
    let (name, u) = (feed.name.clone(), url.to_string());
    with_store(&ctx.store, move |s| s.set_next_poll(&name, &u, next_poll)).await?;
    Ok(PollReport::quiet("gone", next_poll))
}

/// What the fetch step ended with.
enum Fetch {
    /// An answer, and the global slot the rest of the poll holds.
    Got(Fetched, PollSlot),
    /// The host asked us to wait: the poll is put off, not failed.
    Deferred(PollReport),
}

/// Fetches `source` with the feed's validators, holding its host's slot meanwhile. A
/// host that asked us to wait defers the poll; a 429/503 with `Retry-After` holds back
/// the host's other feeds too.
async fn fetch(
    ctx: &PollContext,
    feed: &Feed,
    url: &str,
    source: &FeedSource,
    state: Option<&FeedState>,
) -> Result<Fetch, Failure> {
    let host = match source {
        FeedSource::Http(u) => Some(host_key(u)),
        FeedSource::File(_) => None,
    };
    let host_slot = match &host {
        Some(h) => Some(ctx.hosts.host_slot(h).await),
        None => None,
    };
    if let Some(h) = &host {
        let now = tokio::time::Instant::now();
        if let Some(until) = ctx.hosts.blocked_until(h, now) {
            // Not a failure of this feed: it simply waits with its host (plus a stable
            // offset, so the host does not get all its feeds back at one instant).
            let wait = (until - now) + stagger(&feed.name, Duration::from_secs(10));
            let next_poll = Utc::now() + to_chrono(wait);
            info!(feed = %feed.name, host = %h, next_poll = %next_poll, "host asked us to wait (Retry-After); poll deferred");
            let (name, u) = (feed.name.clone(), url.to_string());
            with_store(&ctx.store, move |s| s.set_next_poll(&name, &u, next_poll)).await?;
            return Ok(Fetch::Deferred(PollReport::quiet("deferred", next_poll)));
        }
    }
    let poll_slot = ctx.hosts.poll_slot().await;
    let validators = state.map(|s| s.validators.clone()).unwrap_or_default();
    let fetched = ctx.fetcher.fetch(source, &validators).await;
    drop(host_slot);
    match fetched {
        Ok(f) => Ok(Fetch::Got(f, poll_slot)),
        Err(e) => {
            if let (
                Some(h),
                FetchError::Status {
                    status: 429 | 503,
                    retry_after: Some(wait),
                },
            ) = (&host, &e)
            {
                let cap = ctx.polling.max_interval.max(ctx.polling.max_backoff);
                ctx.hosts
                    .block(h, tokio::time::Instant::now(), (*wait).min(cap));
                warn!(feed = %feed.name, host = %h, retry_after_s = wait.as_secs(), "host asked us to wait; holding back its other feeds too");
            }
            Err(e.into())
        }
    }
}

/// Where permanent redirects have moved the feed after this fetch (`None`: its own
/// url). A permanent move is relative to what was fetched; moving back home forgets
/// it. A new move is logged.
fn moved_to(
    feed: &Feed,
    url: &str,
    source: &FeedSource,
    fetched: &Fetched,
    known_moved: Option<String>,
) -> Option<String> {
    let moved_to = match fetched {
        Fetched::NotModified { moved_to, .. } | Fetched::Body { moved_to, .. } => moved_to,
    };
    let effective = match moved_to {
        Some(m) if m.as_str() == url => None,
        Some(m) => Some(m.to_string()),
        None => known_moved.clone(),
    };
    if effective.is_some() && effective != known_moved {
        info!(feed = %feed.name, from = %source.display(), to = effective.as_deref().unwrap_or(""),
            "feed moved permanently (301/308): polling the new address from now on; update its url in the config to make this permanent");
    }
    effective
}

/// When the feed is due next: its interval, raised to what the publisher asks.
fn next_poll(ctx: &PollContext, feed: &Feed, hints: &Hints) -> DateTime<Utc> {
    Utc::now() + to_chrono(schedule::next_wait(feed.interval, hints, &ctx.polling))
}

/// A fetched body and what the poll knows about it.
struct Body {
    /// The URL the body came from (the base for relative links).
    base: String,
    /// The feed document.
    bytes: Vec<u8>,
    /// Validators for the next fetch.
    validators: Validators,
    /// Whether this is the feed's first successful poll (its first-poll policy applies).
    first_poll: bool,
    /// When the feed is due next.
    next_poll: DateTime<Utc>,
    /// Where permanent redirects moved the feed.
    effective_url: Option<String>,
    /// The wait the document asks for.
    publisher_ttl: Option<Duration>,
}

/// Parses `body`, picks the unseen items, raises their alerts and commits. Without
/// `full_text` in one trip to the blocking pool (each trip is a thread hand-over, and
/// a cycle makes thousands); with it, the new items' pages are fetched between the
/// parse and the rest. Nothing is written before the commit, so a crash in between
/// only repeats the poll (and its page fetches) after a restart.
///
/// The poll's global slot is let go while its pages load and taken again for the
/// rest: feeds wait for their host's slot before the global one, so a poll holding a
/// global slot while waiting for a host slot (for a page) could wait on feeds that
/// hold that host's slots waiting for a global one; with every global slot held so,
/// nothing would move until the pages' deadline.
async fn new_body(
    ctx: &PollContext,
    feed: &Feed,
    url: &str,
    mut body: Body,
    poll_slot: PollSlot,
) -> Result<PollReport, Failure> {
    let (store, engine) = (ctx.store.clone(), ctx.engine.clone());
    let (feed_c, url_c) = (feed.clone(), url.to_string());
    let next_poll = body.next_poll;
    let (n_items, n_alerts) = if feed.full_text == FullText::Off {
        tokio::task::spawn_blocking(move || {
            let new = find_new(&store, &feed_c, &mut body)?;
            raise_and_commit(&store, &engine, &feed_c, url_c, body, new, Vec::new())
        })
        .await
        .map_err(join_failure)??
    } else {
        let st = store.clone();
        let f = feed.clone();
        let (new, body, wanted) = tokio::task::spawn_blocking(move || {
            let new = find_new(&st, &f, &mut body)?;
            let wanted = full_text::wanted(f.full_text, &new.items, &new.eligible);
            Ok::<_, Failure>((new, body, wanted))
        })
        .await
        .map_err(join_failure)??;
        // Kept when no page is wanted: nothing to wait for then.
        let kept = (!wanted.contains(&true)).then_some(poll_slot);
        let pages = full_text::fetch(ctx, &new.items, &wanted, ctx.fetcher.timeout()).await;
        let _poll_slot = match kept {
            Some(slot) => slot,
            None => ctx.hosts.poll_slot().await,
        };
        tokio::task::spawn_blocking(move || {
            let mut new = new;
            let sources = full_text::apply(&feed_c, &mut new.items, &new.eligible, pages);
            raise_and_commit(&store, &engine, &feed_c, url_c, body, new, sources)
        })
        .await
        .map_err(join_failure)??
    };
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

/// A poll's items not seen before, and which of them may alert.
struct NewItems {
    /// The items, in feed order.
    items: Vec<Item>,
    /// Whether each may alert (not on a first poll outside its `first_poll` window).
    eligible: Vec<bool>,
}

/// Parses `body`'s document (taking its bytes) and finds the items not seen before.
fn find_new(store: &SharedStore, feed: &Feed, body: &mut Body) -> Result<NewItems, Failure> {
    let base = body.base.starts_with("http").then_some(body.base.as_str());
    let bytes = std::mem::take(&mut body.bytes);
    let items = parse_feed(&bytes, base).map_err(|e| Failure::new("parse", e.to_string()))?;
    drop(bytes);
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let unseen = lock(store).unseen(&feed.name, &ids)?;
    let items: Vec<Item> = items
        .into_iter()
        .zip(unseen)
        .filter_map(|(i, u)| u.then_some(i))
        .collect();
    let now = Utc::now();
    let eligible = items
        .iter()
        .map(|item| !body.first_poll || eligible_on_first_poll(feed.first_poll, item, now))
        .collect();
    Ok(NewItems { items, eligible })
}

/// Raises the alerts of the eligible new items (each saying where its text came from,
/// when `sources` has an entry) and commits; returns the counts of new items and alerts.
fn raise_and_commit(
    store: &SharedStore,
    engine: &Engine,
    feed: &Feed,
    url: String,
    body: Body,
    new: NewItems,
    sources: Vec<Option<TextSource>>,
) -> Result<(usize, usize), Failure> {
    let now = Utc::now();
    let raised: Vec<Raised> = new
        .items
        .iter()
        .enumerate()
        .filter(|(i, _)| new.eligible[*i])
        .flat_map(|(i, item)| {
            let source = sources.get(i).and_then(Option::as_ref);
            engine.alerts_with_source(&feed.name, &url, item, source, now)
        })
        .collect();
    let counts = (new.items.len(), raised.len());
    let rec = OwnedPoll {
        feed: feed.name.clone(),
        url,
        validators: Some(body.validators),
        status: "200",
        items: new.items,
        raised,
        next_poll: body.next_poll,
        effective_url: body.effective_url,
        publisher_ttl: body.publisher_ttl,
    };
    commit(store, engine, rec)?;
    Ok(counts)
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

#[cfg(test)]
mod tests {
    use super::*;

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
