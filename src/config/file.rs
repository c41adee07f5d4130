//! The config file as written: spanned serde structs, one field per key with its
//! default, and the checks that build the runtime [`Config`] from them.
//!
//! Adding a key: a field in the struct of its table (an `Option`, or
//! `#[serde(default…)]`), and its check where [`parse`] builds the runtime value.
//!
//! serde stops at the first problem; [`read`] records it at its file:line:column (the
//! positions `toml::Spanned` keeps), takes the offending entry out and reads again, so
//! every unknown key and every value of the wrong type is reported at once, and the
//! rest of the file is still checked.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};

use super::channel::{self, ChannelToml};
use super::cluster::{self, ClusterToml};
use super::{
    Config, DEFAULT_METRICS_LISTEN, Desktop, Feed, FeedSource, FirstPoll, FullText, Http,
    MAX_INTERVAL, MIN_INTERVAL, Polling, default_user_agent,
};
use crate::diag::{Diagnostic, Location};
use crate::duration::parse_duration;

/// The config file's top level, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigToml {
    #[serde(default = "default_state_dir")]
    state_dir: String,
    #[serde(default = "default_alert_log")]
    alert_log: String,
    /// `None`: not written (the default applies); `Some([])`: no rules on purpose.
    watchlists: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    entities: Vec<Spanned<String>>,
    interval: Option<Spanned<String>>,
    first_poll: Option<Spanned<String>>,
    full_text: Option<Spanned<String>>,
    concurrency: Option<Spanned<i64>>,
    #[serde(default)]
    http: HttpToml,
    #[serde(default)]
    polling: PollingToml,
    #[serde(default)]
    desktop: DesktopToml,
    #[serde(default)]
    metrics: MetricsToml,
    #[serde(default)]
    watch_config: bool,
    #[serde(default)]
    feed: Vec<Spanned<FeedToml>>,
    #[serde(default)]
    channel: Vec<Spanned<ChannelToml>>,
    item_retention: Option<Spanned<String>>,
    cluster: Option<ClusterToml>,
}

/// The `[http]` table, as written.
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

/// The `[desktop]` table, as written.
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

/// One `[[feed]]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedToml {
    name: Option<Spanned<String>>,
    url: Spanned<String>,
    interval: Option<Spanned<String>>,
    first_poll: Option<Spanned<String>>,
    full_text: Option<Spanned<String>>,
    tags: Option<Vec<String>>,
}

fn default_state_dir() -> String {
    "state".into()
}
fn default_alert_log() -> String {
    "alerts.jsonl".into()
}
/// The watchlists of a config that does not name any.
const DEFAULT_WATCHLISTS: &str = "watchlists/*.toml";
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

/// Collects diagnostics for one file while it is being read.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// Feed files that are not there now (see [`Checked::absent`]).
    absent: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(self.path, self.text, span, message));
    }

    fn warning(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.warnings
            .push(Diagnostic::at(self.path, self.text, span, message));
    }

    fn location(&self, span: Option<Range<usize>>) -> Location {
        Location::at(self.path, self.text, span)
    }

    /// A poll interval: a duration within [`MIN_INTERVAL`]..=[`MAX_INTERVAL`], the same
    /// bounds for the top-level default as for a feed's own.
    /// `whose`: "" for the top level's, "feed " for a feed's.
    fn interval(&mut self, whose: &str, v: &Spanned<String>) -> Option<Duration> {
        let d = self.duration("interval", v)?;
        let ok = (MIN_INTERVAL..=MAX_INTERVAL).contains(&d);
        if !ok {
            let msg = format!("{whose}`interval` must be between 10s and 30d");
            self.error(Some(v.span()), msg);
        }
        ok.then_some(d)
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

    fn opt_duration(
        &mut self,
        key: &str,
        v: &Option<Spanned<String>>,
        default: Duration,
    ) -> Duration {
        v.as_ref()
            .and_then(|v| self.duration(key, v))
            .unwrap_or(default)
    }

    /// `v` read as a [`FullText`], or `default` when absent (or wrong: then reported).
    fn full_text(&mut self, key: &str, v: &Option<Spanned<String>>, default: FullText) -> FullText {
        let Some(v) = v else {
            return default;
        };
        FullText::parse(v.get_ref().trim()).unwrap_or_else(|e| {
            self.error(Some(v.span()), format!("{key}: {e}"));
            default
        })
    }
}

