//! Getting a feed's bytes: HTTP(S) with conditional GET (stored validators sent back
//! verbatim), connect and total timeouts, a redirect limit and a body cap enforced
//! while streaming (after decompression); local files with the same cap, and their
//! modification time and size as validators.

use std::path::Path;
use std::sync::Once;
use std::time::{Duration, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{
    ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};

use crate::config::{FeedSource, Http};

/// Validators from the last successful fetch, sent back to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header as received.
    pub etag: Option<String>,
    /// The `Last-Modified` header as received.
    pub last_modified: Option<String>,
}

/// What a fetch produced.
#[derive(Debug)]
pub enum Fetched {
    /// The source says nothing changed since the validators were issued.
    NotModified,
    /// A body to parse.
    Body {
        /// The bytes, at most the configured cap.
        bytes: Vec<u8>,
        /// Validators to store for the next fetch.
        validators: Validators,
        /// The URL the body came from after redirects (the base for relative links).
        final_url: Option<String>,
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
    /// Anything else on the network path (DNS, TLS, connection reset, redirects…).
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
    client: reqwest::Client,
    max_body: u64,
}

static CRYPTO: Once = Once::new();

impl Fetcher {
    /// Builds the HTTP client for these limits.
    pub fn new(http: &Http) -> anyhow::Result<Self> {
        CRYPTO.call_once(|| {
            // Err means another provider is already installed, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let client = reqwest::Client::builder()
            .user_agent(&http.user_agent)
            .connect_timeout(http.connect_timeout)
            .timeout(http.timeout)
            .read_timeout(http.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        Ok(Fetcher {
            client,
            max_body: http.max_body,
        })
    }

    /// Fetches `source`, sending `validators` so an unchanged feed costs nothing.
    pub async fn fetch(
        &self,
        source: &FeedSource,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match source {
            FeedSource::Http(url) => self.fetch_http(url.as_str(), validators).await,
            FeedSource::File(path) => self.fetch_file(path, validators).await,
        }
    }

    async fn fetch_http(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut req = self.client.get(url);
        if let Some(etag) = &validators.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(net_error)?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after: retry_after(resp.headers()),
            });
        }
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let validators = Validators {
            etag: header(resp.headers(), ETAG),
            last_modified: header(resp.headers(), LAST_MODIFIED),
        };
        let final_url = Some(resp.url().to_string());
        let mut bytes = Vec::new();
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
            return Ok(Fetched::NotModified);
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
        })
    }
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok()
}

fn net_error(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout(error_chain(&e));
    }
    FetchError::Network(error_chain(&e))
}

/// The error and its causes on one line: reqwest's own message alone says little.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
