#!/usr/bin/env bash
# Prepares the real-kernel (vm) test tier: fetches a Debian generic amd64 kernel package and
# unpacks it into integration/vm/cache/<series>/ (never installs it on this host), then runs
# depmod on the unpacked tree so that modprobe inside the VM finds the modules.
#
#   prepare.sh [6.1|5.10|all]        (default: $VIPD_VM_KERNEL, else 6.1)
#
#   6.1   Debian 12 (bookworm): the package behind this host's linux-image-amd64, resolved with
#         the host's own apt lists (as `apt-get install` would see it).
#   5.10  Debian 11 (bullseye): the package behind linux-image-amd64 of bullseye-security and
#         bullseye, fetched from the same mirrors this host's apt sources name, through a
#         private apt state under cache/5.10/apt/ (its own sources, lists, cache and an empty
#         dpkg status): the host's apt configuration and state are never changed.
#
# Idempotent: a second run with the same kernel version does nothing but look the version up.
# A cache of the older layout (cache/kernel.ready, cache/root: 6.1 only) moves to cache/6.1/.
# Needs: apt-get, apt-cache, dpkg-deb, depmod (kmod); for 5.10 the Debian archive keyring.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
base=${VIPD_VM_CACHE:-$here/cache}
series=${1:-${VIPD_VM_KERNEL:-6.1}}

die() { echo "vm/prepare: $*" >&2; exit 1; }

case $series in
  all)
    "$0" 6.1
    exec "$0" 5.10
    ;;
  6.1) codename=bookworm ;;
  5.10) codename=bullseye ;;
  *) die "unknown kernel series '$series' (6.1, 5.10 or all)" ;;
esac

for tool in apt-cache apt-get dpkg-deb depmod; do
  command -v "$tool" >/dev/null || die "missing $tool (install apt and kmod)"
done

cache=$base/$series
mkdir -p "$cache"

# The cache used to hold the one (6.1) kernel at its top: move it where run-in-vm.py now looks.
if [ "$series" = 6.1 ] && [ -f "$base/kernel.ready" ]; then
  if [ ! -f "$cache/kernel.ready" ] && [ -d "$base/root" ]; then
    echo "vm/prepare: moving the 6.1 kernel of the old layout into $cache"
    rm -rf "$cache/root"
    mv "$base/root" "$cache/root"
    mv "$base/kernel.ready" "$cache/kernel.ready"
  fi
  rm -rf "$base/root" "$base/kernel.ready"
  rm -f "$base"/initramfs-*.cpio.gz "$base"/linux-image-*.deb
fi

# apt for this series: the host's own for 6.1, a private state for the other releases.
apt_opts=()
private_apt() {
  local apt=$cache/apt keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "no $keyring (install debian-archive-keyring)"
  mkdir -p "$apt/sources.list.d" "$apt/preferences.d" "$apt/lists/partial" \
           "$apt/cache/archives/partial"
  : >"$apt/status.new" && mv "$apt/status.new" "$apt/status"   # nothing is installed there
  rm -f "$apt"/sources.list.d/*
  # The mirrors this host uses: the URI of its stanza for its own release (the archive) and of
  # its stanza for that release's -security suite, read from its sources (deb822, one-line).
  local uris
  local host_codename
  host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$host_codename" ] || die "cannot tell this host's Debian release from /etc/os-release"
  uris=$(python3 - "$host_codename" <<'PY'
import glob, re, sys
host = sys.argv[1]
archive = security = None
def consider(uri, suites):
    global archive, security
    for s in suites:
        if s == host and archive is None:
            archive = uri
        elif s == host + "-security" and security is None:
            security = uri
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    text = open(path, encoding="utf-8", errors="replace").read()
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            consider(uri, fields.get("suites", "").split())
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        continue
    for line in lines:
        line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
        if len(line) >= 3 and line[0] == "deb":
            consider(line[1], [line[2]])
print(archive or "", security or "")
PY
)
  local archive=${uris% *} security=${uris#* }
  [ -n "$archive" ] || die "no $host_codename source in /etc/apt/sources.list{,.d}: cannot tell which mirror to fetch $codename from"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nArchitectures: amd64\nTargets: Packages\nSigned-By: %s\n' \
      "$archive" "$codename" "$keyring"
    if [ -n "$security" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nArchitectures: amd64\nTargets: Packages\nSigned-By: %s\n' \
        "$security" "$codename" "$keyring"
    fi
  } >"$apt/sources.list.d/vipd-vm-$codename.sources"
  apt_opts=(
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::Etc::Preferences=$apt/preferences"
    -o "Dir::Etc::PreferencesParts=$apt/preferences.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::State::Status=$apt/status"
    -o "Dir::State::extended_states=$apt/extended_states"
    -o "Dir::Cache=$apt/cache"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none"
  )
  echo "vm/prepare: apt-get update of $codename and $codename-security (private lists in $apt)"
  if ! apt-get "${apt_opts[@]}" update -qq; then
    if [ -f "$cache/kernel.ready" ]; then
      echo "vm/prepare: apt-get update failed; keeping the kernel already in $cache" >&2
      exit 0
    fi
    die "apt-get update of $codename failed (see above)"
  fi
}
if [ "$series" != 6.1 ]; then
  private_apt
fi

# The generic kernel, not -cloud-amd64: only the generic one builds 9p and overlay as modules.
pattern="linux-image-${series//./\\.}\\.0-[0-9]*-amd64"
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
       sed -n "s/^ *Depends: \\($pattern\\)\$/\\1/p" | head -n1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a linux-image-$series.0-*-amd64 package (apt-get update?)"
kver=${kpkg#linux-image-}

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
(cd "$cache" && apt-get "${apt_opts[@]}" download -qq "$kpkg" 2>&1 | grep -v 'unsandboxed' || true)
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
