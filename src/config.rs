//! The TOML configuration: serde structs with defaults (`*Toml`), the runtime values
//! they build ([`Config`], [`Feed`]), lookup of the config file, and validation that
//! reports every problem with `file:line:column` rather than stopping at the first.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use url::Url;

use crate::diag::{Diagnostic, Diagnostics};

/// Shortest poll interval accepted: anything faster is abuse of the publisher.
const MIN_INTERVAL: Duration = Duration::from_secs(10);
/// Longest poll interval accepted.
const MAX_INTERVAL: Duration = Duration::from_secs(30 * 24 * 3600);

/// A loaded, validated configuration. Paths are absolute or relative to the process's
/// working directory (already resolved against the config file's folder).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file this was read from.
    pub path: PathBuf,
    /// Where the SQLite state file lives.
    pub state_dir: PathBuf,
    /// The alert log (JSON lines).
    pub alert_log: PathBuf,
    /// Watchlist files, globs expanded, sorted.
    pub watchlists: Vec<PathBuf>,
    /// User knowledge-base files that add to the built-in one.
    pub entities: Vec<PathBuf>,
    /// HTTP limits.
    pub http: Http,
    /// Desktop notifications.
    pub desktop: Desktop,
    /// How many feeds are polled at once.
    pub concurrency: usize,
    /// Bounds on the schedule and per-host politeness.
    pub polling: Polling,
    /// The feeds, in file order.
    pub feeds: Vec<Feed>,
    /// Reload by itself when the config, watchlist or knowledge-base files change.
    pub watch_config: bool,
    /// Where the Prometheus endpoint listens (always loopback); `None`: off.
    pub metrics: Option<SocketAddr>,
    /// How long item texts are kept for `newswatch rules test --since`; `None`: not kept.
    pub item_retention: Option<Duration>,
}

/// HTTP limits applied to every fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct Http {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Largest body accepted (after decompression), in bytes.
    pub max_body: u64,
    /// The User-Agent header.
    pub user_agent: String,
}

/// How the schedule treats publishers: bounds on the time between polls, the error
/// backoff's cap, and how many requests one host gets at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Polling {
    /// No feed is polled more often than this, whatever its interval says.
    pub min_interval: Duration,
    /// No feed waits longer than this, whatever the publisher asks (`ttl`,
    /// `max-age`, `Expires`, `Retry-After`): a feed is never silently forgotten.
    pub max_interval: Duration,
    /// The longest wait between retries of a failing feed (errors double the wait).
    pub max_backoff: Duration,
    /// Requests in flight to one host:port at once.
    pub per_host: usize,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            min_interval: MIN_INTERVAL,
            max_interval: Duration::from_secs(24 * 3600),
            max_backoff: Duration::from_secs(6 * 3600),
            per_host: 2,
        }
    }
}

/// Desktop-notification settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Desktop {
    /// Whether to show notifications at all.
    pub enabled: bool,
    /// Bound on every call to the notification server.
    pub timeout: Duration,
    /// Command that opens a link when the user clicks "Open".
    pub open_command: String,
}

/// One feed to poll.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Unique name: in alerts, logs and the store.
    pub name: String,
    /// Where to get it.
    pub source: FeedSource,
    /// Time between polls.
    pub interval: Duration,
    /// Which items of the very first poll may alert.
    pub first_poll: FirstPoll,
    /// Free-form labels (from OPML folders, or written by hand), in file order.
    pub tags: Vec<String>,
}

/// Where a feed comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedSource {
    /// An http(s) URL.
    Http(Url),
    /// A local file.
    File(PathBuf),
}

impl FeedSource {
    /// The URL or path as shown to users and written in alerts.
    pub fn display(&self) -> String {
        match self {
            FeedSource::Http(u) => u.to_string(),
            FeedSource::File(p) => p.display().to_string(),
        }
    }

