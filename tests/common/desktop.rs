//! A real, private desktop session for tests: `Xvfb` (a headless X server),
//! a private `dbus-daemon` session bus, `dunst` (a real notification server) on both,
//! and `dbus-monitor` capturing every `Notify` call on that bus.
//!
//! ```ignore
//! let Some(mut session) = DesktopSession::start_or_skip("my_test") else { return };
//! // Point the code under test at the private bus, e.g. a child process:
//! //   Command::new(bin).envs(session.env())
//! // or the notifier directly:
//! //   DesktopNotifier::builder().address(session.bus_address())
//! let call = session.wait_for_notify(deadline(10)).await.expect("a Notify call");
//! assert_eq!(call.summary, "rule: title");
//! ```
//!
//! Everything runs in a temporary directory and is killed (and reaped) on drop.
//! Nothing here sleeps a fixed time to wait for something: every wait polls a
//! condition until a deadline. Startup failures carry the logs of the component
//! that failed.
//!
//! When a tool is missing, [`DesktopSession::start_or_skip`] fails the test if `CI` is
//! set and skips it with a message otherwise.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The programs a session needs, and the Debian package providing each.
pub const REQUIRED_TOOLS: [(&str, &str); 5] = [
    ("Xvfb", "xvfb"),
    ("dbus-daemon", "dbus"),
    ("dbus-monitor", "dbus"),
    ("dbus-send", "dbus"),
    ("dunst", "dunst"),
];

/// How long each startup step may take (slow CI machines included).
const STARTUP: Duration = Duration::from_secs(20);

/// Pause between two checks of a polled condition.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Match rule of the monitor: every `Notify` (calls, and the readiness probe).
const MONITOR_RULE: &str = "interface='org.freedesktop.Notifications',member='Notify'";

/// Object path of the readiness probe signal, so it is never taken for a real call.
const PROBE_PATH: &str = "/newswatch/test/monitor_probe";

/// A deadline `secs` seconds from now.
pub fn deadline(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

/// Whether this runs in CI (`CI` set and not `false`/`0`/empty).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Polls `check` until it returns `Some` or `deadline` passes (then `None`), yielding
/// to the tokio runtime between checks so the code under test keeps running.
pub async fn poll_until<T>(deadline: Instant, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// [`poll_until`] for code outside a runtime (blocks the thread between checks).
pub fn poll_until_blocking<T>(
    deadline: Instant,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// The tools of [`REQUIRED_TOOLS`] not found in `PATH`.
pub fn missing_tools() -> Vec<&'static str> {
    REQUIRED_TOOLS
        .iter()
        .filter(|(tool, _)| super::find_program(tool).is_none())
        .map(|(tool, _)| *tool)
        .collect()
}

/// One `Notify` call as `dbus-monitor` printed it, with its arguments picked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyCall {
    /// The whole printed message: header line and every argument.
    pub raw: String,
    /// `app_name`.
    pub app_name: String,
    /// `app_icon`: an icon name or path.
    pub app_icon: String,
    /// `replaces_id`.
    pub replaces_id: u32,
    /// `summary`.
    pub summary: String,
    /// `body`, as sent (markup escaped or not).
    pub body: String,
    /// `actions`: key, label, key, label…
    pub actions: Vec<String>,
    /// The `urgency` hint (0 low, 1 normal, 2 critical), when sent.
    pub urgency: Option<u8>,
    /// The `desktop-entry` hint, when sent.
    pub desktop_entry: Option<String>,
    /// `expire_timeout` in ms (-1: server default).
    pub expire_timeout: i32,
}

impl NotifyCall {
    /// The (key, label) pairs of the actions.
    pub fn action_pairs(&self) -> Vec<(&str, &str)> {
        self.actions
            .chunks(2)
            .filter_map(|c| match c {
                [k, l] => Some((k.as_str(), l.as_str())),
                _ => None,
            })
            .collect()
    }
}

/// Picks the complete `Notify` method calls out of `dbus-monitor` output. A call
/// still being written (fewer than its 8 arguments) is left for the next read.
pub fn parse_notify_calls(log: &str) -> Vec<NotifyCall> {
    let mut calls = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    let flush = |lines: Vec<&str>, calls: &mut Vec<NotifyCall>| {
        if let Some(call) = parse_one(&lines) {
            calls.push(call);
        }
    };
    for line in log.lines() {
        let is_header = ["method call ", "method return ", "signal ", "error "]
            .iter()
            .any(|p| line.starts_with(p) && line.contains(" time="));
        if is_header {
            if let Some(lines) = current.take() {
                flush(lines, &mut calls);
            }
            if line.starts_with("method call ") && line.contains("member=Notify") {
                current = Some(vec![line]);
            }
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some(lines) = current {
        flush(lines, &mut calls);
    }
    calls
}

fn parse_one(lines: &[&str]) -> Option<NotifyCall> {
    let (_header, body) = lines.split_first()?;
    // Top-level arguments start with exactly three spaces and a type name; deeper
    // lines, closing brackets and the continuation lines of multi-line strings
    // belong to the argument before.
    let mut args: Vec<String> = Vec::new();
    for line in body {
        let top = line
            .strip_prefix("   ")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()));
        match args.last_mut() {
            Some(last) if !top => {
                last.push('\n');
                last.push_str(line);
            }
            _ => args.push(line.trim_start().to_owned()),
        }
    }
    if args.len() < 8 || !args[7].starts_with("int32 ") {
        return None;
    }
    let string = |a: &str| {
        a.strip_prefix("string \"")
            .and_then(|s| s.strip_suffix('"'))
            .map(str::to_owned)
    };
    let strings_inside = |a: &str| -> Vec<String> {
        a.lines()
            .skip(1)
            .filter_map(|l| string(l.trim_start()))
            .collect()
    };
    // A hint's value is on the line after its name: `variant <type> <value>`.
    let hints: Vec<&str> = args[6].lines().map(str::trim).collect();
    let hint = |name: &str| {
        hints
            .iter()
            .position(|l| *l == format!("string \"{name}\""))
            .and_then(|i| hints.get(i + 1))
            .and_then(|l| l.strip_prefix("variant"))
            .map(str::trim)
    };
    let urgency = hint("urgency")
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok());
    let desktop_entry = hint("desktop-entry").and_then(string);
    Some(NotifyCall {
        raw: lines.join("\n"),
        app_name: string(&args[0])?,
        app_icon: string(&args[2])?,
        replaces_id: args[1].strip_prefix("uint32 ")?.parse().ok()?,
        summary: string(&args[3])?,
        body: string(&args[4])?,
        actions: strings_inside(&args[5]),
        urgency,
        desktop_entry,
        expire_timeout: args[7].strip_prefix("int32 ")?.trim().parse().ok()?,
    })
}

