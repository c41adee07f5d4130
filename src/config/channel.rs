//! `[[channel]]`: where alerts go besides the log and the desktop — a webhook, a chat
//! room (Slack-compatible), an ntfy topic, a mailbox, or a program. The runtime values
//! the checked config holds, and the checks that need no TOML: secrets read from an
//! environment variable or a file that is not world-readable (never inline), and URLs
//! that carry credentials.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::diag::Diagnostic;
use crate::model::Severity;

/// How long undelivered alerts are kept trying by default (`max_age`).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Bound on one delivery attempt by default (`timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The first wait after a failed attempt by default (`retry`); it doubles per failure.
pub const DEFAULT_RETRY: Duration = Duration::from_secs(10);
/// The longest wait between attempts by default (`max_retry`).
pub const DEFAULT_MAX_RETRY: Duration = Duration::from_secs(15 * 60);
/// The subject prefix of emails by default.
pub const DEFAULT_SUBJECT_PREFIX: &str = "[newswatch]";

/// One channel, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Unique name: in logs, metrics, the store and `newswatch channels`.
    pub name: String,
    /// Where and how it delivers.
    pub kind: ChannelKind,
    /// Rule ids or globs whose alerts it takes; empty: every rule.
    pub rules: Vec<RuleSelector>,
    /// The least severity it takes.
    pub min_severity: Severity,
    /// One message per window listing its alerts, instead of one per alert.
    pub digest: Option<Duration>,
    /// Alerts older than this are given up (one summary line) rather than sent late.
    pub max_age: Duration,
    /// Bound on one delivery attempt (connect, send, answer; a program's run).
    pub timeout: Duration,
    /// The first wait after a failed attempt; doubled per failure up to `max_retry`.
    pub retry: Duration,
    /// The longest wait between attempts (a `Retry-After` may ask for longer).
    pub max_retry: Duration,
}

impl Channel {
    /// A channel of `kind` named `name` with every other setting at its default:
    /// every rule, from info up, no digest, a day's `max_age`.
    pub fn new(name: impl Into<String>, kind: ChannelKind) -> Self {
        Channel {
            name: name.into(),
            kind,
            rules: Vec::new(),
            min_severity: Severity::Info,
            digest: None,
            max_age: DEFAULT_MAX_AGE,
            timeout: DEFAULT_TIMEOUT,
            retry: DEFAULT_RETRY,
            max_retry: DEFAULT_MAX_RETRY,
        }
    }
}

/// What kind of channel, with what only that kind needs.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelKind {
    /// POST of the alert's JSON line (a JSON array in digest mode).
    Webhook {
        /// The receiver.
        url: Url,
        /// Key of the HMAC-SHA256 signature over the body, when set.
        secret: Option<Secret>,
    },
    /// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).
    Slack {
        /// The webhook URL (a credential itself: whoever has it can post).
        url: Secret,
    },
    /// An ntfy topic.
    Ntfy {
        /// The topic's URL (`https://ntfy.sh/TOPIC`).
        url: Url,
        /// An access token, sent as `Authorization: Bearer`.
        token: Option<Secret>,
    },
    /// Email over SMTP.
    Email(Email),
    /// A program run without a shell, the alert JSON on its stdin.
    Exec {
        /// The program and its arguments.
        command: Vec<String>,
    },
}

impl ChannelKind {
    /// The kind as written in `kind`.
    pub fn name(&self) -> &'static str {
        match self {
            ChannelKind::Webhook { .. } => "webhook",
            ChannelKind::Slack { .. } => "slack",
            ChannelKind::Ntfy { .. } => "ntfy",
            ChannelKind::Email(_) => "email",
            ChannelKind::Exec { .. } => "exec",
        }
    }
}