    /// Reads a feed location as written on the command line: an http(s) URL or a path.
    pub fn parse(s: &str, base_dir: &Path) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("file://") {
            return Ok(FeedSource::File(PathBuf::from(rest)));
        }
        match Url::parse(s) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                if u.host_str().is_none_or(str::is_empty) {
                    Err(format!("`{s}` has no host"))
                } else {
                    Ok(FeedSource::Http(u))
                }
            }
            // One-letter "schemes" are Windows drive letters, not URLs.
            Ok(u) if u.scheme().len() > 1 => Err(format!(
                "unsupported scheme `{}` in `{s}`: use http(s) or a file path",
                u.scheme()
            )),
            _ => Ok(FeedSource::File(base_dir.join(s))),
        }
    }
}

/// Which items of a feed's first successful poll may raise alerts. Later polls alert
/// on every item not seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstPoll {
    /// Every item (the demo feed).
    All,
    /// None: the first poll only learns what is there.
    Nothing,
    /// Items published within this long before the poll.
    Within(Duration),
}

impl FirstPoll {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(FirstPoll::All),
            "none" => Ok(FirstPoll::Nothing),
            d => parse_duration(d)
                .map(FirstPoll::Within)
                .map_err(|e| format!("{e}; or use \"all\" or \"none\"")),
        }
    }
}

/// Parses `"15m"`, `"1h 30m"`, `"2d"`; zero is rejected.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| {
        format!("invalid duration `{s}` ({e}); write e.g. \"90s\", \"15m\", \"2h\", \"1d\"")
    })?;
    if d.is_zero() {
        return Err(format!("duration `{s}` must be greater than zero"));
    }
    Ok(d)
}

/// The config file's top level, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpToml {
    connect_timeout: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    user_agent: Option<String>,
}

/// The `[polling]` table, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PollingToml {
    min_interval: Option<Spanned<String>>,
    max_interval: Option<Spanned<String>>,
    max_backoff: Option<Spanned<String>>,
    per_host: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesktopToml {
    enabled: Option<bool>,
    timeout: Option<Spanned<String>>,
    open_command: Option<String>,
}

/// The `[metrics]` table, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsToml {
    enabled: Option<bool>,
    listen: Option<Spanned<String>>,
}

/// Where the metrics endpoint listens unless `metrics.listen` says otherwise.
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9464";

/// One `[[feed]]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedToml {
    name: Option<Spanned<String>>,
    url: Spanned<String>,
    interval: Option<Spanned<String>>,
    first_poll: Option<Spanned<String>>,
    tags: Option<Vec<String>>,
}

fn default_state_dir() -> String {
    "state".into()
}
fn default_alert_log() -> String {
    "alerts.jsonl".into()
}
fn default_watchlists() -> Vec<String> {
    vec!["watchlists/*.toml".into()]
}
fn default_interval() -> Duration {
    Duration::from_secs(15 * 60)
}
fn default_first_poll() -> FirstPoll {
    FirstPoll::Within(Duration::from_secs(24 * 3600))
}
fn default_item_retention() -> Option<Duration> {
    Some(Duration::from_secs(30 * 24 * 3600))
}
fn default_concurrency() -> usize {
    16
}
/// The User-Agent every request carries: honest about who polls.
pub fn default_user_agent() -> String {
    format!(
        "newswatch/{} (feed monitor; +https://github.com/newswatch/newswatch)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The keys a config file understands, for "unknown key" messages.
const TOP_KEYS: &[&str] = &[
    "state_dir",
    "alert_log",
    "watchlists",
    "entities",
    "interval",
    "first_poll",
    "concurrency",
    "http",
    "polling",
    "desktop",
    "metrics",
    "watch_config",
    "feed",
    "item_retention",
];

/// Collects diagnostics for one file while it is being read.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(self.path, self.text, span, message));
    }

    /// Deserialises one value, recording the error (at its own span or the value's).
    fn de<T: DeserializeOwned>(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<T> {
        let span = value.span();
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = e.span().filter(|s| !s.is_empty()).unwrap_or(span);
                self.error(Some(at), format!("`{key}`: {}", e.message()));
                None
            }
        }
    }

    fn duration(&mut self, key: &str, v: &Spanned<String>) -> Option<Duration> {
        match parse_duration(v.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(Some(v.span()), format!("`{key}`: {e}"));
                None
            }
        }
    }
}

