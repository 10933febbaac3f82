#!/bin/sh
# Long runs of the sync oracle (tests/sync/tst_oracle.cpp): every seed given, N steps each.
#   tests/sync/run-oracle.sh BUILD_DIR STEPS SEED...
# Exits non-zero at the first failing seed and prints how to reproduce it.
set -eu
BUILD_DIR=${1:?build dir}
STEPS=${2:-3000}
shift 2 || true
[ $# -gt 0 ] || set -- 1 2 3
for seed in "$@"; do
    echo "oracle: seed $seed, $STEPS steps"
    if ! CHAT_ORACLE_SEED=$seed CHAT_ORACLE_STEPS=$STEPS QT_LOGGING_RULES='chat.*.info=false' \
         "$BUILD_DIR/bin/tst_sync_oracle" >"$BUILD_DIR/oracle-$seed.log" 2>&1; then
        echo "FAILED: seed $seed (log: $BUILD_DIR/oracle-$seed.log)"
        echo "reproduce: CHAT_ORACLE_SEED=$seed CHAT_ORACLE_STEPS=$STEPS $BUILD_DIR/bin/tst_sync_oracle"
        exit 1
    fi
    grep 'oracle:' "$BUILD_DIR/oracle-$seed.log" | tail -1
done
echo "oracle: all seeds passed"
