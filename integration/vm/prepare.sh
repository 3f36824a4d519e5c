#!/usr/bin/env bash
# Prepares the real-kernel (vm) test tier: fetches the Debian 12 generic amd64 kernel package
# and unpacks it into integration/vm/cache/ (never installs it on this host), then runs depmod
# on the unpacked tree so that modprobe inside the VM finds the modules.
# Idempotent: a second run with the same kernel version does nothing.
# Needs: apt-get (a configured bookworm source), dpkg-deb, depmod (kmod).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIPD_VM_CACHE:-$here/cache}

die() { echo "vm/prepare: $*" >&2; exit 1; }

for tool in apt-cache apt-get dpkg-deb depmod; do
  command -v "$tool" >/dev/null || die "missing $tool (install apt and kmod)"
done

# The generic kernel, not -cloud-amd64: only the generic one builds 9p and overlay as modules.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a linux-image-6.1.0-*-amd64 package (apt-get update?)"
kver=${kpkg#linux-image-}

mkdir -p "$cache"
stamp=$cache/kernel.ready
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$kver" ] &&
   [ -f "$cache/root/boot/vmlinuz-$kver" ] && [ -f "$cache/root/lib/modules/$kver/modules.dep" ]; then
  echo "vm/prepare: kernel $kver already in $cache"
  exit 0
fi

echo "vm/prepare: fetching $kpkg"
rm -f "$cache"/linux-image-*.deb "$stamp"
# apt-get download writes into the current directory; _apt cannot write into a root-owned tree,
# which apt reports as a warning and then downloads as root anyway.
(cd "$cache" && apt-get download -qq "$kpkg" 2>&1 | grep -v 'unsandboxed' || true)
deb=$(ls "$cache"/"$kpkg"_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "apt-get download $kpkg produced no .deb"

rm -rf "$cache/root"
dpkg-deb -x "$deb" "$cache/root"
[ -f "$cache/root/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $deb"
depmod -b "$cache/root" "$kver"
rm -f "$deb"
# Older initramfs images were built for a previous kernel.
rm -f "$cache"/initramfs-*.cpio.gz
echo "$kver" >"$stamp"
echo "vm/prepare: kernel $kver ready in $cache/root"
