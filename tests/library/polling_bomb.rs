//! The body cap holds after decompression and while streaming: a gzip bomb (1 GiB of
//! zeros, 6.6 MB on the wire) and an endless chunked body stop at the cap, and the
//! process's peak memory barely moves. Its own test binary, so no other test's
//! allocations blur the peak.

use std::time::Duration;

use crate::common::hostile;
use newswatch::config::{FeedSource, Http, default_user_agent};
use newswatch::model::Validators;
use newswatch::source::fetch::{FetchError, Fetched, Fetcher};

/// The process's peak resident memory so far (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

fn http(max_body: u64) -> Http {
    Http {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(30),
        max_body,
        user_agent: default_user_agent(),
    }
}

async fn fetch(fetcher: &Fetcher, url: &str) -> Result<Fetched, FetchError> {
    let source = FeedSource::Http(url.parse().unwrap());
    fetcher.fetch(&source, &Validators::default()).await
}

#[tokio::test]
async fn gzip_bomb_and_endless_body_stop_at_the_cap_in_little_memory() {
    // The generator itself is checked: a small "bomb" inflates to exactly its zeros.
    let small = hostile::gzip_bomb(100_000);
    let fetcher = Fetcher::new(&http(10 << 20));
    match fetch(&fetcher, &small.url("/")).await.unwrap() {
        Fetched::Body { bytes, .. } => assert_eq!(bytes, vec![0u8; 100_000]),
        other => panic!("{other:?}"),
    }

    let bomb = hostile::gzip_bomb(1 << 30);
    let endless = hostile::endless();
    let before = peak_rss();
    let err = fetch(&fetcher, &bomb.url("/")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge(n) if n == 10 << 20),
        "{err}"
    );
    let err = fetch(&fetcher, &endless.url("/")).await.unwrap_err();
    assert!(matches!(err, FetchError::TooLarge(_)), "{err}");
    let grew = peak_rss().saturating_sub(before);
    assert!(
        grew < 64 << 20,
        "peak memory grew by {} MiB for a 10 MiB cap",
        grew >> 20
    );
}