/// How to set up a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Whether dunst reads markup in bodies (`markup = full`; it then advertises the
    /// `body-markup` capability) or shows text as sent (`markup = no`).
    pub body_markup: bool,
    /// A folder where dunst looks up icons by name (its `icon_path`), e.g. the one
    /// holding the icon newswatch ships.
    pub icon_path: Option<PathBuf>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            body_markup: true,
            icon_path: None,
        }
    }
}

/// A running private desktop session. Dropping it kills every process it started.
pub struct DesktopSession {
    /// Holds configs, sockets and logs; removed on drop.
    dir: tempfile::TempDir,
    /// X display of the Xvfb server, e.g. `:3`.
    display: String,
    /// Address of the private session bus.
    bus_address: String,
    /// The processes, in start order; killed in reverse order.
    xvfb: Child,
    bus: Child,
    dunst: Child,
    monitor: Child,
    /// How many `Notify` calls `wait_for_notify` has returned.
    notify_seen: usize,
}

impl DesktopSession {
    /// Starts a session for the test `test_name`, or returns `None` (after saying why
    /// on stderr) when a tool is missing and `CI` is not set. In CI a missing tool, and
    /// anywhere a failure to start, panics with the reason and the logs.
    pub fn start_or_skip(test_name: &str) -> Option<DesktopSession> {
        Self::start_or_skip_with(test_name, SessionOptions::default())
    }

    /// [`Self::start_or_skip`] with options.
    pub fn start_or_skip_with(test_name: &str, options: SessionOptions) -> Option<DesktopSession> {
        let missing = missing_tools();
        if !missing.is_empty() {
            let mut packages: Vec<&str> = REQUIRED_TOOLS
                .iter()
                .filter(|(t, _)| missing.contains(t))
                .map(|(_, p)| *p)
                .collect();
            packages.sort_unstable();
            packages.dedup();
            let msg = format!(
                "{test_name}: needs {missing:?} in PATH; install with \
                 `apt-get install {}` (see .ci/run)",
                packages.join(" ")
            );
            assert!(!in_ci(), "{msg}");
            eprintln!("SKIPPED {msg}");
            return None;
        }
        match DesktopSession::start(options) {
            Ok(s) => Some(s),
            Err(e) => panic!("{test_name}: could not start the desktop session: {e}"),
        }
    }

