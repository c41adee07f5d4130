//! The optional Prometheus endpoint (`[metrics] enabled = true`, loopback only): what
//! the daemon counts, and a minimal HTTP/1 server answering `GET /metrics`.
//!
//! Why these crates: `prometheus-client` is the Prometheus project's own Rust client
//! (correct escaping, histograms, the text exposition format); the HTTP server is
//! hyper 1, already compiled in through reqwest, so serving adds only its `server`
//! feature. Ten new crates in the lock file in all (mostly prometheus-client's
//! `parking_lot`), against a hand-written encoder and HTTP parser that would need
//! their own tests.
//!
//! Limits: at most [`MAX_CONNECTIONS`] scrapes at once, a request head must arrive
//! within [`HEAD_TIMEOUT`], and a whole exchange ends within [`EXCHANGE_TIMEOUT`].

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tracing::{debug, info, warn};

/// Scrapes served at the same time; more wait for a slot.
pub const MAX_CONNECTIONS: usize = 8;
/// Time allowed for a request's head to arrive.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole connection.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);
/// The content type of the exposition format `prometheus-client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets, in seconds: from a minute to two days.
const LATENCY_BUCKETS: [f64; 12] = [
    60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0, 172800.0,
];

/// A `feed` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    /// The feed's name.
    feed: String,
}

/// A `rule` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabel {
    /// The rule's id.
    rule: String,
}

/// A `channel` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabel {
    /// The channel's name.
    channel: String,
}

/// A `channel` and `outcome` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelOutcomeLabel {
    /// The channel's name.
    channel: String,
    /// `retried` or `refused`.
    outcome: String,
}