impl Config {
    /// Reads and validates the config at `path`, resolving relative paths and globs
    /// against its folder. Every problem is reported, each with file:line:column.
    pub fn load(path: &Path) -> Result<Config, Diagnostics> {
        if path.is_dir() {
            return Err(Diagnostics(vec![Diagnostic::file(
                path,
                "is a directory; pass the config file itself (e.g. newswatch.toml)",
            )]));
        }
        let text = std::fs::read(path).map_err(|e| {
            Diagnostics(vec![Diagnostic::file(
                path,
                format!("cannot read config: {e}"),
            )])
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            // Where: the line and column of the first bad byte, in the valid text before it.
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let before = String::from_utf8_lossy(&bytes[..at]);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Diagnostics(vec![Diagnostic::file(
                path,
                format!(
                    "not valid UTF-8 at line {line}, column {column} (byte {at}); TOML files must be UTF-8"
                ),
            )])
        })?;
        Self::parse(path, &text)
    }

    /// Validates config `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostics> {
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut c = Checker {
            path,
            text,
            errors: Vec::new(),
        };
        let (table, syntax) = DeTable::parse_recoverable(text);
        for e in syntax {
            c.error(e.span(), e.message().to_string());
        }

        let mut state_dir = default_state_dir();
        let mut alert_log = default_alert_log();
        let mut watchlists = default_watchlists();
        let mut entities: Vec<String> = Vec::new();
        let mut interval = default_interval();
        let mut first_poll = default_first_poll();
        let mut concurrency = default_concurrency();
        let mut item_retention = default_item_retention();
        let mut http = HttpToml::default();
        let mut desktop = DesktopToml::default();
        let mut metrics = MetricsToml::default();
        let mut watch_config = false;
        let mut polling = PollingToml::default();
        let mut feed_tomls: Vec<(Range<usize>, FeedToml)> = Vec::new();

        for (key, value) in table.get_ref().iter() {
            let name: &str = key.get_ref();
            match name {
                "state_dir" => state_dir = c.de(name, value).unwrap_or(state_dir),
                "alert_log" => alert_log = c.de(name, value).unwrap_or(alert_log),
                "watchlists" => watchlists = c.de(name, value).unwrap_or(watchlists),
                "entities" => entities = c.de(name, value).unwrap_or(entities),
                "interval" => {
                    if let Some(v) = c.de::<Spanned<String>>(name, value) {
                        interval = c.duration(name, &v).unwrap_or(interval);
                    }
                }
                "first_poll" => {
                    if let Some(v) = c.de::<Spanned<String>>(name, value) {
                        match FirstPoll::parse(v.get_ref()) {
                            Ok(p) => first_poll = p,
                            Err(e) => c.error(Some(v.span()), format!("`first_poll`: {e}")),
                        }
                    }
                }
                "concurrency" => {
                    if let Some(n) = c.de::<i64>(name, value) {
                        match usize::try_from(n) {
                            Ok(n) if (1..=1024).contains(&n) => concurrency = n,
                            _ => c.error(
                                Some(value.span()),
                                "`concurrency` must be between 1 and 1024",
                            ),
                        }
                    }
                }
                "item_retention" => {
                    if let Some(v) = c.de::<Spanned<String>>(name, value) {
                        item_retention = if v.get_ref().trim() == "off" {
                            None
                        } else {
                            c.duration(name, &v).or(item_retention)
                        };
                    }
                }
                "http" => http = c.de(name, value).unwrap_or_default(),
                "desktop" => desktop = c.de(name, value).unwrap_or_default(),
                "metrics" => metrics = c.de(name, value).unwrap_or_default(),
                "watch_config" => watch_config = c.de(name, value).unwrap_or(watch_config),
                "polling" => polling = c.de(name, value).unwrap_or_default(),
                "feed" => match value.get_ref() {
                    DeValue::Array(items) => {
                        for item in items.iter() {
                            if let Some(f) = c.de::<FeedToml>("feed", item) {
                                feed_tomls.push((item.span(), f));
                            }
                        }
                    }
                    _ => c.error(
                        Some(value.span()),
                        "`feed` must be an array of tables: write [[feed]]",
                    ),
                },
                other => c.error(
                    Some(key.span()),
                    format!(
                        "unknown key `{other}` (known keys: {})",
                        TOP_KEYS.join(", ")
                    ),
                ),
            }
        }