/// An email channel's server, credentials and addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    /// The SMTP server's host name (also the name its certificate must carry).
    pub host: String,
    /// Its port (587 for STARTTLS, 465 for implicit TLS by default).
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// The login, when the server wants one.
    pub username: Option<String>,
    /// The password for `username`.
    pub password: Option<Secret>,
    /// The sender address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// What every subject starts with.
    pub subject_prefix: String,
    /// Extra trusted root certificates (PEM) besides the system's: a private CA.
    pub ca_pem: Option<Vec<u8>>,
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (`smtp://`).
    Starttls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// No TLS: only to a server on this machine (`tls = "none"`).
    None,
}

/// A secret value (a webhook key, a password, a token or a URL that is one), kept
/// out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Where a secret comes from, as written: `NAME_env = "VAR"` or `NAME_file = "path"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable's value.
    Env(String),
    /// A file's content (trailing newline dropped), relative to the config's folder.
    File(String),
}

/// Reads a secret from its source. A file must be a regular file that others cannot
/// read (`chmod o-r`): a secret anyone on the machine can read is no secret.
pub fn read_secret(source: &SecretSource, base: &Path) -> Result<Secret, String> {
    match source {
        SecretSource::Env(var) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
            Ok(_) => Err(format!("environment variable {var} is empty")),
            Err(std::env::VarError::NotPresent) => {
                Err(format!("environment variable {var} is not set"))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("environment variable {var} is not UTF-8"))
            }
        },
        SecretSource::File(p) => {
            let path = resolve(base, p);
            let meta = std::fs::metadata(&path)
                .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
            if !meta.is_file() {
                return Err(format!("secret file {} is not a file", path.display()));
            }
            if world_readable(&meta) {
                return Err(format!(
                    "secret file {} is readable by every user; make it private: chmod o-r {}",
                    path.display(),
                    path.display()
                ));
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
            let text = text.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                return Err(format!("secret file {} is empty", path.display()));
            }
            Ok(Secret(text.to_string()))
        }
    }
}

#[cfg(unix)]
fn world_readable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o004 != 0
}

#[cfg(not(unix))]
fn world_readable(_: &std::fs::Metadata) -> bool {
    false
}

/// A path as written, against the config's folder when relative.
fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Whether `program` names a file: a path as it is, a bare name on `PATH`.
fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Query parameters whose value is a credential.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "auth",
    "key",
    "apikey",
    "api_key",
    "secret",
    "password",
    "sig",
    "signature",
];

/// Why `url` must not be written in the config, if it carries a credential: a
/// password, or a query parameter that is a token or key.
pub fn inline_credential(url: &Url) -> Option<String> {
    if url.password().is_some() {
        return Some("it carries a password".into());
    }
    url.query_pairs()
        .find(|(k, _)| SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, _)| format!("its `{k}` parameter is a credential"))
}

/// Whether `host` is this machine (where a plain SMTP connection is acceptable).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One `[[channel]]` table, as written. The inline `secret`, `token` and `password`
/// keys exist only to be refused with a clear message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelToml {
    name: Spanned<String>,
    kind: Spanned<KindToml>,
    url: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    url_file: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<String>>>,
    min_severity: Option<Severity>,
    digest: Option<Spanned<String>>,
    max_age: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    retry: Option<Spanned<String>>,
    max_retry: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    secret_file: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    to: Option<Vec<Spanned<String>>>,
    subject_prefix: Option<String>,
    tls: Option<Spanned<TlsToml>>,
    ca_file: Option<Spanned<String>>,
    command: Option<Spanned<Vec<String>>>,
}

/// `kind`, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindToml {
    Webhook,
    Slack,
    Ntfy,
    Email,
    Exec,
}

/// `tls`, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TlsToml {
    Starttls,
    Implicit,
    None,
}

/// The least and greatest bounds on a channel's durations.
const MIN_TIMEOUT: Duration = Duration::from_millis(100);

