#!/usr/bin/env python3
"""track_files: a number written into the master's track file lowers its priority and the VIP
moves to the peer; 0 written back restores it and the director preempts. A file tracked with
weight 0 puts the master in FAULT while it holds a non-zero number. `init` creates a missing
file at start.

dir1 (150) tracks two files of the test's temp dir: maint (weight -1, init 0) and stop
(weight 0, absent at start: counts as 0); dir2 (100) tracks nothing. VRRPv3 at 200 ms, files
read every 200 ms.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
TRACK_INTERVAL = 0.2


def write(path: str, text: str) -> None:
    # Write and rename, as the man page advises: a poll never sees a half-written file.
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    maint = os.path.join(topo.tmpdir, "dir1.weight")
    stop = os.path.join(topo.tmpdir, "dir1.stop")
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    track = (f'track_files = [{{ name = "maint", path = "{maint}", weight = -1, init = 0 }}, '
             f'{{ name = "stop", path = "{stop}", weight = 0 }}]\n')
    interval = [f'track_interval = "{vt.format_duration(TRACK_INTERVAL)}"']
    d1 = start_vipd(topo, "dir1", ctx.vipd,
                    vipd_config("dir1", [inst.with_priority(150)], interval) + track)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    with open(maint) as f:
        vt.check(f.read() == "0\n", "init = 0 did not create the track file holding 0")

    bound = TRACK_INTERVAL + inst.master_down_interval(100) + 2.0
    write(maint, "60\n")
    ctx.log("maint holds 60: 150 - 60 = 90 < dir2's 100")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="the VIP moved to dir2")
    vt.check("web: priority 150 -> 90 (file maint reads 60)" in d1.log_text(),
             f"dir1 did not log its lowered priority:\n{d1.log_tail()}")
    vt.check(d1.state("web") == "BACKUP", f"dir1 is {d1.state('web')}, not BACKUP")

    write(maint, "0\n")
    ctx.log("maint holds 0 again")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="dir1 took the VIP back")
    vt.check("web: priority 90 -> 150 (file maint reads 0)" in d1.log_text(),
             f"dir1 did not log its restored priority:\n{d1.log_tail()}")

    write(stop, "1\n")
    ctx.log("stop holds 1 (weight 0): FAULT")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="weight 0: the VIP moved to dir2")
    vt.wait_until(lambda: d1.state("web") == "FAULT", 2, what="dir1 in FAULT")
    os.unlink(stop)
    ctx.log("stop removed: counts as 0")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="dir1 out of FAULT, preempts")
    vt.check("track file stop (" + stop + "): No such file or directory; counting 0"
             in d1.log_text(), f"dir1 did not warn about the missing file:\n{d1.log_tail()}")
    for d in (d1, d2):
        vt.check(d.stop() == 0, f"{d.name} did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "a number in a track file moves the VIP to the peer", engines=("vipd",))
