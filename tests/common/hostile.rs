//! Hostile publishers on 127.0.0.1:0, each a real socket server with one bad habit:
//! never answering, dripping a byte a second, an endless body, a gzip bomb, a redirect
//! loop, errors, 429 with `Retry-After`, HTML instead of a feed, a self-signed TLS
//! certificate. Every server stops its loops on its own (bounded counts) or when the
//! client hangs up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// A running hostile server.
pub struct Hostile {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Hostile {
    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests (or, for TLS, connections) received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts a server whose `handler` gets each request's path and the connection.
pub fn serve(handler: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    let handler = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (handler, count) = (handler.clone(), count.clone());
            thread::spawn(move || {
                let mut stream = stream;
                let Ok(read_half) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(read_half);
                // Keep-alive: several requests may come on one connection.
                while let Some(path) = read_request(&mut reader) {
                    count.fetch_add(1, Ordering::SeqCst);
                    handler(&path, &mut stream);
                }
            });
        }
    });
    Hostile { addr, requests }
}

/// Reads one request head; its path, or `None` when the client hung up.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_string();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        if h.trim_end().is_empty() {
            return Some(path);
        }
    }
}

/// Accepts, reads the request, and never answers (until the client gives up).
pub fn silent() -> Hostile {
    serve(|_, s| {
        let mut buf = [0u8; 64];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// Answers 200 with a large declared length, then one byte a second (at most 10 min).
pub fn drip() -> Hostile {
    serve(|_, s| {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: 100000\r\n\r\n";
        if s.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..600 {
            if s.write_all(b"<").and_then(|()| s.flush()).is_err() {
                return;
            }
            thread::sleep(Duration::from_secs(1));
        }
    })
}

/// A chunked body that never ends (stops after 4 GiB or when the client hangs up).
pub fn endless() -> Hostile {
    serve(|_, s| {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\n\r\n";
        if s.write_all(head.as_bytes()).is_err() {
            return;
        }
        let item = "<item><title>more</title><description>and more</description></item>\n";
        let chunk = item.repeat(64 * 1024 / item.len());
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        let mut sent = 0u64;
        while sent < 4 << 30 {
            if s.write_all(framed.as_bytes()).is_err() {
                return;
            }
            sent += chunk.len() as u64;
        }
    })
}

/// A gzip body that inflates to `inflated` zero bytes.
pub fn gzip_bomb(inflated: u64) -> Hostile {
    let body = Arc::new(gzip_zeros(inflated));
    serve(move |_, s| {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = s
            .write_all(head.as_bytes())
            .and_then(|()| s.write_all(&body));
    })
}

/// `/a` → 302 `/b` → 301 `/a` → … forever.
pub fn redirect_loop() -> Hostile {
    serve(|path, s| {
        let (code, to) = if path == "/a" {
            ("302 Found", "/b")
        } else {
            ("301 Moved Permanently", "/a")
        };
        let _ = write!(
            s,
            "HTTP/1.1 {code}\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n"
        );
    })
}

/// Always the same status line and headers, with a small body.
pub fn status(line: &'static str, headers: &'static str) -> Hostile {
    serve(move |_, s| {
        let body = "<html><body>go away</body></html>";
        let _ = write!(
            s,
            "HTTP/1.1 {line}\r\n{headers}content-type: text/html\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
    })
}

/// A 200 with an HTML page where the feed should be.
pub fn html() -> Hostile {
    status("200 OK", "")
}

/// A gzip member of `n` zero bytes: one fixed-Huffman deflate block of a literal zero
/// and back-references of 258 bytes at distance 1 (13 bits each, so about 160×).
/// The CRC is computed only for small sizes: a client stopped at its cap never
/// reaches the trailer, and one that is not would fail there after the damage.
pub fn gzip_zeros(n: u64) -> Vec<u8> {
    let mut w = Bits::default();
    w.out
        .extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE = 01, fixed Huffman
    if n > 0 {
        w.code(0x30, 8); // literal 0
        let mut left = n - 1;
        while left >= 258 {
            w.code(0xC5, 8); // length 258 (symbol 285)
            w.code(0, 5); // distance 1
            left -= 258;
        }
        for _ in 0..left {
            w.code(0x30, 8);
        }
    }
    w.code(0, 7); // end of block (symbol 256)
    let mut out = w.finish();
    let crc = if n <= 16 << 20 { crc32_zeros(n) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&((n & 0xffff_ffff) as u32).to_le_bytes());
    out
}

fn crc32_zeros(n: u64) -> u32 {
    crc32_update(0xffff_ffff, std::iter::repeat_n(0u8, n as usize)) ^ 0xffff_ffff
}

fn crc32_update(mut crc: u32, bytes: impl Iterator<Item = u8>) -> u32 {
    for b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// `data` as a valid gzip member of stored (uncompressed) deflate blocks: a real
/// `Content-Encoding: gzip` body without a compressor in the tests.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none())); // BFINAL, BTYPE = 00
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let crc = crc32_update(0xffff_ffff, data.iter().copied()) ^ 0xffff_ffff;
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Deflate's bit order: values LSB first, Huffman codes MSB first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, bits: u32) {
        let rev = code.reverse_bits() >> (32 - bits);
        self.put(rev, bits);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// An HTTPS server with a freshly made self-signed certificate, serving `body` to
/// anyone who gets through the handshake. Counts connections.
pub fn self_signed_tls(body: &'static str) -> Hostile {
    use tokio_rustls::rustls;
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("make a certificate");
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            while let Ok((tcp, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(resp.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    Hostile {
        addr: SocketAddr::new(addr.ip(), addr.port()),
        requests,
    }
}

/// The `https://` URL of `path` on a TLS server.
pub fn https_url(server: &Hostile, path: &str) -> String {
    format!("https://{}{path}", server.addr)
}
