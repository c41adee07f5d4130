//! Where log lines go. Started by systemd with stderr connected to the journal (the
//! unit's default), lines go to journald over its native protocol, so structured
//! fields survive as journal fields (`journalctl FEED=bbc RULE=tiktok`). Otherwise
//! stderr, as text, or as JSON with `--log-format json`.
//!
//! Detection follows systemd.exec(5): `$JOURNAL_STREAM` holds the device and inode
//! (`dev:ino`, decimal) of the journal stream; it only counts when they are those of
//! our stderr, since the variable is inherited by children whose stderr was redirected.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written (stderr text or JSON, or the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
    /// Native journald protocol, structured fields as journal fields.
    Journal,
}

/// The `SYSLOG_IDENTIFIER` of journal entries.
pub const SYSLOG_IDENTIFIER: &str = "newswatch";

/// Whether `journal_stream` (`$JOURNAL_STREAM`) names the file `stderr_id` (device, inode).
pub fn names_stream(journal_stream: &str, stderr_id: (u64, u64)) -> bool {
    let Some((dev, ino)) = journal_stream.trim().split_once(':') else {
        return false;
    };
    matches!((dev.parse::<u64>(), ino.parse::<u64>()), (Ok(d), Ok(i)) if (d, i) == stderr_id)
}

/// Whether this process's stderr is the journal stream systemd connected it to.
pub fn stderr_is_journal() -> bool {
    let Some(var) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some(var) = var.to_str() else {
        return false;
    };
    let stderr = std::io::stderr();
    let Ok(fd) = stderr.as_fd().try_clone_to_owned() else {
        return false;
    };
    match std::fs::File::from(fd).metadata() {
        Ok(m) => names_stream(var, (m.dev(), m.ino())),
        Err(_) => false,
    }
}

/// Sets up the global subscriber: `format` if given, else the journal when stderr is
/// the journal stream, else text on stderr. The filter comes from `$NEWSWATCH_LOG`
/// (default `info`).
pub fn init(format: Option<LogFormat>) {
    let filter =
        || EnvFilter::try_from_env("NEWSWATCH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let journal = match format {
        Some(LogFormat::Journal) => true,
        Some(LogFormat::Text | LogFormat::Json) => false,
        None => stderr_is_journal(),
    };
    let mut journal_error = None;
    if journal {
        match tracing_journald::layer() {
            Ok(layer) => {
                // No prefix: fields are FEED, RULE, ITEM…, as a person would query them.
                // INFO is journald's "info" (6), not "notice" as the crate defaults:
                // routine lines (each poll, each alert) are not notable events.
                let priorities = tracing_journald::PriorityMappings {
                    info: tracing_journald::Priority::Informational,
                    debug: tracing_journald::Priority::Debug,
                    ..tracing_journald::PriorityMappings::new()
                };
                let layer = layer
                    .with_priority_mappings(priorities)
                    .with_field_prefix(None)
                    .with_syslog_identifier(SYSLOG_IDENTIFIER.to_string());
                tracing_subscriber::registry()
                    .with(filter())
                    .with(layer)
                    .init();
                return;
            }
            Err(e) => journal_error = Some(e),
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        Some(LogFormat::Json) => builder.json().init(),
        _ => builder.init(),
    }
    if let Some(e) = journal_error {
        tracing::warn!(error = %e, "cannot log to the journal; logging to stderr");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_stream_must_name_our_stderr() {
        assert!(names_stream("8:1234", (8, 1234)));
        assert!(names_stream("8:1234\n", (8, 1234)));
        assert!(
            !names_stream("8:1234", (8, 1235)),
            "inherited by a redirected child"
        );
        assert!(!names_stream("", (8, 1234)));
        assert!(!names_stream("8-1234", (8, 1234)));
        assert!(!names_stream("x:1234", (8, 1234)));
    }
}
