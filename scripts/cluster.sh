#!/usr/bin/env bash
# A local chat-server cluster on loopback: PostgreSQL + Redis (temporary data), N chat-server
# nodes sharing them, HAProxy in front. See docs/SCALING.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tests/tools"
. "$TOOLS/lib.sh"

usage() {
    cat <<'USAGE'
Usage: scripts/cluster.sh start [--nodes N] [--state DIR] [--server PATH] [--fixture FILE]
                                [--admin-token T] [--heartbeat-ms N] [--rate-limit N]
                                [--stop-with PID]
       scripts/cluster.sh stop [--state DIR]
       scripts/cluster.sh status [--state DIR]
       scripts/cluster.sh kill-node ID [--state DIR]      SIGKILL one node (failure drills)
       scripts/cluster.sh start-node ID [--state DIR]     start a stopped/killed node again
       scripts/cluster.sh restart-redis [--state DIR]     Redis dies (SHUTDOWN NOSAVE: all its
                                                          data is gone) and comes back on its port

start   PostgreSQL and Redis on 127.0.0.1 with temporary data, N chat-server nodes (default 3)
        started as `chat-server --listen 127.0.0.1:PORT --store postgres://... --redis
        redis://... --node-id nK` (a free port below the ephemeral range, kept when the node
        is restarted), and HAProxy (deploy/haproxy/chat.cfg.in) in front of them. Prints
        `cluster ws://127.0.0.1:PORT` - the URL clients connect to - once everything answers.
stop    stops HAProxy, the nodes (SIGTERM, then SIGKILL after 20 s), Redis and PostgreSQL,
        and deletes their data. Safe to run twice.
status  one line per component: running or not, pid, address.

--state DIR     where pids, ports, URLs and logs live (default: $CHAT_CLUSTER_DIR or
                ${TMPDIR:-/tmp}/chat-cluster-$UID). The node logs are DIR/nodes/nK.log.
--server PATH   the chat-server binary (default: $CHAT_SERVER, else the newest build*/bin/chat-server)
--fixture FILE  passed to the first node only (fixtures are idempotent, the store is shared)
--stop-with PID start: stop the cluster by itself once process PID is gone (tests use it so a
                crashed test leaves nothing running)

Every listener is on 127.0.0.1. Needs: postgresql, redis-server, redis-tools, haproxy, iproute2
(scripts/install-deps.sh).
USAGE
}

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

STATE="${CHAT_CLUSTER_DIR:-${TMPDIR:-/tmp}/chat-cluster-$(id -u)}"
NODES=3
SERVER="${CHAT_SERVER:-}"
FIXTURE=""
ADMIN_TOKEN=""
HEARTBEAT_MS=""
RATE_LIMIT=""
STOP_WITH=""

find_server() {
    [[ -n "$SERVER" ]] && { [[ -x "$SERVER" ]] || die "--server $SERVER is not executable"; return; }
    local f newest=""
    for f in "$ROOT"/build*/bin/chat-server; do
        [[ -x "$f" ]] || continue
        if [[ -z "$newest" || "$f" -nt "$newest" ]]; then newest="$f"; fi
    done
    [[ -n "$newest" ]] || die "no chat-server binary found; build it (cmake --build build) or pass --server"
    SERVER="$newest"
}

node_pid_alive() { [[ -f "$STATE/nodes/$1.pid" ]] && kill -0 "$(cat "$STATE/nodes/$1.pid")" 2>/dev/null; }

# start_node ID: starts chat-server for node ID; waits for its `listening` line.
start_node() {
    local id=$1 log port args
    node_pid_alive "$id" && die "node $id is already running"
    [[ -f "$STATE/server" ]] && SERVER="$(cat "$STATE/server")"
    log="$STATE/nodes/$id.log"
    mkdir -p "$STATE/nodes/$id.data"
    # The port is kept across restarts so HAProxy's server line stays valid.
    # A port below the kernel's ephemeral range (lib.sh free_port), so a restarted node does
    # not find it taken by somebody's outgoing connection.
    if [[ -f "$STATE/nodes/$id.port" ]]; then
        port="$(cat "$STATE/nodes/$id.port")"
    else
        port="$(free_port)"
    fi
    args=(--listen "127.0.0.1:$port" --data "$STATE/nodes/$id.data"
        --store "$(cat "$STATE/pg.url")" --redis "$(cat "$STATE/redis.url")" --node-id "$id")
    [[ -f "$STATE/args" ]] && mapfile -t -O "${#args[@]}" args <"$STATE/args"
    [[ "$id" == n1 && -n "$FIXTURE" ]] && args+=(--fixture "$FIXTURE")
    : >"$log"
    # setsid: the node outlives this script and is not hit by the terminal's Ctrl-C.
    setsid "$SERVER" "${args[@]}" >>"$log" 2>&1 </dev/null &
    echo $! >"$STATE/nodes/$id.pid"
    local deadline=$((SECONDS + 30))
    until grep -q '^listening ws://' "$log"; do
        if ! node_pid_alive "$id" || ((SECONDS > deadline)); then
            tail -20 "$log" >&2
            rm -f "$STATE/nodes/$id.pid"
            die "node $id did not start (log: $log)"
        fi
        sleep 0.1
    done
    port="$(grep -m1 '^listening ws://' "$log" | sed -E 's/.*:([0-9]+)\/?$/\1/')"
    echo "$port" >"$STATE/nodes/$id.port"
}

