//! The NATS side of a cluster: the connection (servers, credentials, TLS) and the
//! JetStream resources every instance uses, created by whichever instance comes
//! first (creating one with the same settings again is a no-op):
//!
//! - `newswatch-members` (KV): one key per live instance, its heartbeat; entries
//!   expire after `member_timeout`, so a dead instance drops out by itself.
//! - `newswatch-feed-leases` (KV): one key per feed, the claim of the run that
//!   polls it (its name and run id); valid while that run's heartbeat lives, so
//!   entries do not expire (a newer version's bucket: the `newswatch-leases` of
//!   versions whose leases expired by themselves is left alone).
//! - `newswatch-feeds` (KV): one key per feed, its shared poll state.
//! - `NEWSWATCH_ALERTS` (stream): every alert once, on `newswatch.alerts.<rule>`,
//!   with the alert id as message id (repeats within a day are dropped by the server).

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv, stream};
use sha2::{Digest, Sha256};

use crate::config::cluster::Cluster;

/// The membership bucket.
pub const MEMBERS: &str = "newswatch-members";
/// The lease bucket.
pub const LEASES: &str = "newswatch-feed-leases";
/// The shared poll-state bucket.
pub const FEEDS: &str = "newswatch-feeds";
/// The alert stream.
pub const STREAM: &str = "NEWSWATCH_ALERTS";
/// The alert subjects' prefix.
pub const SUBJECT_PREFIX: &str = "newswatch.alerts.";
/// The durable consumer shared by the team (channels fire once per cluster).
pub const TEAM_CONSUMER: &str = "team";
/// How long the server remembers message ids to drop repeats.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// How long alerts stay in the stream (an instance away for longer misses them).
const STREAM_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The longest wait for one JetStream request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The handles an instance works with; cheap to clone.
#[derive(Clone)]
pub struct Resources {
    /// The JetStream context (publishing).
    pub js: jetstream::Context,
    /// Membership.
    pub members: kv::Store,
    /// Leases.
    pub leases: kv::Store,
    /// Shared poll state.
    pub feeds: kv::Store,
    /// The alert stream.
    pub stream: stream::Stream,
}

/// Connects to `cfg`'s servers. Returns at once: the client keeps trying in the
/// background (and reconnects after an outage), so a server that is down at start
/// is waited for, not fatal.
pub async fn connect(cfg: &Cluster) -> anyhow::Result<async_nats::Client> {
    let mut opts = async_nats::ConnectOptions::new()
        .name(format!("newswatch {}", cfg.name))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(REQUEST_TIMEOUT);
    if let Some(creds) = &cfg.credentials {
        opts = opts
            .credentials_file(creds)
            .await
            .with_context(|| format!("cannot read the NATS credentials {}", creds.display()))?;
    }
    if let Some(ca) = &cfg.tls_ca {
        opts = opts.add_root_certificates(ca.clone()).require_tls(true);
    }
    let servers: Vec<async_nats::ServerAddr> = cfg
        .servers
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .context("a `cluster.nats` URL")?;
    opts.connect(servers)
        .await
        .context("cannot connect to NATS")
}

/// Creates (or opens) the buckets and the stream.
pub async fn setup(client: async_nats::Client, cfg: &Cluster) -> anyhow::Result<Resources> {
    let mut js = jetstream::new(client);
    js.set_timeout(REQUEST_TIMEOUT);
    let members = bucket(&js, MEMBERS, cfg.member_timeout).await?;
    let leases = bucket(&js, LEASES, Duration::ZERO).await?;
    let feeds = bucket(&js, FEEDS, Duration::ZERO).await?;
    let stream = js
        .get_or_create_stream(stream::Config {
            name: STREAM.into(),
            subjects: vec![format!("{SUBJECT_PREFIX}>")],
            duplicate_window: DUPLICATE_WINDOW,
            max_age: STREAM_MAX_AGE,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .with_context(|| format!("cannot create the stream {STREAM}"))?;
    Ok(Resources {
        js,
        members,
        leases,
        feeds,
        stream,
    })
}

/// Opens bucket `name`, creating it with entries living `max_age` (zero: forever).
async fn bucket(
    js: &jetstream::Context,
    name: &str,
    max_age: Duration,
) -> anyhow::Result<kv::Store> {
    if let Ok(b) = js.get_key_value(name).await {
        return Ok(b);
    }
    js.create_key_value(kv::Config {
        bucket: name.into(),
        history: 1,
        max_age,
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .with_context(|| format!("cannot create the bucket {name}"))
}

/// The key of `feed` in the lease and poll-state buckets: a hash, since feed names
/// may hold characters keys cannot.
pub fn feed_key(feed: &str) -> String {
    hex::encode(&Sha256::digest(feed.as_bytes())[..16])
}

/// The subject of alerts of `rule`: characters a subject token cannot hold become `_`.
pub fn subject(rule: &str) -> String {
    let token: String = rule
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{SUBJECT_PREFIX}{token}")
}

/// The durable consumer through which `member` feeds its own log and desktop.
pub fn member_consumer(member: &str) -> String {
    format!("member-{member}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_subjects_are_valid_tokens() {
        assert_eq!(feed_key("Le Monde: à la une").len(), 32);
        assert_eq!(subject("tiktok"), "newswatch.alerts.tiktok");
        assert_eq!(subject("a.b *c>"), "newswatch.alerts.a_b__c_");
    }
}
