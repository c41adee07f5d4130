//! A real HTTP/1.1 receiver on 127.0.0.1:0 for the channel tests: it reads each
//! request whole (head and `Content-Length` body), records path, headers and body, and
//! answers as the test says — 200, a status for a while (500 until a moment, then
//! 200), a status always (400), or not at all (it hangs, holding the connection).

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use super::server::read_request;

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// How the receiver answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// This status, with these extra headers.
    Status(u16, Vec<(String, String)>),
    /// `status` until `until`, then 200.
    FailUntil(u16, Instant),
    /// Never: the request is read and the connection held open.
    Hang,
    /// 200, after holding the answer back this long (a slow receiver: a client
    /// killed meanwhile never learns the request arrived).
    Slow(std::time::Duration),
}

struct State {
    answer: Answer,
    received: Vec<Received>,
    /// Requests answered with something other than a 2xx, or left hanging.
    refused: usize,
    /// Requests read and not answered yet.
    in_flight: usize,
}

/// The receiver; it stops with the test process.
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    /// Binds 127.0.0.1:0 and answers 200 on a background thread.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            answer: Answer::Status(200, vec![]),
            received: Vec::new(),
            refused: 0,
            in_flight: 0,
        }));
        let st = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                thread::spawn(move || serve(stream, &st));
            }
        });
        Receiver { addr, state }
    }

    /// The URL of `path` here.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers from now on as `answer` says.
    pub fn answer(&self, answer: Answer) {
        self.state.lock().unwrap().answer = answer;
    }

    /// Everything received, in order (requests it refused or left hanging included).
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many requests it did not take (non-2xx, or hung).
    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().refused
    }

    /// How many requests it has read and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.state.lock().unwrap().in_flight
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let Some((path, headers)) = read_request(&mut reader) else {
            return;
        };
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = {
            let mut st = state.lock().unwrap();
            st.received.push(Received {
                path,
                headers,
                body,
            });
            let a = st.answer.clone();
            let took = match &a {
                Answer::Status(s, _) => (200..300).contains(s),
                Answer::FailUntil(_, until) => Instant::now() >= *until,
                Answer::Hang => false,
                Answer::Slow(_) => true,
            };
            if !took {
                st.refused += 1;
            }
            st.in_flight += 1;
            a
        };
        let (status, extra) = match answer {
            Answer::Slow(d) => {
                // The receiver's slowness, not a test waiting.
                thread::sleep(d);
                (200, vec![])
            }
            Answer::Status(s, h) => (s, h),
            Answer::FailUntil(s, until) if Instant::now() < until => (s, vec![]),
            Answer::FailUntil(..) => (200, vec![]),
            Answer::Hang => {
                // Hold the connection without answering until the client gives up.
                let mut sink = [0u8; 1024];
                while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
        };
        let body = if status < 300 { "ok" } else { "no thanks" };
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in extra {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(body);
        let written = stream.write_all(head.as_bytes());
        state.lock().unwrap().in_flight -= 1;
        if written.is_err() {
            return;
        }
    }
}
