//! Getting a feed's bytes: HTTP(S) with conditional GET (stored validators sent back
//! verbatim), compression (gzip, deflate, brotli), the proxy from the environment,
//! redirects followed by hand (at most [`MAX_REDIRECTS`]; a chain of permanent ones
//! is reported so the feed's address can be updated), connect and total timeouts, and
//! a body cap enforced while streaming, after decompression (a gzip bomb stops at the
//! cap). Local files get the same cap, and their modification time and size as
//! validators.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
};
use url::Url;

use crate::config::{FeedSource, Http};
use crate::model::Validators;
use crate::net::{self, error_chain};
use crate::source::hints::{self, Hints};

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 5;

/// What we accept, best first: feeds, then any XML, then anything (some servers
/// label feeds `text/html` or `application/octet-stream`).
const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// What a fetch produced.
#[derive(Debug)]
pub enum Fetched {
    /// The source says nothing changed since the validators were issued.
    NotModified {
        /// What the response's headers say about polling.
        hints: Hints,
        /// Where a chain of permanent redirects (301/308) led, if there was one.
        moved_to: Option<Url>,
    },
    /// A body to parse.
    Body {
        /// The bytes, at most the configured cap.
        bytes: Vec<u8>,
        /// Validators to store for the next fetch.
        validators: Validators,
        /// The URL the body came from after redirects (the base for relative links).
        final_url: Option<String>,
        /// Where a chain of permanent redirects (301/308) from the requested URL led,
        /// if there was one: the address to poll from now on. Temporary redirects
        /// (302/303/307), and anything after the first of them, do not count.
        moved_to: Option<Url>,
        /// What the response's headers say about polling.
        hints: Hints,
    },
}

/// Why a fetch failed. Every case is reported per feed and retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connecting or the whole request took too long.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server answered with an error status.
    #[error("HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// The body exceeded the cap.
    #[error("body larger than the {0}-byte limit")]
    TooLarge(u64),
    /// Redirected too often, in a loop, or to something that is not http(s).
    #[error("{0}")]
    Redirect(String),
    /// The TLS handshake failed (an untrusted or invalid certificate, mostly).
    #[error("TLS: {0}")]
    Tls(String),
    /// Anything else on the network path (DNS, connection refused or reset…).
    #[error("{0}")]
    Network(String),
    /// A local file could not be read.
    #[error("cannot read {path}: {error}")]
    File {
        /// The file.
        path: String,
        /// The I/O error.
        error: String,
    },
}

/// Fetches feeds over HTTP(S) and from local files. Cheap to clone; share one.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// The HTTP client, built on the first HTTP fetch (or [`Fetcher::http_ready`]):
    /// building it loads the system's TLS roots, which reading files never needs.
    /// Shared by clones, so it is built once.
    client: Arc<OnceLock<reqwest::Client>>,
    /// The settings the client is built from.
    http: Http,
    max_body: u64,
    /// Bound on a whole fetch, every redirect and the body included.
    timeout: Duration,
}

