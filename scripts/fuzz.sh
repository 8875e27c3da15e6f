#!/usr/bin/env bash
# Fuzzes Tickwork's parsers with libFuzzer: the cron parser, the seconds a
# person types (SecondsInput), the whole command line (parse + validate,
# never run), job files (YAML → checked jobs or problems) and the wire's
# frames and messages (what a server reads off its socket). Each target
# starts from its seed corpus in Fuzz/Corpus/ and runs FUZZ_SECONDS (default
# 30). A crash stops the script, leaving the input in .build-fuzz/artifacts/
# (replay: .build-fuzz/release/FuzzCron FILE).
#   scripts/fuzz.sh                 # 30 s each, as the test command runs it
#   FUZZ_SECONDS=3600 scripts/fuzz.sh cron   # one target, an hour
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(cron seconds command-line job-file frames)

echo "fuzz: building the targets (release, -sanitize=fuzzer,address)"
build() {
    (cd Fuzz && swift build -c release --scratch-path ../.build-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library) >.build-fuzz.log 2>&1
}
# The Fuzz package sees the main package as a path dependency, and an old
# build folder can miss source files added to it since: build once afresh.
build || { echo "fuzz: build failed; building again from a clean folder" >&2; rm -rf .build-fuzz; build; } \
    || { grep -E "error" .build-fuzz.log | head -20; echo "FAILED: fuzz build (.build-fuzz.log)" >&2; exit 1; }

# Shallow allocation stacks and a small quarantine: ArgumentParser allocates
# a lot, and full stacks made the command-line target 3x slower and 5x bigger.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0:quarantine_size_mb=16:detect_leaks=0}
mkdir -p .build-fuzz/artifacts
status=0
for target in "${targets[@]}"; do
    case $target in
        cron) binary=FuzzCron ;;
        seconds) binary=FuzzSeconds ;;
        command-line) binary=FuzzCommandLine ;;
        job-file) binary=FuzzJobFile ;;
        frames) binary=FuzzFrames ;;
        *) echo "fuzz: unknown target '$target' (cron, seconds, command-line, job-file, frames)" >&2; exit 64 ;;
    esac
    work=.build-fuzz/corpus/$target
    mkdir -p "$work"
    log=.build-fuzz/$target.log
    maxlen=512; [ "$target" = job-file ] && maxlen=4096   # a job file is longer than a cron line
    .build-fuzz/release/$binary -max_total_time="$seconds" -print_final_stats=1 -max_len=$maxlen \
        -artifact_prefix=.build-fuzz/artifacts/$target- "$work" "Fuzz/Corpus/$target" >"$log" 2>&1
    rc=$?
    runs=$(grep -oE "^stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$")
    rate=$(grep -oE "exec/s: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
    edges=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
    if [ $rc -ne 0 ]; then
        grep -E "ERROR|Fatal error|precondition|SUMMARY|Test unit written" "$log" | head -10
        echo "FAILED: fuzz $target (log: $log)" >&2
        status=1
    else
        echo "fuzz $target: ${runs:-?} runs in ${seconds} s (${rate:-?}/s), ${edges:-?} edges, no crash"
    fi
done
exit $status
