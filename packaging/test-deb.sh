#!/usr/bin/env bash
# Builds the Debian package with `cargo deb` and proves, in a fresh Debian chroot,
# what can be proven without systemd running as PID 1 (a container or CI machine):
#   1. it installs (apt-get install ./newswatch.deb, i.e. dpkg -i plus Depends); the maintainer scripts run (the unit is enabled;
#      starting it is skipped by deb-systemd-invoke since systemd is not running);
#   2. the installed files, conffiles and the enable symlink are where they belong,
#      with the desktop entry and icon notifications name, shell completions that
#      the shell reads and that match the installed binary, and the manual pages;
#   3. `systemd-analyze verify` of the installed unit prints nothing, and its
#      sandbox rates 2.0 or better;
#   4. the unit's commands run as systemd would run them: ExecStartPre (`check`),
#      then ExecStart as an unprivileged dynamic-range user in the state and logs
#      directories systemd would create, with a NOTIFY_SOCKET: READY=1 arrives, the
#      demo feed's alerts reach /var/log/newswatch/alerts.jsonl, ExecReload's
#      SIGHUP gives RELOADING/READY, SIGTERM gives STOPPING and exit 0;
#   5. `dpkg -r` removes it (conffiles stay), `dpkg -P` purges the rest.
# What it cannot prove: systemd itself starting the unit (needs systemd as PID 1).
#
# Usage: packaging/test-deb.sh [--no-build | --profile NAME]   (as root; needs
# debootstrap, cargo-deb, python3). The chroot is cached in $NEWSWATCH_DEB_CHROOT (default below).
set -euo pipefail
cd "$(dirname "$0")/.."

root=${NEWSWATCH_DEB_CHROOT:-/var/tmp/newswatch-deb-chroot}
uid=61234 # in systemd's DynamicUser range (61184–65519)
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }

case "${1:-}" in
--no-build) ;;
--profile)
    # CI: package the dev build the tests already made (same files, no LTO wait).
    step "cargo deb --profile ${2:?}"
    cargo deb --profile "$2"
    ;;
"")
    step "cargo deb"
    cargo deb
    ;;
*) fail "usage: $0 [--no-build | --profile NAME]" ;;
esac
deb=$(ls -t target/debian/newswatch_*.deb | head -n 1)
[ -f "$deb" ] || fail "no package in target/debian"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
# The binary must run on the glibc its Depends names: packed relocations (a
# GLIBC_ABI_DT_RELR need, which dpkg-shlibdeps does not see) would break that.
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
! readelf -V "$unpacked/usr/bin/newswatch" | grep -q GLIBC_ABI_DT_RELR ||
    fail "the binary needs glibc 2.36 (packed relocations), which Depends does not say"
rm -rf "$unpacked"

if [ ! -x "$root/usr/bin/systemd-analyze" ]; then
    step "a Debian chroot with systemd installed (not running) in $root"
    [ -x "$root/bin/sh" ] || debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    in_root apt-get update -q
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
listener=
daemon=
cleanup() {
    [ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null || true
    [ -n "$listener" ] && kill "$listener" 2>/dev/null || true
    umount "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT
# A leftover from an interrupted run.
in_root dpkg -P newswatch >/dev/null 2>&1 || true

step "install (apt resolves Depends: procps, then dpkg runs the maintainer scripts)"
cp "$deb" "$root/tmp/newswatch.deb"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/newswatch.deb
[ "$(in_root dpkg-query -W -f '${Status}' newswatch)" = "install ok installed" ] || fail "not installed"

step "installed files"
for f in /usr/bin/newswatch /lib/systemd/system/newswatch.service \
    /usr/lib/systemd/user/newswatch.service /etc/newswatch/newswatch.toml \
    /etc/newswatch/watchlists/tiktok.toml /usr/share/newswatch/demo/demo-feed.xml \
    /etc/logrotate.d/newswatch; do
    [ -f "$root$f" ] || fail "$f missing"
done
conffiles=$(in_root dpkg-query -W -f '${Conffiles}' newswatch)
echo "$conffiles"
for f in /etc/newswatch/newswatch.toml /etc/newswatch/watchlists/tiktok.toml /etc/logrotate.d/newswatch; do
    grep -q " $f " <<<"$conffiles" || fail "$f is not a conffile"
done
# What notifications name (desktop-entry hint, app_icon), shell completions and
# manual pages (compressed by cargo deb).
desktop_files=(/usr/share/applications/newswatch.desktop
    /usr/share/icons/hicolor/scalable/apps/newswatch.svg
    /usr/share/bash-completion/completions/newswatch
    /usr/share/zsh/vendor-completions/_newswatch
    /usr/share/fish/vendor_completions.d/newswatch.fish
    /usr/share/man/man1/newswatch.1.gz /usr/share/man/man1/newswatch-tail.1.gz
    /usr/share/man/man1/newswatch-rules-test.1.gz)
for f in "${desktop_files[@]}"; do
    [ -f "$root$f" ] || fail "$f missing"
done
grep -q '^Icon=newswatch$' "$root/usr/share/applications/newswatch.desktop" || fail "desktop entry without Icon=newswatch"
if command -v desktop-file-validate >/dev/null; then
    out=$(desktop-file-validate "$root/usr/share/applications/newswatch.desktop" 2>&1) || fail "desktop entry: $out"
    [ -z "$out" ] || fail "desktop entry: $out"
fi
in_root bash -n /usr/share/bash-completion/completions/newswatch
in_root bash -c 'source /usr/share/bash-completion/completions/newswatch && complete -p newswatch' >/dev/null ||
    fail "the bash completion does not register itself"
for shell in bash zsh fish; do
    case $shell in
    bash) f=/usr/share/bash-completion/completions/newswatch ;;
    zsh) f=/usr/share/zsh/vendor-completions/_newswatch ;;
    fish) f=/usr/share/fish/vendor_completions.d/newswatch.fish ;;
    esac
    in_root /usr/bin/newswatch completions $shell | cmp -s - "$root$f" ||
        fail "$f is not what the installed newswatch prints (regenerate: NEWSWATCH_BLESS=1 cargo test --test process shipped_)"