/// A config as far as it could be checked: the runtime values (defaults where a value
/// had an error) and every error, sorted by position. Warnings are in the config.
pub(super) struct Checked {
    /// The config, usable when `errors` is empty.
    pub config: Config,
    /// Every error found.
    pub errors: Vec<Diagnostic>,
    /// File feeds whose file is not there (or is a folder). Not an error in the file:
    /// the file may appear later, and until then its polls fail and back off as any
    /// failing feed's do. `check` reports them as errors, `run` and `once` warn.
    pub absent: Vec<Diagnostic>,
}

/// Validates config `text` as if read from `path` (see [`Config::parse`] and
/// [`Config::load_for_check`]).
pub(super) fn parse(path: &Path, text: &str) -> Checked {
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut c = Checker {
        path,
        text,
        errors: Vec::new(),
        warnings: Vec::new(),
        absent: Vec::new(),
    };
    let (file, read) = read(&mut c);

    let interval = file
        .interval
        .as_ref()
        .and_then(|v| c.interval("", v))
        .unwrap_or_else(default_interval);
    let first_poll = match &file.first_poll {
        None => default_first_poll(),
        Some(v) => FirstPoll::parse(v.get_ref()).unwrap_or_else(|e| {
            c.error(Some(v.span()), format!("`first_poll`: {e}"));
            default_first_poll()
        }),
    };
    let full_text = c.full_text("`full_text`", &file.full_text, FullText::default());
    let concurrency = match &file.concurrency {
        None => default_concurrency(),
        Some(n) => match usize::try_from(*n.get_ref()) {
            Ok(n) if (1..=1024).contains(&n) => n,
            _ => {
                c.error(Some(n.span()), "`concurrency` must be between 1 and 1024");
                default_concurrency()
            }
        },
    };
    let item_retention = match &file.item_retention {
        None => default_item_retention(),
        Some(v) if v.get_ref().trim() == "off" => None,
        Some(v) => c.duration("item_retention", v).or(default_item_retention()),
    };
    let http = check_http(&mut c, file.http);
    let polling = check_polling(&mut c, &file.polling);
    let desktop = Desktop {
        enabled: file.desktop.enabled.unwrap_or(true),
        timeout: c.opt_duration(
            "desktop.timeout",
            &file.desktop.timeout,
            Duration::from_secs(5),
        ),
        open_command: file
            .desktop
            .open_command
            .unwrap_or_else(|| "xdg-open".into()),
    };
    let metrics = metrics_listen(&mut c, &file.metrics);
    let feeds = check_feeds(&mut c, &base, file.feed, interval, first_poll, full_text);
    let channels = channel::check(
        path,
        text,
        &base,
        file.channel,
        parse_duration,
        &mut c.errors,
    );
    let cluster = file
        .cluster
        .map(|t| cluster::check(path, text, &base, t, &mut c.errors, &mut c.warnings));
    // The files a key names are looked for only when the key was read as written:
    // after an error in it (or a syntax error that may have swallowed it), they would
    // be reported missing for nothing. Watchlists name entities: without the
    // knowledge-base files, they are not looked at either.
    let entities_read = read.as_written("entities");
    let watchlists_read = entities_read && read.as_written("watchlists");
    let entities = if entities_read {
        expand_globs(&mut c, &base, "entities", &file.entities)
    } else {
        Vec::new()
    };
    let watchlists_at = c.location(file.watchlists.as_ref().map(Spanned::span));
    let (watchlists, watch_nothing) = match &file.watchlists {
        _ if !watchlists_read => (Vec::new(), true),
        None => {
            let default = Spanned::new(0..0, DEFAULT_WATCHLISTS.to_string());
            let found = expand_globs(&mut c, &base, "watchlists", &[default]);
            (found, false)
        }
        Some(list) if list.get_ref().is_empty() => {
            c.warning(
                Some(list.span()),
                "`watchlists = []`: no rules, so nothing will ever alert (feeds are still \
                 polled and their items remembered)",
            );
            (Vec::new(), true)
        }
        Some(list) => (
            expand_globs(&mut c, &base, "watchlists", list.get_ref()),
            false,
        ),
    };
    c.errors.sort_by_key(|d| (d.line, d.column));
    c.warnings.sort_by_key(|d| (d.line, d.column));
    let config = Config {
        path: path.to_path_buf(),
        state_dir: base.join(file.state_dir),
        alert_log: base.join(file.alert_log),
        watchlists,
        entities,
        http,
        desktop,
        concurrency,
        polling,
        feeds,
        watch_config: file.watch_config,
        metrics,
        item_retention,
        channels,
        cluster,
        watch_nothing,
        watchlists_at,
        warnings: c.warnings,
    };
    Checked {
        config,
        errors: c.errors,
        absent: c.absent,
    }
}

