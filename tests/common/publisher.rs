//! A loopback publisher for crash and fault tests: a real HTTP/1.1 server on
//! 127.0.0.1:0 serving many RSS feeds that keep growing while the test runs.
//!
//! Each feed is rendered from its items on every request, with an ETag per version
//! (`If-None-Match` gets a 304, like a real publisher). Feeds marked *slow* trickle
//! their body in small pieces over a few hundred milliseconds, so a test can catch the
//! daemon in the middle of a fetch. The server counts responses in flight and keeps
//! a record of every response (when it started, when its last byte went out, whether
//! the client went away first), which is how a test proves a kill landed mid-fetch.

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// One published item.
#[derive(Clone, Debug)]
pub struct PubItem {
    /// The RSS `guid` (also the item id newswatch derives).
    pub guid: String,
    /// The title.
    pub title: String,
    /// The description, HTML.
    pub html: String,
    /// `pubDate` as written (RFC 2822, or anything a hostile feed may carry); `None`: absent.
    pub pub_date: Option<String>,
}

/// One feed's document state.
#[derive(Clone, Debug, Default)]
struct FeedDoc {
    /// Newest last.
    items: Vec<PubItem>,
    /// Bumped by every publication; the ETag is `"v{version}"`.
    version: u64,
    /// Trickle the body slowly.
    slow: bool,
}

/// A response the server sent (or began to send).
#[derive(Clone, Debug)]
pub struct Served {
    /// The feed's path.
    pub path: String,
    /// 200 or 304 (404 for unknown paths).
    pub status: u16,
    /// The feed version served.
    pub version: u64,
    /// When the request was read.
    pub started: Instant,
    /// When the last byte was written; `None` while it is being written, or if the
    /// client went away first.
    pub finished: Option<Instant>,
    /// The client went away before the last byte.
    pub aborted: bool,
}

impl Served {
    /// Whether the response was still unfinished at `t` (begun, last byte not yet out).
    pub fn unfinished_at(&self, t: Instant) -> bool {
        self.started <= t && self.finished.is_none_or(|f| f > t)
    }
}

#[derive(Default)]
struct State {
    feeds: HashMap<String, FeedDoc>,
    served: Vec<Served>,
}

/// The publisher; its threads end with the test process.
pub struct Publisher {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    inflight: Arc<AtomicUsize>,
    /// How long a slow feed takes to send its body.
    trickle: Duration,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl Publisher {
    /// Binds 127.0.0.1:0 and serves on background threads; slow feeds take `trickle`
    /// to send a body.
    pub fn start(trickle: Duration) -> Publisher {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let inflight = Arc::new(AtomicUsize::new(0));
        let (st, fl) = (state.clone(), inflight.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (st, fl) = (st.clone(), fl.clone());
                thread::spawn(move || serve(stream, &st, &fl, trickle));
            }
        });
        Publisher {
            addr,
            state,
            inflight,
            trickle,
        }
    }

    /// Declares an empty feed at `path` (e.g. `/feed/3`).
    pub fn add_feed(&self, path: &str, slow: bool) {
        lock(&self.state).feeds.insert(
            path.to_string(),
            FeedDoc {
                slow,
                ..FeedDoc::default()
            },
        );
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Adds `item` to the feed at `path` (a new version).
    pub fn publish(&self, path: &str, item: PubItem) {
        let mut st = lock(&self.state);
        let feed = st.feeds.get_mut(path).expect("declared feed");
        feed.items.push(item);
        feed.version += 1;
    }

    /// The feed's current document, as served.
    pub fn document(&self, path: &str) -> Vec<u8> {
        let st = lock(&self.state);
        render(&st.feeds[path].items).into_bytes()
    }

    /// The ETag the feed's current version is served with.
    pub fn etag(&self, path: &str) -> String {
        etag(lock(&self.state).feeds[path].version)
    }

    /// Items published in all feeds.
    pub fn published(&self) -> usize {
        lock(&self.state)
            .feeds
            .values()
            .map(|f| f.items.len())
            .sum()
    }

    /// Responses being written right now.
    pub fn inflight(&self) -> usize {
        self.inflight.load(Ordering::SeqCst)
    }

    /// Responses begun at or after `since` and still being written.
    pub fn unfinished_since(&self, since: Instant) -> usize {
        lock(&self.state)
            .served
            .iter()
            .filter(|s| s.started >= since && s.finished.is_none() && !s.aborted)
            .count()
    }

    /// Every response so far.
    pub fn served(&self) -> Vec<Served> {
        lock(&self.state).served.clone()
    }

    /// How long a slow feed's body takes.
    pub fn trickle(&self) -> Duration {
        self.trickle
    }
}

