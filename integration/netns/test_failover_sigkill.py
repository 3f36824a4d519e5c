#!/usr/bin/env python3
"""Failover when the master is SIGKILLed, and the crashed run's VIP cleaned up on restart.

VRRPv3 at 200 ms: dir1 (150) master, dir2 (100). SIGKILL to dir1's daemon: no shutdown advert,
so dir2 takes over only when its master down timer (0.72 s) expires: within that + 2 s slack.
The killed daemon's VIP stays in dir1's namespace (nobody removed it). Restarting the daemon on
dir1 must remove that leftover (it is marked as ours) while BACKUP, then preempt back: the VIP
ends on exactly dir1.
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

    d1.kill()
    ctx.log("SIGKILLed dir1's daemon")
    bound = inst.master_down_interval(100) + 2.0
    elapsed = vt.wait_until(lambda: "dir2" in topo.who_has(VIP), bound, interval=0.02,
                            what="dir2 taking the VIP after SIGKILL",
                            explain=lambda: sorted(topo.who_has(VIP)))
    ctx.log(f"dir2 holds the VIP {elapsed:.2f}s after the kill (bound {bound:.2f}s)")
    vt.check(elapsed >= inst.master_down_interval(100) * 0.5,
             f"dir2 took over after {elapsed:.2f}s, far sooner than its master down interval: "
             "a killed daemon cannot have sent a priority-0 advert")
    d2.wait_state("web", "MASTER", 3)
    ctx.log(f"after the crash, holders: {sorted(topo.who_has(VIP))} (dir1's leftover is expected)")

    d1 = ctx.director(topo, "dir1", [inst.with_priority(150)])
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="restarted dir1 cleaning up and preempting back")
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)


if __name__ == "__main__":
    vt.main(scenario, "failover when the master is SIGKILLed")