        let http = Http {
            connect_timeout: opt_duration(
                &mut c,
                "http.connect_timeout",
                &http.connect_timeout,
                Duration::from_secs(10),
            ),
            timeout: opt_duration(
                &mut c,
                "http.timeout",
                &http.timeout,
                Duration::from_secs(30),
            ),
            max_body: match &http.max_body {
                None => 10 * 1024 * 1024,
                Some(s) => match s.get_ref().parse::<bytesize::ByteSize>() {
                    Ok(b) if b.as_u64() >= 1024 => b.as_u64(),
                    Ok(_) => {
                        c.error(Some(s.span()), "`http.max_body` must be at least 1 KiB");
                        10 * 1024 * 1024
                    }
                    Err(e) => {
                        c.error(
                            Some(s.span()),
                            format!("`http.max_body`: {e}; write e.g. \"10MiB\""),
                        );
                        10 * 1024 * 1024
                    }
                },
            },
            user_agent: http.user_agent.unwrap_or_else(default_user_agent),
        };
        let polling = check_polling(&mut c, &polling);
        let desktop = Desktop {
            enabled: desktop.enabled.unwrap_or(true),
            timeout: opt_duration(
                &mut c,
                "desktop.timeout",
                &desktop.timeout,
                Duration::from_secs(5),
            ),
            open_command: desktop.open_command.unwrap_or_else(|| "xdg-open".into()),
        };

        let metrics = metrics_listen(&mut c, &metrics);

        let mut feeds = Vec::new();
        let mut names = HashSet::new();
        for (span, f) in feed_tomls {
            // Every field is checked even after one fails, so all problems show at once.
            let source = FeedSource::parse(f.url.get_ref(), &base)
                .map_err(|e| c.error(Some(f.url.span()), format!("feed `url`: {e}")))
                .ok();
            let name = match (&f.name, &source) {
                (Some(n), _) if n.get_ref().trim().is_empty() => {
                    c.error(Some(n.span()), "feed `name` must not be empty");
                    None
                }
                (Some(n), _) => Some(n.get_ref().trim().to_string()),
                (None, Some(src)) => Some(derive_name(src)),
                (None, None) => None,
            };
            if let Some(name) = &name {
                if !names.insert(name.clone()) {
                    let at = f.name.as_ref().map_or(span.clone(), |n| n.span());
                    let msg = format!("two feeds are named `{name}`; give each a unique `name`");
                    c.error(Some(at), msg);
                }
            }
            let interval = match &f.interval {
                None => Some(interval),
                Some(v) => c.duration("interval", v).and_then(|d| {
                    let ok = (MIN_INTERVAL..=MAX_INTERVAL).contains(&d);
                    if !ok {
                        c.error(
                            Some(v.span()),
                            "feed `interval` must be between 10s and 30d",
                        );
                    }
                    ok.then_some(d)
                }),
            };
            let first_poll = match &f.first_poll {
                None => Some(first_poll),
                Some(v) => FirstPoll::parse(v.get_ref())
                    .map_err(|e| c.error(Some(v.span()), format!("feed `first_poll`: {e}")))
                    .ok(),
            };
            if let (Some(name), Some(source), Some(interval), Some(first_poll)) =
                (name, source, interval, first_poll)
            {
                feeds.push(Feed {
                    name,
                    source,
                    interval,
                    first_poll,
                    tags: f.tags.unwrap_or_default(),
                });
            }
        }

