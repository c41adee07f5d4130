//! The configuration: the runtime values ([`Config`], [`Feed`]) that the TOML file
//! builds (its spanned serde structs and checks are in [`file`]: every problem is
//! reported with `file:line:column`, not just the first), lookup of the config file,
//! and reading the user files it names (knowledge base, watchlists) for the libraries
//! that take text.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::diag::{Diagnostic, Diagnostics, Location, utf8_text};
use crate::duration::parse_duration;

pub mod channel;
pub mod cluster;
mod file;

/// Shortest poll interval accepted: anything faster is abuse of the publisher.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);
/// Longest poll interval accepted.
pub const MAX_INTERVAL: Duration = Duration::from_secs(30 * 24 * 3600);

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
    /// `watchlists = []` was written on purpose: a config without rules is then
    /// allowed (it keeps feed state and nothing alerts), with a warning.
    pub watch_nothing: bool,
    /// Where `watchlists` is written (the whole file when it is not), for problems
    /// found once its files are read ("nothing to watch").
    pub watchlists_at: Location,
    /// Problems that do not stop the config from working (two feeds with one URL,
    /// `watchlists = []`): `check` prints them, `run` logs them at start and reload.
    pub warnings: Vec<Diagnostic>,
    /// Where alerts go besides the log and the desktop.
    pub channels: Vec<channel::Channel>,
    /// `[cluster]`: how this instance shares the work with others; `None`: alone.
    pub cluster: Option<cluster::Cluster>,
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
    /// When to fetch the page a new item links to and read its article.
    pub full_text: FullText,
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

    /// The location as a URL, for other programs (OPML): an http(s) URL as it is, a
    /// file as an absolute `file:///` URL (a relative path taken from the current
    /// folder, as the commands that read the config do).
    pub fn to_url(&self) -> String {
        match self {
            FeedSource::Http(u) => u.to_string(),
            FeedSource::File(p) => std::path::absolute(p)
                .ok()
                .and_then(|abs| Url::from_file_path(abs).ok())
                .map_or_else(|| format!("file://{}", p.display()), String::from),
        }
    }

    /// Reads a feed location as written on the command line: an http(s) URL or a path.
    pub fn parse(s: &str, base_dir: &Path) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("file://") {
            // A file URL (`file:///srv/a%20b.xml`) is decoded; anything else after
            // `file://` is a path as written.
            let path = Url::parse(s)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(rest));
            return Ok(FeedSource::File(path));
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
    /// Reads `"all"`, `"none"` or a duration.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(FirstPoll::All),
            "none" => Ok(FirstPoll::Nothing),
            d => parse_duration(d)
                .map(FirstPoll::Within)
                .map_err(|e| format!("{e}; or use \"all\" or \"none\"")),
        }
    }
}

/// When a feed's new items get their linked page's article as body (`full_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullText {
    /// Never: rules read the feed's own text (the default).
    #[default]
    Off,
    /// When the item's own text is short (under [`FullText::AUTO_WORDS`] words).
    Auto,
    /// For every new item.
    Always,
}

impl FullText {
    /// Below this many words of its own text (title aside), `auto` fetches an item's page.
    pub const AUTO_WORDS: usize = 150;

    /// Reads `"off"`, `"auto"` or `"always"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "off" => Ok(FullText::Off),
            "auto" => Ok(FullText::Auto),
            "always" => Ok(FullText::Always),
            other => Err(format!(
                "`{other}` is not one of \"off\", \"auto\", \"always\""
            )),
        }
    }

    /// Whether an item whose own text has `words` words gets its page fetched.
    pub fn wants_page(self, words: usize) -> bool {
        match self {
            FullText::Off => false,
            FullText::Auto => words < Self::AUTO_WORDS,
            FullText::Always => true,
        }
    }
}

/// Where the metrics endpoint listens unless `metrics.listen` says otherwise.
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9464";

