#!/usr/bin/env python3
"""Failover when the master's link is cut.

VRRPv3 at 200 ms: dir1 (150) master, dir2 (100) backup. The switch port of dir1 goes down: dir2
must hold the VIP within its master down interval (0.72 s) + 2 s slack, and dir1 (no carrier:
FAULT) must release it, so the VIP ends on exactly dir2. Restoring the link brings dir1 back
through BACKUP and (preempt) it takes the VIP back; exactly one holder again.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)

    topo.cut("dir1")
    ctx.log("cut dir1's link")
    bound = inst.master_down_interval(100) + 2.0
    elapsed = vt.wait_until(lambda: "dir2" in topo.who_has(VIP), bound, interval=0.02,
                            what="dir2 taking the VIP after the cut",
                            explain=lambda: sorted(topo.who_has(VIP)))
    ctx.log(f"dir2 holds the VIP {elapsed:.2f}s after the cut (bound {bound:.2f}s)")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, 3.0, what="dir1 (link down, FAULT) releasing the VIP")
    d1.wait_state("web", "FAULT", 3)
    d2.wait_state("web", "MASTER", 3)
    vt.hold_single(ctx, topo, VIP, "dir2", 1.0)

    topo.restore("dir1")
    ctx.log("restored dir1's link")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="dir1 preempting back after the restore")
    d2.wait_state("web", "BACKUP", 3)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)


if __name__ == "__main__":
    vt.main(scenario, "failover when the master's link is cut")
