# Sourced by scripts/hot-functions.sh and scripts/bench-startup.sh: a private desktop
# session for a daemon's notifications (a headless X server, a session bus, dunst as
# the notification server), as the desktop tests have (tests/common/desktop.rs).
#
# desktop_session: if Xvfb, dbus-daemon and dunst are installed, starts them, sets
# the array `desktop` to the environment (DISPLAY=…, DBUS_SESSION_BUS_ADDRESS=…) to run
# a program in, and appends their pids to the caller's array `pids` (to kill at exit);
# otherwise leaves `desktop` empty and returns 1.
desktop_session() {
    desktop=()
    for tool in Xvfb dbus-daemon dunst; do
        command -v "$tool" >/dev/null || return 1
    done
    local fd display bus
    exec {fd}<> <(:)
    Xvfb -displayfd "$fd" -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    read -r -t 10 display <&"$fd" || { echo "Xvfb did not start" >&2; exit 1; }
    bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
    pids+=("$(sed -n 2p <<<"$bus")")
    desktop=(DISPLAY=":$display" DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p <<<"$bus")")
    env "${desktop[@]}" dunst >/dev/null 2>&1 &
    pids+=($!)
}
