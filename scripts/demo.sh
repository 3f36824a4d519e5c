#!/usr/bin/env bash
# The demo's last step: two vipd directors fail a VIP over in network namespaces while a client
# keeps asking (integration/demo.py does the work and cleans up after itself, also on Ctrl-C).
# Usage (root): scripts/demo.sh [BUILD_DIR | PATH_TO_VIPD] [demo.py options]
# Default build dir: build/ at the repository root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${1:-$root/build}
[ $# -gt 0 ] && shift
if [ -d "$target" ]; then
  vipd=$target/src/daemon/vipd
else
  vipd=$target
fi
if [ ! -x "$vipd" ]; then
  echo "demo: no vipd binary at $vipd; build it first (cmake --build build --target vipd)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it creates network namespaces)" >&2
  exit 1
fi
exec python3 "$root/integration/demo.py" --vipd "$vipd" "$@"
