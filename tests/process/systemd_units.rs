//! What the package and the user install put on a system. The unit files in
//! `systemd/`: `systemd-analyze verify` prints nothing for either
//! (any output is a failure), the system unit's sandbox rates an exposure of 2.0 or
//! better in `systemd-analyze security --offline=yes`, and the user unit's 5.2 or
//! better in `systemd-analyze --user security --offline=yes`, without the options
//! that would stop a user unit from starting where user namespaces are restricted.
//! The desktop entry validates; `packaging/install-user.sh` (the README's desktop
//! install) keeps config and state apart in a fresh home.
//!
//! `verify` checks that every command exists, so the tests verify copies in which
//! `/usr/bin/newswatch` is replaced by the binary cargo just built.
//!
//! Without `systemd-analyze` the tests fail in CI (`CI` set) and skip elsewhere.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The exposure issue 6 asks for, at most.
const MAX_EXPOSURE: f64 = 2.0;

/// The user unit's exposure, at most. Issue 11 aims at 5.0; what is left above it
/// are options that shrink the capability bounding set, which a user manager can
/// only do inside a user namespace: where those are restricted (Ubuntu >= 23.10) or
/// not set up (systemd < 254), the unit would not start at all (218/CAPABILITIES).
/// The unit's comment lists every remaining line.
const MAX_USER_EXPOSURE: f64 = 5.2;

/// Options a user unit must not set: without a user namespace (restricted by Ubuntu
/// since 23.10, not set up by systemd before 254) the unit fails to start with them
/// (218/CAPABILITIES, or 217/USER for an explicit PrivateUsers=).
const FAIL_IN_A_USER_UNIT: [&str; 6] = [
    "CapabilityBoundingSet=",
    "PrivateDevices=",
    "ProtectClock=",
    "ProtectKernelModules=",
    "ProtectKernelLogs=",
    "PrivateUsers=",
];

use common::desktop::in_ci;

/// `systemd-analyze`, or `None` (after saying why) when it is missing outside CI.
fn systemd_analyze(test: &str) -> Option<PathBuf> {
    let found = common::find_program("systemd-analyze");
    if found.is_none() {
        let msg = format!(
            "{test}: systemd-analyze is not in PATH; install it with `apt-get install systemd` \
             (see .ci/run)"
        );
        assert!(!in_ci(), "{msg}");
        eprintln!("SKIPPED {msg}");
    }
    found
}

/// Writes `systemd/<name>` into `dir` with the installed binary path replaced by
/// the freshly built one; returns the copy's path (same file name: it names the unit).
fn unit_copy(dir: &Path, name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("systemd")
        .join(name);
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("read {}: {e}", source.display()));
    assert!(
        text.contains("/usr/bin/newswatch"),
        "{name} should run /usr/bin/newswatch"
    );
    let copy = dir.join(name);
    std::fs::write(
        &copy,
        text.replace("/usr/bin/newswatch", env!("CARGO_BIN_EXE_newswatch")),
    )
    .unwrap();
    copy
}

fn assert_silent_success(what: &str, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim().is_empty() && stderr.trim().is_empty(),
        "{what} must succeed and print nothing; it exited {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
}

#[test]
fn system_unit_verifies_cleanly() {
    let Some(analyze) = systemd_analyze("system_unit_verifies_cleanly") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_copy(dir.path(), "newswatch.service");
    let out = Command::new(analyze)
        .args(["verify", "--no-pager"])
        .arg(&unit)
        .output()
        .unwrap();
    assert_silent_success("systemd-analyze verify newswatch.service", &out);
}

#[test]
fn user_unit_verifies_cleanly() {
    let Some(analyze) = systemd_analyze("user_unit_verifies_cleanly") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_copy(dir.path(), "newswatch-user.service");
    // A user manager needs a runtime directory; give it a private one, and a config
    // home of its own so the caller's user units cannot interfere.
    let runtime = dir.path().join("runtime");
    let config = dir.path().join("config");
    for d in [&runtime, &config] {
        std::fs::create_dir(d).unwrap();
    }
    let out = Command::new(analyze)
        .args(["--user", "verify", "--no-pager"])
        .arg(&unit)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    assert_silent_success("systemd-analyze --user verify newswatch-user.service", &out);
}

