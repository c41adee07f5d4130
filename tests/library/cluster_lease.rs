//! A feed's lease and shared poll state against a real nats-server (JetStream on
//! loopback): a lease is taken when free, kept in one request by the instance that
//! wrote it last (which then need not merge shared state), refused to another, taken
//! again after a restart or a lapse; shared state is put only when it changed and
//! merged only when it is new to the instance.

use std::time::Duration;

use async_nats::jetstream::kv;
use newswatch::cluster::lease::{Held, Taken, acquire};
use newswatch::cluster::nats;
use newswatch::config::cluster::Cluster;

use crate::common::nats::NatsServer;

/// The lease the tests' buckets are made with.
const LEASE: Duration = Duration::from_secs(60);

fn cluster(url: &str, name: &str) -> Cluster {
    Cluster {
        servers: vec![url.to_string()],
        name: name.to_string(),
        credentials: None,
        tls_ca: None,
        heartbeat: Duration::from_secs(2),
        member_timeout: Duration::from_secs(10),
        lease: LEASE,
    }
}

/// What `me`, remembering `held`, is given when it asks for the lease of `key`.
async fn ask(leases: &kv::Store, held: &Held, key: &str, me: &str) -> Taken {
    acquire(leases, held, key, me, LEASE).await.unwrap()
}

#[tokio::test]
async fn a_lease_is_kept_by_its_writer_refused_to_others_and_retaken_after_a_break() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = NatsServer::start(dir.path()) else {
        return;
    };
    let cfg = cluster(&server.url(), "a");
    let client = nats::connect(&cfg).await.unwrap();
    let res = nats::setup(client, &cfg).await.unwrap();
    let leases = &res.leases;
    let (a, b) = (Held::default(), Held::default());
    let key = "feed-1";

    assert_eq!(ask(leases, &a, key, "a").await, Taken::Taken);
    assert_eq!(ask(leases, &a, key, "a").await, Taken::Kept);
    assert_eq!(ask(leases, &b, key, "b").await, Taken::Refused);
    assert_eq!(ask(leases, &a, key, "a").await, Taken::Kept);

    // "a" restarted: it remembers nothing, finds its own name and takes it back, but
    // cannot know whether another instance polled in between.
    let a2 = Held::default();
    assert_eq!(ask(leases, &a2, key, "a").await, Taken::Taken);
    // The old run's memory is stale now: not kept, and the name is still "a".
    assert_eq!(ask(leases, &a, key, "a").await, Taken::Taken);

    // The lease lapses (deleted here, as the bucket's max age would) and "b" takes it:
    // "a" is refused, even with a revision in memory.
    leases.delete(key).await.unwrap();
    assert_eq!(ask(leases, &b, key, "b").await, Taken::Taken);
    assert_eq!(ask(leases, &a, key, "a").await, Taken::Refused);
    assert_eq!(ask(leases, &b, key, "b").await, Taken::Kept);
    // A write older than the lease is not renewed (the bucket has forgotten the key by
    // then, so renewing would only be refused): with the lease already over, "b" takes
    // it again in the ordinary way instead of keeping it.
    assert_eq!(
        acquire(leases, &b, key, "b", Duration::ZERO).await.unwrap(),
        Taken::Taken
    );
    // Another feed is independent.
    assert_eq!(ask(leases, &a, "feed-2", "a").await, Taken::Taken);
}

/// A feed's shared poll state: put after a poll that changed it, not again for a poll
/// that changed nothing, and merged by another instance only when it is new to it.
#[tokio::test]
async fn shared_state_is_put_only_when_it_changed_and_merged_only_when_new() {
    use std::sync::{Arc, Mutex};

    use newswatch::cluster::share::{self, Known};
    use newswatch::store::{SharedFeed, Store, lock};

    let dir = tempfile::tempdir().unwrap();
    let nats_dir = dir.path().join("nats");
    std::fs::create_dir(&nats_dir).unwrap();
    let Some(server) = NatsServer::start(&nats_dir) else {
        return;
    };
    let cfg = cluster(&server.url(), "a");
    let client = nats::connect(&cfg).await.unwrap();
    let res = nats::setup(client, &cfg).await.unwrap();
    let open = |name: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir(&path).unwrap();
        Arc::new(Mutex::new(Store::open(&path).unwrap()))
    };
    let (a, b) = (open("a"), open("b"));
    let (feed, key) = ("f", "f-key");
    let state = |seen: &[&str]| SharedFeed {
        url: "http://example.org/f.xml".into(),
        etag: Some("\"1\"".into()),
        last_modified: None,
        first_poll_done: true,
        seen: seen.iter().map(|s| s.to_string()).collect(),
    };
    let revision = || async { res.feeds.entry(key).await.unwrap().map(|e| e.revision) };

    // "a" polled: its state goes out.
    lock(&a).import_feed(feed, &state(&["i1"])).unwrap();
    let known_a = Known::default();
    share::publish(&res.feeds, &a, &known_a, feed, key)
        .await
        .unwrap();
    let first = revision().await;
    assert!(first.is_some());
    // A poll that changed nothing puts nothing.
    share::publish(&res.feeds, &a, &known_a, feed, key)
        .await
        .unwrap();
    assert_eq!(revision().await, first);

    // "b" takes the feed over: it merges the state once.
    let known_b = Known::default();
    let take_over = || share::take_over(&res.feeds, &b, &known_b, feed, key);
    assert_eq!(take_over().await.unwrap(), 1);
    // Its own poll then got another ETag; the state it merged already is not merged
    // again over it.
    let mut own = state(&["i1"]);
    own.etag = Some("\"b\"".into());
    lock(&b).import_feed(feed, &own).unwrap();
    assert_eq!(take_over().await.unwrap(), 0);
    let etag = |s: &Arc<Mutex<Store>>| lock(s).shared_feed(feed).unwrap().unwrap().etag;
    assert_eq!(etag(&b).as_deref(), Some("\"b\""));

    // "a" saw a new item: the changed state goes out, and "b" merges the new id.
    lock(&a).import_feed(feed, &state(&["i2"])).unwrap();
    share::publish(&res.feeds, &a, &known_a, feed, key)
        .await
        .unwrap();
    assert!(revision().await > first);
    assert_eq!(take_over().await.unwrap(), 1);
}
