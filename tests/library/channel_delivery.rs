//! Channel queues over the real outbox (SQLite) and real loopback receivers: every
//! alert reaches a channel once, a receiver that fails for a while gets it on a retry
//! with the same id, one that refuses (400) gets each alert once and the queue goes
//! on, a hanging channel delays neither the other channels nor the alert log, alerts
//! older than `max_age` are given up, and a digest is one message per window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswatch::config::Http;
use newswatch::config::channel::{Channel, ChannelKind};
use newswatch::sink::channel::queue::Unobserved;
use newswatch::sink::channel::set::ChannelSet;
use newswatch::sink::deliver::Deliverer;
use newswatch::sink::jsonl::AlertLog;
use newswatch::store::{SharedStore, Store};
use url::Url;

use crate::common::outbox::{commit, log_ids, no_desktop};
use crate::common::receiver::{Answer, Receiver};
use crate::common::wait_until_async;

/// Long enough for any of these to happen on a busy machine; they take well under a
/// second when it is not.
const PATIENCE: Duration = Duration::from_secs(20);

fn http() -> Http {
    Http {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        max_body: 1 << 20,
        user_agent: "newswatch-test".into(),
    }
}

/// A webhook channel to `url` retrying quickly.
fn hook(name: &str, url: &str) -> Channel {
    let mut c = Channel::new(
        name,
        ChannelKind::Webhook {
            url: Url::parse(url).unwrap(),
            secret: None,
        },
    );
    c.retry = Duration::from_millis(50);
    c.max_retry = Duration::from_millis(200);
    c.timeout = Duration::from_secs(2);
    c
}

fn store(dir: &std::path::Path) -> SharedStore {
    Arc::new(Mutex::new(Store::open(dir).unwrap()))
}

async fn start(store: &SharedStore, channels: &[Channel]) -> ChannelSet {
    let mut set = ChannelSet::new(store.clone(), Arc::new(Unobserved));
    set.apply(channels, &http(), Duration::from_secs(1))
        .await
        .unwrap();
    set
}

/// Alert ids the receiver took (answered 2xx), in order.
fn taken(r: &Receiver, took: impl Fn(usize) -> bool) -> Vec<String> {
    r.received()
        .iter()
        .enumerate()
        .filter(|(i, _)| took(*i))
        .map(|(_, q)| q.header("x-newswatch-alert-id").unwrap().to_string())
        .collect()
}

fn queued(store: &SharedStore, channel: &str) -> u64 {
    store
        .lock()
        .unwrap()
        .channel_state(channel)
        .unwrap()
        .map_or(u64::MAX, |s| s.queued)
}

