#!/usr/bin/env python3
"""use_vmac against FRR's vrrpd: one virtual MAC, two implementations, failover both ways.

dir1 runs vipd (150) with use_vmac; dir2 runs Debian's FRR (zebra + vrrpd, 100) with the
macvlan FRR expects its operator to make (vrrp4-51: 00:00:5e:00:01:33, bridge mode, the VIP on
it). VRRPv3 at 200 ms. FRR keeps the VIP on its macvlan and holds the macvlan in protodown while
Backup, so "dir2 holds the VIP" means its macvlan is out of protodown.

1. vipd wins; FRR says Backup and its macvlan is in protodown; the client's entry for the VIP is
   the virtual MAC.
2. dir1's cable is cut: FRR takes over (protodown off); the client reaches the VIP through dir2
   with the same MAC in its entry.
3. Restored, vipd preempts FRR (FRR accepts vipd's adverts: v3 checksum and virtual MAC source);
   FRR goes back to Backup and protodown; the client reaches the VIP through dir1, same MAC.
4. vipd stops: it resigns (priority 0), FRR takes over within skew time plus slack, and dir1 has
   no VMAC left.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402
from vipdtest.frr import start_frr_vrrp  # noqa: E402

VIP = "10.99.0.100/24"
VIRTUAL_MAC = "00:00:5e:00:01:33"


def holders(topo: vt.Topology, frr) -> set[str]:
    held = set()
    if "10.99.0.100" in topo.addresses("dir1"):
        held.add("dir1")
    if frr.alive() and not frr.protodown():
        held.add("dir2")
    return held


def wait_for(ctx: vt.Context, topo: vt.Topology, frr, expected: set[str], timeout: float,
             what: str) -> float:
    elapsed = vt.wait_until(lambda: holders(topo, frr) == expected, timeout, interval=0.05,
                            what=what, explain=lambda: f"holders {sorted(holders(topo, frr))}")
    ctx.log(f"{what}: {elapsed:.2f}s")
    return elapsed


def client_reaches_vip_with_virtual_mac(ctx: vt.Context, topo: vt.Topology, through: str) -> None:
    vt.wait_until(lambda: topo.ping("client", "10.99.0.100", count=1, wait=0.5), 5, interval=0.05,
                  what=f"the client reaching the VIP through {through}")
    seen = topo.neigh_mac(VIP)
    vt.check(seen == VIRTUAL_MAC, f"with {through} holding the VIP the client's entry is {seen}")


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    # What an FRR operator sets beside the macvlan (FRR sets nothing): the parent answers no ARP
    # for the VIP, which lives on the macvlan, and names no VIP as its ARP sender.
    topo.sysctl_ns(topo.ns["dir2"], "net.ipv4.conf.eth0.arp_ignore=1",
                   "net.ipv4.conf.eth0.arp_announce=2")
    text = vipd_config("dir1", [inst.with_priority(150)])
    vipd = start_vipd(topo, "dir1", ctx.vipd, text.replace("vips = [", "use_vmac = true\nvips = [", 1))
    frr = start_frr_vrrp(topo, "dir2", inst.with_priority(100))
    ctx.log(f"started vipd (pid {vipd.pid}, 150, use_vmac) and FRR vrrpd (pid {frr.pid}, 100)")

    # 1. vipd elected; FRR in Backup with its macvlan down.
    wait_for(ctx, topo, frr, {"dir1"}, inst.master_down_interval(150) + 5.0,
             "vipd (150) elected over FRR (100)")
    vt.wait_until(lambda: frr.state() == "BACKUP", 5, what="FRR's vrrpd reporting Backup",
                  explain=lambda: f"FRR says {frr.state()}")
    client_reaches_vip_with_virtual_mac(ctx, topo, "dir1 (vipd)")

    # 2. vipd -> FRR.
    topo.cut("dir1")
    wait_for(ctx, topo, frr, {"dir2"}, inst.master_down_interval(100) + 2.0,
             "FRR taking over from the cut vipd")
    vt.check(frr.state() == "MASTER", f"FRR says {frr.state()} while holding the VIP")
    client_reaches_vip_with_virtual_mac(ctx, topo, "dir2 (FRR)")

    # 3. FRR -> vipd.
    topo.restore("dir1")
    wait_for(ctx, topo, frr, {"dir1"}, inst.master_down_interval(150) + 5.0,
             "vipd preempting FRR")
    vt.wait_until(lambda: frr.state() == "BACKUP", 5, what="FRR's vrrpd back in Backup",
                  explain=lambda: f"FRR says {frr.state()}")
    client_reaches_vip_with_virtual_mac(ctx, topo, "dir1 (vipd) again")
    vt.hold_for(lambda: holders(topo, frr) == {"dir1"}, 1.0, what="dir1 alone holding the VIP",
                explain=lambda: f"holders {sorted(holders(topo, frr))}")

    # 4. vipd resigns.
    vt.check(vipd.stop() == 0, "vipd did not exit cleanly")
    wait_for(ctx, topo, frr, {"dir2"}, inst.skew_time(100) + 1.5,
             "FRR taking over from the resigning vipd")
    gone = vt.sh.run(["ip", "-n", topo.ns["dir1"], "link", "show", "dev", "vrrp.51"], check=False)
    vt.check(not gone.strip(), f"vipd left its VMAC behind:\n{gone}")


if __name__ == "__main__":
    vt.main(scenario, "use_vmac against FRR's vrrpd: failover both ways, one MAC",
            tools=("ip", "ping", "vtysh", "/usr/lib/frr/vrrpd", "/usr/lib/frr/zebra"),
            engines=("vipd",))