/// The User-Agent every request carries: honest about who polls.
pub fn default_user_agent() -> String {
    format!(
        "newswatch/{} (feed monitor; +https://github.com/newswatch/newswatch)",
        env!("CARGO_PKG_VERSION")
    )
}

impl Config {
    /// Reads and validates the config at `path`, resolving relative paths and globs
    /// against its folder. Every problem is reported, each with file:line:column.
    pub fn load(path: &Path) -> Result<Config, Diagnostics> {
        Self::parse(path, &read_config_text(path)?)
    }

    /// Validates config `text` as if read from `path`: every problem is reported, each
    /// with file:line:column (see [`file`]). What does not stop the config from working
    /// is in [`Config::warnings`], a file feed whose file is not there among them.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostics> {
        let mut checked = file::parse(path, text);
        if checked.errors.is_empty() {
            checked.config.warnings.append(&mut checked.absent);
            checked.config.warnings.sort_by_key(|d| (d.line, d.column));
            Ok(checked.config)
        } else {
            Err(Diagnostics(checked.errors))
        }
    }

    /// For `newswatch check`: reads the config at `path` like [`Config::load`], but
    /// also returns a config when it has errors, so that the files it names can be
    /// checked in the same run. Every value that had an error has its default there;
    /// the lists of watchlist and knowledge-base files are emptied when they cannot be
    /// trusted (their key had an error, or a syntax error may have swallowed it), so
    /// nothing is reported about files the user did not name. A file feed whose file is
    /// not there is an error here (a warning for [`Config::load`]).
    pub fn load_for_check(path: &Path) -> (Option<Config>, Vec<Diagnostic>) {
        let text = match read_config_text(path) {
            Ok(t) => t,
            Err(d) => return (None, d.0),
        };
        let mut checked = file::parse(path, &text);
        checked.errors.append(&mut checked.absent);
        checked.errors.sort_by_key(|d| (d.line, d.column));
        (Some(checked.config), checked.errors)
    }
}

/// The config file's text; a folder, an unreadable file or bytes that are not UTF-8
/// are a clear error naming the path.
fn read_config_text(path: &Path) -> Result<String, Diagnostics> {
    if path.is_dir() {
        return Err(Diagnostics(vec![Diagnostic::file(
            path,
            "is a directory; pass the config file itself (e.g. newswatch.toml)",
        )]));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::file(
            path,
            format!("cannot read config: {e}"),
        )])
    })?;
    utf8_text(path, bytes).map_err(|d| Diagnostics(vec![d]))
}

