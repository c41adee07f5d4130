//! The `[cluster]` table: several instances sharing the feeds and the alerts through
//! NATS JetStream. As written ([`ClusterToml`]), its checks (every problem with
//! file:line:column), and the runtime value ([`Cluster`]). Without the table nothing
//! of the cluster runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::Diagnostic;
use crate::duration::parse_duration;

/// The `[cluster]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterToml {
    /// One URL or a list of them.
    nats: Spanned<Servers>,
    name: Option<Spanned<String>>,
    credentials: Option<Spanned<String>>,
    tls_ca: Option<Spanned<String>>,
    heartbeat: Option<Spanned<String>>,
    member_timeout: Option<Spanned<String>>,
    /// Read only to say that it no longer applies (leases last as long as their
    /// holder's heartbeat).
    lease: Option<Spanned<String>>,
}

/// `nats = "nats://…"` or `nats = ["nats://…", …]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Servers {
    One(String),
    Many(Vec<String>),
}

/// How this instance joins a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The NATS servers to connect to (any one will do; the client fails over).
    pub servers: Vec<String>,
    /// This instance's name, unique in the cluster: its membership key and the name
    /// of its own durable consumer of the alert stream.
    pub name: String,
    /// A NATS credentials file (JWT and nkey seed), if the server wants one.
    pub credentials: Option<PathBuf>,
    /// A PEM file of the authorities trusted for the server's TLS certificate (added
    /// to the system roots).
    pub tls_ca: Option<PathBuf>,
    /// How often this instance says it is alive.
    pub heartbeat: Duration,
    /// How long after its last heartbeat an instance counts as gone (its feeds move).
    pub member_timeout: Duration,
}

/// Default heartbeat period.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// Default member timeout.
const MEMBER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest name: it becomes part of consumer names and keys.
const NAME_MAX: usize = 64;

