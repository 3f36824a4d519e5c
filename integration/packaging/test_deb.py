#!/usr/bin/env python3
"""packaging.deb_contents: the .deb CPack built, unpacked into a fresh root without root.

Checks the control data (name, version, architecture, computed library dependencies, the
conffile, executable maintainer scripts), that every file an operator expects is in it, then
unpacks it with dpkg-deb -x into a temporary directory and runs the unpacked binary:
`--version` must match the package version, `vipd --check` must accept every shipped example
and the default /etc/vipd/vipd.toml (warnings about this host's interfaces are fine), and must
reject a broken file. The man pages must render without groff warnings.
Exit 0 pass, 1 fail, 77 skip (dpkg-deb missing). Standard library only.
"""

import argparse
import glob
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

K_EXPECTED = (
    "./usr/sbin/vipd",
    "./usr/sbin/vipctl",
    "./lib/systemd/system/vipd.service",
    "./usr/lib/modules-load.d/vipd.conf",
    "./etc/vipd/vipd.toml",
    "./usr/share/man/man8/vipd.8.gz",
    "./usr/share/man/man8/vipctl.8.gz",
    "./usr/share/man/man5/vipd.toml.5.gz",
    "./usr/share/doc/vipd/copyright",
    "./usr/share/doc/vipd/changelog.gz",
)
# The lab set-ups the issue names; every other conf/*.toml is shipped and checked as well.
K_EXAMPLES = ("pair-dir1", "pair-dir2", "trio-dir1", "trio-dir2", "trio-dir3",
              "single-host-dummy")


class Failure(Exception):
    pass


def run(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise Failure(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def find_deb(deb_dir):
    debs = glob.glob(os.path.join(deb_dir, "vipd_*_amd64.deb"))
    if len(debs) != 1:
        raise Failure(f"expected one vipd_*_amd64.deb in {deb_dir}, found {debs}")
    return debs[0]


def check_control(deb):
    fields = {}
    for name in ("Package", "Version", "Architecture", "Depends", "Section"):
        fields[name] = run("dpkg-deb", "-f", deb, name).stdout.strip()
    print(f"control: {fields}")
    if fields["Package"] != "vipd" or fields["Architecture"] != "amd64":
        raise Failure(f"unexpected package/architecture: {fields}")
    if os.path.basename(deb) != f"vipd_{fields['Version']}_amd64.deb":
        raise Failure(f"file name {os.path.basename(deb)} does not carry version "
                      f"{fields['Version']}")
    # dpkg-shlibdeps ran: the C and C++ runtimes and libsystemd (sd_notify) are always needed.
    for lib in ("libc6", "libstdc++6", "libsystemd0"):
        if lib not in fields["Depends"]:
            raise Failure(f"Depends lacks {lib} (dpkg-shlibdeps did not run?): "
                          f"{fields['Depends']}")
    with tempfile.TemporaryDirectory(prefix="vipd-deb-control.") as ctl:
        run("dpkg-deb", "-e", deb, ctl)
        with open(os.path.join(ctl, "conffiles"), encoding="utf-8") as f:
            if "/etc/vipd/vipd.toml" not in f.read().split():
                raise Failure("/etc/vipd/vipd.toml is not a conffile")
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(ctl, script)
            if not os.access(path, os.X_OK):
                raise Failure(f"maintainer script {script} missing or not executable")
            run("sh", "-n", path)
        with open(os.path.join(ctl, "postinst"), encoding="utf-8") as f:
            code = [line for line in f if not line.lstrip().startswith("#")]
        if any(word in line for line in code for word in ("start", "enable", "restart")):
            raise Failure("postinst must not enable or start vipd")
    return fields["Version"]


def check_listing(deb):
    listing = run("dpkg-deb", "-c", deb).stdout
    paths = {line.split()[-1] for line in listing.splitlines() if line.strip()}
    missing = [p for p in K_EXPECTED if p not in paths]
    missing += [f"examples/{e}.toml" for e in K_EXAMPLES
                if f"./usr/share/doc/vipd/examples/{e}.toml" not in paths]
    if missing:
        raise Failure(f"missing from the package: {missing}")
    for line in listing.splitlines():
        if line.split()[-1] == "./usr/sbin/vipd" and not line.startswith("-rwxr-xr-x root/root"):
            raise Failure(f"vipd has the wrong mode or owner: {line}")
    print(f"ok: {len(paths)} entries, every expected file present")


def check_binary(root, version):
    vipd = os.path.join(root, "usr", "sbin", "vipd")
    out = run(vipd, "--version").stdout.strip()
    if out != f"vipd {version}":
        raise Failure(f"vipd --version says {out!r}, the package is {version}")
    configs = sorted(glob.glob(os.path.join(root, "usr/share/doc/vipd/examples/*.toml")))
    configs.append(os.path.join(root, "etc/vipd/vipd.toml"))
    for config in configs:
        r = run(vipd, "--check", "--config", config, check=False)
        name = os.path.relpath(config, root)
        if r.returncode != 0 or "configuration is valid" not in r.stdout:
            raise Failure(f"vipd --check {name}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        errors = [line for line in r.stderr.splitlines() if not line.startswith("warning: ")]
        if errors:
            raise Failure(f"vipd --check {name} printed more than warnings: {errors}")
        print(f"ok: --check {name} ({len(r.stderr.splitlines())} warning(s))")
    broken = os.path.join(root, "broken.toml")
    with open(broken, "w", encoding="utf-8") as f:
        f.write('[[vrrp]]\nname = "web"\ninterface = "eth1"\nvrid = 300\nvips = ["10.0.0.1/24"]\n')
    r = run(vipd, "--check", "--config", broken, check=False)
    if r.returncode != 1 or "vrid" not in r.stderr:
        raise Failure(f"vipd --check accepted vrid = 300: exit {r.returncode} {r.stderr}")
    print("ok: --check rejects a broken file (exit 1, names the key)")


def check_man(root):
    if shutil.which("groff") is None:
        print("note: groff missing, man pages not rendered")
        return
    for page in ("usr/share/man/man8/vipd.8.gz", "usr/share/man/man8/vipctl.8.gz",
                 "usr/share/man/man5/vipd.toml.5.gz"):
        with gzip.open(os.path.join(root, page), "rb") as f:
            source = f.read()
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou"], input=source,
                           capture_output=True, timeout=60)
        if r.returncode != 0 or r.stderr:
            raise Failure(f"groff {page}: exit {r.returncode}: {r.stderr.decode()}")
        if b"SEE ALSO" not in r.stdout:
            raise Failure(f"{page} rendered without a SEE ALSO section")
        print(f"ok: {page} renders without warnings ({len(r.stdout)} bytes)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--deb-dir", required=True)
    a = p.parse_args()
    if shutil.which("dpkg-deb") is None:
        print("test_deb: SKIP: dpkg-deb missing", file=sys.stderr)
        return 77
    try:
        deb = find_deb(a.deb_dir)
        print(f"package: {deb}")
        version = check_control(deb)
        check_listing(deb)
        with tempfile.TemporaryDirectory(prefix="vipd-deb-root.") as root:
            run("dpkg-deb", "-x", deb, root)
            check_binary(root, version)
            check_man(root)
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    print("PASS deb_contents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
