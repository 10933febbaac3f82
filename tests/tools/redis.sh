#!/usr/bin/env bash
# A throw-away Redis server for tests: 127.0.0.1 only, no persistence, temporary folder.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'USAGE'
Usage: tests/tools/redis.sh start STATE_DIR   start; print the redis:// URL
       tests/tools/redis.sh stop STATE_DIR    stop it and delete its folder
       tests/tools/redis.sh url STATE_DIR     print the URL of a running instance

start: redis-server on 127.0.0.1:<free port>, daemonized, no RDB/AOF files, its pid file
and log in a fresh temporary folder; prints redis://127.0.0.1:PORT once it answers PING.
STATE_DIR (created if missing) keeps url and port. A stale instance there is stopped first.
USAGE
}

cmd_stop() {
    local st=$1 root pid
    [[ -f "$st/root" ]] || return 0
    root="$(cat "$st/root")"
    if [[ -f "$root/redis.pid" ]]; then
        pid="$(cat "$root/redis.pid")"
        redis-cli -p "$(cat "$st/port" 2>/dev/null || echo 0)" shutdown nosave >/dev/null 2>&1 || true
        wait_pid_gone "$pid" 10 || stop_pid "$pid" redis-server
    fi
    rm -rf "$root"
    rm -f "$st/root" "$st/url" "$st/port"
}

cmd_start() {
    local st=$1 root port attempt
    command -v redis-server >/dev/null || tools_die "redis-server not found (package redis-server)"
    cmd_stop "$st"
    root="$(mktemp -d "${TMPDIR:-/tmp}/chat-redis.XXXXXX")"
    echo "$root" >"$st/root"
    for attempt in 1 2 3; do
        port="$(free_port)"
        echo "$port" >"$st/port"
        redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
            --dir "$root" --pidfile "$root/redis.pid" --logfile "$root/redis.log" \
            </dev/null >/dev/null 2>&1 || true
        if wait_until 10 sh -c "redis-cli -p $port ping | grep -q PONG"; then
            break
        fi
        [[ $attempt -lt 3 ]] || { tail -20 "$root/redis.log" >&2; tools_die "redis did not start"; }
    done
    wait_until 5 test -s "$root/redis.pid" || tools_die "redis wrote no pid file"
    echo "redis://127.0.0.1:$port" >"$st/url"
    cat "$st/url"
}

case "${1:-}" in
    start) cmd_start "$(state_dir "${2:-}")" ;;
    stop) cmd_stop "$(state_dir "${2:-}")" ;;
    url) cat "$(state_dir "${2:-}")/url" ;;
    -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