/// Everything the daemon counts. Cheap to update; shared behind an `Arc`.
#[derive(Debug)]
pub struct Metrics {
    /// What the endpoint encodes.
    registry: Registry,
    /// Polls finished, successful or not.
    polls: Counter,
    /// Polls that failed.
    poll_errors: Counter,
    /// Items not seen before.
    items: Counter,
    /// Alerts written to the alert log, by rule.
    alerts: Family<RuleLabel, Counter>,
    /// Desktop notifications that failed.
    notification_failures: Counter,
    /// Unix time of each feed's last successful poll.
    last_success: Family<FeedLabel, Gauge<f64, AtomicU64>>,
    /// Feeds configured.
    feeds: Gauge,
    /// Seconds from an item's publication to its alert reaching the alert log.
    latency: Histogram,
    /// Alerts delivered, by channel.
    channel_alerts: Family<ChannelLabel, Counter>,
    /// Failed attempts, by channel and outcome.
    channel_failures: Family<ChannelOutcomeLabel, Counter>,
    /// Alerts given up as older than the channel's `max_age`, by channel.
    channel_given_up: Family<ChannelLabel, Counter>,
    /// Alerts waiting, by channel.
    channel_queue: Family<ChannelLabel, Gauge>,
    /// Unix time of each channel's last delivery.
    channel_last_success: Family<ChannelLabel, Gauge<f64, AtomicU64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// All metrics at zero, registered under `newswatch_`.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("newswatch");
        let m = Metrics {
            registry: Registry::default(),
            polls: Counter::default(),
            poll_errors: Counter::default(),
            items: Counter::default(),
            alerts: Family::default(),
            notification_failures: Counter::default(),
            last_success: Family::default(),
            feeds: Gauge::default(),
            latency: Histogram::new(LATENCY_BUCKETS),
            channel_alerts: Family::default(),
            channel_failures: Family::default(),
            channel_given_up: Family::default(),
            channel_queue: Family::default(),
            channel_last_success: Family::default(),
        };
        registry.register("polls", "Feed polls finished", m.polls.clone());
        registry.register(
            "poll_errors",
            "Feed polls that failed",
            m.poll_errors.clone(),
        );
        registry.register("items", "New items seen", m.items.clone());
        registry.register(
            "alerts",
            "Alerts written to the alert log",
            m.alerts.clone(),
        );
        registry.register(
            "notification_failures",
            "Desktop notifications that failed",
            m.notification_failures.clone(),
        );
        registry.register(
            "feed_last_success_timestamp_seconds",
            "Unix time of the feed's last successful poll",
            m.last_success.clone(),
        );
        registry.register("feeds", "Feeds configured", m.feeds.clone());
        registry.register(
            "alert_latency_seconds",
            "Seconds from an item's publication to its alert in the alert log",
            m.latency.clone(),
        );
        registry.register(
            "channel_alerts",
            "Alerts delivered to a channel",
            m.channel_alerts.clone(),
        );
        registry.register(
            "channel_failures",
            "Failed channel delivery attempts (retried, or refused for good)",
            m.channel_failures.clone(),
        );
        registry.register(
            "channel_given_up",
            "Alerts given up as older than the channel's max_age",
            m.channel_given_up.clone(),
        );
        registry.register(
            "channel_queue",
            "Alerts waiting for a channel",
            m.channel_queue.clone(),
        );
        registry.register(
            "channel_last_success_timestamp_seconds",
            "Unix time of the channel's last delivery",
            m.channel_last_success.clone(),
        );
        Metrics { registry, ..m }
    }

    /// `alerts` alerts reached `channel` at `at`.
    pub fn channel_delivered(&self, channel: &str, alerts: usize, at: DateTime<Utc>) {
        let label = ChannelLabel {
            channel: channel.to_string(),
        };
        self.channel_alerts
            .get_or_create(&label)
            .inc_by(alerts as u64);
        self.channel_last_success
            .get_or_create(&label)
            .set(at.timestamp_millis() as f64 / 1000.0);
    }

    /// An attempt at `channel` failed: refused for good when `permanent`, else retried.
    pub fn channel_failed(&self, channel: &str, permanent: bool) {
        self.channel_failures
            .get_or_create(&ChannelOutcomeLabel {
                channel: channel.to_string(),
                outcome: if permanent { "refused" } else { "retried" }.to_string(),
            })
            .inc();
    }

    /// `alerts` alerts of `channel` were given up as too old.
    pub fn channel_given_up(&self, channel: &str, alerts: usize) {
        self.channel_given_up
            .get_or_create(&ChannelLabel {
                channel: channel.to_string(),
            })
            .inc_by(alerts as u64);
    }

    /// `channel` has `queued` alerts waiting.
    pub fn channel_queue(&self, channel: &str, queued: u64) {
        self.channel_queue
            .get_or_create(&ChannelLabel {
                channel: channel.to_string(),
            })
            .set(i64::try_from(queued).unwrap_or(i64::MAX));
    }

    /// `channel` is no longer configured: its series go away.
    pub fn channel_removed(&self, channel: &str) {
        let label = ChannelLabel {
            channel: channel.to_string(),
        };
        self.channel_alerts.remove(&label);
        self.channel_given_up.remove(&label);
        self.channel_queue.remove(&label);
        self.channel_last_success.remove(&label);
        for outcome in ["refused", "retried"] {
            self.channel_failures.remove(&ChannelOutcomeLabel {
                channel: channel.to_string(),
                outcome: outcome.to_string(),
            });
        }
    }

    /// A poll of `feed` finished at `at`.
    pub fn polled(&self, feed: &str, failed: bool, new_items: usize, at: DateTime<Utc>) {
        self.polls.inc();
        if failed {
            self.poll_errors.inc();
        } else {
            self.feed_succeeded(feed, at);
        }
        self.items.inc_by(new_items as u64);
    }

    /// `feed` last succeeded at `at` (also used for what the store remembers at start).
    pub fn feed_succeeded(&self, feed: &str, at: DateTime<Utc>) {
        let secs = at.timestamp_millis() as f64 / 1000.0;
        self.last_success
            .get_or_create(&FeedLabel {
                feed: feed.to_string(),
            })
            .set(secs);
    }

    /// `n` feeds are configured.
    pub fn set_feed_count(&self, n: usize) {
        self.feeds.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// `feed` is no longer configured: its series go away.
    pub fn feed_removed(&self, feed: &str) {
        self.last_success.remove(&FeedLabel {
            feed: feed.to_string(),
        });
    }

    /// An alert of `rule` reached the alert log at `at`, for an item published at
    /// `published` (when the feed said).
    pub fn alert_logged(&self, rule: &str, published: Option<DateTime<Utc>>, at: DateTime<Utc>) {
        self.alerts
            .get_or_create(&RuleLabel {
                rule: rule.to_string(),
            })
            .inc();
        if let Some(p) = published {
            let secs = (at - p).num_milliseconds().max(0) as f64 / 1000.0;
            self.latency.observe(secs);
        }
    }

    /// A desktop notification failed.
    pub fn notification_failed(&self) {
        self.notification_failures.inc();
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            // Writing to a String cannot fail; an encoder bug shows as an empty scrape.
            warn!(error = %e, "cannot encode metrics");
            out.clear();
        }
        out
    }
}

