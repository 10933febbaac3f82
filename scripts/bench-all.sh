#!/bin/bash
# Full benchmark runs (issue 7): builds the Release targets, installs the Node.js peer's
# dependencies, runs every chat-bench scenario against chat-server and the peer in one
# invocation each (`chat-bench compare`), sweeps the event loops with bench-echo-server, and
# draws the plots. Results: docs/perf/*.json and docs/perf/*.png, read by docs/PERFORMANCE.md.
#
#   scripts/bench-all.sh                 # every stage (about 30-40 minutes on 2 busy cores)
#   scripts/bench-all.sh throughput latency   # only these stages
# Stages: throughput latency fanout catchup connections eventloop server19k client engine desktop
#         plot, and cluster100k (not in the default set: 100k connections over 6 nodes with
#         PostgreSQL + Redis, about 8 minutes and 5 GB of memory; scripts/cluster.sh)
# Environment: BUILD (default build-bench-rel), OUT (default docs/perf), CATCHUP_MESSAGES,
# LOOP_COUNTS (event-loop sweep, default "1000 5000 10000 19000"), DESKTOP_PROFILES (where
# chat-bench-desktop keeps its filled 1M-message profile, default /tmp/chat-bench-desktop).
# Everything runs on 127.0.0.1 with temporary data directories that are removed afterwards.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench-rel}
OUT=${OUT:-$ROOT/docs/perf}
mkdir -p "$OUT"
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=(throughput latency fanout catchup connections eventloop server19k client engine desktop plot)
want() { local s; for s in "${STAGES[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$BUILD" chat-server chat-bench bench-echo-server chat-bench-client chat-bench-engine \
    chat-desktop chat-bench-desktop
"$ROOT/scripts/bench-peer-install.sh"
export QT_LOGGING_RULES="chat.server.*.info=false"
B="$BUILD/bin/chat-bench"
SB=(--server-bin "$BUILD/bin/chat-server")
log() { echo "== $(date -u +%H:%M:%S) $*  (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2; }

if want throughput; then
    log throughput
    "$B" compare throughput "${SB[@]}" --senders 16 --receivers 16 --window 64 --duration 10 \
        --out "$OUT/throughput.json" > /dev/null || true
fi
if want latency; then
    log latency
    "$B" compare latency "${SB[@]}" --senders 8 --receivers 8 --rates 1000,5000,10000 \
        --duration 10 --out "$OUT/latency.json" > /dev/null || true
fi
if want fanout; then
    log fanout
    # Receivers in 2 fanout-worker processes (lean: frame headers only); 300k deliveries per
    # size so that the window at 1000 members lasts long enough for /proc's 10 ms CPU ticks.
    "$B" compare fanout "${SB[@]}" --groups 10,100,1000 --fanout-deliveries 300000 \
        --receiver-processes 2 --out "$OUT/fanout.json" > /dev/null || true
fi
if want catchup; then
    log catchup
    "$B" compare catchup "${SB[@]}" --messages "${CATCHUP_MESSAGES:-100000}" --conversations 500 \
        --out "$OUT/catchup.json" > /dev/null || true
fi
if want connections; then
    log connections
    "$B" compare connections "${SB[@]}" --connections 2000 --probe 100 --idle 10 \
        --out "$OUT/connections.json" > /dev/null || true
fi
if want eventloop; then
    log eventloop
    "$ROOT/scripts/bench-eventloop.sh" "$BUILD" "$OUT" ${LOOP_COUNTS:-1000 5000 10000 19000}
fi
if want server19k; then
    log "chat-server at 19k connections"
    "$ROOT/scripts/bench-server-connections.sh" "$BUILD" "$OUT" 19000
fi
if want client; then
    log "client (LocalStore)"
    "$BUILD/bin/chat-bench-client" --out "$OUT/localstore.json" > /dev/null || true
fi
if want engine; then
    log "engine catch-up"
    "$BUILD/bin/chat-bench-engine" --messages "${CATCHUP_MESSAGES:-100000}" --conversations 500 \
        --server-bin "$BUILD/bin/chat-server" --out "$OUT/engine-catchup.json" > /dev/null || true
fi
if want desktop; then
    log "desktop: start with a 1M cache vs empty, RSS, model batch apply"
    QT_LOGGING_RULES="chat.*.info=false" "$BUILD/bin/chat-bench-desktop" \
        --profiles "${DESKTOP_PROFILES:-/tmp/chat-bench-desktop}" --messages 1000000 \
        --conversations 200 --runs 7 --rounds 3 --batches 1000,10000 \
        --out "$OUT/desktop.json" > /dev/null || true
fi
if want cluster100k; then
    log "100k connections over 6 nodes"
    "$ROOT/scripts/bench-cluster-connections.sh" "$BUILD" "$OUT" 100000 6
fi
if want plot; then
    log plot
    "$ROOT/scripts/plot-perf.sh" "$OUT"
fi
log done