/// Checks `[cluster]` as read from `path` (`text` locates the spans), relative paths
/// against `base`; problems go to `errors`, keys that no longer apply to `warnings`.
pub fn check(
    path: &Path,
    text: &str,
    base: &Path,
    t: ClusterToml,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Cluster {
    if let Some(l) = &t.lease {
        warnings.push(Diagnostic::at(
            path,
            text,
            Some(l.span()),
            "`cluster.lease` no longer applies: a feed's lease now lasts as long as its holder's heartbeat (`member_timeout`); remove the line",
        ));
    }
    let mut err = |span: std::ops::Range<usize>, m: String| {
        errors.push(Diagnostic::at(path, text, Some(span), m))
    };
    let span = t.nats.span();
    let servers = match t.nats.into_inner() {
        Servers::One(s) => vec![s],
        Servers::Many(v) => v,
    };
    if servers.is_empty() {
        err(
            span.clone(),
            "`cluster.nats`: name at least one server URL".into(),
        );
    }
    for s in &servers {
        if let Err(e) = server_url(s) {
            err(span.clone(), format!("`cluster.nats`: `{s}`: {e}"));
        }
    }
    let name = match t.name {
        Some(n) => {
            if let Err(e) = valid_name(n.get_ref()) {
                err(n.span(), format!("`cluster.name`: {e}"));
            }
            n.into_inner()
        }
        None => default_name(),
    };
    let mut file = |v: Option<Spanned<String>>, key: &str| {
        let v = v?;
        let p = base.join(v.get_ref());
        if !p.is_file() {
            err(
                v.span(),
                format!("`cluster.{key}`: {} is not a readable file", p.display()),
            );
        }
        Some(p)
    };
    let credentials = file(t.credentials, "credentials");
    let tls_ca = file(t.tls_ca, "tls_ca");
    let mut duration = |v: Option<Spanned<String>>, key: &str, default: Duration| {
        let Some(v) = v else { return default };
        parse_duration(v.get_ref()).unwrap_or_else(|e| {
            err(v.span(), format!("`cluster.{key}`: {e}"));
            default
        })
    };
    let heartbeat = duration(t.heartbeat, "heartbeat", HEARTBEAT);
    let member_timeout = duration(t.member_timeout, "member_timeout", MEMBER_TIMEOUT);
    if member_timeout < heartbeat * 2 {
        errors.push(Diagnostic::at(
            path,
            text,
            Some(span),
            "`cluster.member_timeout` must be at least twice `cluster.heartbeat` (one lost heartbeat must not drop a member)",
        ));
    }
    Cluster {
        servers,
        name,
        credentials,
        tls_ca,
        heartbeat,
        member_timeout,
    }
}

/// Checks one server URL: `nats://` or `tls://`, with a host.
fn server_url(s: &str) -> Result<(), String> {
    let u = url::Url::parse(s)
        .map_err(|e| format!("not a URL ({e}); write e.g. \"nats://127.0.0.1:4222\""))?;
    if !matches!(u.scheme(), "nats" | "tls") {
        return Err(format!("scheme `{}` is not nats:// or tls://", u.scheme()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(())
}

/// A name: 1 to 64 of ASCII letters, digits, `-` and `_` (it becomes part of NATS
/// consumer names and keys).
fn valid_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= NAME_MAX
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{n}` must be 1 to {NAME_MAX} ASCII letters, digits, `-` or `_`"
        ))
    }
}

/// The host name, made a valid name (other characters become `-`).
fn default_name() -> String {
    let host = rustix::system::uname();
    let host = host.nodename().to_string_lossy();
    let name: String = host
        .chars()
        .take(NAME_MAX)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "newswatch".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> (Cluster, Vec<Diagnostic>) {
        let (c, errors, _) = parse_warned(toml_text);
        (c, errors)
    }

    fn parse_warned(toml_text: &str) -> (Cluster, Vec<Diagnostic>, Vec<Diagnostic>) {
        #[derive(Deserialize)]
        struct Top {
            cluster: ClusterToml,
        }
        let top: Top = toml::from_str(toml_text).unwrap();
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let c = check(
            Path::new("n.toml"),
            toml_text,
            Path::new("/nonexistent"),
            top.cluster,
            &mut errors,
            &mut warnings,
        );
        (c, errors, warnings)
    }

    #[test]
    fn one_url_or_a_list_and_defaults() {
        let (c, e) = parse("[cluster]\nnats = \"nats://127.0.0.1:4222\"\nname = \"node-a\"\n");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(c.servers, ["nats://127.0.0.1:4222"]);
        assert_eq!(c.name, "node-a");
        assert_eq!((c.heartbeat, c.member_timeout), (HEARTBEAT, MEMBER_TIMEOUT));
        let (c, e) = parse(
            "[cluster]\nnats = [\"nats://a:4222\", \"tls://b:4222\"]\nheartbeat = \"500ms\"\nmember_timeout = \"3s\"\n",
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(c.servers.len(), 2);
        assert_eq!(c.heartbeat, Duration::from_millis(500));
        assert!(
            valid_name(&c.name).is_ok(),
            "host name made valid: {}",
            c.name
        );
    }

    #[test]
    fn every_problem_has_its_line() {
        let text = "[cluster]\nnats = \"http://x:4222\"\nname = \"a b\"\ncredentials = \"missing.creds\"\nheartbeat = \"soon\"\n";
        let (_, e) = parse(text);
        let lines: Vec<usize> = e.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5], "{e:#?}");
        assert!(e[0].message.contains("scheme `http`"), "{}", e[0].message);
        assert!(e[2].message.contains("missing.creds"), "{}", e[2].message);
    }

    #[test]
    fn a_lease_setting_is_a_warning_that_it_no_longer_applies() {
        let (_, e, w) = parse_warned("[cluster]\nnats = \"nats://a:1\"\nlease = \"15s\"\n");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].line, 3);
        assert!(
            w[0].message.contains("no longer applies"),
            "{}",
            w[0].message
        );
    }

    #[test]
    fn a_member_timeout_shorter_than_two_heartbeats_is_refused() {
        let (_, e) = parse(
            "[cluster]\nnats = \"nats://a:1\"\nheartbeat = \"5s\"\nmember_timeout = \"6s\"\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("twice"));
    }
}
