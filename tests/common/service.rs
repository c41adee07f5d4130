//! Helpers for the service tests: the daemon as a child process whose stderr is
//! collected line by line, signals, and waiting with deadlines (never a fixed sleep).

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{self, Sandbox, wait_until};

/// A running `newswatch run`.
pub struct Daemon {
    /// The process.
    pub child: Child,
    /// Its stderr so far, one entry per line.
    lines: Arc<Mutex<Vec<String>>>,
    /// The thread reading stderr; it ends when the process closes stderr.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Daemon {
    /// Starts `newswatch run` on the sandbox's config with extra environment `env`.
    pub fn start(sb: &Sandbox, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = common::newswatch();
        cmd.args(["run", "--config", &sb.config_arg()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start daemon");
        let stderr = child.stderr.take().expect("stderr piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                sink.lock().unwrap().push(line);
            }
        });
        Daemon {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Sends `sig` (e.g. "-HUP").
    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success(), "kill {sig}");
    }

    /// Stderr so far.
    pub fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// How many stderr lines contain every one of `parts`.
    pub fn count(&self, parts: &[&str]) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .count()
    }

    /// Waits until `n` stderr lines contain all of `parts`; panics with the log if not.
    pub fn wait_log(&self, n: usize, parts: &[&str], timeout: Duration) {
        assert!(
            wait_until(timeout, || self.count(parts) >= n),
            "no {n} log line(s) with {parts:?} within {timeout:?}; log:\n{}",
            self.log()
        );
    }

    /// SIGTERM, then waits for the exit.
    pub fn stop(mut self, timeout: Duration) -> (ExitStatus, String) {
        self.signal("-TERM");
        let status = self.wait_exit(timeout);
        (status, self.log())
    }

    /// Waits (at most `timeout`) for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let mut status = None;
        let exited = wait_until(timeout, || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        if !exited {
            let _ = self.child.kill();
            panic!(
                "daemon did not exit within {timeout:?}; log:\n{}",
                self.log()
            );
        }
        // The process is gone, so its stderr is closed: the reader takes the last lines.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        status.unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