/// The number after "Overall exposure level for <unit>:".
fn overall_exposure(report: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for "))
        .and_then(|(_, rest)| rest.split_once(": "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[test]
fn parses_the_exposure_line() {
    let report = "  NAME  DESCRIPTION  EXPOSURE\n\
                  → Overall exposure level for newswatch.service: 1.1 OK 🙂\n";
    assert_eq!(overall_exposure(report), Some(1.1));
    assert_eq!(overall_exposure("nothing here"), None);
}

/// `systemd-analyze [--user] security --offline=yes` of the unit `name` (with a
/// private runtime and config directory, which a user manager needs): its overall
/// exposure and the whole report.
fn exposure(analyze: &Path, name: &str, user: bool) -> (f64, String) {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_copy(dir.path(), name);
    let runtime = dir.path().join("runtime");
    let config = dir.path().join("config");
    for d in [&runtime, &config] {
        std::fs::create_dir(d).unwrap();
    }
    let out = Command::new(analyze)
        .args(user.then_some("--user"))
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(&unit)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze security {name} failed ({})\n{stdout}\n{stderr}",
        out.status
    );
    let exposure = overall_exposure(&stdout)
        .unwrap_or_else(|| panic!("no \"Overall exposure level\" line in:\n{stdout}\n{stderr}"));
    (exposure, stdout)
}

#[test]
fn system_unit_exposure_is_at_most_2() {
    let Some(analyze) = systemd_analyze("system_unit_exposure_is_at_most_2") else {
        return;
    };
    let (exposure, report) = exposure(&analyze, "newswatch.service", false);
    assert!(
        exposure <= MAX_EXPOSURE,
        "exposure {exposure} > {MAX_EXPOSURE}; what is exposed:\n{report}"
    );
}

#[test]
fn user_unit_is_hardened_as_far_as_a_user_unit_can_start() {
    let Some(analyze) = systemd_analyze("user_unit_is_hardened") else {
        return;
    };
    let (exposure, report) = exposure(&analyze, "newswatch-user.service", true);
    assert!(
        exposure <= MAX_USER_EXPOSURE,
        "exposure {exposure} > {MAX_USER_EXPOSURE}; what is exposed:\n{report}"
    );
    let user = settings("newswatch-user.service");
    for bad in FAIL_IN_A_USER_UNIT {
        assert!(
            !user.iter().any(|l| l.starts_with(bad)),
            "newswatch-user.service sets {bad}, which stops a user unit from starting \
             where user namespaces are restricted"
        );
    }
    for want in [
        "NoNewPrivileges=yes",
        "StateDirectory=newswatch",
        "SystemCallFilter=@system-service",
        "MemoryDenyWriteExecute=yes",
    ] {
        assert!(
            user.iter().any(|l| l == want),
            "newswatch-user.service lacks `{want}`"
        );
    }
}

/// The settings issue 6 asks of a unit, as `key=value` lines of its file.
fn settings(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("systemd")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(str::to_string)
        .collect()
}

#[test]
fn units_keep_the_service_contract() {
    let common = [
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30s",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "TimeoutStopSec=30s",
    ];
    for (unit, config) in [
        ("newswatch.service", "/etc/newswatch/newswatch.toml"),
        ("newswatch-user.service", "%E/newswatch/newswatch.toml"),
    ] {
        let s = settings(unit);
        for want in common.iter().map(|w| w.to_string()).chain([
            format!("ExecStartPre=/usr/bin/newswatch check --config {config}"),
            format!("ExecStart=/usr/bin/newswatch run --config {config}"),
        ]) {
            assert!(s.contains(&want), "{unit} lacks `{want}`");
        }
    }
    let system = settings("newswatch.service");
    for want in [
        "DynamicUser=yes",
        "StateDirectory=newswatch",
        "LogsDirectory=newswatch",
        "ConfigurationDirectory=newswatch",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
    ] {
        assert!(
            system.iter().any(|l| l == want),
            "newswatch.service lacks `{want}`"
        );
    }
    // The packaged config names paths inside the directories the unit manages.
    let packaged = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/newswatch.toml"),
    )
    .unwrap();
    assert!(packaged.contains("state_dir = \"/var/lib/newswatch\""));
    assert!(packaged.contains("alert_log = \"/var/log/newswatch/alerts.jsonl\""));
}

/// `desktop-file-validate`, or `None` (after saying why) when it is missing outside CI.
fn desktop_file_validate(test: &str) -> Option<PathBuf> {
    let found = common::find_program("desktop-file-validate");
    if found.is_none() {
        let msg = format!(
            "{test}: desktop-file-validate is not in PATH; install it with \
             `apt-get install desktop-file-utils` (see .ci/run)"
        );
        assert!(!in_ci(), "{msg}");
        eprintln!("SKIPPED {msg}");
    }
    found
}

#[test]
fn desktop_entry_is_valid_and_names_the_icon() {
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/desktop/newswatch.desktop");
    let text = std::fs::read_to_string(&entry).unwrap();
    // Notifications name it (desktop-entry hint) and its icon (app_icon) by these.
    assert!(text.contains("\nIcon=newswatch\n"), "{text}");
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packaging/desktop/newswatch.svg")
            .is_file()
    );
    let Some(validate) = desktop_file_validate("desktop_entry_is_valid") else {
        return;
    };
    let out = Command::new(validate).arg(&entry).output().unwrap();
    assert_silent_success("desktop-file-validate newswatch.desktop", &out);
}