    /// Starts Xvfb, the bus, dunst and the monitor, each waited for by polling.
    pub fn start(options: SessionOptions) -> Result<DesktopSession, String> {
        let dir = tempfile::Builder::new()
            .prefix("nw-desktop-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let d = dir.path();

        // Xvfb picks a free display itself and prints its number once it accepts
        // clients: no guessing, no races between tests running in parallel.
        let mut xvfb = spawn_logged(
            d,
            "xvfb",
            Command::new("Xvfb").args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "1024x768x24",
            ]),
        )?;
        let display = wait_for_line(d, "xvfb", &mut xvfb, |l| {
            l.trim().parse::<u32>().ok().map(|n| format!(":{n}"))
        })
        .inspect_err(|_| kill(&mut xvfb))?;

        // A private bus without service directories, so nothing is auto-activated
        // behind the test's back (the system's dunst.service would be).
        let socket = d.join("bus");
        fs::write(d.join("session.conf"), bus_config(&socket))
            .map_err(|e| format!("bus config: {e}"))?;
        let mut bus = spawn_logged(
            d,
            "dbus-daemon",
            Command::new("dbus-daemon")
                .arg(format!(
                    "--config-file={}",
                    d.join("session.conf").display()
                ))
                .args(["--nofork", "--print-address=1"]),
        )
        .inspect_err(|_| kill(&mut xvfb))?;
        let bus_address = wait_for_line(d, "dbus-daemon", &mut bus, |l| {
            l.starts_with("unix:").then(|| l.trim().to_owned())
        })
        .inspect_err(|_| {
            kill(&mut bus);
            kill(&mut xvfb);
        })?;

        fs::write(d.join("dunstrc"), dunstrc(&options)).map_err(|e| format!("dunstrc: {e}"))?;
        let mut dunst = spawn_logged(
            d,
            "dunst",
            Command::new("dunst")
                .arg("-config")
                .arg(d.join("dunstrc"))
                .env("DISPLAY", &display)
                .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
                .env("XDG_CONFIG_HOME", d.join("config"))
                .env_remove("WAYLAND_DISPLAY"),
        )
        .inspect_err(|_| {
            kill(&mut bus);
            kill(&mut xvfb);
        })?;

        let monitor = match spawn_logged(
            d,
            "dbus-monitor",
            Command::new("dbus-monitor").args(["--address", &bus_address, MONITOR_RULE]),
        ) {
            Ok(m) => m,
            Err(e) => {
                kill(&mut dunst);
                kill(&mut bus);
                kill(&mut xvfb);
                return Err(e);
            }
        };

