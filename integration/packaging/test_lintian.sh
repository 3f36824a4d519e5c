#!/bin/sh
# packaging.lintian: lintian finds no error in the .deb (warnings and notes are printed only).
#   test_lintian.sh DEB_DIR
# Exit 0 pass, 1 an error tag, 77 lintian not installed.
set -eu
command -v lintian >/dev/null || { echo "test_lintian: SKIP: lintian not installed" >&2; exit 77; }
set -- "$1"/vipd_*_amd64.deb
[ -f "$1" ] || { echo "FAIL: no vipd_*_amd64.deb"; exit 1; }
tags=$(lintian -I --pedantic "$1" 2>&1 | grep -v 'running with root privileges' || true)
echo "$tags"
if echo "$tags" | grep -q '^E: '; then
  echo "FAIL: lintian reports errors"
  exit 1
fi
echo "PASS lintian ($(echo "$tags" | grep -c '^[WIP]: ' || true) warning/info tag(s))"
