#!/usr/bin/env bash
# THE test command (README quick start, .ci/run): installs what is missing, builds and runs the
# whole test suite, services included.
#   1. scripts/install-deps.sh
#   2. preset `debug`: configure, build everything, `ctest --preset debug` (all tests, -j2)
#   3. preset `asan`:  configure, build the executables of the tests labelled `unit`, run them
#                      under ASan + UBSan (`ctest --preset asan`, halt on the first report)
#   4. preset `fuzz`:  when tests/fuzz/CMakeLists.txt exists: clang build of the tests labelled
#                      `fuzz`, each fuzzer runs for its bounded time (`ctest --preset fuzz`)
# Ends with a summary and one plain line "N passed, N failed" (all ctest runs added up); exits
# non-zero if any configure, build or test failed. Needs no stdin; fine as root and with CI=true.
# A failed build does not stop the run: ninja keeps going (-k 0) and ctest still runs, so one
# broken folder shows up as its own failures instead of hiding everyone else's results.
#
# Measured (the "Total" line at the end prints it every run): clean clone, packages present,
# Debian 12 on 2 cores SHARED with 4 other engineers' builds (load average 11-14):
#   2026-11-29 04:29  42m30s wall = debug 28m29s (338 build steps, 41 tests 6m33s) + asan 14m00s
#                     (fuzz stopped at configure); 13m21s of CPU in all, load average 12.
#   2026-11-29 03:56  31m45s wall = debug 20m22s (build 14m30s, 37 tests 5m38s) + asan 8m51s
#                     + fuzz 2m32s; 12m43s of CPU in all (user+sys), so about 10-14 min on
#                     2 idle cores. Builds dominate; failing tests' timeouts add up to 2 min each.
#   2026-11-29 03:31  15m53s wall (18 tests, before the desktop client landed)
set -uo pipefail
exec </dev/null

