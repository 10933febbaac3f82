#!/bin/sh
# The long reliability run (docs/RELIABILITY.md): the fault schedule of
# tests/reliability/tst_history.cpp (server SIGKILL and SIGSTOP, link blackhole/delay/reset
# through the fault proxy, admin_fault, client restarts, chat-cli SIGKILL mid-send) under
# load for MINUTES per seed, every history checked; then the sync oracle's long run.
#
#   scripts/soak.sh [-b BUILD_DIR] [-m MINUTES] [-o OUT_DIR] [SEED...]
#
# Defaults: build/, 10 minutes, out = BUILD_DIR/soak, seeds 1. Each seed's history is kept in
# OUT_DIR/seed-N/history.jsonl (re-check: BUILD_DIR/bin/chat-history-check FILE) and its
# figures are appended to OUT_DIR/summary.txt. Exit 0 = every guarantee held on every seed.
set -eu
BUILD_DIR=build
MINUTES=10
OUT=
while getopts b:m:o:h opt; do
    case $opt in
    b) BUILD_DIR=$OPTARG ;;
    m) MINUTES=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 1
OUT=${OUT:-$BUILD_DIR/soak}
BIN=$BUILD_DIR/bin
for b in tst_reliability_history chat-history-check chat-server chat-cli; do
    [ -x "$BIN/$b" ] || { echo "soak: $BIN/$b missing (build it first)"; exit 2; }
done
mkdir -p "$OUT/bin"
# Run copies: rebuilding during a long run must not swap the binaries under a restart.
cp "$BIN/chat-server" "$BIN/chat-cli" "$OUT/bin/"
export CHAT_SERVER_BIN="$OUT/bin/chat-server" CHAT_CLI_BIN="$OUT/bin/chat-cli"
SECONDS_PER_SEED=$((MINUTES * 60))
for seed in "$@"; do
    dir=$OUT/seed-$seed
    mkdir -p "$dir"
    echo "soak: seed $seed, $MINUTES min of faults under load (log: $dir/run.log)"
    started=$(date +%s)
    if ! CHAT_RELIABILITY_SEED=$seed CHAT_RELIABILITY_SECONDS=$SECONDS_PER_SEED \
         CHAT_RELIABILITY_OUT=$dir QT_LOGGING_RULES='chat.*.info=false' \
         QTEST_FUNCTION_TIMEOUT=$(( (SECONDS_PER_SEED + 900) * 1000 )) \
         "$BIN/tst_reliability_history" >"$dir/run.log" 2>&1; then
        echo "soak: FAILED on seed $seed"
        grep -E 'FAIL|VIOLATION|reliability:' "$dir/run.log" | head -30
        echo "reproduce: CHAT_RELIABILITY_SEED=$seed CHAT_RELIABILITY_SECONDS=$SECONDS_PER_SEED $BIN/tst_reliability_history"
        exit 1
    fi
    "$BIN/chat-history-check" "$dir/history.jsonl" >"$dir/check.txt"
    elapsed=$(( $(date +%s) - started ))
    {
        echo "seed $seed, ${elapsed}s wall, $(date -u +%Y-%m-%dT%H:%MZ)"
        grep 'reliability: .* fault windows' "$dir/run.log" | sed 's/.*reliability: /  /'
        sed 's/^/  /' "$dir/check.txt"
    } | tee -a "$OUT/summary.txt"
done
echo "soak: every seed passed; figures in $OUT/summary.txt"
