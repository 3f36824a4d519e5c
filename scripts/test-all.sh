#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test tier of vipd:
#   unit (no root), unit again under ASan+UBSan (clang), a bounded libFuzzer run of every parser of
#   untrusted input (tests/fuzz/run.sh: FUZZ_SECONDS per target, each target one test in the
#   summary), netns (root: real daemons in network namespaces on this kernel), vm (Debian 12's
#   6.1 under qemu) and vm-5.10 (Debian 11's 5.10 under qemu).
# Usage: sudo scripts/test-all.sh            (FUZZ_SECONDS=10 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-10}

# stage NAME: closes the running stage (its wall time goes into the summary) and opens NAME.
timings=()
stage_name=""
stage_start=$SECONDS
stage() {
    if [ -n "$stage_name" ]; then timings+=("$stage_name: $((SECONDS - stage_start)) s"); fi
    stage_name=$1
    stage_start=$SECONDS
}

stage install
bash scripts/install-deps.sh

summary=()
total_failed=0
total_passed=0
total_skipped=0
note() { printf '\n=== %s\n' "$*"; }

# run_ctest NAME BUILD_DIR CTEST_ARGS...: runs a tier and tallies its result.
run_ctest() {
    local name=$1 dir=$2
    shift 2
    local log="$dir/ctest-$name.log"
    stage "$name"
    note "tier $name"
    set +e
    (cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    set -e
    local line passed=0 failed=0
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
    if [ -n "$line" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        local all
        all=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")
        passed=$((all - failed))
    elif grep -q 'No tests were found' "$log"; then
        summary+=("$name: no tests")
        return 0
    fi
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    # A skipped test (exit 77: no kernel image, no IPVS...) counts as passed for ctest: name them.
    local skipped
    skipped=$(grep -c '(Skipped)$' "$log" || true)
    passed=$((passed - skipped))
    total_skipped=$((total_skipped + skipped))
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    summary+=("$name: $passed passed, $failed failed, $skipped skipped")
}

stage build
note "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
run_ctest unit build -L unit -j "$jobs"

stage build-asan
note "build with ASan+UBSan"
# clang: at -O0 with the sanitizers it compiles our test files in half g++'s time (vrrp_router_test:
# 5.8 s of CPU against 12.3 s), and the RelWithDebInfo build above is g++'s, so both compilers'
# warnings guard every line.
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIPD_SANITIZE=ON -DVIPD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest unit-asan build-asan -L unit -j "$jobs"

if [ -f tests/fuzz/run.sh ]; then
    stage fuzz
    note "fuzz every parser of untrusted input, ${fuzz_seconds}s each"
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DVIPD_FUZZ=ON -DVIPD_TESTS=OFF -DVIPD_BENCH=OFF >/dev/null
    cmake --build build-fuzz -j "$jobs" --target vipd_fuzzers
    # run.sh ends with one "PASS NAME" / "FAIL NAME" line per target: each counts as a test.
    set +e
    bash tests/fuzz/run.sh build-fuzz "$fuzz_seconds" 2>&1 | tee build-fuzz/fuzz.log
    fuzz_rc=${PIPESTATUS[0]}
    set -e
    fuzz_passed=$(grep -c '^PASS ' build-fuzz/fuzz.log || true)
    fuzz_failed=$(grep -c '^FAIL ' build-fuzz/fuzz.log || true)
    if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then fuzz_failed=1; fi
    summary+=("fuzz: $fuzz_passed passed, $fuzz_failed failed")
    total_passed=$((total_passed + fuzz_passed))
    total_failed=$((total_failed + fuzz_failed))
fi

if [ "$(id -u)" -eq 0 ]; then
    run_ctest netns build -L netns
    # -L is a regular expression: '^vm$' alone, or it would take the vm-5.10 tests too.
    run_ctest vm build -L '^vm$'
    run_ctest vm-5.10 build -L '^vm-5\.10$'
else
    summary+=("netns, vm, vm-5.10: skipped (need root)")
fi

leaked=$(ip netns list 2>/dev/null | wc -l)
stage ""
note "time per stage"
printf '%s\n' "${timings[@]}"
note "summary"
printf '%s\n' "${summary[@]}"
if [ "$leaked" -gt 0 ]; then
    echo "leaked network namespaces: $(ip netns list | tr '\n' ' ')"
    total_failed=$((total_failed + 1))
fi
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
