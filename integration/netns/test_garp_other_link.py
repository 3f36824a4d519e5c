#!/usr/bin/env python3
"""A VIP on another link is announced on that link, with that link's MAC.

dir1 (150) and dir2 (100) run one VRRPv3 instance on eth0 (200 ms adverts) with two VIPs:
10.99.0.100/24 on eth0 and 10.98.0.100/24 "dev eth1", where eth1 is a second segment shared
with client2. client2 pings the eth1 VIP, so its neighbour entry names dir1's eth1 MAC, and
then stays silent. dir1's eth0 is cut: dir2 takes over, and only a GARP sent out of eth1 with
eth1's MAC can move client2's entry to dir2's eth1 MAC within master down + 2 s (one sent out of
eth0, as before, never reaches client2). After the restore the entry moves back to dir1.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
OTHER = "10.98.0.100/24"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    topo.add_segment("eth1", "10.98.0", ("dir1", "dir2"), hosts=("client2",))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP, f"{OTHER} dev eth1"], version=3,
                       advert_interval=0.2)
    ctx.director(topo, "dir1", [inst.with_priority(150)])
    ctx.director(topo, "dir2", [inst.with_priority(100)])
    vt.wait_holders(ctx, topo, OTHER, {"dir1"}, inst.master_down_interval(150) + 5.0)
    mac1, mac2 = topo.mac("dir1", "eth1"), topo.mac("dir2", "eth1")
    vt.check(topo.ping("client2", "10.98.0.100", count=2), "client2 cannot ping the eth1 VIP")
    seen = topo.neigh_mac(OTHER, "client2", "eth1")
    vt.check(seen == mac1, f"client2's entry {seen} is not dir1's eth1 MAC {mac1}")
    time.sleep(1.2)  # past the neighbour locktime (1 s)

    topo.cut("dir1")
    bound = inst.master_down_interval(100) + 2.0
    elapsed = vt.wait_until(lambda: topo.neigh_mac(OTHER, "client2", "eth1") == mac2, bound,
                            interval=0.02,
                            what="client2's entry for the eth1 VIP moving to dir2's eth1 MAC",
                            explain=lambda: f"{topo.neigh_mac(OTHER, 'client2', 'eth1')} "
                                            f"(dir1 {mac1}, dir2 {mac2}); holders "
                                            f"{sorted(topo.who_has(OTHER))}")
    ctx.log(f"client2's entry is dir2's eth1 MAC {elapsed:.2f}s after the cut (bound {bound:.2f}s)")

    time.sleep(1.2)
    topo.restore("dir1")
    elapsed = vt.wait_until(lambda: topo.neigh_mac(OTHER, "client2", "eth1") == mac1,
                            inst.master_down_interval(150) + 5.0, interval=0.02,
                            what="client2's entry moving back to dir1's eth1 MAC",
                            explain=lambda: f"{topo.neigh_mac(OTHER, 'client2', 'eth1')}")
    ctx.log(f"back on dir1's eth1 MAC {elapsed:.2f}s after the restore")


if __name__ == "__main__":
    vt.main(scenario, "a VIP on another link is announced there (GARP out of eth1)",
            tools=("ip", "ping"))