        let mut session = DesktopSession {
            dir,
            display,
            bus_address,
            xvfb,
            bus,
            dunst,
            monitor,
            notify_seen: 0,
        };
        // On error `session` drops here and kills everything.
        session.wait_for_server()?;
        session.wait_for_monitor()?;
        Ok(session)
    }

    /// The address of the private session bus (for `DBUS_SESSION_BUS_ADDRESS`).
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// The X display, e.g. `:3` (for `DISPLAY`).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The environment a process needs to use this session.
    pub fn env(&self) -> [(&'static str, &str); 2] {
        [
            ("DBUS_SESSION_BUS_ADDRESS", self.bus_address.as_str()),
            ("DISPLAY", self.display.as_str()),
        ]
    }

    /// The session's temporary directory (logs live here; tests may put files here).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Process id of the notification server (dunst).
    pub fn server_pid(&self) -> u32 {
        self.dunst.id()
    }

    /// Every complete `Notify` call captured so far.
    pub fn notify_calls(&self) -> Vec<NotifyCall> {
        parse_notify_calls(&read(&self.dir.path().join("dbus-monitor.out")))
    }

    /// The next `Notify` call not yet returned by this method, polling until
    /// `deadline`; `Err` with everything the monitor captured when none came.
    pub async fn wait_for_notify(&mut self, deadline: Instant) -> Result<NotifyCall, String> {
        let n = self.notify_seen;
        let found = poll_until(deadline, || self.notify_calls().into_iter().nth(n)).await;
        self.take_notify(found)
    }

    /// [`Self::wait_for_notify`] for callers outside a tokio runtime.
    pub fn wait_for_notify_blocking(&mut self, deadline: Instant) -> Result<NotifyCall, String> {
        let n = self.notify_seen;
        let found = poll_until_blocking(deadline, || self.notify_calls().into_iter().nth(n));
        self.take_notify(found)
    }

    fn take_notify(&mut self, found: Option<NotifyCall>) -> Result<NotifyCall, String> {
        match found {
            Some(call) => {
                self.notify_seen += 1;
                Ok(call)
            }
            None => Err(format!(
                "no Notify call #{} before the deadline\n{}",
                self.notify_seen + 1,
                self.logs()
            )),
        }
    }

    /// Freezes the notification server (SIGSTOP): it keeps its bus name but never
    /// answers, like a hung desktop.
    pub fn pause_server(&self) {
        signal(self.dunst.id(), "STOP");
    }

    /// Thaws the notification server (SIGCONT).
    pub fn resume_server(&self) {
        signal(self.dunst.id(), "CONT");
    }

    /// Freezes the bus daemon itself (SIGSTOP): connecting then hangs in the handshake.
    pub fn pause_bus(&self) {
        signal(self.bus.id(), "STOP");
    }

    /// Thaws the bus daemon (SIGCONT).
    pub fn resume_bus(&self) {
        signal(self.bus.id(), "CONT");
    }

    /// How many notifications dunst shows right now.
    pub fn displayed_count(&self) -> Result<u32, String> {
        let out = self.dbus_send(&[
            "--print-reply=literal",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.dunstproject.cmd0",
            "string:displayedLength",
        ])?;
        out.split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected displayedLength reply: {out:?}"))
    }

    /// Polls until dunst shows at least `n` notifications.
    pub async fn wait_displayed(&self, n: u32, deadline: Instant) -> Result<(), String> {
        poll_until(deadline, || {
            self.displayed_count().ok().filter(|&c| c >= n).map(|_| ())
        })
        .await
        .ok_or_else(|| format!("dunst never displayed {n} notification(s)\n{}", self.logs()))
    }

    /// Does what a click on the notification at `position` (0: the first shown) does:
    /// dunst invokes its default action and emits `ActionInvoked` to its sender.
    pub fn invoke_action(&self, position: u32) -> Result<(), String> {
        self.dbus_send(&[
            "--print-reply=literal",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.dunstproject.cmd0.NotificationAction",
            &format!("uint32:{position}"),
        ])
        .map(drop)
    }

    /// Closes every notification dunst shows (they go to its history).
    pub fn close_all(&self) -> Result<(), String> {
        self.dbus_send(&[
            "--print-reply=literal",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.dunstproject.cmd0.NotificationCloseAll",
        ])
        .map(drop)
    }

    /// The string field `field` (e.g. `icon_path`, the file dunst resolved the
    /// notification's icon to) of every notification in dunst's history, newest first.
    pub fn history_field(&self, field: &str) -> Result<Vec<String>, String> {
        let out = self.dbus_send(&[
            "--print-reply",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.dunstproject.cmd0.NotificationListHistory",
        ])?;
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        let key = format!("string \"{field}\"");
        Ok(lines
            .iter()
            .enumerate()
            .filter(|(_, l)| **l == key)
            .filter_map(|(i, _)| lines.get(i + 1))
            .filter_map(|l| l.strip_prefix("variant"))
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("string \"")
                    .and_then(|v| v.strip_suffix('"'))
            })
            .map(str::to_owned)
            .collect())
    }

    /// What dunst wrote on stderr so far (warnings such as an icon it cannot load).
    pub fn server_log(&self) -> String {
        read(&self.dir.path().join("dunst.err"))
    }

    /// Broadcasts an `ActionInvoked(id, key)` signal from a bus client that is not
    /// the notification server (a forgery the code under test must ignore).
    pub fn forge_action_invoked(&self, id: u32, key: &str) -> Result<(), String> {
        self.dbus_send(&[
            "--type=signal",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.ActionInvoked",
            &format!("uint32:{id}"),
            &format!("string:{key}"),
        ])
        .map(drop)
    }

    /// Runs `dbus-send` on the private bus; its stdout, or an error with stderr.
    pub fn dbus_send(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("dbus-send")
            .arg(format!("--bus={}", self.bus_address))
            .arg("--reply-timeout=5000")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("dbus-send: {e}"))?;
        output_ok("dbus-send", &out)
    }

    /// The logs of every component, for failure messages.
    pub fn logs(&self) -> String {
        let mut s = String::new();
        for name in ["xvfb", "dbus-daemon", "dunst", "dbus-monitor"] {
            for ext in ["out", "err"] {
                let text = read(&self.dir.path().join(format!("{name}.{ext}")));
                if !text.trim().is_empty() {
                    let _ = write!(s, "--- {name}.{ext} ---\n{text}\n");
                }
            }
        }
        s
    }

    /// Polls until dunst owns `org.freedesktop.Notifications`.
    fn wait_for_server(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        let owned = poll_until_blocking(deadline, || {
            if let Ok(Some(status)) = self.dunst.try_wait() {
                return Some(Err(format!("dunst exited early ({status})")));
            }
            let out = self
                .dbus_send(&[
                    "--print-reply=literal",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications",
                ])
                .ok()?;
            out.contains("true").then_some(Ok(()))
        });
        match owned {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(format!("{e}\n{}", self.logs())),
            None => Err(format!(
                "dunst did not take org.freedesktop.Notifications in {STARTUP:?}\n{}",
                self.logs()
            )),
        }
    }

    /// Polls until the monitor captures a probe `Notify` signal: from then on it
    /// sees every call.
    fn wait_for_monitor(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        let path = self.dir.path().join("dbus-monitor.out");
        let ready = poll_until_blocking(deadline, || {
            if let Ok(Some(status)) = self.monitor.try_wait() {
                return Some(Err(format!("dbus-monitor exited early ({status})")));
            }
            // Resent each round: a probe sent before the monitor attached is lost.
            let _ = self.dbus_send(&[
                "--type=signal",
                PROBE_PATH,
                "org.freedesktop.Notifications.Notify",
            ]);
            read(&path).contains(PROBE_PATH).then_some(Ok(()))
        });
        match ready {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(format!("{e}\n{}", self.logs())),
            None => Err(format!(
                "dbus-monitor captured nothing in {STARTUP:?}\n{}",
                self.logs()
            )),
        }
    }
}

