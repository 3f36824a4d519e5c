#!/usr/bin/env python3
"""No two masters in steady state, even at 100 ms adverts with three directors.

dir1 (150), dir2 (100), dir3 (50), VRRPv3 at 100 ms (the backups' skew times differ by 20 ms).
Once dir1 holds the VIP, who_has is sampled every 50 ms for 6 s: always exactly {dir1}, and no
daemon logs a state transition during the window (no flapping).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.1)
    topo = ctx.topology(("dir1", "dir2", "dir3", "client"))
    ds = [ctx.director(topo, r, [inst.with_priority(p)])
          for r, p in (("dir1", 150), ("dir2", 100), ("dir3", 50))]
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    for d in ds[1:]:
        d.wait_state("web", "BACKUP", 5)
    before = [len(d.transitions()) for d in ds]
    vt.hold_single(ctx, topo, VIP, "dir1", 6.0)
    after = [len(d.transitions()) for d in ds]
    vt.check(before == after, "state transitions during the steady-state window: "
             + " | ".join(line for d in ds for line in d.transition_lines()))
    vt.check(all(d.alive() for d in ds), "a daemon exited during the steady-state window")


if __name__ == "__main__":
    vt.main(scenario, "never two masters in steady state")
