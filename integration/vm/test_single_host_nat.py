#!/usr/bin/env python3
"""vm.single_host_nat: the one-host lab (seed 000) with vipd instead of ip + ipvsadm.

A static VIP 192.168.100.1/32 on dummy1 (which vipd creates), an IPVS NAT round-robin service on
port 80 to two HTTP backends on 127.0.0.1:8081 and :8082, and a client on the same host (IPVS does
not DNAT forwarded traffic to loopback). Ten requests must split 5/5 and `ipvsadm -Ln --stats`
must agree; on SIGTERM vipd removes the service and the VIP and exits 0.
Runs inside the VM (run-in-vm.py sets VIPD_IN_VM), in a network namespace of its own.
Exit 0 pass, 1 fail, 77 skip. Standard library only.
"""

import collections
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

RESPONDER = os.path.join(HERE, "..", "lib", "vipdtest", "http_responder.py")
K_CONFIG = """[global]
router_id = "single"
control_socket = "@SOCKET@"
static_vips = ["192.168.100.1/32 dev dummy1"]

[[virtual_server]]
address = "192.168.100.1"
port = 80
protocol = "tcp"
scheduler = "rr"
forwarding = "nat"

  [[virtual_server.real]]
  address = "127.0.0.1"
  port = 8081

  [[virtual_server.real]]
  address = "127.0.0.1"
  port = 8082
"""


def service_listed(host):
    out = host.sh(["ipvsadm", "-Ln"], check=False)
    return ("TCP  192.168.100.1:80 rr" in out and "127.0.0.1:8081" in out
            and "127.0.0.1:8082" in out and out.count("Masq") == 2)


def run(vipd):
    host = vt.SingleHost().build()
    for name, port in (("backend1", 8081), ("backend2", 8082)):
        host.popen(host.role, [sys.executable, RESPONDER, "--name", name, "--port", str(port)],
                   os.path.join(host.tmpdir, f"{name}.log"), name)
    vt.wait_until(lambda: all(
        host.sh(["curl", "-s", "-m", "1", f"http://127.0.0.1:{p}/"], check=False).strip()
        for p in (8081, 8082)), 15, what="both backends answering")

    socket_path = os.path.join(host.tmpdir, "vipd.sock")
    vipd_proc = host.start_vipd(vipd, K_CONFIG.replace("@SOCKET@", socket_path), log_level="debug")
    try:
        vt.wait_until(lambda: service_listed(host), 15, what="the NAT service in ipvsadm -Ln")
        vt.wait_until(lambda: host.has_address("192.168.100.1/32"), 5,
                      what="192.168.100.1/32 on dummy1")
        print(f"ok: service and VIP in place {time.monotonic() - vipd_proc.started:.2f}s "
              "after start")
        print(host.sh(["ipvsadm", "-Ln"]).rstrip())

        answers = collections.Counter(
            host.sh(["curl", "-s", "-m", "2", "http://192.168.100.1/"], check=False).strip()
            for _ in range(10))
        print(f"answers: {dict(answers)}")
        if answers != collections.Counter({"backend1": 5, "backend2": 5}):
            raise AssertionError(f"round robin did not split 10 requests 5/5: {dict(answers)}")

        # The kernel folds its per-CPU counters into what --stats shows every 2 s (the rate
        # estimator), so the figures may lag the requests by that much.
        def conns_per_real():
            stats = host.sh(["ipvsadm", "-Ln", "--stats"])
            return stats, {m.group(1): int(m.group(2)) for m in
                           re.finditer(r"->\s+127\.0\.0\.1:(\d+)\s+(\d+)", stats)}
        try:
            vt.wait_until(lambda: conns_per_real()[1] == {"8081": 5, "8082": 5}, 6,
                          what="ipvsadm --stats to count 5 connections per real")
        finally:
            print(conns_per_real()[0].rstrip())
        print("ok: 10 requests split 5/5, ipvsadm --stats agrees")

        # vipctl shows the same table and the kernel's counters (one dump with STATS64).
        vipctl = os.path.join(os.path.dirname(vipd), "..", "vipctl", "vipctl")
        view = json.loads(host.sh([vipctl, "--socket", socket_path, "ipvs", "--json"]))
        print(host.sh([vipctl, "--socket", socket_path, "ipvs"]).rstrip())
        service = view[0]
        weights = [r.get("kernel_weight") for r in service["reals"]]
        if not service["in_kernel"] or weights != [1, 1] or service["connections"] != 10:
            raise AssertionError(f"vipctl ipvs disagrees with the kernel: {service}")
        conns = [r["active_connections"] + r["inactive_connections"] for r in service["reals"]]
        if sum(conns) == 0:
            raise AssertionError(f"vipctl ipvs shows no connections per real: {service}")
        print(f"ok: vipctl ipvs: 10 connections, per real (active + inactive) {conns}")

        code = vipd_proc.stop(timeout=10)
        if code != 0:
            raise AssertionError(f"vipd exited {code} on SIGTERM, expected 0")
        if "192.168.100.1:80" in host.sh(["ipvsadm", "-Ln"]):
            raise AssertionError("the service is still in IPVS after vipd stopped")
        if host.has_address("192.168.100.1/32"):
            raise AssertionError("192.168.100.1/32 is still present after vipd stopped")
        print("ok: SIGTERM -> exit 0, service and VIP removed")
    finally:
        print("--- vipd log ---\n" + vipd_proc.log_text().rstrip())


if __name__ == "__main__":
    sys.exit(vt.vm_main(__doc__, run))
