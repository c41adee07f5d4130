//! A feed's lease and shared poll state against a real nats-server (JetStream on
//! loopback): a lease is taken when free and then kept without a request while its
//! run's heartbeat lives, refused to another run meanwhile, taken over from a run
//! whose heartbeat is gone or from an earlier run of the same instance, checked again
//! after a heartbeat answered late, and released at its revision only; shared state
//! is put only when it changed and merged only when it is new to the instance.

use std::time::Duration;

use async_nats::jetstream::kv;
use chrono::Utc;
use newswatch::cluster::lease::{Session, Taken, acquire, release};
use newswatch::cluster::members::Heartbeat;
use newswatch::cluster::nats::{self, Resources};
use newswatch::config::cluster::Cluster;
use tokio::time::Instant;

use crate::common::nats::NatsServer;

fn cluster(url: &str, name: &str) -> Cluster {
    Cluster {
        servers: vec![url.to_string()],
        name: name.to_string(),
        credentials: None,
        tls_ca: None,
        heartbeat: Duration::from_secs(2),
        member_timeout: Duration::from_secs(10),
    }
}

/// `s`'s run puts its heartbeat, answered at once.
async fn beat(res: &Resources, name: &str, s: &Session) {
    let hb = Heartbeat {
        name: name.to_string(),
        pid: 1,
        feeds_owned: 0,
        feeds_total: 0,
        at: Utc::now(),
        run: s.run().to_string(),
    };
    let sent = Instant::now();
    res.members
        .put(name, serde_json::to_vec(&hb).unwrap().into())
        .await
        .unwrap();
    s.beat(sent, Instant::now(), Duration::from_secs(10));
}

/// What `s` is given when it asks for the lease of `key`; a poll that starts is ended
/// at once (the feed still owned).
async fn ask(res: &Resources, s: &Session, key: &str) -> Taken {
    let t = acquire(&res.leases, &res.members, s, key, key)
        .await
        .unwrap();
    if t != Taken::Refused {
        s.end(key, true);
    }
    t
}

/// The claim in `key`'s lease.
async fn claim(leases: &kv::Store, key: &str) -> Option<String> {
    let v = leases.get(key).await.unwrap()?;
    Some(String::from_utf8(v.to_vec()).unwrap())
}

#[tokio::test]
async fn a_lease_lasts_while_its_runs_heartbeat_does() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut server) = NatsServer::start(dir.path()) else {
        return;
    };
    let cfg = cluster(&server.url(), "a");
    let client = nats::connect(&cfg).await.unwrap();
    let res = nats::setup(client, &cfg).await.unwrap();
    let (a, b) = (Session::with_run("a", "ra"), Session::with_run("b", "rb"));
    beat(&res, "a", &a).await;
    beat(&res, "b", &b).await;
    let key = "feed-1";

    // Free: taken; then kept with no request while the heartbeat lives.
    assert_eq!(ask(&res, &a, key).await, Taken::Taken);
    assert_eq!(claim(&res.leases, key).await.as_deref(), Some("a ra"));
    let revision = res.leases.entry(key).await.unwrap().unwrap().revision;
    assert_eq!(ask(&res, &a, key).await, Taken::Kept);
    assert_eq!(
        res.leases.entry(key).await.unwrap().unwrap().revision,
        revision,
        "keeping writes nothing"
    );
    // Another live run is refused.
    assert_eq!(ask(&res, &b, key).await, Taken::Refused);

    // "a" restarted: a new run (its heartbeat says so) takes its earlier run's lease,
    // as taken (it cannot know who polled in between), not kept.
    let a2 = Session::with_run("a", "ra2");
    beat(&res, "a", &a2).await;
    assert_eq!(ask(&res, &a2, key).await, Taken::Taken);
    assert_eq!(claim(&res.leases, key).await.as_deref(), Some("a ra2"));
    assert_eq!(ask(&res, &a2, key).await, Taken::Kept);

    // "a"'s heartbeat goes (expired, or it left): "b" takes the lease over.
    res.members.delete("a").await.unwrap();
    assert_eq!(ask(&res, &b, key).await, Taken::Taken);
    assert_eq!(claim(&res.leases, key).await.as_deref(), Some("b rb"));
    // "a" comes back, its heartbeat answered after the last one could have expired:
    // its leases are checked again, and this one is "b"'s now.
    let t = Instant::now();
    a2.beat(t, t + Duration::from_secs(11), Duration::from_secs(10));
    beat(&res, "a", &a2).await;
    assert_eq!(ask(&res, &a2, key).await, Taken::Refused);

    // "b" no longer owns the feed once its poll ends: the lease is released and "a"
    // takes it.
    assert_eq!(
        acquire(&res.leases, &res.members, &b, key, key)
            .await
            .unwrap(),
        Taken::Kept
    );
    b.end(key, false);
    let lost = b.lost(|_| true);
    let revision = match lost.as_slice() {
        [(k, r)] if k == key => *r,
        other => panic!("released when no longer owned: {other:?}"),
    };
    assert!(release(&res.leases, lost).await.is_empty());
    assert_eq!(ask(&res, &a2, key).await, Taken::Taken);
    // A release at an old revision leaves the new holder's lease alone.
    assert!(
        release(&res.leases, vec![(key.to_string(), revision)])
            .await
            .is_empty()
    );
    assert_eq!(claim(&res.leases, key).await.as_deref(), Some("a ra2"));
    // Another feed is independent.
    assert_eq!(ask(&res, &b, "feed-2").await, Taken::Taken);

    // Keeping asks NATS nothing: with the server stopped (and waited for), the
    // lease held is still kept.
    server.stop();
    assert_eq!(ask(&res, &b, "feed-2").await, Taken::Kept);
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
