#!/usr/bin/env bash
# tst_tools_services: the test-service helpers work end to end.
#  - postgres and redis started by the ctest fixtures answer at the URLs in the files named by
#    CHAT_TEST_POSTGRES_URL_FILE / CHAT_TEST_REDIS_URL_FILE, on 127.0.0.1;
#  - haproxy.sh forwards to that Redis and stops completely; it refuses non-loopback binds;
#  - pg.sh/redis.sh start+stop leave no process and no data behind;
#  - with-keyring.sh gives an unlocked login collection and passes the exit code through.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
failures=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        echo "PASS: $what"
    else
        echo "FAIL: $what"
        failures=$((failures + 1))
    fi
}
url_from() { # url_from VAR: the URL in the file the variable names, or empty
    local file=${!1:-}
    [[ -n "$file" && -s "$file" ]] && cat "$file"
}

pg_url="$(url_from CHAT_TEST_POSTGRES_URL_FILE)"
redis_url="$(url_from CHAT_TEST_REDIS_URL_FILE)"
check "postgres fixture published a loopback URL ($pg_url)" \
    eval '[[ "$pg_url" =~ ^postgres://postgres:postgres@127\.0\.0\.1:[0-9]+/chat$ ]]'
check "redis fixture published a loopback URL ($redis_url)" \
    eval '[[ "$redis_url" =~ ^redis://127\.0\.0\.1:[0-9]+$ ]]'

if [[ -n "$pg_url" ]]; then
    check "psql round trip through the fixture database" eval \
        '[[ "$(psql "$pg_url" -v ON_ERROR_STOP=1 -Atq -c "CREATE TABLE IF NOT EXISTS t_tools(v text);
          DELETE FROM t_tools; INSERT INTO t_tools VALUES ('"'"'ok'"'"');" -c "SELECT v FROM t_tools;")" == ok ]]'
fi
if [[ -n "$redis_url" ]]; then
    check "redis-cli round trip through the fixture Redis" eval \
        '[[ "$(redis-cli -u "$redis_url" set tools:key ok)" == OK && "$(redis-cli -u "$redis_url" get tools:key)" == ok ]]'
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/tst-tools.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# HAProxy in TCP mode in front of the fixture Redis.
if [[ -n "$redis_url" ]]; then
    cat >"$scratch/lb.cfg" <<'CFG'
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind "127.0.0.1:${CHAT_LB_PORT}"
    default_backend be
backend be
    server r1 "127.0.0.1:${REDIS_PORT}"
CFG
    lb_url="$(bash "$here/haproxy.sh" start "$scratch/lb" "$scratch/lb.cfg" REDIS_PORT="${redis_url##*:}")"
    lb_port="${lb_url##*:}"
    lb_pids="$(cat "$scratch/lb/haproxy.pid" 2>/dev/null)"
    check "haproxy.sh printed ws://127.0.0.1:PORT ($lb_url)" eval '[[ "$lb_url" =~ ^ws://127\.0\.0\.1:[0-9]+$ ]]'
    check "PING through haproxy reaches Redis" eval '[[ "$(redis-cli -p "$lb_port" ping)" == PONG ]]'
    bash "$here/haproxy.sh" stop "$scratch/lb"
    check "haproxy stopped (pids $lb_pids)" eval '! kill -0 $lb_pids 2>/dev/null'
    sed 's/"127.0.0.1:/"0.0.0.0:/' "$scratch/lb.cfg" >"$scratch/bad.cfg"
    check "haproxy.sh refuses a non-loopback bind" \
        eval '! bash "$here/haproxy.sh" start "$scratch/bad" "$scratch/bad.cfg" REDIS_PORT=1 2>/dev/null'
fi

# A second pair started and stopped by hand: nothing stays behind.
pg2="$(bash "$here/pg.sh" start "$scratch/pg2" tools2)"
pg2_root="$(cat "$scratch/pg2/root")"
pg2_pid="$(head -1 "$pg2_root/data/postmaster.pid")"
check "pg.sh start: second instance answers ($pg2)" eval '[[ "$(psql "$pg2" -Atc "select current_database()")" == tools2 ]]'
bash "$here/pg.sh" stop "$scratch/pg2"
check "pg.sh stop: postmaster $pg2_pid gone, data removed" eval '! kill -0 $pg2_pid 2>/dev/null && [[ ! -e "$pg2_root" ]]'

r2="$(bash "$here/redis.sh" start "$scratch/r2")"
r2_root="$(cat "$scratch/r2/root")"
r2_pid="$(cat "$r2_root/redis.pid")"
check "redis.sh start: second instance answers ($r2)" eval '[[ "$(redis-cli -u "$r2" ping)" == PONG ]]'
bash "$here/redis.sh" stop "$scratch/r2"
check "redis.sh stop: redis $r2_pid gone, folder removed" eval '! kill -0 $r2_pid 2>/dev/null && [[ ! -e "$r2_root" ]]'

# The keyring wrapper: unlocked login collection inside, exit code passed through, and
# nothing of the session left afterwards (the D-Bus-activated daemon used to outlive it).
out="$(bash "$here/with-keyring.sh" sh -c 'echo "runtime=$XDG_RUNTIME_DIR"; dbus-send --session \
    --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked' \
    2>/dev/null)"
locked="$(awk '/boolean/ {print $3}' <<<"$out")"
runtime="$(sed -n 's/^runtime=//p' <<<"$out")"
check "with-keyring.sh: login collection is unlocked (Locked=$locked)" eval '[[ "$locked" == false ]]'
leftover=""
if [[ -n "$runtime" ]]; then
    for f in /proc/[0-9]*/environ; do
        if tr '\0' '\n' 2>/dev/null <"$f" | grep -qxF "XDG_RUNTIME_DIR=$runtime"; then
            leftover+=" ${f//[^0-9]/}"
        fi
    done
fi
check "with-keyring.sh: no process of the session left ($runtime:${leftover:- none})" \
    eval '[[ -n "$runtime" && -z "$leftover" && ! -e "$runtime" ]]'
bash "$here/with-keyring.sh" sh -c 'exit 7' 2>/dev/null
keyring_rc=$?
check "with-keyring.sh passes the exit code through (got $keyring_rc)" eval '[[ $keyring_rc -eq 7 ]]'

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
