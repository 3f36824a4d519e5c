#!/bin/sh
# packaging.build_deb: a fresh vipd_*_amd64.deb from the build tree's CPack configuration.
#   build_deb.sh CPACK BUILD_DIR OUT_DIR
# The CTest fixture `vipd_deb` that the packaging and vm-tier package tests share: they find
# the package in OUT_DIR. No root needed (CPack writes root-owned entries itself).
set -eu
cpack=$1
build=$2
out=$3
rm -rf "$out"
mkdir -p "$out"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$out"
# Only the package stays: the staging tree would double the directory's size.
rm -rf "$out/_CPack_Packages"
set -- "$out"/vipd_*_amd64.deb
[ -f "$1" ] || { echo "build_deb: no vipd_*_amd64.deb in $out" >&2; exit 1; }
echo "build_deb: $1"
