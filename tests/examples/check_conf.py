#!/usr/bin/env python3
"""Every shipped example (conf/*.toml) passes `vipd --check`.

The loader's unit test reads the same files; this runs the binary a person runs, which also
looks up the users the scripts name and reviews this host. Warnings about the host (an eth1
that is not here, IPVS not loaded) are expected on a build machine; anything else on standard
error, or an exit status other than 0, fails.

Usage: check_conf.py VIPD CONF_DIR. Exit 0 pass, 1 fail.
"""

import glob
import os
import subprocess
import sys


def check(vipd: str, path: str) -> list[str]:
    """The problems `vipd --check` reports for one file; empty when it is valid."""
    run = subprocess.run([vipd, "--check", "--config", path], capture_output=True, text=True,
                         timeout=30, check=False)
    problems = []
    if run.returncode != 0:
        problems.append(f"exit {run.returncode}")
    if "configuration is valid" not in run.stdout:
        problems.append(f"no 'configuration is valid' in: {run.stdout.strip()!r}")
    problems += [line for line in run.stderr.splitlines() if not line.startswith("warning: ")]
    return problems


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    vipd, conf_dir = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(conf_dir, "*.toml")))
    if not files:
        print(f"FAIL: no *.toml in {conf_dir}")
        return 1
    failed = 0
    for path in files:
        problems = check(vipd, path)
        name = os.path.basename(path)
        if problems:
            failed += 1
            print(f"FAIL {name}:\n  " + "\n  ".join(problems))
        else:
            print(f"ok   {name}")
    print(f"{len(files) - failed} of {len(files)} examples pass vipd --check")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
