#!/usr/bin/env bash
# Runs every test: the unit and engine tests (Swift Testing), then the whole
# suite again under ThreadSanitizer and under AddressSanitizer, then each
# fuzz target for FUZZ_SECONDS (default 30; scripts/fuzz.sh). The exit
# status is the gate: under XCTest a racy run can still say "0 failures",
# so sanitizer reports are checked separately.
# TICKWORK_SKIP_TSAN=1, TICKWORK_SKIP_ASAN=1, TICKWORK_SKIP_FUZZ=1 leave a pass out.
# A throwaway PostgreSQL (scripts/postgres.sh) serves the cluster tests.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

run() {  # run LOG CMD… : show the run without per-test noise, keep the log
    local log=$1; shift
    "$@" >"$log" 2>&1
    local rc=$?
    grep -vE '^\[[0-9]+/[0-9]+\]|^◇|^✔ (Test|Suite) "|^Test Suite|^Test Case|Executed 0 tests' "$log"
    return $rc
}

# The cluster store's tests need a PostgreSQL: a throwaway one on loopback,
# stopped on the way out, unless TICKWORK_TEST_POSTGRES_URL names one. In CI
# they always run; elsewhere, without PostgreSQL, they say they are skipped.
if [ -z "${TICKWORK_TEST_POSTGRES_URL:-}" ]; then
    pgdir=$(mktemp -d /tmp/tickwork-test-pg-XXXXXX)
    if url=$(scripts/postgres.sh start "$pgdir"); then
        export TICKWORK_TEST_POSTGRES_URL=$url
        trap 'scripts/postgres.sh stop "$pgdir"' EXIT
        echo "== PostgreSQL on ${url##*@} (stopped at the end)"
    elif [ "${CI:-}" = true ]; then
        echo "FAILED: could not start PostgreSQL for the cluster tests" >&2; exit 1
    else
        rm -rf "$pgdir"
        echo "== no PostgreSQL: the cluster tests will be skipped" >&2
    fi
fi

echo "== swift test"
run .build-test.log swift test || { echo "FAILED: swift test" >&2; exit 1; }

if [ "${TICKWORK_SKIP_TSAN:-0}" != 1 ]; then
    echo "== swift test --sanitize=thread"
    TSAN_OPTIONS="halt_on_error=1" TICKWORK_TEST_SANITIZER=thread run .build-tsan.log swift test --sanitize=thread --scratch-path .build-tsan \
        || { echo "FAILED: swift test under ThreadSanitizer" >&2; exit 1; }
    if grep -q "WARNING: ThreadSanitizer" .build-tsan.log; then echo "FAILED: ThreadSanitizer reported races" >&2; exit 1; fi
fi
if [ "${TICKWORK_SKIP_ASAN:-0}" != 1 ]; then
    echo "== swift test --sanitize=address"
    # XCTest's own allocations trip the leak checker: leaks are not checked.
    ASAN_OPTIONS="detect_leaks=0" TICKWORK_TEST_SANITIZER=address run .build-asan.log swift test --sanitize=address --scratch-path .build-asan \
        || { echo "FAILED: swift test under AddressSanitizer" >&2; exit 1; }
    if grep -q "ERROR: AddressSanitizer" .build-asan.log; then echo "FAILED: AddressSanitizer reported errors" >&2; exit 1; fi
fi

if [ "${TICKWORK_SKIP_FUZZ:-0}" != 1 ]; then
    echo "== fuzz (${FUZZ_SECONDS:-30} s each)"
    scripts/fuzz.sh || exit 1
fi
echo "all tests passed"
