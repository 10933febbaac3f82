#!/usr/bin/env bash
# HAProxy's health check against a real chat-server, with the project's own HAProxy template
# (deploy/haproxy/chat.cfg.in): the node's GET /healthz keeps it in rotation; a node whose
# process hangs (SIGSTOP: the kernel still completes TCP handshakes for it, so a TCP check
# would keep it) leaves rotation, and comes back once it runs again.
#   tst_cluster_healthcheck.sh CHAT_SERVER_BIN
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOLS="$ROOT/tests/tools"
. "$TOOLS/lib.sh"
SERVER=${1:?usage: tst_cluster_healthcheck.sh CHAT_SERVER_BIN}

WORK=$(mktemp -d)
NODE_PID=
cleanup() {
    [[ -n "$NODE_PID" ]] && kill -CONT "$NODE_PID" 2>/dev/null && stop_pid "$NODE_PID" chat-server
    bash "$TOOLS/haproxy.sh" stop "$WORK/lb" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    echo "--- haproxy log" >&2
    cat "$WORK/lb/haproxy.log" >&2 2>/dev/null || true
    exit 1
}

# status PORT: the HTTP status of GET /healthz on 127.0.0.1:PORT (000 when there is none
# within 2 s). Plain bash: no curl needed.
status() {
    local line
    line=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 &&
        printf 'GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n' >&3 &&
        head -1 <&3" 2>/dev/null) || true
    [[ "$line" =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" || echo 000
}
is_status() { [[ "$(status "$1")" == "$2" ]]; }

# One node.
port=$(free_port)
"$SERVER" --listen "127.0.0.1:$port" --data "$WORK/node" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
wait_until 20 is_status "$port" 200 || fail "the node does not answer GET /healthz with 200"
echo "node: GET /healthz -> 200"

# HAProxy from the template, the node as its only server.
awk -v s="    server n1 127.0.0.1:$port"$'\n' '{ if ($0 == "@SERVERS@") printf "%s", s; else print }' \
    "$ROOT/deploy/haproxy/chat.cfg.in" >"$WORK/haproxy.cfg"
mkdir -p "$WORK/lb"
lb_url=$(bash "$TOOLS/haproxy.sh" start "$WORK/lb" "$WORK/haproxy.cfg")
lb=${lb_url##*:}
wait_until 20 is_status "$lb" 200 || fail "GET /healthz through HAProxy is not 200"
echo "through HAProxy: 200 (the node is in rotation)"

# Hung: HAProxy's check times out (inter 1s, fall 2), the backend has no server: 503.
kill -STOP "$NODE_PID"
wait_until 20 is_status "$lb" 503 || fail "a hung node stayed in rotation"
echo "node stopped: HAProxy answers 503 (out of rotation)"

# Running again: back after two passed checks.
kill -CONT "$NODE_PID"
wait_until 20 is_status "$lb" 200 || fail "the node did not come back into rotation"
echo "node running again: 200 through HAProxy"
echo PASS
