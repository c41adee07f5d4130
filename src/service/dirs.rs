//! The directories systemd manages for the system unit (`StateDirectory=` →
//! `$STATE_DIRECTORY`, `LogsDirectory=` → `$LOGS_DIRECTORY`).
//!
//! Decision: the config decides where state and the alert log live, always. The
//! daemon does not silently move them into these directories, because `newswatch
//! tail`, `check` and a person reading the config run outside the unit and would look
//! elsewhere. The packaged `/etc/newswatch/newswatch.toml` therefore names them with
//! absolute paths (`/var/lib/newswatch`, `/var/log/newswatch/alerts.jsonl`). When the
//! unit provides these variables and the config points outside them (where the
//! sandbox lets nothing be written), the daemon says so at start, with the fix.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// Warnings about `config` given the managed directories in `state_env` and
/// `logs_env` (colon-separated lists, as systemd sets them).
pub fn mismatches(
    config: &Config,
    state_env: Option<&OsStr>,
    logs_env: Option<&OsStr>,
) -> Vec<String> {
    let mut out = Vec::new();
    let check = |out: &mut Vec<String>, env: Option<&OsStr>, var: &str, key: &str, path: &Path| {
        let Some(dirs) = env.filter(|v| !v.is_empty()) else {
            return;
        };
        let dirs: Vec<PathBuf> = std::env::split_paths(dirs).collect();
        if !dirs.iter().any(|d| path.starts_with(d)) {
            out.push(format!(
                "`{key}` is {} but the unit's {var} is {}: the sandbox will not let the \
                 daemon write outside it; set {key} to a path under it in {}",
                path.display(),
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":"),
                config.path.display()
            ));
        }
    };
    check(
        &mut out,
        state_env,
        "$STATE_DIRECTORY",
        "state_dir",
        &config.state_dir,
    );
    check(
        &mut out,
        logs_env,
        "$LOGS_DIRECTORY",
        "alert_log",
        &config.alert_log,
    );
    out
}

/// [`mismatches`] with the process environment.
pub fn check_env(config: &Config) -> Vec<String> {
    mismatches(
        config,
        std::env::var_os("STATE_DIRECTORY").as_deref(),
        std::env::var_os("LOGS_DIRECTORY").as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_paths_outside_the_managed_directories() {
        let c = Config::parse(
            Path::new("/etc/newswatch/newswatch.toml"),
            "state_dir = \"/var/lib/newswatch\"\nalert_log = \"alerts.jsonl\"\nwatchlists = []\n",
        )
        .unwrap();
        let state = OsStr::new("/var/lib/newswatch");
        let logs = OsStr::new("/var/log/newswatch");
        let w = mismatches(&c, Some(state), Some(logs));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("`alert_log` is /etc/newswatch/alerts.jsonl"),
            "{w:?}"
        );
        assert!(
            mismatches(&c, None, None).is_empty(),
            "not under systemd: nothing to say"
        );
        assert!(mismatches(&c, Some(state), None).is_empty());
    }
}