/// Checks the `[[channel]]` tables of the config at `path` (its text `text`, its
/// folder `base`): every problem goes to `errors` with its file:line, and the
/// channels without one are returned. Durations are read with `duration`.
pub fn check(
    path: &Path,
    text: &str,
    base: &Path,
    tomls: Vec<Spanned<ChannelToml>>,
    duration: fn(&str) -> Result<Duration, String>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Channel> {
    let mut c = Check {
        path,
        text,
        base,
        duration,
        errors,
    };
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for t in tomls {
        let span = t.span();
        let t = t.into_inner();
        let before = c.errors.len();
        let name = t.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.error(t.name.span(), "channel `name` must not be empty");
        } else if !names.insert(name.clone()) {
            c.error(
                t.name.span(),
                format!("two channels are named `{name}`; give each a unique `name`"),
            );
        }
        let kind = c.kind(&name, &t, span);
        let known = kind.is_some();
        let mut ch = Channel::new(name, kind.unwrap_or(ChannelKind::Exec { command: vec![] }));
        ch.rules = t
            .rules
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                glob::Pattern::new(r.get_ref())
                    .map_err(|e| {
                        c.error(r.span(), format!("channel `rules`: `{}`: {e}", r.get_ref()))
                    })
                    .ok()
                    .map(|_| RuleSelector {
                        pattern: r.get_ref().clone(),
                        at: Some(Box::new(Diagnostic::at(path, text, Some(r.span()), ""))),
                    })
            })
            .collect();
        ch.min_severity = t.min_severity.unwrap_or(Severity::Info);
        ch.digest = t
            .digest
            .as_ref()
            .and_then(|d| c.duration("digest", d, Duration::from_secs(1)));
        ch.max_age = c.opt_duration("max_age", &t.max_age, DEFAULT_MAX_AGE);
        ch.timeout = c.opt_duration("timeout", &t.timeout, DEFAULT_TIMEOUT);
        ch.retry = c.opt_duration("retry", &t.retry, DEFAULT_RETRY);
        ch.max_retry = c.opt_duration("max_retry", &t.max_retry, DEFAULT_MAX_RETRY.max(ch.retry));
        if ch.max_retry < ch.retry {
            if let Some(m) = &t.max_retry {
                c.error(m.span(), "`max_retry` must not be shorter than `retry`");
            }
        }
        if known && c.errors.len() == before {
            out.push(ch);
        }
    }
    out
}