/// The README's desktop install, run in an empty home: the config and watchlists go
/// to ~/.config/newswatch, state and alert log to ~/.local/state/newswatch (never
/// into the config folder), `tail` without --config finds the alerts the daemon
/// wrote, the installed unit verifies, and a second run keeps the user's config.
#[test]
fn user_install_keeps_config_and_state_apart() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let bin = env!("CARGO_BIN_EXE_newswatch");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/install-user.sh");
    let install = || {
        Command::new("bash")
            .arg(&script)
            .args(["--bin", bin])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h)
            .output()
            .unwrap()
    };
    let out = install();
    assert!(
        out.status.success(),
        "install-user.sh failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        ".config/newswatch/newswatch.toml",
        ".config/newswatch/watchlists/tiktok.toml",
        ".config/systemd/user/newswatch.service",
        ".local/share/applications/newswatch.desktop",
        ".local/share/icons/hicolor/scalable/apps/newswatch.svg",
        ".local/share/bash-completion/completions/newswatch",
        ".local/share/zsh/site-functions/_newswatch",
        ".config/fish/completions/newswatch.fish",
        ".local/share/man/man1/newswatch.1",
        ".local/share/man/man1/newswatch-tail.1",
    ] {
        assert!(h.join(f).is_file(), "{f} not installed");
    }

    // The daemon's commands as a user runs them: no --config, no desktop session.
    let newswatch = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .output()
            .unwrap()
    };
    let out = newswatch(&["once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = h.join(".local/state/newswatch");
    assert!(state.join("newswatch.sqlite3").is_file());
    let log = std::fs::read_to_string(state.join("alerts.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3, "the demo feed's three alerts");
    let mut in_config: Vec<String> = std::fs::read_dir(h.join(".config/newswatch"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    in_config.sort();
    assert_eq!(
        in_config,
        ["newswatch.toml", "watchlists"],
        "no state in ~/.config"
    );
    let out = newswatch(&["tail", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        log,
        "tail reads the same log"
    );

    // The installed unit runs this binary on that config, and verifies cleanly.
    let unit = h.join(".config/systemd/user/newswatch.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        text.contains(&format!(
            "\nExecStart={bin} run --config %E/newswatch/newswatch.toml\n"
        )),
        "{text}"
    );
    if let Some(analyze) = systemd_analyze("user_install_unit_verifies") {
        let runtime = h.join("runtime");
        std::fs::create_dir(&runtime).unwrap();
        let out = Command::new(analyze)
            .args(["--user", "verify", "--no-pager"])
            .arg(&unit)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_CONFIG_HOME", h.join("unused-config"))
            .output()
            .unwrap();
        assert_silent_success("systemd-analyze --user verify (installed)", &out);
    }
    if let Some(validate) = desktop_file_validate("user_install_desktop_entry") {
        let out = Command::new(validate)
            .arg(h.join(".local/share/applications/newswatch.desktop"))
            .output()
            .unwrap();
        assert_silent_success("desktop-file-validate (installed)", &out);
    }

    // A second run keeps what the user edited.
    let config = h.join(".config/newswatch/newswatch.toml");
    let edited = format!("{}\n# mine\n", std::fs::read_to_string(&config).unwrap());
    std::fs::write(&config, &edited).unwrap();
    let out = install();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited);
}
