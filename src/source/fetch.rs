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
    ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
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

/// What we accept for a linked page: HTML, and anything else only to find out.
const ACCEPT_PAGES: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";

/// A web page fetched for its article.
#[derive(Debug)]
pub struct Page {
    /// The body, at most the size cap.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, when there was one (its `charset` decodes the body).
    pub content_type: Option<String>,
    /// Where the page was found after redirects (the base of its relative links).
    pub url: Url,
}

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
    /// A linked page that is not HTML (an image, a PDF, a video…).
    #[error("not HTML ({0})")]
    NotHtml(String),
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

    /// The bound on one whole fetch, redirects and body included (`[http] timeout`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The size cap on every body, in bytes (`[http] max_body`).
    pub fn max_body(&self) -> u64 {
        self.max_body
    }

    /// Fetches `source`, sending `validators` so an unchanged feed costs nothing.
    pub async fn fetch(
        &self,
        source: &FeedSource,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match source {
            FeedSource::Http(url) => self.bounded(self.fetch_http(url, validators)).await,
            FeedSource::File(path) => self.fetch_file(path, validators).await,
        }
    }

    async fn fetch_http(
        &self,
        start: &Url,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let (resp, moved_to) = self.follow(start, ACCEPT_FEEDS, validators).await?;
        let status = resp.status();
        let now = chrono::Utc::now();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified {
                hints: hints::from_headers(resp.headers(), now),
                moved_to,
            });
        }
        check_status(&resp)?;
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
        let bytes = self.read_capped(resp).await?;
        Ok(Fetched::Body {
            bytes,
            validators,
            final_url,
            moved_to,
            hints,
        })
    }

    /// Fetches the web page at `url` (an item's link) for its article: HTML only (a
    /// `Content-Type` that is not HTML, or unlabelled bytes that are not text, is
    /// [`FetchError::NotHtml`], found before the body is read when the header says
    /// so), with the same redirects, timeouts and size cap as feeds.
    pub async fn fetch_page(&self, url: &Url) -> Result<Page, FetchError> {
        let fetch = async {
            let (resp, _) = self
                .follow(url, ACCEPT_PAGES, &Validators::default())
                .await?;
            check_status(&resp)?;
            let content_type = header(resp.headers(), CONTENT_TYPE);
            if let Some(ct) = content_type.as_deref().filter(|ct| !is_html_type(ct)) {
                return Err(FetchError::NotHtml(ct.to_string()));
            }
            let final_url = resp.url().clone();
            let bytes = self.read_capped(resp).await?;
            if content_type.is_none() && !looks_like_text(&bytes) {
                return Err(FetchError::NotHtml("no Content-Type, and not text".into()));
            }
            Ok(Page {
                bytes,
                content_type,
                url: final_url,
            })
        };
        self.bounded(fetch).await
    }

    /// `fetch`, or a timeout error when it takes longer than the total timeout.
    async fn bounded<T>(
        &self,
        fetch: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, fetch)
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout(format!(
                    "no complete answer within {}",
                    humantime::format_duration(timeout)
                )))
            })
    }

    /// Sends a GET for `start` and follows redirects by hand (at most
    /// [`MAX_REDIRECTS`], http(s) only): the first response that is not a redirect,
    /// and where a chain of permanent redirects from `start` led, if there was one.
    async fn follow(
        &self,
        start: &Url,
        accept: &str,
        validators: &Validators,
    ) -> Result<(reqwest::Response, Option<Url>), FetchError> {
        let mut url = start.clone();
        let mut moved_to: Option<Url> = None;
        let mut all_permanent = true;
        let mut hops = 0;
        let resp = loop {
            let mut req = self.client()?.get(url.clone()).header(ACCEPT, accept);
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
        Ok((resp, moved_to))
    }

    /// The body of `resp`, at most the size cap. Chunks arrive decompressed: the cap
    /// holds for what we keep, not for the wire (a gzip bomb stops at the cap).
    async fn read_capped(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let expected = resp.content_length().unwrap_or(0).min(self.max_body);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = resp.chunk().await.map_err(net_error)? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge(self.max_body));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
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

/// An error for a response that is not a success (redirects are followed before).
fn check_status(resp: &reqwest::Response) -> Result<(), FetchError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    Err(FetchError::Status {
        status: status.as_u16(),
        retry_after: hints::from_headers(resp.headers(), chrono::Utc::now()).retry_after,
    })
}

/// Whether a `Content-Type` is HTML (or XHTML), parameters aside.
fn is_html_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

/// Whether unlabelled bytes can be a page: no NUL bytes in the first kilobyte (every
/// binary format has them; UTF-16 text without a BOM is not a web page either).
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes[..bytes.len().min(1024)].contains(&0)
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
