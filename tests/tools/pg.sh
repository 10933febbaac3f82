#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests: 127.0.0.1 only, temporary data, trust auth.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'USAGE'
Usage: tests/tools/pg.sh start STATE_DIR [DBNAME]   start; print the postgres:// URL
       tests/tools/pg.sh stop STATE_DIR             stop and delete the data
       tests/tools/pg.sh url STATE_DIR              print the URL of a running instance

start: initdb (as the postgres user when run as root) into a fresh temporary folder, start
the server on 127.0.0.1:<free port> with its socket in that folder, create database DBNAME
(default "chat") and print postgres://postgres:postgres@127.0.0.1:PORT/DBNAME (trust auth:
any password is accepted). STATE_DIR (created if missing) keeps url, port, data-dir paths and
the server log is in <data folder>/server.log. A stale instance in STATE_DIR is stopped first.
USAGE
}

pg_bindir() {
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" ]] && best="$d"   # glob order: the last one is the newest
    done
    [[ -n "$best" ]] || tools_die "PostgreSQL server binaries not found (package postgresql)"
    echo "$best"
}

# as_pg CMD...: run as the postgres user when root (initdb and postgres refuse root).
as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cmd_stop() {
    local st=$1 bindir root pid
    [[ -f "$st/root" ]] || return 0
    root="$(cat "$st/root")"
    bindir="$(pg_bindir)"
    if [[ -f "$root/data/postmaster.pid" ]]; then
        pid="$(head -1 "$root/data/postmaster.pid")"
        if ! as_pg "$bindir/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            stop_pid "$pid" postgres
        fi
        wait_pid_gone "$pid" 10 || tools_die "postgres (pid $pid) is still running"
    fi
    rm -rf "$root"
    rm -f "$st/root" "$st/url" "$st/port"
}

cmd_start() {
    local st=$1 db=${2:-chat} bindir root port attempt url
    cmd_stop "$st"
    bindir="$(pg_bindir)"
    root="$(mktemp -d "${TMPDIR:-/tmp}/chat-pg.XXXXXX")"
    chmod 755 "$root" # postgres must reach its data folder inside
    echo "$root" >"$st/root"
    mkdir -p "$root/data" "$root/sock"
    [[ "$(id -u)" -eq 0 ]] && chown postgres:postgres "$root/data" "$root/sock"
    chmod 700 "$root/data"
    as_pg "$bindir/initdb" -D "$root/data" -U postgres --auth=trust --no-locale -E UTF8 \
        --no-sync >"$root/initdb.log" 2>&1 ||
        { cat "$root/initdb.log" >&2; tools_die "initdb failed"; }
    [[ "$(id -u)" -eq 0 ]] && touch "$root/server.log" && chown postgres "$root/server.log"
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_pg "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
            -o "-p $port -k $root/sock -c listen_addresses=127.0.0.1" start >/dev/null 2>&1; then
            break
        fi
        [[ $attempt -lt 3 ]] || { tail -20 "$root/server.log" >&2; tools_die "postgres did not start"; }
    done
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" ||
        tools_die "createdb $db failed"
    url="postgres://postgres:postgres@127.0.0.1:$port/$db"
    echo "$port" >"$st/port"
    echo "$url" >"$st/url"
    echo "$url"
}

case "${1:-}" in
    start) cmd_start "$(state_dir "${2:-}")" "${3:-}" ;;
    stop) cmd_stop "$(state_dir "${2:-}")" ;;
    url) cat "$(state_dir "${2:-}")/url" ;;
    -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