/// What [`read`] learnt about the file besides its values.
#[derive(Debug, Default)]
struct ReadNotes {
    /// The top-level keys written in the file (as far as the syntax could be read).
    present: HashSet<String>,
    /// The top-level keys under which an error was found (and taken out).
    errored: HashSet<String>,
    /// Whether the file had a syntax error (which may have swallowed any key).
    syntax: bool,
}

impl ReadNotes {
    /// Whether top-level `key` was read as written: written without an error in it,
    /// or not written at all in a file whose syntax is sound.
    fn as_written(&self, key: &str) -> bool {
        !self.errored.contains(key) && (self.present.contains(key) || !self.syntax)
    }
}

/// Reads the file into [`ConfigToml`], recording every syntax error, unknown key and
/// value of the wrong type. Each serde error takes its entry out of the table and the
/// table is read again, so the next problem shows too; what was taken out keeps its
/// default (a `[[feed]]` whose `url` was taken out is left out quietly: its error is
/// already reported).
fn read(c: &mut Checker<'_>) -> (ConfigToml, ReadNotes) {
    let (mut table, syntax) = DeTable::parse_recoverable(c.text);
    let mut notes = ReadNotes {
        present: table.get_ref().iter().map(|(k, _)| k.to_string()).collect(),
        errored: HashSet::new(),
        syntax: !syntax.is_empty(),
    };
    for e in syntax {
        c.error(e.span(), e.message().to_string());
    }
    // Where entries were taken out: a table there may now miss a required key.
    let mut cut_in: Vec<Range<usize>> = Vec::new();
    loop {
        let e = match ConfigToml::deserialize(Deserializer::from(table.clone())) {
            Ok(file) => return (file, notes),
            Err(e) => e,
        };
        let at = e.span();
        let under = at
            .as_ref()
            .and_then(|at| key_path_at(table.get_ref(), at.start));
        if let Some(path) = &under {
            let top = path.split('.').next().unwrap_or_default();
            notes.errored.insert(top.to_string());
        }
        let message = match under.as_deref() {
            // A top-level key itself is unknown.
            None | Some("") => unknown_key(e.message()),
            Some(key @ ("feed" | "channel")) if e.message().contains("expected a sequence") => {
                format!("`{key}` must be an array of tables: write [[{key}]]")
            }
            Some(key) => format!("`{key}`: {}", e.message()),
        };
        let consequence = e.message().starts_with("missing field")
            && at.as_ref().is_some_and(|at| cut_in.contains(at));
        if !consequence {
            c.error(at.clone(), message);
        }
        let span = table.span();
        match at.and_then(|at| remove_at(table.get_mut(), span, at.start)) {
            Some(container) => cut_in.push(container),
            // Nowhere to cut: the error is reported, the file's values are not used.
            None => {
                notes.errored.extend(notes.present.iter().cloned());
                notes.syntax = true;
                return (ConfigToml::default(), notes);
            }
        }
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" for the top level, as
/// "unknown key `x` (known keys: a, b)".
fn unknown_key(message: &str) -> String {
    let Some((key, known)) = message
        .strip_prefix("unknown field ")
        .and_then(|rest| rest.split_once(", expected one of "))
    else {
        return message.to_string();
    };
    format!("unknown key {key} (known keys: {})", known.replace('`', ""))
}

/// Whether a span points at byte `at` (an empty span: a value lost to a syntax error).
fn hits(span: &Range<usize>, at: usize) -> bool {
    span.contains(&at) || span.start == at
}

/// Whether `value` holds an entry (key or value, at any depth) at byte `at`.
fn holds(value: &DeValue<'_>, at: usize) -> bool {
    match value {
        DeValue::Table(t) => t
            .iter()
            .any(|(k, v)| hits(&k.span(), at) || hits(&v.span(), at) || holds(v.get_ref(), at)),
        DeValue::Array(a) => a
            .iter()
            .any(|v| hits(&v.span(), at) || holds(v.get_ref(), at)),
        _ => false,
    }
}

/// The keys under which byte `at` lies, dotted (`feed.tags`, `http.timeout`): the
/// key whose value is wrong, or the table of a key that is wrong itself (`http` for
/// an unknown key in `[http]`); `""` when it is a top-level key itself.
fn key_path_at(table: &DeTable<'_>, at: usize) -> Option<String> {
    let mut path = Vec::new();
    key_path_in(table, at, &mut path).then(|| path.join("."))
}

/// [`key_path_at`] below `table`: pushes the keys onto `path`; false when `at` is not
/// in `table`.
fn key_path_in(table: &DeTable<'_>, at: usize, path: &mut Vec<String>) -> bool {
    for (k, v) in table.iter() {
        if hits(&k.span(), at) {
            return true;
        }
        if hits(&v.span(), at) || holds(v.get_ref(), at) {
            path.push(k.get_ref().to_string());
            value_key_path(v.get_ref(), at, path);
            return true;
        }
    }
    false
}

/// [`key_path_in`] for the tables nested in `value` (array elements add no key).
fn value_key_path(value: &DeValue<'_>, at: usize, path: &mut Vec<String>) {
    match value {
        DeValue::Table(t) => {
            key_path_in(t, at, path);
        }
        DeValue::Array(a) => {
            if let Some(v) = a
                .iter()
                .find(|v| hits(&v.span(), at) || holds(v.get_ref(), at))
            {
                value_key_path(v.get_ref(), at, path);
            }
        }
        _ => {}
    }
}

/// Takes out of `table` (at `span`) the deepest entry or array element at byte `at`;
/// returns the span of the table or array it was taken from.
fn remove_at(table: &mut DeTable<'_>, span: Range<usize>, at: usize) -> Option<Range<usize>> {
    for (_, v) in table.iter_mut() {
        let span = v.span();
        if let Some(container) = remove_within(v.get_mut(), span, at) {
            return Some(container);
        }
    }
    let key = table
        .iter()
        .find(|(k, v)| hits(&k.span(), at) || hits(&v.span(), at))
        .map(|(k, _)| k.clone())?;
    table.remove(&key).map(|_| span)
}

/// [`remove_at`] for the entries nested in `value` (at `span`).
fn remove_within(value: &mut DeValue<'_>, span: Range<usize>, at: usize) -> Option<Range<usize>> {
    match value {
        DeValue::Table(t) => remove_at(t, span, at),
        DeValue::Array(a) => {
            for v in a.iter_mut() {
                let span = v.span();
                if let Some(container) = remove_within(v.get_mut(), span, at) {
                    return Some(container);
                }
            }
            let i = a.iter().position(|v| hits(&v.span(), at))?;
            let items = std::mem::replace(a, DeArray::new());
            *a = items
                .into_iter()
                .enumerate()
                .filter_map(|(j, v)| (j != i).then_some(v))
                .collect();
            Some(span)
        }
        _ => None,
    }
}

/// Builds [`Http`] from the `[http]` table, reporting every bad value.
fn check_http(c: &mut Checker<'_>, http: HttpToml) -> Http {
    const MAX_BODY: u64 = 10 * 1024 * 1024;
    Http {
        connect_timeout: c.opt_duration(
            "http.connect_timeout",
            &http.connect_timeout,
            Duration::from_secs(10),
        ),
        timeout: c.opt_duration("http.timeout", &http.timeout, Duration::from_secs(30)),
        max_body: match &http.max_body {
            None => MAX_BODY,
            Some(s) => match s.get_ref().parse::<bytesize::ByteSize>() {
                Ok(b) if b.as_u64() >= 1024 => b.as_u64(),
                Ok(_) => {
                    c.error(Some(s.span()), "`http.max_body` must be at least 1 KiB");
                    MAX_BODY
                }
                Err(e) => {
                    c.error(
                        Some(s.span()),
                        format!("`http.max_body`: {e}; write e.g. \"10MiB\""),
                    );
                    MAX_BODY
                }
            },
        },
        user_agent: http.user_agent.unwrap_or_else(default_user_agent),
    }
}

/// Builds the feeds, reporting every bad field of every feed (a feed with one is left
/// out). `interval`, `first_poll` and `full_text` are the top level's, for feeds that
/// set none.
fn check_feeds(
    c: &mut Checker<'_>,
    base: &Path,
    tomls: Vec<Spanned<FeedToml>>,
    interval: Duration,
    first_poll: FirstPoll,
    full_text: FullText,
) -> Vec<Feed> {
    let mut feeds = Vec::new();
    let mut names = HashSet::new();
    // Each source seen, with the feed that has it and where.
    let mut sources: HashMap<FeedSource, (String, Range<usize>)> = HashMap::new();
    for f in tomls {
        let span = f.span();
        let f = f.into_inner();
        // Every field is checked even after one fails, so all problems show at once.
        let source = FeedSource::parse(f.url.get_ref(), base)
            .map_err(|e| c.error(Some(f.url.span()), format!("feed `url`: {e}")))
            .ok();
        if let Some(FeedSource::File(p)) = &source {
            let problem = if p.is_dir() {
                Some("is a folder, not a feed file")
            } else if !p.exists() {
                Some("does not exist")
            } else {
                None
            };
            if let Some(problem) = problem {
                let message = format!("feed `url`: file `{}` {problem}", p.display());
                let d = Diagnostic::at(c.path, c.text, Some(f.url.span()), message);
                c.absent.push(d);
            }
        }
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
        if let (Some(src), Some(name)) = (&source, &name) {
            match sources.get(src) {
                Some((first, first_at)) => {
                    let line = c.location(Some(first_at.clone())).line;
                    c.warning(
                        Some(f.url.span()),
                        format!(
                            "feed `{name}` has the same URL as feed `{first}` (line {line}): \
                             it is polled twice, and its items alert for both"
                        ),
                    );
                }
                None => {
                    sources.insert(src.clone(), (name.clone(), f.url.span()));
                }
            }
        }
        let interval = match &f.interval {
            None => Some(interval),
            Some(v) => c.interval("feed ", v),
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
                full_text: c.full_text("feed `full_text`", &f.full_text, full_text),
                tags: f.tags.unwrap_or_default(),
            });
        }
    }
    feeds
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

/// Builds [`Polling`] from the `[polling]` table, reporting every bad value.
fn check_polling(c: &mut Checker<'_>, p: &PollingToml) -> Polling {
    let d = Polling::default();
    let min_interval = c.opt_duration("polling.min_interval", &p.min_interval, d.min_interval);
    let max_interval = c.opt_duration("polling.max_interval", &p.max_interval, d.max_interval);
    let max_backoff = c.opt_duration("polling.max_backoff", &p.max_backoff, d.max_backoff);
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

/// Expands the globs and paths of `key` relative to `base`. A path without glob
/// characters must name an existing file, and a glob must match at least one: either
/// is an error at its place in the file otherwise (a pattern at `0..0` is the
/// default, not written in the file).
fn expand_globs(
    c: &mut Checker<'_>,
    base: &Path,
    key: &str,
    patterns: &[Spanned<String>],
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in patterns {
        let (span, written) = match p.span() {
            s if s.is_empty() => (None, " (not set; the default)"),
            s => (Some(s), ""),
        };
        let full = base.join(p.get_ref());
        let is_glob = p.get_ref().contains(['*', '?', '[']);
        if !is_glob {
            if full.is_file() {
                out.push(full);
            } else {
                c.error(
                    span,
                    format!("`{key}`{written}: `{}` does not exist", full.display()),
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
                if found.is_empty() {
                    let hint = match key {
                        "watchlists" => {
                            "; name your watchlist files, or write `watchlists = []` to poll \
                             feeds without alerting"
                        }
                        _ => "",
                    };
                    c.error(
                        span,
                        format!("`{key}`{written}: `{pattern}` matches no file{hint}"),
                    );
                }
                out.extend(found);
            }
            Err(e) => c.error(span, format!("`{key}`: bad glob `{}`: {e}", p.get_ref())),
        }
    }
    out.dedup();
    out
}
