#!/usr/bin/env python3
"""vm.bgp_ecmp: two directors announce one VIP over BGP (vipd [[bgp_vip]] + FRR); a router
spreads the flows over both (ECMP), IPVS DR with the mh scheduler sends them to two reals.

rtr runs bgpd with maximum-paths 8 and net.ipv4.fib_multipath_hash_policy = 1; each director
runs vipd (the service, its checks, the routes) and FRR (zebra imports table 100, bgpd
redistributes it), with net.ipv4.vs.sloppy_tcp = 1. BGP keepalive 1 s, hold 3 s. The client
reaches the VIP through rtr with a new connection every 100 ms.

1. rtr holds one next hop per director; the client gets answers from both reals.
2. `vipctl demote anycast` on dir1: rtr keeps only dir2 within the hold time plus slack; the
   client keeps getting answers; `vipctl promote` brings dir1 back.
3. dir2's vipd stops: rtr keeps only dir1 within the same bound; the client keeps getting
   answers. Its longest gap between two answers over 2 and 3 is measured (bench/README.md).
Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.frr_bgp import HOLD, bgpd_conf, start_frr_bgp  # noqa: E402

VIP = "192.0.2.10"
PREFIX = f"{VIP}/32"
TABLE = 100
DIRECTORS = ("dir1", "dir2")
BOUND = HOLD + 5.0  # emulated VM: generous slack


def director_config(role: str, reals: list[str]) -> str:
    real_tables = "".join(f'  [[virtual_server.real]]\n  address = "{r}"\n' for r in reals)
    return vt.vipd_config(role, [], ['vip_resync_interval = "1s"']) + f"""
[[virtual_server]]
name = "anycast-80"
address = "{VIP}"
port = 80
scheduler = "mh"
mh_port = true                      # hash the source port too: one client's flows spread
forwarding = "dr"
  [virtual_server.check]
  type = "tcp"
  interval = "500ms"
{real_tables}
[bgp]
table = {TABLE}

[[bgp_vip]]
name = "anycast"
address = "{VIP}"
virtual_servers = ["anycast-80"]
"""


def connections(topo: vt.Topology, role: str) -> int:
    """The connections the director's IPVS service has taken so far."""
    for line in topo.run(role, ["ipvsadm", "-Ln", "--stats"], check=False).splitlines():
        fields = line.split()
        if fields[:2] == ["TCP", f"{VIP}:80"]:
            return int(fields[2])
    return 0


def longest_gap(client, since: float) -> float:
    answered = sorted(t for t, ok, _ in vt.client_results(client) if ok and t >= since)
    return max((b - a for a, b in zip(answered, answered[1:])), default=float("inf"))


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "dir2", "rtr", "real1", "real2", "client"))
    addr = {role: topo.addr4(role) for role in topo.roles}
    for real in ("real1", "real2"):
        topo.sysctl_ns(topo.ns[real], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        topo.add_address(real, f"{VIP}/32", dev="lo")
        topo.start_http_responder(real)
    topo.sysctl_ns(topo.ns["rtr"], "net.ipv4.ip_forward=1",
                   "net.ipv4.fib_multipath_hash_policy=1")
    topo.run("client", ["ip", "route", "add", PREFIX, "via", addr["rtr"]])

    vipds, frrs = {}, {}
    for role in DIRECTORS:
        topo.run(role, ["sysctl", "-qw", "net.ipv4.vs.sloppy_tcp=1"])
        vipds[role] = vt.start_vipd(topo, role, ctx.vipd,
                                    director_config(role, [addr["real1"], addr["real2"]]))
        frrs[role] = start_frr_bgp(
            topo, role, f"ip import-table {TABLE}\n",
            bgpd_conf(65001, addr[role], {addr["rtr"]: 65000}, [f"redistribute table {TABLE}"]),
            f"bgp-{role}")
    rtr = start_frr_bgp(topo, "rtr", "!\n",
                        bgpd_conf(65000, addr["rtr"], {addr[d]: 65001 for d in DIRECTORS},
                                  ["maximum-paths 8"]), "bgp-rtr")

    def wait_hops(expected: set[str], timeout: float, what: str) -> float:
        hops = {addr[d] for d in expected}
        elapsed = vt.wait_until(lambda: rtr.next_hops(PREFIX) == hops, timeout, interval=0.1,
                                what=what, explain=lambda: f"rtr's next hops {rtr.next_hops(PREFIX)}")
        ctx.log(f"{what}: {elapsed:.2f}s")
        return elapsed

    # 1. Both directors announce; ECMP in rtr's kernel; answers from both reals.
    wait_hops({"dir1", "dir2"}, 60, "rtr holds one next hop per director")
    kernel = topo.run("rtr", ["ip", "route", "show", PREFIX])
    vt.check(all(f"via {addr[d]}" in kernel for d in DIRECTORS), f"rtr's kernel route: {kernel}")
    client = topo.start_client_loop(VIP, interval=0.1, timeout=0.5)
    vt.wait_until(lambda: {b for _, ok, b in vt.client_results(client) if ok} >= {"real1", "real2"},
                  30, what="answers from both reals through the router")
    vt.wait_until(lambda: all(connections(topo, d) > 0 for d in DIRECTORS), 30,
                  what="flows through both directors",
                  explain=lambda: f"connections {[connections(topo, d) for d in DIRECTORS]}")
    ctx.log(f"the client gets answers from real1 and real2 through rtr, over both directors "
            f"(connections {[connections(topo, d) for d in DIRECTORS]})")

    # 2. Demote dir1, then promote it.
    vipctl = os.path.join(os.path.dirname(os.path.dirname(ctx.vipd)), "vipctl", "vipctl")
    sock = os.path.join(topo.tmpdir, f"{vipds['dir1'].name}.sock")
    started = time.monotonic()
    subprocess.run([vipctl, "--socket", sock, "demote", "anycast"], check=True, timeout=10)
    wait_hops({"dir2"}, BOUND, "rtr drops the demoted dir1")
    subprocess.run([vipctl, "--socket", sock, "promote", "anycast"], check=True, timeout=10)
    wait_hops({"dir1", "dir2"}, BOUND, "rtr takes dir1 back after promote")

    # 3. dir2's vipd stops.
    rc = vipds["dir2"].stop()
    vt.check(rc == 0, f"dir2's vipd exited with {rc}")
    wait_hops({"dir1"}, BOUND, "rtr drops the stopped dir2")
    time.sleep(2.0)  # answers after the change, through dir1 alone
    gap = longest_gap(client, started)
    ctx.log(f"client's longest gap between answers through demote, promote and stop: {gap:.2f}s")
    vt.check(gap < BOUND, f"the client went {gap:.2f}s without an answer")
    vt.check(all(f.alive() for f in (*frrs.values(), rtr)), "an FRR daemon died")


if __name__ == "__main__":
    vt.main(scenario, "two directors announce a VIP over BGP; ECMP, demote, stop",
            tools=("ip", "ipvsadm", "vtysh", "/usr/lib/frr/bgpd"), engines=("vipd",))