/// What [`check`] needs while it reads channels.
struct Check<'a> {
    path: &'a Path,
    text: &'a str,
    base: &'a Path,
    duration: fn(&str) -> Result<Duration, String>,
    errors: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(self.path, self.text, Some(span), message));
    }

    /// A duration of at least `min`.
    fn duration(&mut self, key: &str, v: &Spanned<String>, min: Duration) -> Option<Duration> {
        match (self.duration)(v.get_ref()) {
            Ok(d) if d >= min => Some(d),
            Ok(_) => {
                self.error(
                    v.span(),
                    format!(
                        "channel `{key}` must be at least {}",
                        humantime::format_duration(min)
                    ),
                );
                None
            }
            Err(e) => {
                self.error(v.span(), format!("channel `{key}`: {e}"));
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
            .and_then(|v| self.duration(key, v, MIN_TIMEOUT))
            .unwrap_or(default)
    }

    /// A secret from `NAME_env` or `NAME_file`; `inline` (`NAME = "…"`) is refused.
    fn secret(
        &mut self,
        key: &str,
        inline: &Option<Spanned<String>>,
        env: &Option<Spanned<String>>,
        file: &Option<Spanned<String>>,
    ) -> Option<Secret> {
        if let Some(i) = inline {
            self.error(
                i.span(),
                format!(
                    "secret inline: `{key}` must not be written in the config; use `{key}_env = \"VARIABLE\"` or `{key}_file = \"path\"` (a file others cannot read)"
                ),
            );
        }
        let (source, span) = match (env, file) {
            (Some(e), Some(f)) => {
                self.error(
                    f.span(),
                    format!("give `{key}_env` or `{key}_file`, not both"),
                );
                (SecretSource::Env(e.get_ref().clone()), e.span())
            }
            (Some(e), None) => (SecretSource::Env(e.get_ref().clone()), e.span()),
            (None, Some(f)) => (SecretSource::File(f.get_ref().clone()), f.span()),
            (None, None) => return None,
        };
        read_secret(&source, self.base)
            .map_err(|e| self.error(span, format!("`{key}`: {e}")))
            .ok()
    }

    /// Reports each of `keys` that is set but does not apply to `kind`.
    fn not_for(&mut self, kind: &str, keys: &[(&str, Option<Range<usize>>)]) {
        for (key, span) in keys {
            if let Some(span) = span {
                self.error(
                    span.clone(),
                    format!("`{key}` does not apply to kind `{kind}`"),
                );
            }
        }
    }

    /// The URL: from `url`, or read from `url_env`/`url_file`; an inline one may not
    /// carry a credential (and a Slack webhook URL is one).
    fn url(
        &mut self,
        name: &str,
        t: &ChannelToml,
        table: Range<usize>,
        credential: bool,
    ) -> Option<String> {
        if let Some(u) = &t.url {
            if credential {
                self.error(
                    u.span(),
                    "secret inline: a Slack-compatible webhook URL is a credential (whoever has it can post); use `url_env` or `url_file`",
                );
                return None;
            }
            if t.url_env.is_some() || t.url_file.is_some() {
                self.error(u.span(), "give `url`, `url_env` or `url_file`, one of them");
            }
            if let Ok(parsed) = Url::parse(u.get_ref()) {
                if let Some(why) = inline_credential(&parsed) {
                    self.error(
                        u.span(),
                        format!("secret inline: the URL {why}; use `url_env` or `url_file`"),
                    );
                    return None;
                }
            }
            return Some(u.get_ref().clone());
        }
        let secret = self.secret("url", &None, &t.url_env, &t.url_file);
        if secret.is_none() && t.url_env.is_none() && t.url_file.is_none() {
            let hint = if credential {
                "`url_env` or `url_file`"
            } else {
                "`url` (or `url_env`, `url_file`)"
            };
            self.error(table, format!("channel `{name}` has no URL: set {hint}"));
        }
        secret.map(|s| s.expose().to_string())
    }

    /// An http(s) URL.
    fn http_url(&mut self, raw: &str, at: Range<usize>) -> Option<Url> {
        match Url::parse(raw.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
            Ok(u) => {
                self.error(
                    at,
                    format!("channel `url` must be http(s), not `{}:`", u.scheme()),
                );
                None
            }
            Err(e) => {
                self.error(at, format!("channel `url`: {e}"));
                None
            }
        }
    }

    /// The kind with its own settings; `None` after reporting what is wrong.
    fn kind(&mut self, name: &str, t: &ChannelToml, table: Range<usize>) -> Option<ChannelKind> {
        let span = |v: &Option<Spanned<String>>| v.as_ref().map(Spanned::span);
        let url_at = t
            .url
            .as_ref()
            .or(t.url_env.as_ref())
            .or(t.url_file.as_ref())
            .map_or(table.clone(), Spanned::span);
        let email_keys = [
            ("username", span(&t.username)),
            ("from", span(&t.from)),
            (
                "to",
                t.to.as_ref().and_then(|v| v.first()).map(Spanned::span),
            ),
            ("tls", t.tls.as_ref().map(Spanned::span)),
            ("ca_file", span(&t.ca_file)),
            ("password_env", span(&t.password_env)),
            ("password_file", span(&t.password_file)),
        ];
        let secret_keys = [
            ("secret_env", span(&t.secret_env)),
            ("secret_file", span(&t.secret_file)),
        ];
        let token_keys = [
            ("token_env", span(&t.token_env)),
            ("token_file", span(&t.token_file)),
        ];
        let command_key = [("command", t.command.as_ref().map(Spanned::span))];
        let kind = *t.kind.get_ref();
        let kind_name = match kind {
            KindToml::Webhook => "webhook",
            KindToml::Slack => "slack",
            KindToml::Ntfy => "ntfy",
            KindToml::Email => "email",
            KindToml::Exec => "exec",
        };
        if kind != KindToml::Email {
            self.not_for(kind_name, &email_keys);
            if let Some(p) = &t.password {
                self.error(
                    p.span(),
                    format!("`password` does not apply to kind `{kind_name}`"),
                );
            }
        }
        if kind != KindToml::Webhook {
            self.not_for(kind_name, &secret_keys);
            if let Some(p) = &t.secret {
                self.error(
                    p.span(),
                    format!("`secret` does not apply to kind `{kind_name}`"),
                );
            }
        }
        if kind != KindToml::Ntfy {
            self.not_for(kind_name, &token_keys);
            if let Some(p) = &t.token {
                self.error(
                    p.span(),
                    format!("`token` does not apply to kind `{kind_name}`"),
                );
            }
        }
        if kind != KindToml::Exec {
            self.not_for(kind_name, &command_key);
        }
        match kind {
            KindToml::Webhook => {
                let secret = self.secret("secret", &t.secret, &t.secret_env, &t.secret_file);
                let raw = self.url(name, t, table, false)?;
                let url = self.http_url(&raw, url_at)?;
                Some(ChannelKind::Webhook { url, secret })
            }
            KindToml::Slack => {
                let raw = self.url(name, t, table, true)?;
                self.http_url(&raw, url_at)?;
                Some(ChannelKind::Slack {
                    url: Secret::new(raw.trim()),
                })
            }
            KindToml::Ntfy => {
                let token = self.secret("token", &t.token, &t.token_env, &t.token_file);
                let raw = self.url(name, t, table, false)?;
                let url = self.http_url(&raw, url_at.clone())?;
                let has_topic = url
                    .path_segments()
                    .and_then(|mut s| s.next_back())
                    .is_some_and(|s| !s.is_empty());
                if !has_topic {
                    self.error(
                        url_at,
                        "an ntfy `url` names its topic: https://ntfy.sh/TOPIC",
                    );
                    return None;
                }
                Some(ChannelKind::Ntfy { url, token })
            }
            KindToml::Email => self.email(name, t, table, url_at),
            KindToml::Exec => {
                self.not_for(
                    kind_name,
                    &[
                        ("url", span(&t.url)),
                        ("url_env", span(&t.url_env)),
                        ("url_file", span(&t.url_file)),
                    ],
                );
                let Some(command) = &t.command else {
                    self.error(table, format!("channel `{name}` of kind `exec` needs `command = [\"/path/to/program\", \"arg\", …]`"));
                    return None;
                };
                let program = command.get_ref().first().map(String::as_str).unwrap_or("");
                if program.trim().is_empty() {
                    self.error(command.span(), "`command` names no program");
                    return None;
                }
                if !program_exists(program) {
                    self.error(
                        command.span(),
                        format!(
                            "`command`: no program `{program}` (give its full path, or one on PATH)"
                        ),
                    );
                    return None;
                }
                Some(ChannelKind::Exec {
                    command: command.get_ref().clone(),
                })
            }
        }
    }

    fn email(
        &mut self,
        name: &str,
        t: &ChannelToml,
        table: Range<usize>,
        url_at: Range<usize>,
    ) -> Option<ChannelKind> {
        let password = self.secret("password", &t.password, &t.password_env, &t.password_file);
        let raw = self.url(name, t, table.clone(), false)?;
        let url = match Url::parse(raw.trim()) {
            Ok(u) => u,
            Err(e) => {
                self.error(
                    url_at,
                    format!("channel `url`: {e} (write smtp://host:587 or smtps://host:465)"),
                );
                return None;
            }
        };
        let (default_tls, default_port) = match url.scheme() {
            "smtp" => (SmtpTls::Starttls, 587),
            "smtps" => (SmtpTls::Implicit, 465),
            other => {
                self.error(url_at, format!("an email channel's `url` is smtp:// (STARTTLS) or smtps:// (TLS), not `{other}:`"));
                return None;
            }
        };
        let Some(host) = url.host_str().map(str::to_string) else {
            self.error(
                url_at,
                "an email channel's `url` names the server: smtp://host:587",
            );
            return None;
        };
        let tls = match t.tls.as_ref().map(|v| (*v.get_ref(), v.span())) {
            None => default_tls,
            Some((TlsToml::Starttls, _)) => SmtpTls::Starttls,
            Some((TlsToml::Implicit, _)) => SmtpTls::Implicit,
            Some((TlsToml::None, at)) => {
                if !is_loopback_host(&host) {
                    self.error(at, "`tls = \"none\"` only for a server on this machine (localhost): mail and passwords would cross the network in the clear");
                    return None;
                }
                SmtpTls::None
            }
        };
        if password.is_some() && t.username.is_none() {
            self.error(table.clone(), "a `password` without a `username`");
        }
        let Some(from) = &t.from else {
            self.error(
                table,
                format!("channel `{name}` of kind `email` needs `from`"),
            );
            return None;
        };
        let to: Vec<&Spanned<String>> = t.to.iter().flatten().collect();
        if to.is_empty() {
            self.error(
                table,
                format!(
                    "channel `{name}` of kind `email` needs `to = [\"someone@example.org\", …]`"
                ),
            );
            return None;
        }
        let mut ok = true;
        for a in to.iter().copied().chain([from]) {
            if let Err(e) = a.get_ref().parse::<lettre::message::Mailbox>() {
                self.error(
                    a.span(),
                    format!("`{}` is not an email address: {e}", a.get_ref()),
                );
                ok = false;
            }
        }
        let ca_pem = match &t.ca_file {
            None => None,
            Some(f) => {
                let p = resolve(self.base, f.get_ref());
                match std::fs::read(&p) {
                    Ok(b) if b.windows(11).any(|w| w == b"-----BEGIN ") => Some(b),
                    Ok(_) => {
                        self.error(
                            f.span(),
                            format!("`ca_file` {} holds no PEM certificate", p.display()),
                        );
                        ok = false;
                        None
                    }
                    Err(e) => {
                        self.error(
                            f.span(),
                            format!("cannot read `ca_file` {}: {e}", p.display()),
                        );
                        ok = false;
                        None
                    }
                }
            }
        };
        ok.then(|| {
            ChannelKind::Email(Email {
                host,
                port: url.port().unwrap_or(default_port),
                tls,
                username: t.username.as_ref().map(|u| u.get_ref().clone()),
                password,
                from: from.get_ref().clone(),
                to: to.iter().map(|a| a.get_ref().clone()).collect(),
                subject_prefix: t
                    .subject_prefix
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SUBJECT_PREFIX.into()),
                ca_pem,
            })
        })
    }
}

