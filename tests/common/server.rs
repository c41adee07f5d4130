//! A real HTTP/1.1 server on 127.0.0.1:0 serving feed bytes, for integration tests.
//! It answers conditional requests (ETag / If-None-Match) like a real publisher and
//! records every request so tests can assert what the client sent.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

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
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let resource = {
            let mut st = state.lock().unwrap();
            st.requests.push(Request {
                path: path.clone(),
                headers: headers.clone(),
            });
            st.resources.get(&path).cloned()
        };
        let response = match resource {
            None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec(),
            Some(r) if r.etag.is_some() && headers.get("if-none-match") == r.etag.as_ref() => {
                format!(
                    "HTTP/1.1 304 Not Modified\r\netag: {}\r\ncontent-length: 0\r\n\r\n",
                    r.etag.unwrap()
                )
                .into_bytes()
            }
            Some(r) => {
                let mut head = format!(
                    "HTTP/1.1 {} X\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    r.status,
                    r.body.len()
                );
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
