#!/usr/bin/env bash
# Runs COMMAND inside a private D-Bus session with an unlocked gnome-keyring, in a throw-away
# HOME, so QtKeychain has a working Secret Service backend in CI and nothing touches the
# user's real keyring. This is the recipe measured in the project notes (10 of 10 runs).
set -euo pipefail

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
    cat <<'USAGE'
Usage: tests/tools/with-keyring.sh COMMAND [ARGS...]

Runs COMMAND with HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR in a fresh temporary folder, inside
`dbus-run-session` with gnome-keyring-daemon (secrets component) started and unlocked.
Exits with COMMAND's exit code; the folder, the bus and the keyring daemon are gone after.
USAGE
    [[ $# -eq 0 ]] && exit 2 || exit 0
fi

for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null ||
        { echo "with-keyring.sh: $tool not found (packages dbus, gnome-keyring)" >&2; exit 1; }
done

KH="$(mktemp -d "${TMPDIR:-/tmp}/chat-keyring.XXXXXX")"
mkdir -p -m 700 "$KH/run" "$KH/.local/share"

cleanup() {
    local pid
    # gnome-keyring-daemon normally leaves with the bus; if it did not, stop exactly the
    # daemon that holds this private control socket (never a process found by name).
    if [[ -S "$KH/run/keyring/control" ]] && command -v fuser >/dev/null; then
        for pid in $(fuser "$KH/run/keyring/control" 2>/dev/null); do
            kill -TERM "$pid" 2>/dev/null || true
        done
    fi
    rm -rf "$KH"
}
trap cleanup EXIT

rc=0
HOME="$KH" XDG_DATA_HOME="$KH/.local/share" XDG_RUNTIME_DIR="$KH/run" \
    dbus-run-session -- sh -c \
    'printf ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
    sh "$@" || rc=$?
exit "$rc"