/// A rule id or glob a channel names, and where (for "matches no rule").
#[derive(Debug, Clone)]
pub struct RuleSelector {
    /// The id or glob.
    pub pattern: String,
    /// Where it is written (the location; its message is empty).
    pub at: Option<Box<Diagnostic>>,
}

impl RuleSelector {
    /// A selector written nowhere in particular (tests, `channels test`).
    pub fn new(pattern: impl Into<String>) -> Self {
        RuleSelector {
            pattern: pattern.into(),
            at: None,
        }
    }
}

/// Two selectors are the same when they select the same (a moved line changes nothing).
impl PartialEq for RuleSelector {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

/// Every rule selector of `channels` that matches none of `rule_ids`: a typo, or a
/// watchlist that is gone, would otherwise silently send nothing.
pub fn unmatched_rules(channels: &[Channel], rule_ids: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ch in channels {
        for sel in &ch.rules {
            let Ok(p) = glob::Pattern::new(&sel.pattern) else {
                continue;
            };
            if rule_ids.iter().any(|id| p.matches(id)) {
                continue;
            }
            let message = format!(
                "channel `{}`: `{}` matches no rule of the watchlists",
                ch.name, sel.pattern
            );
            out.push(match &sel.at {
                Some(at) => Diagnostic {
                    message,
                    ..(**at).clone()
                },
                None => Diagnostic {
                    file: PathBuf::new(),
                    line: 0,
                    column: 0,
                    message,
                    excerpt: None,
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_found() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(inline_credential(&u("https://hooks.example.org/nw")), None);
        assert!(inline_credential(&u("https://u:pw@example.org/")).is_some());
        assert!(inline_credential(&u("https://example.org/?Token=abc")).is_some());
        assert_eq!(
            inline_credential(&u("https://example.org/?topic=x")),
            None,
            "other parameters are fine"
        );
    }

    #[test]
    fn secrets_come_from_private_files_or_the_environment() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("key");
        std::fs::write(&f, "s3cret\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let src = SecretSource::File("key".into());
        assert_eq!(read_secret(&src, dir.path()).unwrap().expose(), "s3cret");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_secret(&src, dir.path()).unwrap_err();
        assert!(err.contains("readable by every user"), "{err}");
        let err = read_secret(&SecretSource::File("none".into()), dir.path()).unwrap_err();
        assert!(err.contains("cannot read secret file"), "{err}");
        let err = read_secret(
            &SecretSource::Env("NEWSWATCH_TEST_SURELY_UNSET".into()),
            dir.path(),
        )
        .unwrap_err();
        assert!(err.contains("is not set"), "{err}");
        assert_eq!(format!("{:?}", Secret::new("x")), "Secret(…)");
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "127.0.0.1", "127.3.2.1", "[::1]", "::1"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["mail.example.org", "10.0.0.1", "localhost.example.org"] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[derive(Deserialize)]
    struct Doc {
        channel: Vec<Spanned<ChannelToml>>,
    }

    /// Checks `text` as a config in `dir`: the channels, and each error as
    /// `line: message`.
    fn run(dir: &Path, text: &str) -> (Vec<Channel>, Vec<String>) {
        let doc: Doc = toml::from_str(text).unwrap();
        let mut errors = Vec::new();
        let path = dir.join("newswatch.toml");
        let chans = check(
            &path,
            text,
            dir,
            doc.channel,
            crate::duration::parse_duration,
            &mut errors,
        );
        let errors = errors
            .iter()
            .map(|d| format!("{}: {}", d.line, d.message))
            .collect();
        (chans, errors)
    }

    #[test]
    fn every_kind_reads_with_its_defaults() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("hook.key");
        std::fs::write(&key, "k3y\n").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::copy(&key, dir.path().join("slack.url")).unwrap();
        std::fs::write(
            dir.path().join("slack.url"),
            "https://hooks.slack.com/services/T/B/x\n",
        )
        .unwrap();
        let text = r#"
[[channel]]
name = "hook"
kind = "webhook"
url = "https://hooks.example.org/nw"
secret_file = "hook.key"
rules = ["privacy-*", "tiktok"]
min_severity = "medium"
digest = "15m"

[[channel]]
name = "chat"
kind = "slack"
url_file = "slack.url"

[[channel]]
name = "phones"
kind = "ntfy"
url = "https://ntfy.sh/team"

[[channel]]
name = "mail"
kind = "email"
url = "smtps://mail.example.org"
from = "nw@example.org"
to = ["a@example.org"]

[[channel]]
name = "pager"
kind = "exec"
command = ["sh", "-c", "exit 0"]
timeout = "5s"
"#;
        let (chans, errors) = run(dir.path(), text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(chans.len(), 5);
        let hook = &chans[0];
        assert_eq!(
            hook.kind,
            ChannelKind::Webhook {
                url: Url::parse("https://hooks.example.org/nw").unwrap(),
                secret: Some(Secret::new("k3y")),
            }
        );
        assert_eq!(
            hook.rules,
            [RuleSelector::new("privacy-*"), RuleSelector::new("tiktok")]
        );
        assert_eq!(hook.min_severity, Severity::Medium);
        assert_eq!(hook.digest, Some(Duration::from_secs(900)));
        assert_eq!(hook.max_age, DEFAULT_MAX_AGE);
        assert_eq!(
            chans[1].kind,
            ChannelKind::Slack {
                url: Secret::new("https://hooks.slack.com/services/T/B/x")
            }
        );
        let ChannelKind::Email(e) = &chans[3].kind else {
            panic!("{:?}", chans[3].kind)
        };
        assert_eq!((e.port, e.tls), (465, SmtpTls::Implicit));
        assert_eq!(e.subject_prefix, DEFAULT_SUBJECT_PREFIX);
        assert_eq!(chans[4].timeout, Duration::from_secs(5));
        assert!(chans[2].rules.is_empty(), "every rule");
        assert_eq!(chans[2].min_severity, Severity::Info);
    }

    #[test]
    fn bad_channels_are_each_reported_at_their_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open.key");
        std::fs::write(&open, "k").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        let text = r#"
[[channel]]
name = "a"
kind = "webhook"
secret = "hunter2"
url = "https://hooks.example.org/nw"

[[channel]]
name = "b"
kind = "ntfy"

[[channel]]
name = "c"
kind = "webhook"
url = "https://example.org/hook"
secret_file = "open.key"

[[channel]]
name = "a"
kind = "slack"
url = "https://hooks.slack.com/services/T/B/x"

[[channel]]
name = "e"
kind = "webhook"
url = "https://example.org/hook?token=abc"
command = ["/nonexistent/x"]

[[channel]]
name = "f"
kind = "email"
url = "smtp://mail.example.org"
tls = "none"
from = "nw@example.org"
to = ["not an address"]

[[channel]]
name = "g"
kind = "exec"
command = ["/nonexistent/page"]
"#;
        let (chans, errors) = run(dir.path(), text);
        assert!(chans.is_empty(), "{chans:?}");
        let want = [
            "5: secret inline: `secret` must not be written",
            "8: channel `b` has no URL",
            "16: `secret`: secret file",
            "19: two channels are named `a`",
            "21: secret inline: a Slack-compatible webhook URL is a credential",
            "26: secret inline: the URL its `token` parameter is a credential",
            "27: `command` does not apply to kind `webhook`",
            "33: `tls = \"none\"` only for a server on this machine",
            "40: `command`: no program `/nonexistent/page`",
        ];
        for w in want {
            assert!(
                errors.iter().any(|e| e.starts_with(w)),
                "{w:?} not in {errors:#?}"
            );
        }
        assert!(
            errors.iter().any(|e| e.contains("readable by every user")),
            "{errors:#?}"
        );
    }

    #[test]
    fn a_rule_selector_matching_no_rule_is_reported_where_written() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[[channel]]\nname = \"x\"\nkind = \"exec\"\ncommand = [\"/bin/true\"]\nrules = [\"tiktok\", \"privacy-*\", \"tiktk\"]\n";
        let (chans, errors) = run(dir.path(), text);
        assert!(errors.is_empty(), "{errors:?}");
        let d = unmatched_rules(&chans, &["tiktok", "wechat", "privacy-regulators"]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].line, d[0].column),
            (5, 33),
            "at the quote of `\"tiktk\"`"
        );
        assert_eq!(
            d[0].message,
            "channel `x`: `tiktk` matches no rule of the watchlists"
        );
    }
}
