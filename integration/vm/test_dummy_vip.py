#!/usr/bin/env python3
"""vm.dummy_vip: a VIP on a dummy link that does not exist yet.

vipd runs one instance of priority 255 (the address owner, so Master at once, RFC 5798 §6.4.1)
whose VIP is "192.168.100.1/32 dev dummy1". dummy1 does not exist: vipd must create it as a
dummy link and add the address; on SIGTERM it must remove the address and exit 0.
Needs the dummy driver, which this tier's Debian kernel has, so it runs inside the VM only
(run-in-vm.py sets VIPD_IN_VM), in a network namespace of its own. Exit 0 pass, 1 fail, 77 skip.
Standard library only.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

from vmscenario import Namespace, sh, wait_until

K_NS_NAME = f"vh-vm-dummy-{os.getpid()}"
K_VIP = "192.168.100.1"
K_CONFIG = """[global]
router_id = "vm-dummy"

[[vrrp]]
name = "owner"
interface = "veth0"
vrid = 51
priority = 255
advert_interval = "1s"
vips = ["192.168.100.1/32 dev dummy1"]
"""





NS = Namespace(K_NS_NAME)
in_ns = NS.run


def dummy1_is_dummy():
    out = in_ns("ip", "-d", "link", "show", "dummy1", check=False)
    # `ip -d link` prints the link kind on its own line after the link-layer address.
    return any(line.split()[:1] == ["dummy"] for line in out.splitlines())


def vip_on_dummy1():
    return f"inet {K_VIP}/32 " in in_ns("ip", "-4", "addr", "show", "dev", "dummy1", check=False)


def run(vipd, tmp):
    NS.create()
    # The instance's interface: one end of a veth pair, both ends in the namespace, so adverts
    # go nowhere else.
    in_ns("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
    in_ns("ip", "addr", "add", "10.77.0.1/24", "dev", "veth0")
    in_ns("ip", "link", "set", "veth0", "up")
    in_ns("ip", "link", "set", "veth1", "up")
    if in_ns("ip", "link", "show", "dummy1", check=False):
        raise AssertionError("dummy1 exists before vipd starts")

    conf = os.path.join(tmp, "vipd.toml")
    with open(conf, "w") as f:
        f.write(K_CONFIG)
    in_ns(vipd, "--check", "--config", conf)
    log_path = os.path.join(tmp, "vipd.log")
    with open(log_path, "wb") as log:
        start = time.monotonic()
        proc = subprocess.Popen(["ip", "netns", "exec", NS.name, vipd, "--config", conf,
                                 "--log", "stderr", "--log-level", "debug"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until("dummy1 as a dummy link", dummy1_is_dummy, 10)
        wait_until(f"{K_VIP}/32 on dummy1", vip_on_dummy1, 10)
        print(f"ok: vipd created dummy1 (type dummy) with {K_VIP}/32 "
              f"in {time.monotonic() - start:.2f}s")
        print(in_ns("ip", "-d", "link", "show", "dummy1").rstrip())
        print(in_ns("ip", "addr", "show", "dummy1").rstrip())
        if proc.poll() is not None:
            raise AssertionError(f"vipd exited early with {proc.returncode}")
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError("vipd did not exit within 10s of SIGTERM")
        if code != 0:
            raise AssertionError(f"vipd exited {code} on SIGTERM, expected 0")
        if vip_on_dummy1():
            raise AssertionError(f"{K_VIP}/32 still on dummy1 after vipd exited")
        kept = "kept" if in_ns("ip", "link", "show", "dummy1", check=False) else "removed"
        print(f"ok: SIGTERM -> exit 0, address removed (dummy1 link {kept})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            print("--- vipd log ---\n" + f.read().rstrip())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vipd", required=True)
    a = p.parse_args()
    if os.environ.get("VIPD_IN_VM") != "1":
        print("test_dummy_vip: run me with integration/vm/run-in-vm.py", file=sys.stderr)
        return 77
    if not os.access(a.vipd, os.X_OK):
        print(f"test_dummy_vip: SKIP: no vipd at {a.vipd}", file=sys.stderr)
        return 77
    with tempfile.TemporaryDirectory(prefix="vipd-vm-dummy.") as tmp:
        try:
            run(a.vipd, tmp)
        except AssertionError as e:
            print(f"FAIL: {e}")
            return 1
        finally:
            NS.delete()
    print("PASS dummy_vip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
