#!/usr/bin/env python3
"""vm.dummy_vip: a VIP on a dummy link that does not exist yet.

vipd runs one instance of priority 255 (the address owner, so Master at once, RFC 5798 §6.4.1)
whose VIP is "192.168.100.1/32 dev dummy1". dummy1 does not exist: vipd must create it as a
dummy link and add the address; on SIGTERM it must remove the address and exit 0.
Needs the dummy driver, which this tier's Debian kernel has, so it runs inside the VM only
(run-in-vm.py sets VIPD_IN_VM), in a network namespace of its own. Exit 0 pass, 1 fail, 77 skip.
Standard library only.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

K_VIP = "192.168.100.1"
# The address owner (priority 255), as TOML: version 3, preempt, no preempt delay (vipd's
# defaults, written out by vipd_config).
K_CONFIG = vt.vipd_config("vm-dummy", [vt.Instance(
    "owner", vrid=51, priority=255, vips=[f"{K_VIP}/32 dev dummy1"], interface="veth0",
    advert_interval=1.0)])


def dummy1_is_dummy(host):
    out = host.sh(["ip", "-d", "link", "show", "dummy1"], check=False)
    # `ip -d link` prints the link kind on its own line after the link-layer address.
    return any(line.split()[:1] == ["dummy"] for line in out.splitlines())


def run(vipd):
    if not os.access(vipd, os.X_OK):
        raise vt.Skip(f"no vipd at {vipd}")
    host = vt.SingleHost().build()
    # The instance's interface: one end of a veth pair, both ends in the namespace, so adverts
    # go nowhere else.
    host.sh(["ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1"])
    host.sh(["ip", "addr", "add", "10.77.0.1/24", "dev", "veth0"])
    host.sh(["ip", "link", "set", "veth0", "up"])
    host.sh(["ip", "link", "set", "veth1", "up"])
    if host.sh(["ip", "link", "show", "dummy1"], check=False):
        raise AssertionError("dummy1 exists before vipd starts")

    proc = host.start_vipd(vipd, K_CONFIG, log_level="debug")
    try:
        vt.wait_until(lambda: dummy1_is_dummy(host), 10, what="dummy1 as a dummy link")
        vt.wait_until(lambda: host.has_address(f"{K_VIP}/32", dev="dummy1"), 10,
                      what=f"{K_VIP}/32 on dummy1")
        print(f"ok: vipd created dummy1 (type dummy) with {K_VIP}/32 "
              f"in {time.monotonic() - proc.started:.2f}s")
        print(host.sh(["ip", "-d", "link", "show", "dummy1"]).rstrip())
        print(host.sh(["ip", "addr", "show", "dummy1"]).rstrip())
        if not proc.alive():
            raise AssertionError(f"vipd exited early with {proc.returncode}")
        code = proc.stop(timeout=10)
        if code != 0:
            raise AssertionError(f"vipd exited {code} on SIGTERM, expected 0")
        if host.has_address(f"{K_VIP}/32", dev="dummy1"):
            raise AssertionError(f"{K_VIP}/32 still on dummy1 after vipd exited")
        kept = "kept" if host.sh(["ip", "link", "show", "dummy1"], check=False) else "removed"
        print(f"ok: SIGTERM -> exit 0, address removed (dummy1 link {kept})")
    finally:
        print("--- vipd log ---\n" + proc.log_text().rstrip())


if __name__ == "__main__":
    sys.exit(vt.vm_main(__doc__, run))