impl Drop for DesktopSession {
    fn drop(&mut self) {
        for child in [
            &mut self.monitor,
            &mut self.dunst,
            &mut self.bus,
            &mut self.xvfb,
        ] {
            kill(child);
        }
    }
}

/// dunst settings that keep tests deterministic: nothing expires on its own.
fn dunstrc(options: &SessionOptions) -> String {
    let markup = if options.body_markup { "full" } else { "no" };
    let icon_path = options
        .icon_path
        .as_ref()
        .map(|p| format!("    icon_path = {}\n", p.display()))
        .unwrap_or_default();
    format!(
        "\
[global]
    monitor = 0
    follow = none
    idle_threshold = 0
    sticky_history = yes
    markup = {markup}
{icon_path}[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"
    )
}

fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// Spawns `cmd` with stdout and stderr going to `<name>.out` / `<name>.err` in `dir`.
fn spawn_logged(dir: &Path, name: &str, cmd: &mut Command) -> Result<Child, String> {
    let file = |ext: &str| {
        fs::File::create(dir.join(format!("{name}.{ext}")))
            .map_err(|e| format!("{name}.{ext}: {e}"))
    };
    cmd.stdin(Stdio::null())
        .stdout(file("out")?)
        .stderr(file("err")?)
        .spawn()
        .map_err(|e| format!("could not start {name}: {e}"))
}

/// Polls `<name>.out` until a line satisfies `parse`, failing early if the process exits.
fn wait_for_line<T>(
    dir: &Path,
    name: &str,
    child: &mut Child,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    let out = dir.join(format!("{name}.out"));
    let deadline = Instant::now() + STARTUP;
    let found = poll_until_blocking(deadline, || {
        // Only whole lines: the writer may be mid-line.
        let text = read(&out);
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        if let Some(v) = complete.lines().find_map(&parse) {
            return Some(Ok(v));
        }
        match child.try_wait() {
            Ok(Some(status)) => Some(Err(format!("{name} exited early ({status})"))),
            _ => None,
        }
    });
    let logs = || {
        format!(
            "--- {name}.out ---\n{}\n--- {name}.err ---\n{}",
            read(&out),
            read(&dir.join(format!("{name}.err")))
        )
    };
    match found {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(format!("{e}\n{}", logs())),
        None => Err(format!("{name} not ready in {STARTUP:?}\n{}", logs())),
    }
}

fn read(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn output_ok(what: &str, out: &Output) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Sends a signal by name with the shell's `kill` builtin (no extra dependency).
fn send_signal(pid: u32, name: &str) -> bool {
    Command::new("sh")
        .args([
            "-c",
            "kill -s \"$1\" \"$2\" 2>/dev/null",
            "sh",
            name,
            &pid.to_string(),
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// [`send_signal`], failing the test when it cannot be delivered.
fn signal(pid: u32, name: &str) {
    assert!(send_signal(pid, name), "kill -s {name} {pid} failed");
}

/// Stops and reaps a child; it may already be gone. SIGTERM first (with SIGCONT in
/// case it is stopped) so Xvfb removes its socket and lock in /tmp; SIGKILL if it
/// is still there after a grace period.
fn kill(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        send_signal(child.id(), "TERM");
        send_signal(child.id(), "CONT");
        let grace = Instant::now() + Duration::from_secs(3);
        let exited = poll_until_blocking(grace, || child.try_wait().ok().flatten());
        if exited.is_some() {
            return;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
