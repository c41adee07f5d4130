//! `[[channel]]`: where alerts go besides the log and the desktop — a webhook, a chat
//! room (Slack-compatible), an ntfy topic, a mailbox, or a program. The runtime values
//! the checked config holds, and the checks that need no TOML: secrets read from an
//! environment variable or a file that is not world-readable (never inline), and URLs
//! that carry credentials.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::model::Severity;

/// The kinds a channel can be, as written in `kind`.
pub const KINDS: &[&str] = &["webhook", "slack", "ntfy", "email", "exec"];
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
    pub rules: Vec<String>,
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
}
