#!/bin/bash
# Event-loop sweep: bench-echo-server (auth + ping only) with Qt's stock dispatcher and with
# the epoll dispatcher, `chat-bench connections` at each K: ping latency on 100 probe
# connections with only them open and with K open, idle CPU, RSS per connection.
#   scripts/bench-eventloop.sh BUILD_DIR OUT_DIR K...
set -euo pipefail
BUILD=$1 OUT=$2
shift 2
for K in "$@"; do
    for LOOP in qt epoll; do
        DIR=$(mktemp -d)
        "$BUILD/bin/bench-echo-server" --listen 127.0.0.1:0 --event-loop "$LOOP" > "$DIR/out" &
        PID=$!
        for _ in $(seq 100); do grep -q listening "$DIR/out" && break; sleep 0.1; done
        URL=$(sed -n 's/^listening //p' "$DIR/out")
        echo "   echo server ($LOOP) at $K connections" >&2
        "$BUILD/bin/chat-bench" connections --url "$URL" --server-pid "$PID" --connections "$K" \
            --probe 100 --idle 5 --ping-seconds 5 --open-rate 800 \
            --out "$OUT/eventloop-$LOOP-$K.json" > /dev/null || true
        kill "$PID"; wait "$PID" 2>/dev/null || true
        rm -rf "$DIR"
    done
done