usage() {
    cat <<'USAGE'
Usage: scripts/test.sh [--no-deps] [--only STAGE]... [--help]

Installs missing packages, builds and runs every test suite:
  debug  all tests (ctest --preset debug), services on 127.0.0.1 with temporary data
  asan   the `unit` tests under AddressSanitizer + UndefinedBehaviorSanitizer
  fuzz   the libFuzzer targets for a bounded time (when tests/fuzz exists)
Build trees: build/debug, build/asan, build/fuzz. The last line is "N passed, N failed";
the exit status is non-zero if anything failed.

  --no-deps       skip scripts/install-deps.sh
  --only STAGE    run only this stage (debug, asan, fuzz); repeatable
  --help          this text
USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1

do_deps=1
stages=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-deps) do_deps=0 ;;
        --only)
            [[ "${2:-}" =~ ^(debug|asan|fuzz)$ ]] || { echo "test.sh: --only takes debug, asan or fuzz" >&2; exit 2; }
            stages+=("$2"); shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ ${#stages[@]} -gt 0 ]] || stages=(debug asan fuzz)

logdir="$root/build/test-logs"
mkdir -p "$logdir"
total_passed=0
total_failed=0
summary=()
failed_tests=()
anything_failed=0
t_start=$SECONDS

banner() { printf '\n==== %s ====\n' "$*"; }
elapsed() { local s=$(($SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
note() { # note STAGE STATUS DETAIL T0
    summary+=("$(printf '%-8s %-22s %-24s %s' "$1" "$2" "$3" "$(elapsed "$4")")")
}

# ctest_targets PRESET: the build-tree outputs the selected tests use (their executables and any
# build-tree file named on their command line or in their environment), so a stage builds only
# what its tests need.
ctest_targets() {
    local preset=$1 bdir="$root/build/$1" all
    all="$(ninja -C "$bdir" -t targets all 2>/dev/null | sed 's/: .*//')"
    ctest --preset "$preset" -N -V 2>/dev/null | tr ' ="' '\n\n\n' | sed -n "s#^$bdir/##p" | sort -u |
        grep -Fxf <(printf '%s\n' "$all") || true
}

# run_ctest STAGE PRESET: runs the preset's tests, adds its counts to the totals.
run_ctest() {
    local stage=$1 preset=$2 log="$logdir/ctest-$1.log" rc line total failed passed
    ctest --preset "$preset" --output-junit "$logdir/junit-$stage.xml" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)"
    if [[ -n "$line" ]]; then
        total="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")"
        failed="$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")"
    else
        total=0
        failed=0
    fi
    passed=$((total - failed))
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    while read -r t; do
        [[ -n "$t" ]] && failed_tests+=("$stage: $t")
    done < <(sed -n '/^The following tests FAILED:/,/^Errors while running/p' "$log" |
        sed -n 's/^[[:space:]]*[0-9]* - //p')
    if [[ $rc -ne 0 && -z "$line" ]]; then
        failed_tests+=("$stage: ctest found no tests or did not run (exit $rc, see $log)")
    fi
    CTEST_RESULT="$passed passed, $failed failed"
    return "$rc"
}

# stage NAME BUILD_WHAT: configure + build + test one preset.
#   BUILD_WHAT: all = build everything; tests = only what the selected tests run.
stage() {
    local name=$1 what=$2 t0=$SECONDS status=ok targets
    banner "$name: configure (preset $name)"
    cmake --preset "$name" 2>&1 | tee "$logdir/configure-$name.log"
    if [[ ${PIPESTATUS[0]} -ne 0 ]]; then
        note "$name" "CONFIGURE FAILED" "-" "$t0"
        failed_tests+=("$name: configure failed (see $logdir/configure-$name.log)")
        anything_failed=1
        return
    fi
    banner "$name: build"
    local rc=0
    if [[ "$what" == all ]]; then
        cmake --build --preset "$name" -- -k 0 2>&1 | tee "$logdir/build-$name.log"
        rc=${PIPESTATUS[0]}
    else
        mapfile -t targets < <(ctest_targets "$name")
        echo "building ${#targets[@]} target(s) the tests run: ${targets[*]}"
        if [[ ${#targets[@]} -gt 0 ]]; then
            cmake --build --preset "$name" --target "${targets[@]}" -- -k 0 2>&1 |
                tee "$logdir/build-$name.log"
            rc=${PIPESTATUS[0]}
        fi
    fi
    if [[ $rc -ne 0 ]]; then
        status="BUILD FAILED"
        failed_tests+=("$name: build failed (see $logdir/build-$name.log)")
        anything_failed=1
    fi
    banner "$name: ctest --preset $name"
    CTEST_RESULT=""
    if ! run_ctest "$name" "$name"; then
        [[ "$status" == ok ]] && status="TESTS FAILED"
        anything_failed=1
    fi
    note "$name" "$status" "$CTEST_RESULT" "$t0"
}

if [[ $do_deps -eq 1 ]]; then
    t0=$SECONDS
    banner "dependencies"
    if "$root/scripts/install-deps.sh"; then
        note deps ok "-" "$t0"
    else
        note deps "FAILED" "-" "$t0"
        anything_failed=1
    fi
fi

for s in "${stages[@]}"; do
    case "$s" in
        debug) stage debug all ;;
        asan) stage asan tests ;;
        fuzz)
            if [[ -f "$root/tests/fuzz/CMakeLists.txt" ]]; then
                stage fuzz tests
            else
                summary+=("$(printf '%-8s %-22s' fuzz 'skipped: no tests/fuzz')")
            fi
            ;;
    esac
done

banner "summary"
printf '%-8s %-22s %-24s %s\n' stage result tests time
printf '%s\n' "${summary[@]}"
if [[ ${#failed_tests[@]} -gt 0 ]]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failed_tests[@]}"
fi
echo
echo "Total $(elapsed "$t_start"); logs and JUnit XML in build/test-logs/"
echo "$total_passed passed, $total_failed failed"
if [[ $anything_failed -ne 0 || $total_failed -ne 0 ]]; then
    exit 1
fi
exit 0