done
zcat "$root/usr/share/man/man1/newswatch-tail.1.gz" | grep -q '^\.TH newswatch-tail 1' || fail "newswatch-tail.1 is not a manual page"
wants=$root/etc/systemd/system/multi-user.target.wants/newswatch.service
[ -L "$wants" ] || fail "the unit was not enabled"
echo "enabled: $(readlink "$wants")"

step "systemd-analyze verify / security of the installed unit"
out=$(in_root systemd-analyze verify /lib/systemd/system/newswatch.service 2>&1)
[ -z "$out" ] || fail "verify printed: $out"
in_root systemd-analyze security --offline=yes --no-pager /lib/systemd/system/newswatch.service |
    tee /dev/stderr | grep -Eq 'Overall exposure level for newswatch.service: (0\.|1\.|2\.0 )' ||
    fail "exposure above 2.0"

step "the unit's commands, run as systemd runs them"
# ExecStartPre=, as the unit's user.
in_root setpriv --reuid=$uid --regid=$uid --clear-groups \
    /usr/bin/newswatch check --config /etc/newswatch/newswatch.toml
# StateDirectory= / LogsDirectory= with DynamicUser=: private dirs plus symlinks.
# (systemd keeps /var/lib/private 0700 and opens it to the service inside the
# service's own mount namespace; here it is simply made traversable.)
for d in lib log; do
    install -d -m 0755 "$root/var/$d/private"
    install -d -o $uid -g $uid -m 0755 "$root/var/$d/private/newswatch"
    ln -sfn private/newswatch "$root/var/$d/newswatch"
done
rm -f "$root/run/newswatch-notify.sock" "$root/tmp/notify.log"
python3 - "$root/run/newswatch-notify.sock" "$root/tmp/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        log.flush()
PY
listener=$!
wait_for() { # file pattern what
    for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    fail "$3"
}
wait_for_socket() {
    for _ in $(seq 200); do [ -S "$root/run/newswatch-notify.sock" ] && return 0; sleep 0.05; done
    fail "no notify socket"
}
wait_for_socket
# chroot itself, not the in_root function: a function in the background is a subshell,
# and $! must be the daemon (chroot, env and setpriv each exec the next).
chroot "$root" env -i PATH=/usr/bin:/bin NOTIFY_SOCKET=/run/newswatch-notify.sock \
    WATCHDOG_USEC=30000000 STATE_DIRECTORY=/var/lib/newswatch LOGS_DIRECTORY=/var/log/newswatch \
    setpriv --reuid=$uid --regid=$uid --clear-groups \
    /usr/bin/newswatch run --config /etc/newswatch/newswatch.toml 2>"$root/tmp/newswatch.err" &
daemon=$!
wait_for "$root/tmp/notify.log" "READY=1" "no READY=1"
wait_for "$root/var/log/newswatch/alerts.jsonl" '"rule":"privacy-regulators"' "no demo alerts"
wait_for "$root/tmp/notify.log" "3 alerts today" "no STATUS with the alerts"
kill -HUP $daemon # ExecReload=
wait_for "$root/tmp/notify.log" "RELOADING=1" "no RELOADING=1"
kill -TERM $daemon
status=0
wait $daemon || status=$?
daemon=
[ $status -eq 0 ] || fail "the daemon exited $status"
wait_for "$root/tmp/notify.log" "STOPPING=1" "no STOPPING=1"
cat "$root/tmp/notify.log"
cat "$root/tmp/newswatch.err"
grep -q "outside the unit's directories" "$root/tmp/newswatch.err" && fail "paths outside the managed dirs"
echo "alerts: $(wc -l <"$root/var/log/newswatch/alerts.jsonl")"
in_root /usr/bin/newswatch tail --config /etc/newswatch/newswatch.toml | head -n 3

step "dpkg -r (conffiles stay), dpkg -P (everything goes)"
in_root dpkg -r newswatch
[ ! -e "$root/usr/bin/newswatch" ] || fail "binary left after remove"
[ ! -e "$root/lib/systemd/system/newswatch.service" ] || fail "unit left after remove"
for f in "${desktop_files[@]}"; do
    [ ! -e "$root$f" ] || fail "$f left after remove"
done
[ -f "$root/etc/newswatch/newswatch.toml" ] || fail "conffile removed by remove"
in_root dpkg -P newswatch
for p in /etc/newswatch /var/lib/newswatch /var/lib/private/newswatch /var/log/newswatch \
    /var/log/private/newswatch "$wants"; do
    [ ! -e "$root$p" ] && [ ! -L "$root$p" ] || fail "$p left after purge"
done
[ -z "$(in_root dpkg-query -W -f '${Status}' newswatch 2>/dev/null)" ] || fail "still known to dpkg"
step "ok: installs, runs as the unit would, removes and purges cleanly"
