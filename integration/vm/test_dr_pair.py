#!/usr/bin/env python3
"""vm.dr_pair: the seed lab (001): two directors, VRRPv2 with auth PASS, IPVS DR round robin to
two real servers that hold the VIP on lo with arp_ignore=1 / arp_announce=2.

A client loop gets answers from both reals through the VIP; the service exists only on the
master; the master host dies (vipd SIGKILLed and its cable cut): the loop resumes within the
failover bound and the backup now holds the VIP and the service. When the host returns, the
restarted vipd removes its crashed run's leftovers and preempts back: VIP and service on dir1
only, gone from dir2. Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP_IP = "10.99.0.100"
VIP = f"{VIP_IP}/24"


def service_text(topo: vt.Topology) -> str:
    reals = "".join(f"""
  [[virtual_server.real]]
  address = "{topo.addr4(r).split('/')[0]}"
  port = 80
""" for r in ("real1", "real2"))
    return f"""
[[virtual_server]]
address = "{VIP_IP}"
port = 80
protocol = "tcp"
scheduler = "rr"
forwarding = "dr"
{reals}"""


def has_service(topo: vt.Topology, role: str) -> bool:
    out = topo.run(role, ["ipvsadm", "-Ln"], check=False)
    return f"TCP  {VIP_IP}:80 rr" in out and out.count("Route") == 2


DIRECTORS = ("dir1", "dir2")


def wait_directors(ctx: vt.Context, topo: vt.Topology, expected: set[str], timeout: float, what: str):
    """Like wait_holders, but only directors count: the reals hold the VIP on lo by design."""
    elapsed = vt.wait_until(lambda: topo.who_has(VIP, DIRECTORS) == expected, timeout, interval=0.05,
                            what=what, explain=lambda: f"holders {sorted(topo.who_has(VIP, DIRECTORS))}")
    ctx.log(f"{what}: after {elapsed:.2f}s (bound {timeout:.2f}s)")


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "dir2", "real1", "real2", "client"))
    for real in ("real1", "real2"):
        # DR real server: the VIP on lo, never answering ARP for it (seed lab 001).
        topo.sysctl_ns(topo.ns[real], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        topo.add_address(real, f"{VIP_IP}/32", dev="lo")
        topo.start_http_responder(real)

    inst = vt.Instance("web", vrid=210, priority=100, vips=[VIP], version=2, advert_interval=1.0,
                       auth_pass="PassW0rD")
    directors = {}

    def start(role: str, priority: int):
        text = vt.daemon.vipd_config(role, [inst.with_priority(priority)]) + service_text(topo)
        directors[role] = vt.start_vipd(topo, role, ctx.vipd, text)

    start("dir1", 150)
    start("dir2", 100)
    wait_directors(ctx, topo, {"dir1"}, inst.master_down_interval(150) + 10.0, "dir1 holding the VIP")
    vt.wait_until(lambda: has_service(topo, "dir1"), 5, what="the DR service on dir1")
    vt.check(not has_service(topo, "dir2") and f"{VIP_IP}:80" not in topo.run("dir2", ["ipvsadm", "-Ln"]),
             "the backup dir2 has the service")
    ctx.log("dir1 holds the VIP and the service; dir2 has neither")

    client = topo.start_client_loop(VIP_IP, interval=0.2, timeout=0.5)
    vt.wait_until(lambda: {b for _, ok, b in vt.client_results(client) if ok} >= {"real1", "real2"},
                  20, what="answers from both reals through the VIP")
    ctx.log("the client gets answers from real1 and real2")

    # The master host dies: its vipd is killed (no priority-0 advert) and its cable is cut.
    directors["dir1"].signal(signal.SIGKILL)
    topo.cut("dir1")
    died = time.monotonic()
    bound = inst.master_down_interval(100) + 10.0  # emulated VM: generous slack
    # dir1's namespace keeps its crashed run's VIP: the host is gone, nobody reaches it.
    wait_directors(ctx, topo, {"dir1", "dir2"}, bound, "dir2 taking the VIP")
    vt.wait_until(lambda: has_service(topo, "dir2"), 5, what="the DR service on dir2")
    vt.wait_until(lambda: any(ok and t > died for t, ok, _ in vt.client_results(client)), bound,
                  what="the client answered again after the master died")
    rows = [r for r in vt.client_results(client) if r[0] > died]
    resumed = min(t for t, ok, _ in rows if ok) - died
    ctx.log(f"client answered again {resumed:.2f}s after the master died "
            f"(master down interval {inst.master_down_interval(100):.2f}s)")
    vt.wait_until(lambda: {b for t, ok, b in vt.client_results(client) if ok and t > died}
                  >= {"real1", "real2"}, 20, what="both reals answering through dir2")

    # The host comes back: a fresh vipd cleans the crashed run's VIP and service, then preempts.
    topo.restore("dir1")
    start("dir1", 150)
    wait_directors(ctx, topo, {"dir1"}, inst.master_down_interval(150) + 10.0,
                   "dir1 back as the only holder")
    vt.wait_until(lambda: has_service(topo, "dir1") and f"{VIP_IP}:80" not in
                  topo.run("dir2", ["ipvsadm", "-Ln"]), 10,
                  what="the service on dir1 only")
    ctx.log("dir1 preempted back: VIP and service on dir1 only")


if __name__ == "__main__":
    vt.main(scenario, "DR pair with VRRPv2 PASS: services only on the master, failover",
            tools=("ip", "ipvsadm", "curl"), engines=("vipd",))
