#!/usr/bin/env python3
"""use_vmac for IPv6: one MAC (00:00:5e:00:02:VRID) for the VIP, and a Backup's VMAC is silent.

dir1 (150) and dir2 (100), VRRPv3 at 200 ms, one IPv6 instance (vrid 52) with use_vmac: each
director makes vrrp6.52, a bridge-mode macvlan on eth0 with 00:00:5e:00:02:34. Any IPv6 address
joins a multicast group, so the VMAC is up only on the Master (with eth0's link-local, the
adverts' source, and the VIP); a Backup's is down and sends nothing.

1. dir1's VMAC is up with its link-local and the VIP; dir2's is down with no address.
2. The client's neighbour entry for the VIP is the virtual MAC.
3. For 3 s the Backup's switch port carries no frame from the virtual MAC (no MLD, no DAD, no
   NS), while the Master's carries its adverts from it.
4. dir1's cable is cut: dir2 takes over; the client's entry still names the virtual MAC and the
   VIP answers through dir2.
5. Restored, dir1 preempts: dir2's VMAC goes down again and, for 3 s, nothing from the virtual
   MAC leaves dir2 (no MLD leave report from the yielding Master's VMAC).
6. Stopped, neither director leaves its VMAC behind.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_vmac_pair import fail_over_and_back, frames_from_vmac, start_vmac_pair  # noqa: E402

VIP = "2001:db8:99::100/64"
VMAC = "vrrp6.52"
VIRTUAL_MAC = "00:00:5e:00:02:34"


def vmac_link(topo: vt.Topology, role: str) -> dict | None:
    out = vt.sh.run(["ip", "-n", topo.ns[role], "-d", "-j", "addr", "show", "dev", VMAC],
                    check=False)
    entries = json.loads(out or "[]")
    return entries[0] if entries else None


def addresses_of(link: dict) -> set[str]:
    return {a["local"] for a in link.get("addr_info", []) if "local" in a}


def expect_silent_backup(ctx: vt.Context, topo: vt.Topology, role: str, when: str) -> None:
    link = vmac_link(topo, role)
    vt.check(link is not None and "UP" not in link["flags"] and not addresses_of(link),
             f"{when}: {role}'s {VMAC} should be down without addresses: {link}")
    quiet, kinds = frames_from_vmac(topo, role, 3.0, VIRTUAL_MAC)
    vt.check(quiet == 0, f"{when}: {quiet} frame(s) (ethertypes {kinds}) left {role}'s VMAC")
    ctx.log(f"{when}: {role}'s VMAC down, 0 frames from it in 3 s")


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    vt.wait_until(lambda: topo.link_local("dir1") and topo.link_local("dir2"), 5,
                  what="the directors' link-local addresses")
    inst = vt.Instance("web6", vrid=52, priority=100, vips=[VIP], advert_interval=0.2)
    directors = start_vmac_pair(ctx, topo, inst, VIP)

    # 1. The Master's VMAC, and the Backup's.
    link = vmac_link(topo, "dir1")
    vt.check(link is not None and link["address"] == VIRTUAL_MAC and "UP" in link["flags"],
             f"dir1's {VMAC}: {link}")
    want = {topo.link_local("dir1"), "2001:db8:99::100"}
    vt.check(addresses_of(link) == want, f"dir1's {VMAC} holds {addresses_of(link)}, not {want}")

    # 2. The client learns the virtual MAC.
    vt.check(topo.ping("client", VIP, count=2), "the client cannot ping6 the VIP")
    seen = topo.neigh_mac(VIP)
    vt.check(seen == VIRTUAL_MAC, f"the client's entry for the VIP is {seen}, not {VIRTUAL_MAC}")

    # 3. Nothing from the Backup's VMAC; the Master's adverts from its own.
    expect_silent_backup(ctx, topo, "dir2", "as Backup")
    busy, _ = frames_from_vmac(topo, "dir1", 1.0, VIRTUAL_MAC)
    vt.check(busy >= 3, f"only {busy} frame(s) from dir1's VMAC in 1 s (adverts every 200 ms)")

    # 4-5. Failover (the same MAC at dir2) and back; dir2 yields and falls silent.
    fail_over_and_back(ctx, topo, inst, VIP, VIRTUAL_MAC)
    expect_silent_backup(ctx, topo, "dir2", "after yielding")

    # 6. Stop.
    for role, d in directors.items():
        vt.check(d.stop() == 0, f"{role} did not exit cleanly")
        vt.check(vmac_link(topo, role) is None, f"{role} left {VMAC} behind")


if __name__ == "__main__":
    vt.main(scenario, "use_vmac for IPv6: one MAC for the VIP, a silent Backup",
            tools=("ip", "ping"), engines=("vipd",))
