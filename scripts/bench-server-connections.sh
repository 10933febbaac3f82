#!/bin/bash
# chat-server (epoll loop, the default) holding K authenticated idle connections:
# `chat-bench connections` with held connections in worker processes of 9000 each.
#   scripts/bench-server-connections.sh BUILD_DIR OUT_DIR K [chat-server args...]
# Writes OUT_DIR/server-connections-K.json.
#
# Accounts: K connections need K/10 users (protocol §12: at most 10 connections per user).
# Registering them through the protocol costs an Argon2id hash each (minutes for 1,900), so
# the server hashes one fixture user's password at start, is stopped, and
# scripts/bench-seed-accounts.py copies that hash to K/10 users with one session token each
# into its SQLite store; the server is started again on that store and every connection
# authenticates with `auth` + token (what a resumed client does).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1 OUT=$2 K=$3
shift 3
DIR=$(mktemp -d)
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID"
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT

start_server() { # start_server ARGS...: starts chat-server, sets PID and URL
    : > "$DIR/out"
    "$BUILD/bin/chat-server" --listen 127.0.0.1:0 --data "$DIR/data" --rate-limit 0 "$@" \
        >> "$DIR/out" 2>> "$DIR/err" &
    PID=$!
    for _ in $(seq 300); do grep -q listening "$DIR/out" && break; sleep 0.1; done
    URL=$(sed -n 's/^listening //p' "$DIR/out")
    [ -n "$URL" ] || { echo "chat-server did not start:" >&2; tail -5 "$DIR/err" >&2; exit 1; }
}

echo '{"users":[{"username":"seed","password":"seed-password","display_name":"Seed"}]}' \
    > "$DIR/fixture.json"
start_server --fixture "$DIR/fixture.json" "$@"
kill "$PID"; wait "$PID" 2>/dev/null || true
PID=""
python3 "$ROOT/scripts/bench-seed-accounts.py" sqlite "$DIR/data/chat.db" seed $(((K + 9) / 10)) \
    "$DIR/accounts.txt"

start_server "$@"
echo "chat-server pid $PID on $URL; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BUILD/bin/chat-bench" connections --url "$URL" --server-pid "$PID" --connections "$K" \
    --accounts-file "$DIR/accounts.txt" --probe 100 --idle 10 --open-rate 500 \
    --out "$OUT/server-connections-$K.json" > /dev/null || true
