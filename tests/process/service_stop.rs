//! SIGTERM while a poll is under way: polling stops, the running poll finishes
//! within the grace, its alerts are delivered before exit, and the process exits 0
//! well inside the units' TimeoutStopSec (30 s).

use crate::common::service;

use std::time::{Duration, Instant};

use crate::common::server::FeedServer;
use crate::common::{Sandbox, minutes_ago, rss, wait_until};
use service::Daemon;

#[test]
fn sigterm_mid_poll_still_delivers_the_outbox() {
    let server = FeedServer::start();
    server.set(
        "/f",
        rss(&[("one", "TikTok item", "TikTok", &minutes_ago(5))]),
        None,
    );
    let sb = Sandbox::new(&format!(
        "[[feed]]\nname = \"f\"\nurl = \"{}\"\ninterval = \"10s\"\n",
        server.url("/f")
    ));
    let daemon = Daemon::start(&sb, &[]);
    // Stop as soon as the feed is being fetched: the alert is not committed yet, or
    // committed but not delivered.
    assert!(
        wait_until(Duration::from_secs(40), || !server.requests().is_empty()),
        "the feed was fetched"
    );
    let asked = Instant::now();
    let (status, log) = daemon.stop(Duration::from_secs(30));
    assert!(status.success(), "{log}");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "stopped in {:?}",
        asked.elapsed()
    );
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    assert_eq!(
        sb.alerts().len(),
        1,
        "the poll under way finished and its alert was delivered before exit:\n{log}"
    );
}
