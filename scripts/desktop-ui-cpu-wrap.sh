#!/bin/bash
# Wraps chat-desktop for chat-bench-desktop-catchup --desktop-bin: runs $DESKTOP with the given
# arguments, forwards SIGTERM (the bench's clean quit), and appends the app's main-thread CPU
# and whole-process CPU (utime+stime, clock ticks, sampled every 50 ms until exit) to $UICPU_OUT.
#   DESKTOP=build-benchrel/bin/chat-desktop UICPU_OUT=/tmp/uicpu.txt \
#     build-benchrel/bin/chat-bench-desktop-catchup ... --desktop-bin scripts/desktop-ui-cpu-wrap.sh
"$DESKTOP" "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT HUP
main=0
all=0
while kill -0 $pid 2>/dev/null; do
    if s=$(cat /proc/$pid/task/$pid/stat 2>/dev/null); then
        set -- $(echo "$s" | sed 's/.*) //')
        main=$((${12} + ${13}))
    fi
    if s=$(cat /proc/$pid/stat 2>/dev/null); then
        set -- $(echo "$s" | sed 's/.*) //')
        all=$((${12} + ${13}))
    fi
    sleep 0.05
done
wait $pid 2>/dev/null
rc=$?
echo "$(date +%T) main_ticks=$main all_ticks=$all" >>"$UICPU_OUT"
exit $rc