/// Binds the endpoint; the address was checked to be loopback by config validation.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(addr).await?;
    info!(addr = %listener.local_addr()?, "metrics endpoint listening");
    Ok(listener)
}

/// Serves `metrics` on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                warn!(error = %e, "metrics endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req| {
                let metrics = metrics.clone();
                async move { Ok::<_, Infallible>(answer(&req, &metrics)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            match tokio::time::timeout(EXCHANGE_TIMEOUT, conn).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => debug!(peer = %peer, error = %e, "metrics connection failed"),
                Err(_) => debug!(peer = %peer, "metrics connection timed out"),
            }
        });
    }
}

/// The response to one request.
fn answer<B>(req: &Request<B>, metrics: &Metrics) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => {
            (StatusCode::OK, CONTENT_TYPE, metrics.encode())
        }
        (&Method::GET | &Method::HEAD, "/") => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "newswatch: metrics are at /metrics\n".to_string(),
        ),
        (&Method::GET | &Method::HEAD, _) => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found; metrics are at /metrics\n".to_string(),
        ),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET\n".to_string(),
        ),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_was_counted() {
        let m = Metrics::new();
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        m.polled("bbc", false, 3, t);
        m.polled("bbc", true, 0, t);
        m.polled("ft \"x\"", false, 0, t);
        m.feed_removed("ft \"x\"");
        m.alert_logged("tiktok", Some(t - chrono::Duration::seconds(90)), t);
        m.notification_failed();
        m.set_feed_count(1);
        m.channel_delivered("secops", 2, t);
        m.channel_failed("secops", false);
        m.channel_failed("secops", true);
        m.channel_given_up("secops", 4);
        m.channel_queue("secops", 5);
        m.channel_delivered("gone", 1, t);
        m.channel_removed("gone");
        let text = m.encode();
        for want in [
            "newswatch_polls_total 3",
            "newswatch_poll_errors_total 1",
            "newswatch_items_total 3",
            "newswatch_alerts_total{rule=\"tiktok\"} 1",
            "newswatch_notification_failures_total 1",
            "newswatch_feed_last_success_timestamp_seconds{feed=\"bbc\"} 1700000000",
            "newswatch_feeds 1",
            "newswatch_alert_latency_seconds_bucket{le=\"120.0\"} 1",
            "newswatch_alert_latency_seconds_sum 90.0",
            "newswatch_channel_alerts_total{channel=\"secops\"} 2",
            "newswatch_channel_failures_total{channel=\"secops\",outcome=\"retried\"} 1",
            "newswatch_channel_failures_total{channel=\"secops\",outcome=\"refused\"} 1",
            "newswatch_channel_given_up_total{channel=\"secops\"} 4",
            "newswatch_channel_queue{channel=\"secops\"} 5",
            "newswatch_channel_last_success_timestamp_seconds{channel=\"secops\"} 1700000000",
        ] {
            assert!(text.contains(want), "{want} missing in:\n{text}");
        }
        assert!(!text.contains("ft"), "removed feeds disappear:\n{text}");
        assert!(
            !text.contains("gone"),
            "removed channels disappear:\n{text}"
        );
    }
}
