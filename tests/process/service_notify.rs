//! sd_notify against a real `NOTIFY_SOCKET`: the test binds its own datagram socket,
//! as systemd does for a `Type=notify` unit, starts the daemon with `WATCHDOG_USEC`,
//! and checks READY (with STATUS), live STATUS updates, WATCHDOG keep-alives,
//! RELOADING (with MONOTONIC_USEC) then READY on SIGHUP, and STOPPING on SIGTERM.

use crate::common::service;

use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::server::live_feed;
use crate::common::wait_until;
use service::Daemon;

/// Every datagram received, in order.
fn listen(sock: UnixDatagram) -> Arc<Mutex<Vec<String>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = sock.recv(&mut buf) {
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    got
}

/// Index of the first message at or after `from` containing `part`.
fn find(msgs: &Mutex<Vec<String>>, from: usize, part: &str) -> Option<usize> {
    let msgs = msgs.lock().unwrap();
    (from..msgs.len()).find(|&i| msgs[i].lines().any(|l| l == part || l.starts_with(part)))
}

fn wait_msg(msgs: &Mutex<Vec<String>>, from: usize, part: &str) -> usize {
    let mut at = None;
    let found = wait_until(Duration::from_secs(40), || {
        at = find(msgs, from, part);
        at.is_some()
    });
    assert!(
        found,
        "no `{part}` after message {from}: {:#?}",
        msgs.lock().unwrap()
    );
    at.unwrap()
}

#[test]
fn ready_status_watchdog_reloading_stopping() {
    let (_server, sb) = live_feed();
    let sock_path = sb.path("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    let msgs = listen(sock);
    let daemon = Daemon::start(
        &sb,
        &[
            ("NOTIFY_SOCKET", sock_path.to_str().unwrap()),
            // 1 s: keep-alives every 500 ms.
            ("WATCHDOG_USEC", "1000000"),
        ],
    );

    let ready = wait_msg(&msgs, 0, "READY=1");
    {
        let m = msgs.lock().unwrap();
        assert!(
            m[ready].contains("STATUS=1 feed, 0 failing, 0 alerts today"),
            "READY carries the status line: {:?}",
            m[ready]
        );
    }
    let first = wait_msg(&msgs, 0, "WATCHDOG=1");
    wait_msg(&msgs, first + 1, "WATCHDOG=1");

    // The poll raises an alert: the status line says so (when the poll commits; the
    // delivery loop writes the alert log on its own time).
    wait_msg(&msgs, ready, "STATUS=1 feed, 0 failing, 1 alert today");
    assert!(
        wait_until(Duration::from_secs(40), || sb.alerts().len() == 1),
        "the alert reaches the log: {:?}",
        sb.alerts()
    );

    let before = msgs.lock().unwrap().len();
    daemon.signal("-HUP");
    let reloading = wait_msg(&msgs, before, "RELOADING=1");
    {
        let m = msgs.lock().unwrap();
        let usec = m[reloading]
            .lines()
            .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
            .unwrap_or_else(|| panic!("RELOADING without MONOTONIC_USEC: {:?}", m[reloading]));
        assert!(usec.parse::<u64>().unwrap() > 0);
    }
    let ready_again = wait_msg(&msgs, reloading + 1, "READY=1");
    assert!(msgs.lock().unwrap()[ready_again].contains("STATUS=1 feed"));

    let before = msgs.lock().unwrap().len();
    let (status, log) = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "{status:?}\n{log}");
    wait_msg(&msgs, before, "STOPPING=1");
    // Keep-alives came from the loop the whole time: no "withholding" warning.
    assert!(!log.contains("withholding"), "{log}");
}
