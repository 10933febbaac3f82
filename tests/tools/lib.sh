# Shared helpers for the test-service scripts in tests/tools (sourced, not run).
# Services listen on 127.0.0.1 only, keep their data in temporary folders and are stopped
# (and their data removed) by the matching `stop` command.

tools_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# free_port: prints a TCP port on 127.0.0.1 that nothing is bound to right now. Picks at random
# in 20000-32767, below the kernel's ephemeral range (32768-60999), so outgoing connections
# do not take it before the service binds it. Callers still retry on "address in use".
free_port() {
    local port i
    command -v ss >/dev/null 2>&1 || tools_die "ss not found (package iproute2)"
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
        if [[ -z "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]]; then
            echo "$port"
            return 0
        fi
    done
    tools_die "no free TCP port found in 20000-32767"
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds or time is up.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# wait_pid_gone PID SECONDS: true once PID no longer exists.
wait_pid_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# stop_pid PID NAME: SIGTERM, wait up to 20 s, then SIGKILL; fails if it still runs.
stop_pid() {
    local pid=$1 name=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" 20; then
        echo "${0##*/}: $name (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 5 || tools_die "$name (pid $pid) is still running"
    fi
}

# state_dir DIR: absolute path of the state folder, created if missing.
state_dir() {
    [[ -n "${1:-}" ]] || tools_die "missing STATE_DIR (see --help)"
    mkdir -p "$1" && (cd "$1" && pwd)
}
