#!/usr/bin/env python3
"""An IPv6 VRRPv3 pair: adverts from link-local to ff02::12, VIP without DAD, NA moves clients.

dir1 (150) and dir2 (100), 200 ms adverts, VIP 2001:db8:99::100/64. dir1 wins; its adverts
come from its fe80:: address with hop limit 255; the client reaches the VIP and its neighbour
entry is dir1's MAC. Cutting dir1 moves the VIP to exactly dir2 within master down + 2 s and
dir2's unsolicited NA moves the client's entry to dir2's MAC; the restore preempts back.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

import time  # noqa: E402

VIP = "2001:db8:99::100/64"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web6", vrid=52, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100), http=True)
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)
    adverts = vt.sniff_adverts(topo, "client", 6, count=2, timeout=5)
    ll1 = topo.link_local("dir1")
    vt.check(len(adverts) == 2 and all(a["src"].split("%")[0] == ll1 and a["ttl"] == 255
                                       and a["version"] == 3 and a["prio"] == 150 for a in adverts),
             f"adverts should come from dir1's link-local {ll1} with hop limit 255: {adverts}")
    ctx.log(f"on the wire: {adverts[0]}")
    vt.check(topo.ping("client", VIP, count=2), "client cannot ping6 the VIP")
    vt.check(topo.neigh_mac(VIP) == topo.mac("dir1"), "client's neighbour entry is not dir1's MAC")
    vt.check(topo.http_get("client", VIP) == "dir1", "HTTP on the IPv6 VIP not answered by dir1")
    time.sleep(1.2)

    topo.cut("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                    what="dir2 holding the IPv6 VIP alone after the cut")
    vt.wait_until(lambda: topo.neigh_mac(VIP) == topo.mac("dir2"), 3.0,
                  what="client's neighbour entry moving to dir2 (unsolicited NA)",
                  explain=lambda: topo.neigh_mac(VIP))
    vt.check(topo.http_get("client", VIP) == "dir2", "HTTP on the IPv6 VIP not answered by dir2")
    topo.restore("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="dir1 preempting back")
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)


if __name__ == "__main__":
    vt.main(scenario, "IPv6 VRRPv3 pair", tools=("ip", "ping", "curl"))