/// Whether `channel` has looked at the whole outbox and has nothing queued.
fn settled(store: &SharedStore, channel: &str) -> bool {
    let s = store.lock().unwrap();
    !s.channel_behind(channel).unwrap()
        && s.channel_state(channel)
            .unwrap()
            .is_some_and(|c| c.queued == 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_failing_for_a_while_gets_each_alert_once_it_answers_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let r = Receiver::start();
    let mut set = start(&store, &[hook("ops", &r.url("/h"))]).await;
    // 500 for a while (a second here; a minute or an hour is the same path).
    let until = Instant::now() + Duration::from_secs(1);
    r.answer(Answer::FailUntil(500, until));
    commit(&mut store.lock().unwrap(), &["a", "b", "c"]);
    set.wake();
    assert!(
        wait_until_async(PATIENCE, || settled(&store, "ops")).await,
        "still queued: {}",
        queued(&store, "ops")
    );
    let got = r.received();
    assert!(r.refused() >= 1, "the receiver failed at first");
    // After `until`, each alert arrived exactly once; before, only the first was tried.
    let mut per_id: HashMap<String, Vec<u32>> = HashMap::new();
    for q in &got {
        let id = q.header("x-newswatch-alert-id").unwrap().to_string();
        let attempt = q.header("x-newswatch-attempt").unwrap().parse().unwrap();
        per_id.entry(id).or_default().push(attempt);
    }
    assert_eq!(per_id.len(), 3);
    assert_eq!(per_id["b"], [1], "b waited behind a: sent once");
    assert_eq!(per_id["c"], [1]);
    let a = &per_id["a"];
    assert_eq!(a.len(), r.refused() + 1, "a retried until taken");
    assert_eq!(
        *a,
        (1..=a.len() as u32).collect::<Vec<_>>(),
        "attempts count up"
    );
    let state = store.lock().unwrap().channel_state("ops").unwrap().unwrap();
    assert!(state.last_success.is_some());
    assert_eq!(state.failures, 0);
    assert!(state.last_error.unwrap().0.contains("HTTP 500"));
    set.stop(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_refusing_gets_each_alert_once_and_the_queue_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let r = Receiver::start();
    r.answer(Answer::Status(400, vec![]));
    let mut set = start(&store, &[hook("ops", &r.url("/h"))]).await;
    commit(&mut store.lock().unwrap(), &["a", "b"]);
    set.wake();
    assert!(wait_until_async(PATIENCE, || settled(&store, "ops")).await);
    assert_eq!(taken(&r, |_| true), ["a", "b"], "each tried once, in order");
    let state = store.lock().unwrap().channel_state("ops").unwrap().unwrap();
    assert_eq!(state.last_error.unwrap().0, "HTTP 400: no thanks");
    assert_eq!(
        state.failures, 0,
        "a refusal is an answer: the channel is not down"
    );
    set.stop(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_channel_delays_neither_the_others_nor_the_alert_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let (hung, fine) = (Receiver::start(), Receiver::start());
    hung.answer(Answer::Hang);
    let mut slow = hook("slow", &hung.url("/h"));
    slow.timeout = Duration::from_secs(60);
    let mut set = start(&store, &[slow, hook("fine", &fine.url("/h"))]).await;
    let log = dir.path().join("alerts.jsonl");
    let mut d = Deliverer::new(store.clone(), AlertLog::open(&log).unwrap(), &no_desktop()).await;
    commit(&mut store.lock().unwrap(), &["a", "b"]);
    set.wake();
    assert_eq!(d.deliver().await.unwrap().logged, 2);
    assert_eq!(log_ids(&log), ["a", "b"]);
    assert!(wait_until_async(PATIENCE, || settled(&store, "fine")).await);
    assert_eq!(taken(&fine, |_| true), ["a", "b"]);
    assert_eq!(
        hung.received().len(),
        1,
        "the hung channel holds its first alert"
    );
    assert_eq!(queued(&store, "slow"), 2);
    // Stopping does not wait a minute for the hung attempt: it is made again next start.
    let t = Instant::now();
    set.stop(Duration::from_millis(300)).await;
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_older_than_max_age_are_given_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let r = Receiver::start();
    r.answer(Answer::Status(503, vec![]));
    let mut ch = hook("ops", &r.url("/h"));
    ch.max_age = Duration::from_millis(400);
    let mut set = start(&store, &[ch]).await;
    commit(&mut store.lock().unwrap(), &["a", "b"]);
    set.wake();
    assert!(wait_until_async(PATIENCE, || settled(&store, "ops")).await);
    assert!(
        taken(&r, |_| true).iter().all(|id| id == "a"),
        "b never got its turn"
    );
    set.stop(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_is_one_message_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let r = Receiver::start();
    let mut ch = hook("ops", &r.url("/h"));
    ch.digest = Some(Duration::from_millis(300));
    let mut set = start(&store, &[ch]).await;
    commit(&mut store.lock().unwrap(), &["a", "b"]);
    commit(&mut store.lock().unwrap(), &["c"]);
    set.wake();
    assert!(wait_until_async(PATIENCE, || settled(&store, "ops")).await);
    let got = r.received();
    assert_eq!(got.len(), 1, "one message for the window");
    let body = got[0].json();
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(got[0].header("x-newswatch-digest-id").is_some());
    set.stop(Duration::from_secs(1)).await;
}
