#!/usr/bin/env bash
# Regenerates the screenshots in this folder: a reference server with the desktop demo fixture
# (tests/e2e/desktop-fixture.json) on a free loopback port, then chat-desktop offscreen for each
# screen. Usage: docs/screenshots/regenerate.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(cd "${1:-$root/build}" && pwd)/bin"
work="$(mktemp -d "${TMPDIR:-/tmp}/chat-shots.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
export QT_QPA_PLATFORM=offscreen QT_QUICK_CONTROLS_STYLE=Basic LANGUAGE=en

start_server() {
    "$bin/chat-server" --listen 127.0.0.1:0 --data "$work/server" \
        --fixture "$root/tests/e2e/desktop-fixture.json" >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 100); do
        url="$(grep -o 'ws://[0-9.:]*' "$work/server.out" | head -1 || true)"
        [[ -n "$url" ]] && return 0
        sleep 0.1
    done
    echo "chat-server did not start:" >&2; cat "$work/server.err" >&2; exit 1
}
desktop() { "$bin/chat-desktop" --server "$url" "$@" >/dev/null 2>>"$work/desktop.err"; }

start_server
# Bob and Carol read what Alice wrote, so her ticks show every state.
desktop --profile "$work/bob" --username bob --password bob-pw1 --open alice --quit-after 3000
desktop --profile "$work/carol" --username carol --password carol-pw --open "Release Team" --quit-after 3000
desktop --profile "$work/signin" --theme light --screenshot "$here/signin-light.png" --quit-after 1500
desktop --profile "$work/alice" --username alice --password alice-pw --open bob --theme light \
    --send "Here they are: light, dark and German." --screenshot "$here/main-light.png" --quit-after 4000
desktop --profile "$work/alice" --username alice --password alice-pw --open "Release Team" \
    --theme dark --screenshot "$here/group-dark.png" --quit-after 4000
desktop --profile "$work/alice" --username alice --password alice-pw --open bob --theme dark \
    --screenshot "$here/main-dark.png" --quit-after 4000
desktop --profile "$work/alice-de" --username alice --password alice-pw --open "Release Team" \
    --theme light --language de --screenshot "$here/main-de.png" --quit-after 4000
desktop --profile "$work/alice-fr" --username alice --password alice-pw --open bob \
    --theme dark --language fr --screenshot "$here/main-fr-dark.png" --quit-after 4000
desktop --profile "$work/alice" --username alice --password alice-pw --open bob --theme light \
    --show settings --screenshot "$here/settings-light.png" --quit-after 4000
desktop --profile "$work/alice" --username alice --password alice-pw --open "Release Team" \
    --theme dark --show settings --screenshot "$here/settings-dark.png" --quit-after 4000
desktop --profile "$work/alice" --username alice --password alice-pw --open "Release Team" \
    --theme light --show members --screenshot "$here/members-light.png" --quit-after 4000
# Offline: the server is gone, the history still opens from the local store.
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
desktop --profile "$work/alice" --username alice --password alice-pw --open carol --theme light \
    --send "Written offline, sent later" --screenshot "$here/offline-light.png" --quit-after 3000
echo "screenshots written to $here"
