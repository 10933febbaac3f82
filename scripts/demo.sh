#!/usr/bin/env bash
# The first README command: install what is missing, build the release preset, start the
# reference server with the demo data and open the desktop client signed in as alice.
# With no display the client runs offscreen (inside a private keyring session) and writes a
# screenshot instead. Ctrl+C stops everything this script started.
set -uo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/demo.sh [options]

Installs missing packages (scripts/install-deps.sh), builds the `release` preset, starts
build/release/bin/chat-server on 127.0.0.1 with the demo users and conversations
(resources/demo-fixture.json) and opens build/release/bin/chat-desktop signed in as alice
(password alice-pw). Without a display (no DISPLAY / WAYLAND_DISPLAY) the client renders
offscreen and saves a screenshot. The server keeps running until Ctrl+C.

Server state and the client profile live in ${XDG_DATA_HOME:-~/.local/share}/chat-demo
(kept between runs; --reset starts from empty).

Options:
  --port N            listen on 127.0.0.1:N (default: a free port chosen by the server)
  --screenshot FILE   where the headless screenshot goes (default: <state dir>/screenshot.png)
  --offscreen         render offscreen and take the screenshot even when a display exists
  --once              stop the server once the client exits / the screenshot is taken
  --reset             delete the demo state (server data, alice's profile) before starting
  --no-deps           skip scripts/install-deps.sh
  --no-build          use the existing build/release binaries
  --help              this text
USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port=0
screenshot=""
offscreen=0
once=0
reset=0
do_deps=1
do_build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port)
            [[ "${2:-}" =~ ^[0-9]+$ && "$2" -le 65535 ]] || { echo "demo.sh: --port needs a number 0-65535" >&2; exit 2; }
            port=$2; shift ;;
        --screenshot)
            [[ -n "${2:-}" ]] || { echo "demo.sh: --screenshot needs a file name" >&2; exit 2; }
            screenshot=$2; shift ;;
        --offscreen) offscreen=1 ;;
        --once) once=1 ;;
        --reset) reset=1 ;;
        --no-deps) do_deps=0 ;;
        --no-build) do_build=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n\033[1m%s\033[0m\n' "$*" 2>/dev/null || printf '\n%s\n' "$*"; }
[[ -t 1 ]] || say() { printf '\n%s\n' "$*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

bindir="$root/build/release/bin"
fixture="$root/resources/demo-fixture.json"
state="${XDG_DATA_HOME:-$HOME/.local/share}/chat-demo"
[[ -n "$screenshot" ]] || screenshot="$state/screenshot.png"
[[ "$screenshot" == /* ]] || screenshot="$PWD/$screenshot"

# --- 1. dependencies and build -------------------------------------------------------------
if [[ $do_deps -eq 1 ]]; then
    say "Installing missing packages (scripts/install-deps.sh)"
    "$root/scripts/install-deps.sh" </dev/null || die "installing packages failed (see above)"
fi
if [[ $do_build -eq 1 ]]; then
    say "Building the release preset (build/release)"
    cd "$root" || exit 1
    cmake --preset release >/dev/null || die "configure failed: run 'cmake --preset release' to see why"
    targets=(chat-server)
    known="$(ninja -C build/release -t targets all 2>/dev/null)"
    for t in chat-desktop chat-cli chat-demo-bot; do
        grep -q "^$t:" <<<"$known" && targets+=("$t")
    done
    cmake --build --preset release --target "${targets[@]}" || die "build failed (see above)"
fi
[[ -x "$bindir/chat-server" ]] || die "$bindir/chat-server is missing: the server does not build yet"
[[ -f "$fixture" ]] || die "$fixture is missing: the demo data is not written yet"

# --- 2. the server ---------------------------------------------------------------------------
if [[ $reset -eq 1 ]]; then
    rm -rf "$state/server" "$state/profile-alice"
fi
mkdir -p "$state/server" "$state/profile-alice"
token="$(openssl rand -hex 16 2>/dev/null || od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
log="$state/server.log"
server_pid=""
client_pid=""

cleanup() {
    trap - INT TERM EXIT
    if [[ -n "$client_pid" ]] && kill -0 "$client_pid" 2>/dev/null; then
        kill -TERM "$client_pid" 2>/dev/null
        wait "$client_pid" 2>/dev/null
    fi
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        echo "Stopping the server (pid $server_pid)..."
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            echo "The server did not stop within 10 s; killing it."
            kill -KILL "$server_pid" 2>/dev/null
        fi
        wait "$server_pid" 2>/dev/null
        echo "Stopped. State kept in $state"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Starting chat-server on 127.0.0.1:$port"
# stdbuf: the "listening" line must reach the log at once even if stdout is block-buffered.
stdbuf -oL -eL "$bindir/chat-server" --listen "127.0.0.1:$port" --data "$state/server" \
    --fixture "$fixture" --admin-token "$token" </dev/null >"$log" 2>&1 &
server_pid=$!

url=""
for _ in $(seq 300); do
    url="$(sed -n 's/.*listening \(wss\{0,1\}:\/\/[^[:space:]]*\).*/\1/p' "$log" | head -1)"
    [[ -n "$url" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "The server did not report 'listening ws://...' (log: $log):" >&2
    tail -20 "$log" >&2
    exit 1
fi

users="$(node -e '
    const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const u of f.users || []) console.log(`    ${u.username.padEnd(10)} password ${u.password}`);
' "$fixture" 2>/dev/null)"
[[ -n "$users" ]] || users="    alice      password alice-pw   (all demo users: $fixture)"

cat <<INFO

  Server      $url   (pid $server_pid, log $log)
  Data        $state/server
  Admin token $token
  Demo users:
$users

INFO

# Demo activity (app/demo-bot): bob and carol answer alice after typing, and chat in the group.
if [[ -x "$bindir/chat-demo-bot" ]]; then
    "$bindir/chat-demo-bot" --server "$url" --profile "$state/profile-bots" --as bob,carol \
        </dev/null >"$state/demo-bot.log" 2>&1 &
    bot_pid=$!
    trap 'kill -TERM "$bot_pid" 2>/dev/null; wait "$bot_pid" 2>/dev/null; cleanup' EXIT
    echo "  Demo bot    bob and carol answer alice (pid $bot_pid, log $state/demo-bot.log)"
fi

# --- 3. the client -----------------------------------------------------------------------------
client="$bindir/chat-desktop"
client_args=(--server "$url" --profile "$state/profile-alice" --username alice --password alice-pw)
if [[ ! -x "$client" ]]; then
    say "The desktop client (build/release/bin/chat-desktop) does not exist yet."
    echo "The server is running: connect any protocol-v1 client to $url as one of the users above"
    [[ -x "$bindir/chat-cli" ]] && echo "(for example the command-line client: $bindir/chat-cli --help)."
    if [[ $once -eq 1 ]]; then
        echo "--once: stopping the server now."
        exit 0
    fi
    echo "Press Ctrl+C to stop the server."
    wait "$server_pid"
    echo "The server exited by itself (log: $log)."
    exit 1
fi

if [[ $offscreen -eq 0 && ( -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ) ]]; then
    say "Opening the desktop client as alice"
    "$client" "${client_args[@]}" &
    client_pid=$!
    wait "$client_pid"
    rc=$?
    client_pid=""
    echo "The client exited (code $rc); stopping the server."
    exit "$rc"
fi

say "No display: running the client offscreen and taking a screenshot"
mkdir -p "$(dirname "$screenshot")"
rm -f "$screenshot"
# A private D-Bus session with an unlocked keyring stands in for the desktop's keychain, so the
# headless client neither fails on "no keychain" nor touches the user's real one.
# The picture shows the demo group conversation open when the fixture has one.
grep -q '"title": *"Team"' "$fixture" && client_args+=(--open Team)
QT_QPA_PLATFORM=offscreen timeout 180 "$root/tests/tools/with-keyring.sh" \
    "$client" "${client_args[@]}" --screenshot "$screenshot" --quit-after 8000 &
client_pid=$!
wait "$client_pid"
rc=$?
client_pid=""
if [[ $rc -ne 0 || ! -s "$screenshot" ]]; then
    echo "The client exited with code $rc and wrote no screenshot at $screenshot." >&2
    exit 1
fi
size="$(identify -format '%wx%h' "$screenshot" 2>/dev/null)"
say "Screenshot of alice's window: $screenshot ${size:+($size)}"
if [[ $once -eq 1 ]]; then
    exit 0
fi
echo "The server keeps running at $url; press Ctrl+C to stop it."
wait "$server_pid"
echo "The server exited by itself (log: $log)."
exit 1
