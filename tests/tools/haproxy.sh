#!/usr/bin/env bash
# A throw-away HAProxy for tests (the WebSocket load balancer in front of chat-server nodes).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'USAGE'
Usage: tests/tools/haproxy.sh start STATE_DIR CONFIG [NAME=VALUE...]   start; print ws:// URL
       tests/tools/haproxy.sh stop STATE_DIR                           stop it
       tests/tools/haproxy.sh url STATE_DIR                            print the URL

start: picks a free port, exports it as CHAT_LB_PORT (plus every NAME=VALUE given, e.g.
backend ports) and starts `haproxy -f CONFIG` in the background. The config refers to them
with HAProxy's environment syntax inside double quotes, for example:

    frontend ws
        bind "127.0.0.1:${CHAT_LB_PORT}"
        default_backend nodes
    backend nodes
        server n1 "127.0.0.1:${NODE1_PORT}" check

Every `bind` line must be on 127.0.0.0/8 (checked before starting). The config is validated
with `haproxy -c` first. Prints ws://127.0.0.1:PORT; STATE_DIR keeps url, port, pid and log.
USAGE
}

cmd_stop() {
    local st=$1 pid
    if [[ -f "$st/haproxy.pid" ]]; then
        # -D writes one pid per line (master mode or not); stop each.
        while read -r pid; do
            [[ -n "$pid" ]] && stop_pid "$pid" haproxy
        done <"$st/haproxy.pid"
    fi
    rm -f "$st/haproxy.pid" "$st/url" "$st/port"
}

cmd_start() {
    local st=$1 cfg=${2:-} port attempt
    [[ -n "$cfg" && -f "$cfg" ]] || tools_die "config file '$cfg' not found (see --help)"
    command -v haproxy >/dev/null || tools_die "haproxy not found (package haproxy)"
    shift 2
    local kv
    for kv in "$@"; do
        [[ "$kv" == *=* ]] || tools_die "expected NAME=VALUE, got '$kv'"
        export "${kv?}"
    done
    # Loopback only: refuse any bind that is not literally on 127.x.x.x.
    if grep -Ev '^[[:space:]]*#' "$cfg" | grep -E '^[[:space:]]*bind[[:space:]]' |
        grep -Evq '^[[:space:]]*bind[[:space:]]+"?127\.'; then
        tools_die "$cfg binds outside 127.0.0.0/8; tests listen on loopback only"
    fi
    cmd_stop "$st"
    for attempt in 1 2 3; do
        port="$(free_port)"
        export CHAT_LB_PORT=$port
        haproxy -c -q -f "$cfg" || tools_die "haproxy rejects $cfg (see above)"
        if haproxy -D -f "$cfg" -p "$st/haproxy.pid" </dev/null >>"$st/haproxy.log" 2>&1 &&
            wait_until 10 sh -c "ss -Htln '( sport = :$port )' | grep -q ."; then
            break
        fi
        cmd_stop "$st"
        [[ $attempt -lt 3 ]] || { tail -20 "$st/haproxy.log" >&2; tools_die "haproxy did not start"; }
    done
    echo "$port" >"$st/port"
    echo "ws://127.0.0.1:$port" >"$st/url"
    cat "$st/url"
}

case "${1:-}" in
    start) st="$(state_dir "${2:-}")"; shift 2 || true; cmd_start "$st" "$@" ;;
    stop) cmd_stop "$(state_dir "${2:-}")" ;;
    url) cat "$(state_dir "${2:-}")/url" ;;
    -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
