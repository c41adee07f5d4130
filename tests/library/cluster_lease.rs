//! Feed leases against a real nats-server (JetStream on loopback): taken when free,
//! kept in one request by the instance that wrote it last (which then need not merge
//! shared state), refused to another, taken again after a restart or a lapse.

use std::time::Duration;

use newswatch::cluster::lease::{Held, Taken, acquire};
use newswatch::cluster::nats;
use newswatch::config::cluster::Cluster;

use crate::common::nats::NatsServer;

fn cluster(url: &str, name: &str) -> Cluster {
    Cluster {
        servers: vec![url.to_string()],
        name: name.to_string(),
        credentials: None,
        tls_ca: None,
        heartbeat: Duration::from_secs(2),
        member_timeout: Duration::from_secs(10),
        lease: Duration::from_secs(60),
    }
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

    assert_eq!(acquire(leases, &a, key, "a").await.unwrap(), Taken::Taken);
    assert_eq!(acquire(leases, &a, key, "a").await.unwrap(), Taken::Kept);
    assert_eq!(acquire(leases, &b, key, "b").await.unwrap(), Taken::Refused);
    assert_eq!(acquire(leases, &a, key, "a").await.unwrap(), Taken::Kept);

    // "a" restarted: it remembers nothing, finds its own name and takes it back, but
    // cannot know whether another instance polled in between.
    let a2 = Held::default();
    assert_eq!(acquire(leases, &a2, key, "a").await.unwrap(), Taken::Taken);
    // The old run's memory is stale now: not kept, and the name is still "a".
    assert_eq!(acquire(leases, &a, key, "a").await.unwrap(), Taken::Taken);

    // The lease lapses (deleted here, as the bucket's max age would) and "b" takes it:
    // "a" is refused, even with a revision in memory.
    leases.delete(key).await.unwrap();
    assert_eq!(acquire(leases, &b, key, "b").await.unwrap(), Taken::Taken);
    assert_eq!(acquire(leases, &a, key, "a").await.unwrap(), Taken::Refused);
    assert_eq!(acquire(leases, &b, key, "b").await.unwrap(), Taken::Kept);
    // Another feed is independent.
    assert_eq!(
        acquire(leases, &a, "feed-2", "a").await.unwrap(),
        Taken::Taken
    );
}
