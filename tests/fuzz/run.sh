#!/usr/bin/env bash
# Runs the libFuzzer targets, each for a bounded time on a scratch copy of its seed corpus
# (corpus/NAME for vipd_fuzz_NAME), so the checked-in corpora only change on purpose; NAME.dict,
# when present, is the target's dictionary. Prints one line per target, "PASS NAME" or
# "FAIL NAME", and exits non-zero if any target failed: a crash, a sanitizer report, an oracle
# failure, or a missing binary. A failed target's reproducers and log stay in its scratch
# directory, whose path is printed.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [NAME]
#   BUILD_DIR: configured with CC=clang CXX=clang++ -DVIPD_FUZZ=ON and built with
#              --target vipd_fuzzers (every target) or --target vipd_fuzz_NAME
#   SECONDS:   how long each target runs
#   NAME:      one target (e.g. config_load); every target with a corpus when left out
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 BUILD_DIR SECONDS [NAME]" >&2
    exit 2
fi
build_dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)

if [[ $# -eq 3 ]]; then
    names=("$3")
else
    names=()
    for corpus in "$here"/corpus/*/; do
        names+=("$(basename "$corpus")")
    done
fi

# Longer inputs than these add nothing the parsers have not seen (a config file is the
# exception: real ones run to kilobytes).
max_len_of() {
    case $1 in
        config_load) echo 8192 ;;
        advert_decode) echo 4200 ;;
        http_response | control_decode) echo 4096 ;;
        *) echo 2048 ;;
    esac
}

# fuzz_one NAME: runs one target; returns non-zero on a finding.
fuzz_one() {
    local name=$1
    local fuzzer="$build_dir/tests/fuzz/vipd_fuzz_$name"
    if [[ ! -x "$fuzzer" ]]; then
        echo "no fuzzer at $fuzzer (build target vipd_fuzzers)" >&2
        return 1
    fi
    if [[ ! -d "$here/corpus/$name" ]]; then
        echo "no seed corpus at $here/corpus/$name" >&2
        return 1
    fi
    local work
    work=$(mktemp -d "/tmp/vipd-fuzz-$name.XXXXXX")
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$here/corpus/$name"/* "$work/corpus/"
    local options=(-max_total_time="$seconds" -max_len="$(max_len_of "$name")" -timeout=10
                   -print_final_stats=1 -artifact_prefix="$work/artifacts/")
    if [[ -f "$here/$name.dict" ]]; then
        options+=(-dict="$here/$name.dict")
    fi
    local status=0
    "$fuzzer" "${options[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
    if [[ $status -ne 0 ]] || compgen -G "$work/artifacts/*" >/dev/null; then
        tail -n 40 "$work/fuzz.log"
        echo "$name: FAILED (status $status); reproducers and log in $work" >&2
        ls -l "$work/artifacts" >&2
        return 1
    fi
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/fuzz.log" || true
    echo "$name: ${seconds}s without findings; corpus grew from" \
        "$(ls "$here/corpus/$name" | wc -l) to $(ls "$work/corpus" | wc -l) inputs"
    rm -rf "$work"
}

failed=0
results=()
for name in "${names[@]}"; do
    echo "=== fuzz $name for ${seconds}s"
    if fuzz_one "$name"; then
        results+=("PASS $name")
    else
        results+=("FAIL $name")
        failed=$((failed + 1))
    fi
done
printf '%s\n' "${results[@]}"
[[ $failed -eq 0 ]]
