#!/usr/bin/env bash
# Runs the VRRP decoder fuzzer for a bounded time on a scratch copy of the seed corpus, so the
# checked-in corpus only changes on purpose. Exits non-zero if the fuzzer finds a crash or an
# oracle failure; the reproducer is left in the scratch directory and its path printed.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
#   BUILD_DIR: configured with CC=clang CXX=clang++ -DVIPD_FUZZ=ON and built with
#              --target vipd_fuzz_advert_decode
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build_dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
fuzzer="$build_dir/tests/fuzz/vipd_fuzz_advert_decode"
if [[ ! -x "$fuzzer" ]]; then
    echo "no fuzzer at $fuzzer (build target vipd_fuzz_advert_decode)" >&2
    exit 2
fi

work=$(mktemp -d /tmp/vipd-fuzz.XXXXXX)
mkdir -p "$work/corpus" "$work/artifacts"
cp "$here"/corpus/advert_decode/* "$work/corpus/"

status=0
"$fuzzer" -max_total_time="$seconds" -max_len=4200 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
tail -n 25 "$work/fuzz.log"
if [[ $status -ne 0 ]] || compgen -G "$work/artifacts/*" >/dev/null; then
    echo "FUZZER FAILED (status $status); reproducers and log in $work" >&2
    ls -l "$work/artifacts" >&2
    exit 1
fi
echo "fuzzed for ${seconds}s without findings; corpus grew to $(ls "$work/corpus" | wc -l) inputs"
rm -rf "$work"
