//! A real SMTP server on loopback for the email channel tests: Python's aiosmtpd
//! (Debian's python3-aiosmtpd, which `.ci/run` installs) running
//! `tests/common/smtp_server.py`, with STARTTLS or implicit TLS under a self-signed
//! certificate made here (rcgen), optionally requiring a login. What it accepts is
//! read back as JSON records.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The certificate it presents (PEM), for the client to trust.
    pub ca_pem: PathBuf,
    /// Where it records messages.
    out: PathBuf,
    child: Child,
    /// Closing it stops the server.
    _stdin: ChildStdin,
}

/// A Python that has aiosmtpd: Debian's first (where python3-aiosmtpd installs it),
/// then `python3` from `PATH`.
pub fn python_with_aiosmtpd() -> Option<PathBuf> {
    ["/usr/bin/python3", "python3"].iter().find_map(|p| {
        let ok = Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| PathBuf::from(p))
    })
}

/// How the server runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SmtpOptions<'a> {
    /// TLS from the first byte (else STARTTLS, required).
    pub implicit: bool,
    /// Require AUTH with this user and password.
    pub login: Option<(&'a str, &'a str)>,
    /// Hold each "250 OK" back this long after recording the message.
    pub delay: Option<std::time::Duration>,
}

impl SmtpServer {
    /// Starts the server in `dir` as `opts` say. `None` when aiosmtpd is missing
    /// outside CI (the caller skips, saying so); in CI a missing server is a failure.
    pub fn start(dir: &Path, opts: SmtpOptions<'_>) -> Option<SmtpServer> {
        let Some(python) = python_with_aiosmtpd() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "aiosmtpd is missing (apt-get install python3-aiosmtpd)"
            );
            eprintln!("skipping: aiosmtpd is missing (apt-get install python3-aiosmtpd)");
            return None;
        };
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()])
            .expect("make a certificate");
        let cert = dir.join("smtp-cert.pem");
        let key = dir.join("smtp-key.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        let out = dir.join("smtp-received.jsonl");
        let script = super::repo().join("tests/common/smtp_server.py");
        let mut cmd = Command::new(python);
        cmd.arg(script)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .arg("--out")
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if opts.implicit {
            cmd.arg("--implicit");
        }
        if let Some((u, p)) = opts.login {
            cmd.args(["--user", u, "--password", p]);
        }
        if let Some(d) = opts.delay {
            cmd.args(["--delay", &d.as_secs_f64().to_string()]);
        }
        let mut child = cmd.spawn().expect("start the SMTP server");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the SMTP server's port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port from the SMTP server: {line:?}"));
        Some(SmtpServer {
            port,
            ca_pem: cert,
            out,
            child,
            _stdin: stdin,
        })
    }

    /// The messages accepted so far: the complete lines of the server's record (a
    /// line the server is still writing, with no newline yet, waits for the next call).
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
