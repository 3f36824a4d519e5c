#!/usr/bin/env python3
"""IPv6 unicast peers, against keepalived's IPv6 unicast_peer, with no multicast on the switch.

dir1 runs vipd (150), dir2 keepalived 2.2.7 (100), VRRPv3 at 200 ms, VIP 2001:db8:99::100/64.
The switch floods no multicast to either director, so ff02::12 carries nothing: only unicast
adverts can hold the election. Each side names the other the way its adverts arrive:
  - vipd sends from its global address (unicast_source) to keepalived's link-local address,
    which needs the link's scope on the destination;
  - keepalived sends from its link-local address (its default) to vipd's global address, and
    vipd hears it because it lists that link-local address.
1. vipd wins and keeps the VIP alone (keepalived accepts its adverts; without them it would
   take the VIP too).
2. Cut vipd: keepalived takes over; restored, vipd preempts (vipd accepts keepalived's adverts
   and keepalived yields to vipd's).
"""

import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "2001:db8:99::100/64"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    for role in ("dir1", "dir2"):
        topo.block_multicast(role)
    vt.wait_until(lambda: topo.link_local("dir1") and topo.link_local("dir2"), 5,
                  what="both directors' link-local addresses")
    # Neighbour discovery rides on multicast too (solicitations to solicited-node groups), which
    # this switch no longer floods: the directors know each other's MACs statically instead.
    for me, other in (("dir1", "dir2"), ("dir2", "dir1")):
        for address in (topo.link_local(other), topo.addr6(other)):
            vt.sh.run(["ip", "-n", topo.ns[me], "neigh", "replace", address, "lladdr",
                       topo.mac(other), "dev", "eth0", "nud", "permanent"])
    inst = vt.Instance("web6", vrid=52, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    global1 = topo.addr6("dir1")
    ours = dataclasses.replace(inst, unicast_peers=[topo.link_local("dir2")],
                               unicast_source=global1)
    theirs = dataclasses.replace(inst, unicast_peers=[global1])
    vipd = ctx.director(topo, "dir1", [ours.with_priority(150)])
    keepalived = ctx.director(topo, "dir2", [theirs.with_priority(100)], engine="keepalived")

    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="vipd (150) elected over keepalived (100) by unicast adverts")
    keepalived.wait_state("web6", "BACKUP", 5)
    vt.hold_single(ctx, topo, VIP, "dir1", inst.master_down_interval(100) + 0.5)

    topo.cut("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                    what="keepalived taking over from the cut vipd")
    topo.restore("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="vipd preempting keepalived")
    keepalived.wait_state("web6", "BACKUP", 5)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)
    drops = [line for line in vipd.log_text().splitlines() if "not_a_peer" in line]
    vt.check(not drops, f"vipd refused keepalived's adverts: {drops[:3]}")


if __name__ == "__main__":
    vt.main(scenario, "IPv6 unicast peers against keepalived, no multicast on the switch",
            tools=("ip",), engines=("vipd",))
