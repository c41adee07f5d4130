//! A real HTTP/1.1 server on 127.0.0.1:0 serving feed bytes, for integration tests.
//! It answers conditional requests (ETag / If-None-Match) like a real publisher (its
//! extra headers, e.g. `Cache-Control`, on the 304 too), records every request so
//! tests can assert what the client sent, and can answer slowly while counting how
//! many requests it holds at once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One resource the server serves.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Status code for a full answer (200 normally).
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// The ETag sent, and compared with If-None-Match.
    pub etag: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
}

#[derive(Default)]
struct State {
    resources: HashMap<String, Resource>,
    requests: Vec<Request>,
    /// How long each answer is held back.
    delay: Duration,
    /// Requests being answered right now, and the most there ever were.
    in_flight: usize,
    max_in_flight: usize,
}

/// The server; it stops with the test process.
pub struct FeedServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FeedServer {
    /// Binds 127.0.0.1:0 and serves on a background thread.
    pub fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                thread::spawn(move || serve(stream, &st));
            }
        });
        FeedServer { addr, state }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `body` at `path` with status 200 and `etag`.
    pub fn set(&self, path: &str, body: impl Into<Vec<u8>>, etag: Option<&str>) {
        self.set_resource(
            path,
            Resource {
                status: 200,
                body: body.into(),
                etag: etag.map(str::to_string),
                headers: Vec::new(),
            },
        );
    }

    /// Serves `resource` at `path`.
    pub fn set_resource(&self, path: &str, resource: Resource) {
        self.state
            .lock()
            .unwrap()
            .resources
            .insert(path.to_string(), resource);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }

    /// Holds every answer back by `delay` (a slow publisher).
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// The most requests this server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    loop {
        let Some((path, headers)) = read_request(&mut reader) else {
            return;
        };
        let (resource, delay) = {
            let mut st = state.lock().unwrap();
            st.requests.push(Request {
                path: path.clone(),
                headers: headers.clone(),
            });
            st.in_flight += 1;
            st.max_in_flight = st.max_in_flight.max(st.in_flight);
            (st.resources.get(&path).cloned(), st.delay)
        };
        if !delay.is_zero() {
            // The publisher's slowness, not a test waiting: the client sees a slow answer.
            thread::sleep(delay);
        }
        state.lock().unwrap().in_flight -= 1;
        let response = match resource {
            None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec(),
            Some(r) if r.etag.is_some() && headers.get("if-none-match") == r.etag.as_ref() => {
                let mut head = format!(
                    "HTTP/1.1 304 Not Modified\r\netag: {}\r\ncontent-length: 0\r\n",
                    r.etag.unwrap()
                );
                for (k, v) in &r.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                head.into_bytes()
            }
            Some(r) => {
                let mut head = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
                    r.status,
                    r.body.len()
                );
                // A feed unless the resource says what it is.
                if !r
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    head.push_str("content-type: application/rss+xml\r\n");
                }
                if let Some(e) = &r.etag {
                    head.push_str(&format!("etag: {e}\r\n"));
                }
                for (k, v) in &r.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let mut out = head.into_bytes();
                out.extend_from_slice(&r.body);
                out
            }
        };
        if stream.write_all(&response).is_err() {
            return;
        }
    }
}

/// The next request's path and header lines up to the blank line (names
/// lower-cased); `None` when the connection closes first.
pub fn read_request(reader: &mut impl BufRead) -> Option<(String, HashMap<String, String>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            return Some((path, headers));
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
}

/// A feed server whose `/f` carries one TikTok item (ETag `"1"`), and a sandbox
/// polling it as feed `live` every 10 s: how a test of the running daemon starts.
pub fn live_feed() -> (FeedServer, super::Sandbox) {
    let server = FeedServer::start();
    server.set(
        "/f",
        super::rss(&[("one", "TikTok item", "TikTok", &super::minutes_ago(5))]),
        Some("\"1\""),
    );
    let sb = super::Sandbox::new(&format!(
        "[[feed]]\nname = \"live\"\nurl = \"{}\"\ninterval = \"10s\"\n",
        server.url("/f")
    ));
    (server, sb)
}