stop_node() {
    local id=$1
    if [[ -f "$STATE/nodes/$id.pid" ]]; then
        stop_pid "$(cat "$STATE/nodes/$id.pid")" "chat-server $id"
        rm -f "$STATE/nodes/$id.pid"
    fi
}

cmd_start() {
    find_server
    [[ "$NODES" =~ ^[0-9]+$ && "$NODES" -ge 1 && "$NODES" -le 32 ]] || die "--nodes must be 1..32"
    if [[ -f "$STATE/lb.url" ]] || ls "$STATE"/nodes/*.pid >/dev/null 2>&1; then
        die "a cluster is already running in $STATE (scripts/cluster.sh stop first)"
    fi
    mkdir -p "$STATE/nodes" "$STATE/pg" "$STATE/redis" "$STATE/lb"
    echo "$SERVER" >"$STATE/server"
    : >"$STATE/args"
    [[ -n "$ADMIN_TOKEN" ]] && printf '%s\n' --admin-token "$ADMIN_TOKEN" >>"$STATE/args"
    [[ -n "$HEARTBEAT_MS" ]] && printf '%s\n' --heartbeat-ms "$HEARTBEAT_MS" >>"$STATE/args"
    [[ -n "$RATE_LIMIT" ]] && printf '%s\n' --rate-limit "$RATE_LIMIT" >>"$STATE/args"
    # Anything failing from here on: take down what was started.
    trap 'if [[ $? -ne 0 ]]; then echo "cluster.sh: start failed; stopping what was started" >&2; cmd_stop >/dev/null 2>&1; fi' EXIT
    bash "$TOOLS/pg.sh" start "$STATE/pg" chat >"$STATE/pg.url"
    bash "$TOOLS/redis.sh" start "$STATE/redis" >"$STATE/redis.url"
    local i servers="" port
    for ((i = 1; i <= NODES; i++)); do
        start_node "n$i"
        port="$(cat "$STATE/nodes/n$i.port")"
        servers+="    server n$i 127.0.0.1:$port"$'\n'
    done
    awk -v s="$servers" '{ if ($0 == "@SERVERS@") printf "%s", s; else print }' \
        "$ROOT/deploy/haproxy/chat.cfg.in" >"$STATE/haproxy.cfg"
    bash "$TOOLS/haproxy.sh" start "$STATE/lb" "$STATE/haproxy.cfg" >"$STATE/lb.url"
    trap - EXIT
    if [[ -n "$STOP_WITH" ]]; then
        # A watcher outside this script's session: when PID exits (even by a crash), stop.
        setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
            [[ -d "$3" ]] && exec bash "$2" stop --state "$3" >/dev/null 2>&1' \
            watcher "$STOP_WITH" "$ROOT/scripts/cluster.sh" "$STATE" </dev/null >/dev/null 2>&1 &
        echo $! >"$STATE/watcher.pid"
    fi
    echo "cluster $(cat "$STATE/lb.url")"
}

cmd_stop() {
    [[ -d "$STATE" ]] || return 0
    if [[ -f "$STATE/watcher.pid" ]]; then
        local w
        w="$(cat "$STATE/watcher.pid")"
        [[ "$w" != "$$" ]] && kill "$w" 2>/dev/null || true
        rm -f "$STATE/watcher.pid"
    fi
    [[ -d "$STATE/lb" ]] && bash "$TOOLS/haproxy.sh" stop "$STATE/lb"
    local f
    for f in "$STATE"/nodes/*.pid; do
        [[ -f "$f" ]] || continue
        stop_node "$(basename "$f" .pid)"
    done
    [[ -d "$STATE/redis" ]] && bash "$TOOLS/redis.sh" stop "$STATE/redis"
    [[ -d "$STATE/pg" ]] && bash "$TOOLS/pg.sh" stop "$STATE/pg"
    rm -rf "$STATE"
    echo "cluster stopped"
}

# Redis loses everything it held (as after a crash without persistence) and returns on the
# same port, which the nodes keep reconnecting to.
cmd_restart_redis() {
    local st="$STATE/redis" port root
    [[ -f "$st/port" && -f "$st/root" ]] || die "no Redis in $STATE"
    port="$(cat "$st/port")"
    root="$(cat "$st/root")"
    local pid
    pid="$(cat "$root/redis.pid" 2>/dev/null || true)"
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    if [[ -n "$pid" ]]; then
        wait_pid_gone "$pid" 10 || die "Redis (pid $pid) did not stop"
    fi
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
        --dir "$root" --pidfile "$root/redis.pid" --logfile "$root/redis.log" </dev/null >/dev/null
    wait_until 10 sh -c "redis-cli -p $port ping | grep -q PONG" || die "Redis did not come back"
    wait_until 5 test -s "$root/redis.pid" || die "Redis wrote no pid file"
    echo "redis restarted on port $port"
}

cmd_status() {
    [[ -d "$STATE" ]] || { echo "no cluster in $STATE"; return 3; }
    local ok=0 f id
    local isready
    isready="$(ls /usr/lib/postgresql/*/bin/pg_isready 2>/dev/null | tail -1)"
    if [[ -f "$STATE/pg.url" && -n "$isready" ]] &&
        "$isready" -q -h 127.0.0.1 -p "$(cat "$STATE/pg/port" 2>/dev/null || echo 0)"; then
        echo "postgres  running  $(cat "$STATE/pg.url")"
    else
        echo "postgres  DOWN"; ok=1
    fi
    if redis-cli -p "$(cat "$STATE/redis/port" 2>/dev/null || echo 0)" ping 2>/dev/null | grep -q PONG; then
        echo "redis     running  $(cat "$STATE/redis.url")"
    else
        echo "redis     DOWN"; ok=1
    fi
    for f in "$STATE"/nodes/*.port; do
        [[ -f "$f" ]] || continue
        id="$(basename "$f" .port)"
        if node_pid_alive "$id"; then
            echo "node $id   running  pid $(cat "$STATE/nodes/$id.pid")  ws://127.0.0.1:$(cat "$f")"
        else
            echo "node $id   DOWN     ws://127.0.0.1:$(cat "$f")"; ok=1
        fi
    done
    if [[ -f "$STATE/lb/haproxy.pid" ]] && kill -0 "$(head -1 "$STATE/lb/haproxy.pid")" 2>/dev/null; then
        echo "haproxy   running  $(cat "$STATE/lb.url")"
    else
        echo "haproxy   DOWN"; ok=1
    fi
    return $ok
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
NODE_ID=""
if [[ "$cmd" == kill-node || "$cmd" == start-node ]]; then
    NODE_ID=${1:-}
    [[ -n "$NODE_ID" ]] || die "$cmd needs a node id (n1, n2, ...)"
    shift
fi
while [[ $# -gt 0 ]]; do
    case "$1" in
        --nodes) NODES=${2:?--nodes needs a number}; shift 2 ;;
        --state) STATE=${2:?--state needs a folder}; shift 2 ;;
        --server) SERVER=${2:?--server needs a path}; shift 2 ;;
        --fixture) FIXTURE=${2:?--fixture needs a file}; shift 2 ;;
        --admin-token) ADMIN_TOKEN=${2:?}; shift 2 ;;
        --heartbeat-ms) HEARTBEAT_MS=${2:?}; shift 2 ;;
        --rate-limit) RATE_LIMIT=${2:?}; shift 2 ;;
        --stop-with) STOP_WITH=${2:?--stop-with needs a pid}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
mkdir -p "$(dirname "$STATE")"
STATE="$(cd "$(dirname "$STATE")" && pwd)/$(basename "$STATE")"

case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-node)
        node_pid_alive "$NODE_ID" || die "node $NODE_ID is not running"
        kill -KILL "$(cat "$STATE/nodes/$NODE_ID.pid")"
        wait_pid_gone "$(cat "$STATE/nodes/$NODE_ID.pid")" 10
        rm -f "$STATE/nodes/$NODE_ID.pid"
        echo "node $NODE_ID killed" ;;
    start-node)
        [[ -f "$STATE/nodes/$NODE_ID.port" ]] || die "no node $NODE_ID in $STATE"
        start_node "$NODE_ID"
        echo "node $NODE_ID ws://127.0.0.1:$(cat "$STATE/nodes/$NODE_ID.port")" ;;
    restart-redis) cmd_restart_redis ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
