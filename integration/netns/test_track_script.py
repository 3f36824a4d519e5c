#!/usr/bin/env python3
"""A track script lowers the master's priority and the VIP moves to the peer; when the script
passes again the priority comes back and the director preempts.

dir1 (150) tracks a script that fails while a flag file exists (weight -60, so 90 < dir2's
100); dir2 (100) tracks nothing. VRRPv3 at 200 ms.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
SCRIPT_INTERVAL = 0.3


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    flag = os.path.join(topo.tmpdir, "sick")
    track = (f'track_scripts = [{{ name = "app", command = ["/bin/sh", "-c", "test ! -e {flag}"], '
             f'user = "root", interval = "{vt.format_duration(SCRIPT_INTERVAL)}", weight = -60, '
             f'fall = 2, rise = 2 }}]\n')
    d1 = start_vipd(topo, "dir1", ctx.vipd, vipd_config("dir1", [inst.with_priority(150)]) + track)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)

    open(flag, "w").close()
    ctx.log("flag file created: the track script fails from now on")
    # Two failures (fall = 2) at most 2 intervals apart, then dir2 preempts on the next advert.
    bound = 2 * SCRIPT_INTERVAL + SCRIPT_INTERVAL + inst.master_down_interval(100) + 2.0
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="the VIP moved to dir2")
    vt.check("web: priority 150 -> 90 (script app down)" in d1.log_text(),
             f"dir1 did not log its lowered priority:\n{d1.log_tail()}")
    vt.check(d1.state("web") == "BACKUP", f"dir1 is {d1.state('web')}, not BACKUP")

    os.unlink(flag)
    ctx.log("flag file removed: the track script passes again")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="dir1 took the VIP back")
    vt.check("web: priority 90 -> 150 (script app up)" in d1.log_text(),
             f"dir1 did not log its restored priority:\n{d1.log_tail()}")
    for d in (d1, d2):
        vt.check(d.stop() == 0, f"{d.name} did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "a failing track script moves the VIP to the peer", engines=("vipd",))
