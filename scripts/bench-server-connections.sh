#!/bin/bash
# chat-server (epoll loop, the default) holding K authenticated idle connections:
# `chat-bench connections` with held connections in worker processes of 9000 each.
#   scripts/bench-server-connections.sh BUILD_DIR OUT_DIR K [chat-server args...]
set -euo pipefail
BUILD=$1 OUT=$2 K=$3
shift 3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BUILD/bin/chat-server" --listen 127.0.0.1:0 --data "$DIR/data" --rate-limit 0 "$@" \
    > "$DIR/out" 2> "$DIR/err" &
PID=$!
for _ in $(seq 100); do grep -q listening "$DIR/out" && break; sleep 0.1; done
URL=$(sed -n 's/^listening //p' "$DIR/out")
"$BUILD/bin/chat-bench" connections --url "$URL" --server-pid "$PID" --connections "$K" \
    --probe 100 --idle 10 --open-rate 500 --out "$OUT/server-connections-$K.json" > /dev/null || true
kill "$PID"; wait "$PID" 2>/dev/null || true