impl Fetcher {
    /// A fetcher with these limits. Proxies come from the environment
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), as reqwest reads them.
    /// Nothing is loaded until an HTTP fetch needs it.
    pub fn new(http: &Http) -> Self {
        Fetcher {
            client: Arc::new(OnceLock::new()),
            http: http.clone(),
            max_body: http.max_body,
            timeout: http.timeout,
        }
    }

    /// Builds the HTTP client now (loading the TLS roots), so that a machine where
    /// it cannot be built is an error at start rather than at every poll.
    pub fn http_ready(&self) -> anyhow::Result<()> {
        self.client().map(drop).map_err(anyhow::Error::from)
    }

    /// The HTTP client, built on first use. A failure is not kept: the next fetch
    /// tries again (the system's roots may have been installed meanwhile).
    fn client(&self) -> Result<&reqwest::Client, FetchError> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        // Redirects are followed by hand (the builder follows none), to tell
        // permanent ones from the others.
        let client = net::client_builder(&self.http).build().map_err(net_error)?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Fetches `source`, sending `validators` so an unchanged feed costs nothing.
    pub async fn fetch(
        &self,
        source: &FeedSource,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match source {
            FeedSource::Http(url) => {
                let timeout = self.timeout;
                tokio::time::timeout(timeout, self.fetch_http(url, validators))
                    .await
                    .unwrap_or_else(|_| {
                        Err(FetchError::Timeout(format!(
                            "no complete answer within {}",
                            humantime::format_duration(timeout)
                        )))
                    })
            }
            FeedSource::File(path) => self.fetch_file(path, validators).await,
        }
    }

    async fn fetch_http(
        &self,
        start: &Url,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let mut url = start.clone();
        let mut moved_to: Option<Url> = None;
        let mut all_permanent = true;
        let mut hops = 0;
        let mut resp = loop {
            let mut req = self.client()?.get(url.clone()).header(ACCEPT, ACCEPT_FEEDS);
            if let Some(etag) = &validators.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
            let resp = req.send().await.map_err(net_error)?;
            let status = resp.status();
            if !is_redirect(status) {
                break resp;
            }
            if hops == MAX_REDIRECTS {
                return Err(FetchError::Redirect(format!(
                    "more than {MAX_REDIRECTS} redirects (the last to {url})"
                )));
            }
            hops += 1;
            let next = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l.trim()).ok())
                .ok_or_else(|| {
                    FetchError::Redirect(format!(
                        "HTTP {} without a usable Location",
                        status.as_u16()
                    ))
                })?;
            if next.scheme() != "http" && next.scheme() != "https" {
                return Err(FetchError::Redirect(format!(
                    "redirected to {next}: not http(s)"
                )));
            }
            all_permanent &= matches!(status.as_u16(), 301 | 308);
            if all_permanent {
                moved_to = Some(next.clone());
            }
            url = next;
        };
        let status = resp.status();
        let now = chrono::Utc::now();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified {
                hints: hints::from_headers(resp.headers(), now),
                moved_to,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after: hints::from_headers(resp.headers(), now).retry_after,
            });
        }
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let hints = Hints {
            // Retry-After on a success is not about polling.
            retry_after: None,
            ..hints::from_headers(resp.headers(), now)
        };
        let validators = Validators {
            etag: header(resp.headers(), ETAG),
            last_modified: header(resp.headers(), LAST_MODIFIED),
        };
        let final_url = Some(resp.url().to_string());
        // Chunks arrive decompressed: the cap holds for what we keep, not the wire.
        let expected = resp.content_length().unwrap_or(0).min(self.max_body);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = resp.chunk().await.map_err(net_error)? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge(self.max_body));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            validators,
            final_url,
            moved_to,
            hints,
        })
    }

    async fn fetch_file(
        &self,
        path: &Path,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let file_err = |e: std::io::Error| FetchError::File {
            path: path.display().to_string(),
            error: e.to_string(),
        };
        let meta = tokio::fs::metadata(path).await.map_err(file_err)?;
        if !meta.is_file() {
            return Err(FetchError::File {
                path: path.display().to_string(),
                error: "not a regular file".into(),
            });
        }
        if meta.len() > self.max_body {
            return Err(FetchError::TooLarge(self.max_body));
        }
        // Modification time and size stand in for an ETag: unchanged file, no work.
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let stamp = format!("file:{mtime}:{}", meta.len());
        if validators.etag.as_deref() == Some(stamp.as_str()) {
            return Ok(Fetched::NotModified {
                hints: Hints::default(),
                moved_to: None,
            });
        }
        let bytes = tokio::fs::read(path).await.map_err(file_err)?;
        if bytes.len() as u64 > self.max_body {
            return Err(FetchError::TooLarge(self.max_body));
        }
        Ok(Fetched::Body {
            bytes,
            validators: Validators {
                etag: Some(stamp),
                last_modified: None,
            },
            final_url: None,
            moved_to: None,
            hints: Hints::default(),
        })
    }
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

fn net_error(e: reqwest::Error) -> FetchError {
    let chain = error_chain(&e);
    if e.is_timeout() {
        return FetchError::Timeout(chain);
    }
    if is_tls(&e) || looks_like_tls(&chain) {
        return FetchError::Tls(chain);
    }
    FetchError::Network(chain)
}

/// rustls errors travel inside hyper's connect errors as text; their wording is
/// stable ("invalid peer certificate: …", "received fatal alert: …").
fn looks_like_tls(chain: &str) -> bool {
    [
        "peer certificate",
        "certificate",
        "fatal alert",
        "handshake",
    ]
    .iter()
    .any(|w| chain.contains(w))
}

/// Whether a rustls error is somewhere in the chain (io errors carry it inside).
fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(c) = cur {
        if c.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if inner.is::<rustls::Error>() {
                return true;
            }
        }
        cur = c.source();
    }
    false
}
