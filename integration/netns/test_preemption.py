#!/usr/bin/env python3
"""Preemption: a higher priority director that (re)appears takes the VIP back.

VRRPv3 at 200 ms. dir2 (100) starts alone and becomes master. dir1 (150) starts later: it
ignores lower-priority adverts, its master down timer expires, it becomes master and dir2 falls
back to BACKUP on the higher-priority advert (RFC 5798 6.4.3). Then dir1 leaves gracefully,
dir2 takes over, dir1 returns and preempts again. A director with preempt = false and a higher
priority does not take over from a running master.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo = ctx.topology(("dir1", "dir2", "dir3", "client"))
    d2 = ctx.director(topo, "dir2", [inst.with_priority(100)])
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 5.0,
                    what="dir2 alone becoming master")
    vt.hold_single(ctx, topo, VIP, "dir2", 1.0)

    d1 = ctx.director(topo, "dir1", [inst.with_priority(150)])
    # Counted from before the daemon's start (its --check and start-up take about 1.3 s in the
    # emulated VM): generous slack over the protocol's own bound.
    bound = inst.master_down_interval(150) + 5.0
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="dir1 (150) preempting dir2 (100)")
    d2.wait_state("web", "BACKUP", 3)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)

    rc = d1.stop()
    vt.check(rc == 0, f"dir1 exited with {rc} on SIGTERM")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                    what="dir2 taking over after dir1 left")
    d1 = ctx.director(topo, "dir1", [inst.with_priority(150)])
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="returning dir1 preempting again")
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)

    # preempt = false: dir3 has the highest priority but must leave the running master alone.
    d3 = ctx.director(topo, "dir3", [vt.Instance("web", vrid=51, priority=200, vips=[VIP],
                                                 version=3, advert_interval=0.2, preempt=False)])
    d3.wait_state("web", "BACKUP", 5)
    vt.hold_single(ctx, topo, VIP, "dir1", inst.master_down_interval(200) + 2.0)


if __name__ == "__main__":
    vt.main(scenario, "preemption when the higher priority returns")