        let watchlists = expand_globs(&mut c, &base, "watchlists", &watchlists, true);
        let entities = expand_globs(&mut c, &base, "entities", &entities, false);
        if c.errors.is_empty() {
            Ok(Config {
                path: path.to_path_buf(),
                state_dir: base.join(state_dir),
                alert_log: base.join(alert_log),
                watchlists,
                entities,
                http,
                desktop,
                concurrency,
                polling,
                feeds,
                watch_config,
                metrics,
                item_retention,
            })
        } else {
            c.errors.sort_by_key(|d| (d.line, d.column));
            Err(Diagnostics(c.errors))
        }
    }
}

/// The metrics endpoint's address when enabled. It must be loopback: the endpoint has
/// no authentication and tells what is being watched.
fn metrics_listen(c: &mut Checker<'_>, m: &MetricsToml) -> Option<SocketAddr> {
    let addr = match &m.listen {
        None => DEFAULT_METRICS_LISTEN.parse().ok(),
        Some(l) => match l.get_ref().trim().parse::<SocketAddr>() {
            Ok(a) if a.ip().is_loopback() => Some(a),
            Ok(a) => {
                c.error(
                    Some(l.span()),
                    format!(
                        "`metrics.listen`: {a} is not a loopback address; the endpoint has no \
                         authentication, so only 127.0.0.1 or [::1] are allowed (put a proxy \
                         in front to expose it)"
                    ),
                );
                None
            }
            Err(e) => {
                c.error(
                    Some(l.span()),
                    format!("`metrics.listen`: {e}; write e.g. \"127.0.0.1:9464\""),
                );
                None
            }
        },
    };
    if m.enabled.unwrap_or(false) {
        addr
    } else {
        None
    }
}

fn opt_duration(
    c: &mut Checker<'_>,
    key: &str,
    v: &Option<Spanned<String>>,
    default: Duration,
) -> Duration {
    v.as_ref()
        .and_then(|v| c.duration(key, v))
        .unwrap_or(default)
}

/// Builds [`Polling`] from the `[polling]` table, reporting every bad value.
fn check_polling(c: &mut Checker<'_>, p: &PollingToml) -> Polling {
    let d = Polling::default();
    let min_interval = opt_duration(c, "polling.min_interval", &p.min_interval, d.min_interval);
    let max_interval = opt_duration(c, "polling.max_interval", &p.max_interval, d.max_interval);
    let max_backoff = opt_duration(c, "polling.max_backoff", &p.max_backoff, d.max_backoff);
    if min_interval > max_interval {
        let at = p.max_interval.as_ref().or(p.min_interval.as_ref());
        c.error(
            at.map(Spanned::span),
            "`polling.min_interval` must not be longer than `polling.max_interval`",
        );
    }
    let per_host = match &p.per_host {
        None => d.per_host,
        Some(n) => match usize::try_from(*n.get_ref()) {
            Ok(v) if (1..=64).contains(&v) => v,
            _ => {
                c.error(
                    Some(n.span()),
                    "`polling.per_host` must be between 1 and 64",
                );
                d.per_host
            }
        },
    };
    Polling {
        min_interval,
        max_interval,
        max_backoff,
        per_host,
    }
}

