#!/usr/bin/env bash
# README's first command: installs the dependencies, builds vipd, then runs the live demo: two
# vipd directors fail a VIP over in network namespaces while a client keeps asking
# (integration/demo.py does the work and removes every namespace it made, also on Ctrl-C).
# Usage (root): scripts/demo.sh [demo.py options, e.g. --engine keepalived]
# Set VIPD=/path/to/vipd to skip the build and use that binary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it installs packages and creates network namespaces)" >&2
  exit 1
fi
vipd=${VIPD:-}
if [ -z "$vipd" ]; then
  bash "$root/scripts/install-deps.sh"
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j "${JOBS:-2}" --target vipd
  vipd=$root/build/src/daemon/vipd
fi
if [ ! -x "$vipd" ]; then
  echo "demo: no vipd binary at $vipd" >&2
  exit 1
fi
exec python3 "$root/integration/demo.py" --vipd "$vipd" "$@"
