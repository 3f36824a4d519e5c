#!/usr/bin/env bash
# Installs every build and test dependency of vipd from Debian 12 packages.
# Idempotent; run as root on a fresh machine. Nothing is downloaded outside apt.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config ninja-build
  libboost-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libsystemd-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format
  # health checkers: https probes (OpenSSL through Asio), body regex (PCRE2)
  libssl-dev libpcre2-dev
)
test_packages=(
  iproute2 procps iputils-ping curl python3 psmisc
  keepalived tshark ipvsadm
  # FRR's vrrpd (with zebra) is the second reference peer: the VMAC interop test
  frr
  # real servers for the health-check tests: DNS and UDP backends (HTTPS is openssl s_server)
  dnsmasq-base socat openssl
  # CPU starvation for the loop-lag test (netns.loop_lag)
  stress-ng
  # vm tier (integration/vm/): qemu boots a Debian kernel with a busybox initramfs.
  qemu-system-x86 busybox-static cpio kmod
  # packaging (integration/packaging/, vm.systemd_unit): dpkg-shlibdeps for cpack -G DEB,
  # lintian, groff and man to render the man pages; systemd is PID 1 of that VM test.
  dpkg-dev lintian groff-base man-db systemd
)

missing=()
for p in "${build_packages[@]}" "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
install_missing() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root to install: ${missing[*]}" >&2
    exit 1
  fi

  export DEBIAN_FRONTEND=noninteractive
  # Packages such as keepalived must not start a service on this host's network during install.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "install-deps: installed ${missing[*]}"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: every package is installed"
else
  install_missing
fi

# The vm tiers' kernels: the Debian 12 (6.1) and Debian 11 (5.10) generic kernel packages,
# unpacked under integration/vm/cache/<series>/ (never installed on this host; 5.10 through a
# private apt state there). Needs network access to this host's apt mirrors.
repo=$(cd "$(dirname "$0")/.." && pwd)
for kernel in 6.1 5.10; do
  if ! "$repo/integration/vm/prepare.sh" "$kernel"; then
    label=vm; [ "$kernel" = 6.1 ] || label="vm-$kernel"
    echo "install-deps: integration/vm/prepare.sh $kernel failed: the $label test tier" \
         "(ctest -L '^${label//./\\.}\$') cannot run (it needs apt access to fetch the" \
         "kernel package behind linux-image-amd64)" >&2
    exit 1
  fi
done
