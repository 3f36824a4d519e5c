#!/usr/bin/env python3
"""Graceful SIGTERM: priority-0 advert, so the backup takes over within skew time, not master down.

VRRPv3 at 1 s adverts: dir1 (250) master, dir2 (200) backup. dir2's master down interval is
3.22 s, its skew time 0.22 s. On SIGTERM dir1 sends a priority-0 advert and removes its VIP;
RFC 5798 6.4.2 makes dir2 set its master down timer to skew time, so dir2 must hold the VIP
within skew + 0.8 s = 1.02 s of the signal, a third of what a silent death would take. dir1 must
exit 0, and the VIP ends on exactly dir2.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
MARGIN = 0.8


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=200, vips=[VIP], version=3, advert_interval=1.0)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(250, 200))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(250) + 5.0)
    d2.wait_state("web", "BACKUP", 5)
    vt.hold_single(ctx, topo, VIP, "dir1", 2.5)

    bound = inst.skew_time(200) + MARGIN
    ctx.log(f"SIGTERM to dir1; bound {bound:.2f}s (dir2 master down {inst.master_down_interval(200):.2f}s)")
    d1.signal(15)
    elapsed = vt.wait_until(lambda: "dir2" in topo.who_has(VIP), bound + 3.0, interval=0.01,
                            what="dir2 taking the VIP after SIGTERM",
                            explain=lambda: sorted(topo.who_has(VIP)))
    ctx.log(f"dir2 holds the VIP {elapsed:.3f}s after SIGTERM")
    vt.check(elapsed < bound, f"takeover took {elapsed:.3f}s, not within skew time + {MARGIN}s = "
             f"{bound:.3f}s: the priority-0 advert was not sent or not honoured")
    rc = d1.stop(timeout=10)
    vt.check(rc == 0, f"dir1's daemon exited with status {rc} after SIGTERM, expected 0")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, 3.0, what="dir1 having removed its VIP on shutdown")
    vt.hold_single(ctx, topo, VIP, "dir2", 1.0)


if __name__ == "__main__":
    vt.main(scenario, "graceful SIGTERM: backup takes over within skew time")
