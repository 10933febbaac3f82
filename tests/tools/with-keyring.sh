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

# session_pids: processes still alive that were started inside this private session (their
# environment carries our XDG_RUNTIME_DIR). The D-Bus-activated gnome-keyring-daemon sometimes
# outlives the bus; this finds exactly those, never anything found by name.
session_pids() {
    local f pid
    for f in /proc/[0-9]*/environ; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        [[ "$pid" == "$$" ]] && continue
        if tr '\0' '\n' 2>/dev/null <"$f" | grep -qxF "XDG_RUNTIME_DIR=$KH/run"; then
            echo "$pid"
        fi
    done
}

alive() { # a zombie has finished: it only waits for its parent
    local st
    st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [[ "$st" != Z* ]]
}

cleanup() {
    set +e # best effort from here on; the exit status is COMMAND's
    local pids pid
    pids="$(session_pids)"
    if [[ -n "$pids" ]]; then
        kill -TERM $pids 2>/dev/null
        for _ in $(seq 50); do
            pids="$(for pid in $pids; do alive "$pid" && echo "$pid"; done)"
            [[ -z "$pids" ]] && break
            sleep 0.1
        done
        [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    fi
    # Retry: a daemon that was just shutting down may have recreated a folder meanwhile.
    for _ in $(seq 25); do
        rm -rf "$KH" 2>/dev/null
        [[ -e "$KH" ]] || return 0
        sleep 0.2
    done
    echo "with-keyring.sh: could not remove $KH" >&2
}
trap cleanup EXIT

rc=0
HOME="$KH" XDG_DATA_HOME="$KH/.local/share" XDG_RUNTIME_DIR="$KH/run" \
    dbus-run-session -- sh -c \
    'printf ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
    sh "$@" || rc=$?
exit "$rc"