/// A readable feed name from its location: host and path for URLs, file stem for files.
fn derive_name(source: &FeedSource) -> String {
    match source {
        FeedSource::Http(u) => {
            let host = u.host_str().unwrap_or("feed").trim_start_matches("www.");
            let path = u.path().trim_matches('/');
            if path.is_empty() {
                host.to_string()
            } else {
                format!("{host}/{path}")
            }
        }
        FeedSource::File(p) => p.file_stem().map_or_else(
            || p.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
    }
}

/// Expands globs relative to `base`. A pattern without glob characters must name an
/// existing file; a glob may match nothing only if `allow_empty_glob`.
fn expand_globs(
    c: &mut Checker<'_>,
    base: &Path,
    key: &str,
    patterns: &[String],
    allow_empty_glob: bool,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in patterns {
        let full = base.join(p);
        let is_glob = p.contains(['*', '?', '[']);
        if !is_glob {
            if full.is_file() {
                out.push(full);
            } else {
                c.error(
                    None,
                    format!("`{key}`: `{}` does not exist", full.display()),
                );
            }
            continue;
        }
        let pattern = full.to_string_lossy().into_owned();
        match glob::glob(&pattern) {
            Ok(paths) => {
                let mut found: Vec<PathBuf> = paths
                    .filter_map(Result::ok)
                    .filter(|p| p.is_file())
                    .collect();
                found.sort();
                if found.is_empty() && !allow_empty_glob {
                    c.error(None, format!("`{key}`: `{pattern}` matches no file"));
                }
                out.extend(found);
            }
            Err(e) => c.error(None, format!("`{key}`: bad glob `{p}`: {e}")),
        }
    }
    out.dedup();
    out
}

/// Where the config is when `--config` is not given: `$XDG_CONFIG_HOME/newswatch/
/// newswatch.toml` (default `~/.config`), then `/etc/newswatch/newswatch.toml`.
pub fn locate(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let mut tried = Vec::new();
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = xdg {
        tried.push(dir.join("newswatch/newswatch.toml"));
    }
    tried.push(PathBuf::from("/etc/newswatch/newswatch.toml"));
    if let Some(found) = tried.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    anyhow::bail!(
        "no config file found (looked in {}).\nTo start: packaging/install-user.sh in a \
         newswatch checkout writes ~/.config/newswatch/newswatch.toml (see README) \
         — or pass --config path/to/newswatch.toml",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostics> {
        Config::parse(Path::new("/nonexistent/newswatch.toml"), text)
    }

    #[test]
    fn defaults_and_relative_paths() {
        let c = parse("watchlists = []\n[[feed]]\nurl = \"https://example.org/rss\"\n").unwrap();
        assert_eq!(c.state_dir, Path::new("/nonexistent/state"));
        assert_eq!(c.alert_log, Path::new("/nonexistent/alerts.jsonl"));
        assert_eq!(c.feeds[0].name, "example.org/rss");
        assert_eq!(c.feeds[0].interval, Duration::from_secs(900));
        assert_eq!(
            c.feeds[0].first_poll,
            FirstPoll::Within(Duration::from_secs(86400))
        );
        assert_eq!(c.http.max_body, 10 * 1024 * 1024);
    }

    #[test]
    fn file_feeds_resolve_against_config_folder() {
        let c = parse("watchlists = []\n[[feed]]\nurl = \"demo/a.xml\"\nfirst_poll = \"all\"\n")
            .unwrap();
        assert_eq!(
            c.feeds[0].source,
            FeedSource::File(PathBuf::from("/nonexistent/demo/a.xml"))
        );
        assert_eq!(c.feeds[0].name, "a");
        assert_eq!(c.feeds[0].first_poll, FirstPoll::All);
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let text = "watchlists = []\nbogus = 1\n[[feed]]\nurl = \"ftp://x/y\"\n[[feed]]\nurl = \"https://a/b\"\ninterval = \"soon\"\n[[feed]]\nurl = \"https://a/c\"\ncolour = \"red\"\n[http]\nmax_body = \"lots\"\n";
        let errs = parse(text).unwrap_err().0;
        let lines: Vec<usize> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 4, 7, 10, 12], "{errs:#?}");
        assert!(errs[0].message.contains("unknown key `bogus`"));
        assert!(errs[1].message.contains("unsupported scheme `ftp`"));
        assert!(errs[2].message.contains("invalid duration `soon`"));
        assert!(errs[3].message.contains("colour"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let errs = parse("state_dir = \"x\"\nalert_log = \n").unwrap_err().0;
        assert_eq!(errs[0].line, 2);
    }

    #[test]
    fn duplicate_names_and_absurd_intervals_are_rejected() {
        let text = "watchlists = []\n[[feed]]\nname = \"a\"\nurl = \"https://x/1\"\n[[feed]]\nname = \"a\"\nurl = \"https://x/2\"\ninterval = \"1s\"\n";
        let errs = parse(text).unwrap_err().0;
        assert!(
            errs.iter()
                .any(|d| d.message.contains("two feeds are named `a`") && d.line == 6)
        );
        assert!(
            errs.iter()
                .any(|d| d.message.contains("between 10s and 30d") && d.line == 8)
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, b"watchlists = []\nstate_dir = \"caf\xe9\"\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("not valid UTF-8 at line 2, column 17"),
            "{err}"
        );
    }

    #[test]
    fn directory_as_config_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"));
    }

    #[test]
    fn metrics_are_off_by_default_and_loopback_only() {
        let c = parse("watchlists = []\n").unwrap();
        assert_eq!(c.metrics, None);
        assert!(!c.watch_config);
        let c = parse("watchlists = []\nwatch_config = true\n[metrics]\nenabled = true\n").unwrap();
        assert_eq!(c.metrics, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(c.watch_config);
        let c =
            parse("watchlists = []\n[metrics]\nenabled = true\nlisten = \"[::1]:0\"\n").unwrap();
        assert_eq!(c.metrics, Some("[::1]:0".parse().unwrap()));
        let text = "watchlists = []\n[metrics]\nenabled = true\nlisten = \"0.0.0.0:9464\"\n";
        let errs = parse(text).unwrap_err().0;
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(errs[0].line == 4 && errs[0].message.contains("not a loopback address"));
        let errs = parse("watchlists = []\n[metrics]\nport = 1\n")
            .unwrap_err()
            .0;
        assert!(
            errs[0].line == 3 && errs[0].message.contains("port"),
            "{errs:#?}"
        );
        let errs = parse("watchlists = []\n[metrics]\nlisten = \"localhost\"\n")
            .unwrap_err()
            .0;
        assert_eq!(errs[0].line, 3, "checked even when disabled: {errs:#?}");
    }

    #[test]
    fn item_retention_defaults_to_30_days_and_can_be_off() {
        let day = Duration::from_secs(86400);
        assert_eq!(
            parse("watchlists = []\n").unwrap().item_retention,
            Some(30 * day)
        );
        let c = parse("watchlists = []\nitem_retention = \"7d\"\n").unwrap();
        assert_eq!(c.item_retention, Some(7 * day));
        let c = parse("watchlists = []\nitem_retention = \"off\"\n").unwrap();
        assert_eq!(c.item_retention, None);
        let errs = parse("watchlists = []\nitem_retention = \"soon\"\n")
            .unwrap_err()
            .0;
        assert_eq!(errs[0].line, 2, "{errs:?}");
    }

    #[test]
    fn polling_defaults_bounds_and_tags() {
        let c =
            parse("watchlists = []\n[[feed]]\nurl = \"https://x/1\"\ntags = [\"news\", \"eu\"]\n")
                .unwrap();
        assert_eq!(c.polling, Polling::default());
        assert_eq!(c.polling.per_host, 2);
        assert_eq!(c.polling.max_backoff, Duration::from_secs(6 * 3600));
        assert_eq!(c.feeds[0].tags, ["news", "eu"]);
        let text = "watchlists = []\n[polling]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\nper_host = 0\nmax_backoff = \"never\"\n";
        let errs = parse(text).unwrap_err().0;
        let lines: Vec<usize> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![4, 5, 6], "{errs:#?}");
        let errs = parse("watchlists = []\n[polling]\nspeed = 1\n")
            .unwrap_err()
            .0;
        assert!(
            errs[0].message.contains("speed") && errs[0].line == 3,
            "{errs:#?}"
        );
        let ok = parse("watchlists = []\n[polling]\nmin_interval = \"5m\"\nmax_interval = \"2d\"\nper_host = 4\n").unwrap();
        assert_eq!(ok.polling.min_interval, Duration::from_secs(300));
        assert_eq!(ok.polling.per_host, 4);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
