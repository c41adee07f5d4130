#!/usr/bin/env bash
# Installs newswatch for your desktop session from a source checkout, after
# `cargo install --path .`: everything under your home, nothing system-wide.
#
#   config        $XDG_CONFIG_HOME/newswatch/newswatch.toml and watchlists/ (kept if
#                 there: your edits survive a reinstall)
#   state, log    $XDG_STATE_HOME/newswatch/ (~/.local/state/newswatch): the config
#                 written here names them with absolute paths, so the unit and
#                 `newswatch tail` use the same files
#   demo feed     $XDG_DATA_HOME/newswatch/demo/demo-feed.xml (three alerts at once)
#   unit          $XDG_CONFIG_HOME/systemd/user/newswatch.service
#   desktop entry $XDG_DATA_HOME/applications/newswatch.desktop, and its icon in
#                 $XDG_DATA_HOME/icons/hicolor/scalable/apps/
#   completions   bash: $XDG_DATA_HOME/bash-completion/completions/newswatch
#                 zsh:  $XDG_DATA_HOME/zsh/site-functions/_newswatch (add the folder
#                       to your fpath)
#                 fish: $XDG_CONFIG_HOME/fish/completions/newswatch.fish
#   man pages     $XDG_DATA_HOME/man/man1/ (man finds them when ~/.local/bin is in PATH)
#
# Usage: packaging/install-user.sh [--bin PATH] [--enable]
#   --bin PATH  the newswatch binary the unit runs (default: ~/.cargo/bin/newswatch,
#               else the one in PATH)
#   --enable    then `systemctl --user daemon-reload && systemctl --user enable --now
#               newswatch` (otherwise the script says to)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'install-user: %s\n' "$*" >&2; exit 1; }
say() { printf '  %s\n' "$*"; }

bin=
enable=false
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=${2:?--bin needs a path}; shift 2 ;;
    --enable) enable=true; shift ;;
    *) fail "unknown argument $1 (usage: $0 [--bin PATH] [--enable])" ;;
    esac
done
if [ -z "$bin" ]; then
    if [ -x "$HOME/.cargo/bin/newswatch" ]; then
        bin=$HOME/.cargo/bin/newswatch
    else
        bin=$(command -v newswatch) || fail "no newswatch binary: run \`cargo install --path .\` first, or pass --bin"
    fi
fi
case "$bin" in
/*) ;;
*) fail "--bin must be an absolute path, not $bin" ;;
esac
[ -x "$bin" ] || fail "$bin is not an executable"
# The unit and the desktop entry name it as it is: no quoting or escaping needed.
case "$bin" in
*[[:space:]\"\'\\%\$\`]*) fail "$bin: a path with spaces, quotes, backslashes, dollars, backticks or % cannot go into the unit; install the binary elsewhere" ;;
esac

config_home=${XDG_CONFIG_HOME:-$HOME/.config}
state_home=${XDG_STATE_HOME:-$HOME/.local/state}
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_dir=$config_home/newswatch
state_dir=$state_home/newswatch
demo=$data_home/newswatch/demo/demo-feed.xml

# A TOML basic string holding $1.
toml_string() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

echo "Installing newswatch ($bin) for ${USER:-$(id -un)}"

install -d -m 0755 "$config_dir/watchlists" "$(dirname "$demo")"
install -d -m 0700 "$state_dir"
install -m 0644 config/demo/demo-feed.xml "$demo"
for f in config/watchlists/*.toml; do
    target=$config_dir/watchlists/$(basename "$f")
    if [ -e "$target" ]; then
        say "kept $target"
    else
        install -m 0644 "$f" "$target"
        say "wrote $target"
    fi
done

# The example config, with state and log under $XDG_STATE_HOME and the demo feed
# where it was copied; checked before it is put in place.
config=$config_dir/newswatch.toml
if [ -e "$config" ]; then
    say "kept $config"
else
    tmp=$(mktemp "$config_dir/.newswatch.toml.XXXXXX")
    trap 'rm -f "$tmp"' EXIT
    {
        echo "# Written by packaging/install-user.sh from config/newswatch.toml: state and"
        echo "# alert log live in $state_dir (the user unit's StateDirectory=)."
        echo
        NW_STATE=$(toml_string "$state_dir") NW_LOG=$(toml_string "$state_dir/alerts.jsonl") \
            NW_DEMO=$(toml_string "$demo") awk '
            /^state_dir = / { print "state_dir = " ENVIRON["NW_STATE"]; n++; next }
            /^alert_log = / { print "alert_log = " ENVIRON["NW_LOG"]; n++; next }
            /^url = "demo\/demo-feed.xml"/ { print "url = " ENVIRON["NW_DEMO"]; n++; next }
            { print }
            END { exit n == 3 ? 0 : 1 }' config/newswatch.toml
    } >"$tmp" || fail "config/newswatch.toml no longer has the state_dir, alert_log and demo url lines this script rewrites"
    "$bin" check --config "$tmp" >/dev/null || fail "the config written for you does not pass \`newswatch check\`"
    chmod 0644 "$tmp"
    mv "$tmp" "$config"
    trap - EXIT
    say "wrote $config"
fi

unit=$(<systemd/newswatch-user.service)
install -d -m 0755 "$config_home/systemd/user"
printf '%s\n' "${unit//\/usr\/bin\/newswatch/"$bin"}" >"$config_home/systemd/user/newswatch.service"
say "wrote $config_home/systemd/user/newswatch.service"

entry=$(<packaging/desktop/newswatch.desktop)
install -d -m 0755 "$data_home/applications" "$data_home/icons/hicolor/scalable/apps"
printf '%s\n' "${entry//Exec=newswatch /"Exec=$bin "}" >"$data_home/applications/newswatch.desktop"
install -m 0644 packaging/desktop/newswatch.svg "$data_home/icons/hicolor/scalable/apps/newswatch.svg"
say "wrote $data_home/applications/newswatch.desktop and its icon"

install -d -m 0755 "$data_home/bash-completion/completions" "$data_home/zsh/site-functions" \
    "$config_home/fish/completions" "$data_home/man/man1"
"$bin" completions bash >"$data_home/bash-completion/completions/newswatch"
"$bin" completions zsh >"$data_home/zsh/site-functions/_newswatch"
"$bin" completions fish >"$config_home/fish/completions/newswatch.fish"
"$bin" man "$data_home/man/man1"
say "wrote shell completions and man pages"

if $enable; then
    systemctl --user daemon-reload
    systemctl --user enable --now newswatch
    echo "Started: journalctl --user -u newswatch -f"
else
    echo "Now: systemctl --user daemon-reload && systemctl --user enable --now newswatch"
fi