fn etag(version: u64) -> String {
    format!("\"v{version}\"")
}

/// Escapes text for XML character data.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The RSS 2.0 document of `items`, newest first.
pub fn render(items: &[PubItem]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>publisher</title><link>http://example.org/</link>\n",
    );
    for i in items.iter().rev() {
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{}</guid><title>{}</title><link>http://example.org/{}</link><description>{}</description>",
            xml_escape(&i.guid),
            xml_escape(&i.title),
            xml_escape(&i.guid),
            xml_escape(&i.html),
        ));
        if let Some(d) = &i.pub_date {
            s.push_str(&format!("<pubDate>{}</pubDate>", xml_escape(d)));
        }
        s.push_str("</item>\n");
    }
    s.push_str("</channel></rss>\n");
    s
}

/// Decrements the in-flight count when a response ends, however it ends.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, inflight: &AtomicUsize, trickle: Duration) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let Some((path, mut headers)) = crate::common::server::read_request(&mut reader) else {
            return;
        };
        let if_none_match = headers.remove("if-none-match");
        inflight.fetch_add(1, Ordering::SeqCst);
        let _guard = InFlight(inflight);
        let started = Instant::now();
        let (status, version, head, body, slow) = {
            let st = lock(state);
            match st.feeds.get(&path) {
                None => (
                    404,
                    0,
                    "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_string(),
                    Vec::new(),
                    false,
                ),
                Some(f) if if_none_match.as_deref() == Some(etag(f.version).as_str()) => (
                    304,
                    f.version,
                    format!(
                        "HTTP/1.1 304 Not Modified\r\netag: {}\r\ncontent-length: 0\r\n\r\n",
                        etag(f.version)
                    ),
                    Vec::new(),
                    false,
                ),
                Some(f) => {
                    let body = render(&f.items).into_bytes();
                    (
                        200,
                        f.version,
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\netag: {}\r\n\r\n",
                            body.len(),
                            etag(f.version)
                        ),
                        body,
                        f.slow,
                    )
                }
            }
        };
        let index = {
            let mut st = lock(state);
            st.served.push(Served {
                path,
                status,
                version,
                started,
                finished: None,
                aborted: false,
            });
            st.served.len() - 1
        };
        let sent = send(&mut stream, head.as_bytes(), &body, slow, trickle);
        let mut st = lock(state);
        if sent {
            st.served[index].finished = Some(Instant::now());
        } else {
            st.served[index].aborted = true;
            return;
        }
    }
}

/// Writes the head and body; a slow body goes out in 16 pieces spread over
/// `trickle` (the publisher's pacing, not a wait for anything). False if the client
/// went away.
fn send(stream: &mut TcpStream, head: &[u8], body: &[u8], slow: bool, trickle: Duration) -> bool {
    if stream.write_all(head).is_err() {
        return false;
    }
    if !slow || body.is_empty() {
        return stream.write_all(body).and_then(|()| stream.flush()).is_ok();
    }
    let pieces = 16;
    let size = body.len().div_ceil(pieces);
    for chunk in body.chunks(size.max(1)) {
        thread::sleep(trickle / pieces as u32);
        if stream
            .write_all(chunk)
            .and_then(|()| stream.flush())
            .is_err()
        {
            return false;
        }
    }
    true
}
