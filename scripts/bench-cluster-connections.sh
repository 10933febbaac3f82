#!/bin/bash
# Scale-out: K authenticated idle connections spread over N chat-server nodes (default 6)
# started by scripts/cluster.sh (PostgreSQL + Redis + nodes + HAProxy on 127.0.0.1).
#   scripts/bench-cluster-connections.sh BUILD_DIR OUT_DIR K [NODES]
# Writes OUT_DIR/cluster-connections-K.json (chat-bench's summary with every node's RSS and
# idle CPU, plus Redis memory and the nodes' RSS sampled while the K connections are held).
#
# The connections go straight to the nodes (round robin over their ports), not through
# HAProxy: one HAProxy process holds about 9000 proxied connections here (20,000 open files,
# two sockets each; deploy/haproxy/chat.cfg.in), so 100k would need a dozen of them.
# Accounts as in bench-server-connections.sh: the first node hashes one fixture user's
# password, scripts/bench-seed-accounts.py copies that Argon2id hash to K/10 users with a
# token each into the shared PostgreSQL store, and every connection authenticates by token.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1 OUT=$2 K=$3 NODES=${4:-6}
DIR=$(mktemp -d)
STATE="$DIR/cluster"
cleanup() {
    "$ROOT/scripts/cluster.sh" stop --state "$STATE" > /dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT
log() { echo "== $(date -u +%H:%M:%S) $*  (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2; }

echo '{"users":[{"username":"seed","password":"seed-password","display_name":"Seed"}]}' \
    > "$DIR/fixture.json"
log "starting $NODES nodes"
"$ROOT/scripts/cluster.sh" start --nodes "$NODES" --state "$STATE" --server "$BUILD/bin/chat-server" \
    --fixture "$DIR/fixture.json" --rate-limit 0 --stop-with $$ >&2
PG=$(cat "$STATE/pg.url")
REDIS_PORT=$(cat "$STATE/redis/port")
HASH=$(psql "$PG" -At -c "SELECT password_hash FROM users WHERE username = 'seed'")
[ -n "$HASH" ] || { echo "the seed user is not in the store" >&2; exit 1; }
python3 "$ROOT/scripts/bench-seed-accounts.py" sql "$HASH" $(((K + 9) / 10)) "$DIR/accounts.txt" \
    | psql "$PG" -q -v ON_ERROR_STOP=1 > /dev/null

ARGS=()
PIDS=()
for i in $(seq "$NODES"); do
    ARGS+=(--url "ws://127.0.0.1:$(cat "$STATE/nodes/n$i.port")")
    PIDS+=("$(cat "$STATE/nodes/n$i.pid")")
    ARGS+=(--server-pid "${PIDS[-1]}")
done
redis_mem() { redis-cli -p "$REDIS_PORT" info memory | tr -d '\r' | sed -n 's/^used_memory:\(.*\)/\1/p'; }
redis_keys() { redis-cli -p "$REDIS_PORT" dbsize | tr -d '\r'; }
REDIS_BEFORE=$(redis_mem)
KEYS_BEFORE=$(redis_keys)
log "chat-bench connections: $K over $NODES nodes (pids ${PIDS[*]})"
"$BUILD/bin/chat-bench" connections "${ARGS[@]}" --connections "$K" \
    --accounts-file "$DIR/accounts.txt" --probe 120 --idle 10 --open-rate 1000 \
    --per-process 9000 --hold 30 --out "$DIR/bench.json" > /dev/null 2> "$DIR/bench.err" &
BENCH=$!
# While chat-bench holds the connections: Redis memory and each node's RSS from /proc.
HELD=""
while kill -0 "$BENCH" 2>/dev/null; do
    if grep -qs "^chat-bench: holding" "$DIR/bench.err" && [ -z "$HELD" ]; then
        sleep 5
        HELD=$(grep -m1 '^chat-bench: holding' "$DIR/bench.err")
        REDIS_HELD=$(redis_mem)
        KEYS_HELD=$(redis_keys)
        NODE_RSS=""
        for p in "${PIDS[@]}"; do
            NODE_RSS+="$(awk '/^VmRSS/ {print $2}' "/proc/$p/status") "
        done
        LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
        log "$HELD; redis used_memory $REDIS_HELD (before $REDIS_BEFORE); node RSS kB: $NODE_RSS"
    fi
    sleep 1
done
wait "$BENCH" || true
grep -v '^chat-bench: holding' "$DIR/bench.err" | tail -5 >&2 || true
python3 - "$DIR/bench.json" "$OUT/cluster-connections-$K.json" <<EOF
import json, sys
r = json.load(open(sys.argv[1]))
r["cluster"] = {
    "nodes": $NODES,
    "direct_to_nodes": True,
    "held_line": "${HELD:-}",
    "redis_used_memory_before": int("${REDIS_BEFORE:-0}" or 0),
    "redis_used_memory_held": int("${REDIS_HELD:-0}" or 0),
    "redis_keys_before": int("${KEYS_BEFORE:-0}" or 0),
    "redis_keys_held": int("${KEYS_HELD:-0}" or 0),
    "node_rss_kb_held": [int(x) for x in "${NODE_RSS:-}".split()],
    "load_held": "${LOAD:-}",
}
json.dump(r, open(sys.argv[2], "w"), indent=2)
EOF
log "done: $OUT/cluster-connections-$K.json"