/// Reads the user files a config names (knowledge-base files, watchlists) as text, for
/// the extractor and the rules, which take text, never paths. Returns the texts read,
/// each with its path (for diagnostics), and a diagnostic `"{what}: {error}"` for each
/// file that could not be read.
pub fn read_user_files(paths: &[PathBuf], what: &str) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let mut texts = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::read(path) {
            Ok(bytes) => match utf8_text(path, bytes) {
                Ok(text) => texts.push((path.clone(), text)),
                Err(d) => errors.push(d),
            },
            Err(e) => errors.push(Diagnostic::file(path, format!("{what}: {e}"))),
        }
    }
    (texts, errors)
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
        assert_eq!(c.feeds[0].full_text, FullText::Off);
    }

    #[test]
    fn full_text_defaults_at_the_top_and_each_feed_may_differ() {
        let c = parse(
            "watchlists = []\nfull_text = \"auto\"\n[[feed]]\nurl = \"https://a/1\"\n[[feed]]\nurl = \"https://a/2\"\nfull_text = \"always\"\n[[feed]]\nurl = \"https://a/3\"\nfull_text = \"off\"\n",
        )
        .unwrap();
        let modes: Vec<FullText> = c.feeds.iter().map(|f| f.full_text).collect();
        assert_eq!(modes, [FullText::Auto, FullText::Always, FullText::Off]);
        let errs = parse("watchlists = []\nfull_text = \"yes\"\n[[feed]]\nurl = \"https://a/1\"\nfull_text = 1\n[[feed]]\nurl = \"https://a/2\"\nfull_text = \"sometimes\"\n")
            .unwrap_err()
            .0;
        let lines: Vec<usize> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 5, 8], "{errs:#?}");
        assert!(
            errs[0].message.contains("`yes` is not one of"),
            "{}",
            errs[0].message
        );
        assert!(
            errs[2].message.contains("feed `full_text`"),
            "{}",
            errs[2].message
        );
        assert!(FullText::Auto.wants_page(149) && !FullText::Auto.wants_page(150));
        assert!(FullText::Always.wants_page(10_000) && !FullText::Off.wants_page(0));
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
    fn file_urls_are_absolute_and_read_back() {
        let base = Path::new("/nonexistent");
        let rel = FeedSource::File(PathBuf::from("cfg/demo/a b.xml"));
        let url = rel.to_url();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            url,
            Url::from_file_path(cwd.join("cfg/demo/a b.xml"))
                .unwrap()
                .to_string()
        );
        assert!(
            url.starts_with("file:///") && url.ends_with("/cfg/demo/a%20b.xml"),
            "{url}"
        );
        assert_eq!(
            FeedSource::parse(&url, base).unwrap(),
            FeedSource::File(cwd.join("cfg/demo/a b.xml"))
        );
        // What older exports wrote (`file://` and the path as it was) still reads.
        assert_eq!(
            FeedSource::parse("file:///srv/feeds/x.xml", base).unwrap(),
            FeedSource::File(PathBuf::from("/srv/feeds/x.xml"))
        );
        assert_eq!(
            FeedSource::parse("file://c/demo/x.xml", base).unwrap(),
            FeedSource::File(PathBuf::from("c/demo/x.xml"))
        );
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
    fn every_bad_key_of_a_table_is_reported_and_nothing_follows_from_a_cut() {
        let text = "watchlists = []\n[http]\nspeed = 2\ntimeout = 5\n[[feed]]\nurl = 3\n";
        let errs = parse(text).unwrap_err().0;
        let lines: Vec<usize> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![3, 4, 6], "{errs:#?}");
        assert!(errs[0].message.starts_with("`http`: unknown field `speed`"));
        assert!(
            errs[1]
                .message
                .starts_with("`http.timeout`: invalid type: integer `5`")
        );
        assert!(
            errs[2]
                .message
                .starts_with("`feed.url`: invalid type: integer `3`")
        );
        let errs = parse("watchlists = []\nfeed = { url = \"https://x/1\" }\n")
            .unwrap_err()
            .0;
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(errs[0].message.contains("write [[feed]]") && errs[0].line == 2);
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
            err.contains("newswatch.toml:2:17: not valid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_user_files_are_diagnostics_and_the_rest_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let here = dir.path().join("kb.toml");
        std::fs::write(&here, "x = 1\n").unwrap();
        let missing = PathBuf::from("/no/such/kb.toml");
        let (texts, errors) = read_user_files(&[missing.clone(), here.clone()], "cannot read");
        assert_eq!(texts, vec![(here, "x = 1\n".to_string())]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].file, missing);
        assert!(
            errors[0].message.starts_with("cannot read: "),
            "{}",
            errors[0]
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
    fn a_wrong_type_names_the_key_itself() {
        let text = "watchlists = []\n[[feed]]\nurl = \"https://x/1\"\ntags = \"x\"\n";
        let errs = parse(text).unwrap_err().0;
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(
            errs[0].line == 4 && errs[0].message.starts_with("`feed.tags`: invalid type"),
            "{errs:#?}"
        );
    }

    #[test]
    fn the_top_level_interval_has_a_feeds_bounds() {
        for (value, ok) in [("1s", false), ("100y", false), ("10s", true), ("30d", true)] {
            let text = format!("watchlists = []\ninterval = \"{value}\"\n");
            match parse(&text) {
                Ok(c) => assert!(ok, "{value} passed: {c:?}"),
                Err(d) => {
                    assert!(!ok, "{value}: {d}");
                    assert!(
                        d.0[0].line == 2 && d.0[0].message.contains("between 10s and 30d"),
                        "{d}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_glob_matching_nothing_is_an_error_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newswatch.toml");
        let errs = Config::parse(
            &path,
            "state_dir = \"s\"\nwatchlists = [\"lists/*.toml\"]\n",
        )
        .unwrap_err()
        .0;
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!((errs[0].line, errs[0].column), (2, 15));
        assert!(errs[0].message.contains("matches no file"), "{}", errs[0]);
        // Not written: the default glob, which must match too.
        let errs = Config::parse(&path, "state_dir = \"s\"\n").unwrap_err().0;
        assert!(
            errs[0].line == 0 && errs[0].message.contains("(not set; the default)"),
            "{errs:#?}"
        );
        std::fs::create_dir(dir.path().join("lists")).unwrap();
        std::fs::write(dir.path().join("lists/a.toml"), "").unwrap();
        let c = Config::parse(&path, "watchlists = [\"lists/*.toml\"]\n").unwrap();
        assert_eq!(c.watchlists, [dir.path().join("lists/a.toml")]);
        assert!(!c.watch_nothing && c.warnings.is_empty());
    }

    #[test]
    fn watching_nothing_on_purpose_is_a_warning() {
        let c = parse("state_dir = \"s\"\nwatchlists = []\n").unwrap();
        assert!(c.watch_nothing && c.watchlists.is_empty());
        assert_eq!(c.warnings.len(), 1, "{:#?}", c.warnings);
        assert_eq!(c.warnings[0].line, 2);
        assert_eq!(c.watchlists_at.line, 2);
    }

    #[test]
    fn two_feeds_with_one_url_are_a_warning() {
        let text = "watchlists = []\n[[feed]]\nname = \"a\"\nurl = \"https://x/1\"\n[[feed]]\nname = \"b\"\nurl = \"https://x/1\"\n";
        let c = parse(text).unwrap();
        let w: Vec<_> = c
            .warnings
            .iter()
            .filter(|w| w.message.contains("same URL"))
            .collect();
        assert_eq!(w.len(), 1, "{:#?}", c.warnings);
        assert_eq!(w[0].line, 7);
        assert!(w[0].message.contains("feed `a` (line 4)"), "{}", w[0]);
    }

    #[test]
    fn a_missing_feed_file_warns_the_daemon_and_fails_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newswatch.toml");
        let text = "watchlists = []\n[[feed]]\nurl = \"gone.xml\"\n";
        std::fs::write(&path, text).unwrap();
        let c = Config::parse(&path, text).unwrap();
        assert_eq!(c.feeds.len(), 1, "still polled: the file may appear");
        assert!(
            c.warnings
                .iter()
                .any(|w| w.line == 3 && w.message.contains("does not exist"))
        );
        let (c, errs) = Config::load_for_check(&path);
        assert!(c.is_some());
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(errs[0].line == 3 && errs[0].message.contains("gone.xml` does not exist"));
    }

    #[test]
    fn check_still_reads_what_a_config_with_errors_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("w")).unwrap();
        std::fs::write(dir.path().join("w/a.toml"), "").unwrap();
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, "watchlists = [\"w/*.toml\"]\nbogus = 1\n").unwrap();
        let (c, errs) = Config::load_for_check(&path);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(c.unwrap().watchlists, [dir.path().join("w/a.toml")]);
        // A syntax error may have swallowed the key: its files are not looked for.
        std::fs::write(&path, "watchlists = [\"w/*.toml\"\nbogus = \n").unwrap();
        let (c, errs) = Config::load_for_check(&path);
        assert!(!errs.is_empty());
        let c = c.unwrap();
        assert!(c.watchlists.is_empty() && c.watch_nothing);
    }
}
