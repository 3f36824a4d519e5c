#!/usr/bin/env python3
"""vm.single_host_nat: the one-host lab (seed 000) with vipd instead of ip + ipvsadm.

A static VIP 192.168.100.1/32 on dummy1 (which vipd creates), an IPVS NAT round-robin service on
port 80 to two HTTP backends on 127.0.0.1:8081 and :8082, and a client on the same host (IPVS does
not DNAT forwarded traffic to loopback). Ten requests must split 5/5 and `ipvsadm -Ln --stats`
must agree; on SIGTERM vipd removes the service and the VIP and exits 0.
Runs inside the VM (run-in-vm.py sets VIPD_IN_VM), in a network namespace of its own.
Exit 0 pass, 1 fail, 77 skip. Standard library only.
"""

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from vmscenario import Namespace, sh, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
RESPONDER = os.path.join(HERE, "..", "lib", "vipdtest", "http_responder.py")
K_NS_NAME = f"vh-vm-nat-{os.getpid()}"
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





NS = Namespace(K_NS_NAME)
in_ns = NS.run


def service_listed():
    out = in_ns("ipvsadm", "-Ln", check=False)
    return ("TCP  192.168.100.1:80 rr" in out and "127.0.0.1:8081" in out
            and "127.0.0.1:8082" in out and out.count("Masq") == 2)


def vip_present():
    return "inet 192.168.100.1/32" in in_ns("ip", "-4", "addr", "show", check=False)


def run(vipd, tmp):
    NS.create()
    procs = []
    try:
        for name, port in (("backend1", 8081), ("backend2", 8082)):
            procs.append(subprocess.Popen(["ip", "netns", "exec", NS.name, sys.executable, RESPONDER,
                                           "--name", name, "--port", str(port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until("both backends answering", lambda: all(
            in_ns("curl", "-s", "-m", "1", f"http://127.0.0.1:{p}/", check=False).strip()
            for p in (8081, 8082)), 15)

        conf = os.path.join(tmp, "vipd.toml")
        socket_path = os.path.join(tmp, "vipd.sock")
        with open(conf, "w") as f:
            f.write(K_CONFIG.replace("@SOCKET@", socket_path))
        in_ns(vipd, "--check", "--config", conf)
        log_path = os.path.join(tmp, "vipd.log")
        log = open(log_path, "wb")
        start = time.monotonic()
        vipd_proc = subprocess.Popen(["ip", "netns", "exec", NS.name, vipd, "--config", conf,
                                      "--log", "stderr", "--log-level", "debug"],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        procs.append(vipd_proc)
        try:
            wait_until("the NAT service in ipvsadm -Ln", service_listed, 15)
            wait_until("192.168.100.1/32 on dummy1", vip_present, 5)
            print(f"ok: service and VIP in place {time.monotonic() - start:.2f}s after start")
            print(in_ns("ipvsadm", "-Ln").rstrip())

            answers = collections.Counter(
                in_ns("curl", "-s", "-m", "2", "http://192.168.100.1/", check=False).strip()
                for _ in range(10))
            print(f"answers: {dict(answers)}")
            if answers != collections.Counter({"backend1": 5, "backend2": 5}):
                raise AssertionError(f"round robin did not split 10 requests 5/5: {dict(answers)}")

            # The kernel folds its per-CPU counters into what --stats shows every 2 s (the rate
            # estimator), so the figures may lag the requests by that much.
            def conns_per_real():
                stats = in_ns("ipvsadm", "-Ln", "--stats")
                return stats, {m.group(1): int(m.group(2)) for m in
                               re.finditer(r"->\s+127\.0\.0\.1:(\d+)\s+(\d+)", stats)}
            try:
                wait_until("ipvsadm --stats to count 5 connections per real",
                           lambda: conns_per_real()[1] == {"8081": 5, "8082": 5}, 6)
            finally:
                print(conns_per_real()[0].rstrip())
            print("ok: 10 requests split 5/5, ipvsadm --stats agrees")

            # vipctl shows the same table and the kernel's counters (one dump with STATS64).
            vipctl = os.path.join(os.path.dirname(vipd), "..", "vipctl", "vipctl")
            view = json.loads(in_ns(vipctl, "--socket", socket_path, "ipvs", "--json"))
            print(in_ns(vipctl, "--socket", socket_path, "ipvs").rstrip())
            service = view[0]
            weights = [r.get("kernel_weight") for r in service["reals"]]
            if not service["in_kernel"] or weights != [1, 1] or service["connections"] != 10:
                raise AssertionError(f"vipctl ipvs disagrees with the kernel: {service}")
            conns = [r["active_connections"] + r["inactive_connections"] for r in service["reals"]]
            if sum(conns) == 0:
                raise AssertionError(f"vipctl ipvs shows no connections per real: {service}")
            print(f"ok: vipctl ipvs: 10 connections, per real (active + inactive) {conns}")

            vipd_proc.send_signal(signal.SIGTERM)
            code = vipd_proc.wait(timeout=10)
            if code != 0:
                raise AssertionError(f"vipd exited {code} on SIGTERM, expected 0")
            if "192.168.100.1:80" in in_ns("ipvsadm", "-Ln"):
                raise AssertionError("the service is still in IPVS after vipd stopped")
            if vip_present():
                raise AssertionError("192.168.100.1/32 is still present after vipd stopped")
            print("ok: SIGTERM -> exit 0, service and VIP removed")
        finally:
            log.close()
            with open(log_path, encoding="utf-8", errors="replace") as f:
                print("--- vipd log ---\n" + f.read().rstrip())
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vipd", required=True)
    a = p.parse_args()
    if os.environ.get("VIPD_IN_VM") != "1":
        print("test_single_host_nat: run me with integration/vm/run-in-vm.py", file=sys.stderr)
        return 77
    with tempfile.TemporaryDirectory(prefix="vipd-vm-nat.") as tmp:
        try:
            run(a.vipd, tmp)
        except (AssertionError, subprocess.TimeoutExpired) as e:
            print(f"FAIL: {e}")
            return 1
        finally:
            NS.delete()
    print("PASS single_host_nat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
