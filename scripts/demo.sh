#!/usr/bin/env bash
# README's first command: installs the dependencies, builds vipd, then runs the live demo: two
# vipd directors fail a VIP over in network namespaces while a client keeps asking
# (integration/demo.py does the work and removes every namespace it made, also on Ctrl-C).
# Then the seed lab with IPVS (integration/vm/test_dr_pair.py): two directors, VRRPv2 PASS, DR
# round robin to two reals, the master killed while a client loops. It runs on this kernel when
# it has IPVS, else in the test tier's VM (a Debian kernel under qemu; integration/vm/).
# Usage (root): scripts/demo.sh [demo.py options, e.g. --engine keepalived]
# Set VIPD=/path/to/vipd to skip the build and use that binary; VIPD_DEMO_IPVS=0 skips the lab.
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
  cmake --build "$root/build" -j "${JOBS:-2}" --target vipd vipctl
  vipd=$root/build/src/daemon/vipd
fi
if [ ! -x "$vipd" ]; then
  echo "demo: no vipd binary at $vipd" >&2
  exit 1
fi
python3 "$root/integration/demo.py" --vipd "$vipd" "$@"

if [ "${VIPD_DEMO_IPVS:-1}" = 0 ]; then
  exit 0
fi
lab=$root/integration/vm/test_dr_pair.py
echo
if modprobe -q ip_vs 2>/dev/null && [ -e /proc/net/ip_vs ]; then
  echo "== the seed lab with IPVS, on this kernel"
  exec python3 "$lab" --vipd "$vipd"
fi
echo "== the seed lab with IPVS: this kernel has none, so in a VM (Debian's kernel under qemu)"
bash "$root/integration/vm/prepare.sh"
exec python3 "$root/integration/vm/run-in-vm.py" --timeout 600 -- python3 "$lab" --vipd "$vipd"
