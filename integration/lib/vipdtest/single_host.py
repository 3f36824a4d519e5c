"""One network namespace of its own, and the entry point of a stand-alone VM scenario.

The scenarios in integration/vm/ that need no switch and no peers (a VIP on a dummy link, every
IPVS knob, the Debian package's unit under systemd) run in a single namespace:

  host = SingleHost().build()          # like Topology.build(), with one role and no switch
  vipd = host.start_vipd(path, text)   # daemon.start_vipd: --check first, log in host.tmpdir
  host.sh(["ipvsadm", "-Ln"])          # Topology.run() in that one role
  host.has_address("10.0.0.1/32", dev="dummy1")

SingleHost is a Topology of one role, so everything it creates (the namespace, the tmpdir, every
process) is undone by cleanup.REGISTRY. vm_main() is such a script's entry point: it parses its
one argument (--vipd, --deb-dir) and gives its exit status: 77 outside run-in-vm.py (or without
systemd as PID 1 when asked), 1 on a failure, 0 on a pass; the registry runs either way, before
the verdict is printed.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import subprocess
import sys
import time

from . import cleanup, daemon, sh
from .scenario import EXIT_FAIL, EXIT_PASS, EXIT_SKIP, Skip
from .topology import Topology


class SingleHost(Topology):
    """One namespace (loopback up) with nothing attached; role names it, as in a Topology."""

    def __init__(self, role: str = "host", keep_tmp: bool = False, log=None):
        super().__init__((role,), keep_tmp=keep_tmp, log=log)
        self.role = role
        self.name = self.ns[role]  # /run/netns/<name>

    def build(self) -> "SingleHost":
        self._add_namespace(self.name)
        sh.run(["ip", "-n", self.name, "link", "set", "lo", "up"])
        return self

    def sh(self, argv: list[str], check: bool = True, timeout: float = 30.0) -> str:
        """Run argv inside the namespace and return its stdout (Topology.run of the one role)."""
        return self.run(self.role, argv, check=check, timeout=timeout)

    def start_vipd(self, vipd: str, config_text: str, log_level: str | None = None) -> daemon.Vipd:
        """daemon.start_vipd in the namespace: `vipd --check` first (its stderr is kept as
        .check_stderr), then vipd with its log in tmpdir."""
        return daemon.start_vipd(self, self.role, vipd, config_text, log_level=log_level)

    def has_address(self, cidr: str, dev: str | None = None) -> bool:
        """cidr, prefix length included, is on dev (on any link when None); False when dev is
        missing."""
        want = ipaddress.ip_interface(cidr)
        out = sh.run(["ip", "-n", self.name, "-j", "addr", "show", *(["dev", dev] if dev else [])],
                     check=False)
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                if "local" in a and ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}") == want:
                    return True
        return False


def vm_main(doc: str, body, argument: str = "--vipd", systemd: bool = False,
            on_failure=None) -> int:
    """The exit status of the VM scenario script being run: body(value of `argument`).

    The script's name without test_ names it; its docstring's first paragraph describes it.
    Outside run-in-vm.py (VIPD_IN_VM unset; with systemd, also no systemd as PID 1): 77. body
    may raise Skip (77), fail by raising AssertionError or subprocess.TimeoutExpired (1, after
    on_failure(), e.g. to print a journal), or return a number of failures it counted itself
    (1 when not 0). cleanup.REGISTRY runs before the verdict, PASS with the elapsed time.
    """
    began = time.monotonic()
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    name = script.removeprefix("test_")
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument(argument, required=True)
    value = vars(ap.parse_args())[argument.lstrip("-").replace("-", "_")]
    if os.environ.get("VIPD_IN_VM") != "1" or (systemd and not os.path.isdir("/run/systemd/system")):
        how = "integration/vm/run-in-vm.py" + (" --systemd" if systemd else "")
        print(f"{script}: run me with {how}", file=sys.stderr)
        return EXIT_SKIP
    cleanup.install_handlers()
    try:
        failures = body(value)
    except Skip as e:
        print(f"SKIP {name}: {e}", file=sys.stderr)
        return EXIT_SKIP
    except (AssertionError, subprocess.TimeoutExpired, cleanup.Interrupted) as e:
        print(f"FAIL: {e}", flush=True)
        if on_failure is not None:
            on_failure()
        return EXIT_FAIL
    finally:
        cleanup.REGISTRY.run_all()
    if failures:
        print(f"FAIL {name}: {failures} failure(s)")
        return EXIT_FAIL
    print(f"PASS {name} ({time.monotonic() - began:.1f}s)")
    return EXIT_PASS
