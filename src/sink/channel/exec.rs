//! `kind = "exec"`: runs a program — no shell — with the alert's JSON line on its
//! stdin (a JSON array in digest mode), the ids in its environment
//! (`NEWSWATCH_ALERT_ID`, comma-separated in a digest; `NEWSWATCH_DIGEST_ID`;
//! `NEWSWATCH_ATTEMPT`; `NEWSWATCH_CHANNEL`), in a process group of its own.
//!
//! Its exit status is the result, as mail servers read their delivery programs: 0
//! delivered; 75 (`EX_TEMPFAIL`) try again later; any other status fails that
//! message for good (with the last line it wrote to stderr). A program that cannot be
//! started, is killed by a signal, or outlives the channel's timeout is tried again;
//! at the timeout its whole process group is killed.

use std::process::Stdio;

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Message;
use super::outcome::{Outcome, one_line};
use super::webhook::body;

/// The exit status that asks for another try (`EX_TEMPFAIL` in sysexits.h).
pub const EX_TEMPFAIL: i32 = 75;
/// How much of stderr is kept for the error message.
const STDERR_KEPT: u64 = 4096;

/// A program to run per message.
#[derive(Debug, Clone)]
pub struct Exec {
    /// The program and its arguments.
    command: Vec<String>,
    /// The channel's name, for `NEWSWATCH_CHANNEL`.
    channel: String,
}

impl Exec {
    /// Running `command` (program first) for the channel `channel`.
    pub fn new(channel: &str, command: Vec<String>) -> Result<Self, String> {
        if command.first().is_none_or(|p| p.is_empty()) {
            return Err("command names no program".into());
        }
        Ok(Exec {
            command,
            channel: channel.to_string(),
        })
    }

    /// Runs the program for one message. Dropped before it ends (the channel's
    /// timeout), the program's process group is killed.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        let ids: Vec<&str> = msg
            .alerts
            .iter()
            .map(|q| q.alert.alert_id.as_str())
            .collect();
        let mut cmd = tokio::process::Command::new(&self.command[0]);
        cmd.args(&self.command[1..])
            .env("NEWSWATCH_CHANNEL", &self.channel)
            .env("NEWSWATCH_ALERT_ID", ids.join(","))
            .env("NEWSWATCH_ATTEMPT", msg.attempt.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        if msg.digest {
            cmd.env("NEWSWATCH_DIGEST_ID", msg.id);
        } else {
            cmd.env_remove("NEWSWATCH_DIGEST_ID");
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Outcome::retry(format!("cannot run {}: {e}", self.command[0]));
            }
        };
        let mut group = GroupKill(
            child
                .id()
                .and_then(|id| i32::try_from(id).ok())
                .and_then(Pid::from_raw),
        );
        let input = body(msg);
        let mut stdin = child.stdin.take();
        let mut stderr = child.stderr.take();
        let write = async {
            if let Some(s) = stdin.as_mut() {
                // A program that exits without reading its input is not an error here:
                // its exit status says how it went.
                let _ = s.write_all(&input).await;
            }
            drop(stdin);
        };
        let read = async {
            let mut err = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(STDERR_KEPT).read_to_end(&mut err).await;
            }
            err
        };
        let ((), err, status) = tokio::join!(write, read, child.wait());
        // Ended by itself: what it left running is its own business.
        group.0 = None;
        let status = match status {
            Ok(s) => s,
            Err(e) => return Outcome::retry(format!("waiting for {}: {e}", self.command[0])),
        };
        let last = String::from_utf8_lossy(&err)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(one_line)
            .unwrap_or_default();
        let said = if last.is_empty() {
            String::new()
        } else {
            format!(": {last}")
        };
        match status.code() {
            Some(0) => Outcome::Delivered,
            Some(EX_TEMPFAIL) => {
                Outcome::retry(format!("exit status {EX_TEMPFAIL} (try again){said}"))
            }
            Some(n) => Outcome::Failed(format!("exit status {n}{said}")),
            None => Outcome::retry(format!("killed by a signal{said}")),
        }
    }
}

/// Kills a process group when dropped while armed: a program cut short by the
/// timeout takes the processes it started along.
struct GroupKill(Option<Pid>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // Fails only when the group has ended already.
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
}
