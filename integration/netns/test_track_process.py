#!/usr/bin/env python3
"""track_processes: killing the process the master tracks lowers its priority and the VIP moves
to the peer; starting it again restores the priority and the director preempts.

The process is `sleep` started as `exec -a vipd-trk-RANDOM`: a name no other process on the host
has (processes are host-wide, there is no PID namespace here), matched by argv[0] while its
comm is "sleep". The test kills every process it started, whatever happens. dir1 (150) tracks
it with weight -60; dir2 (100) tracks nothing. VRRPv3 at 200 ms, /proc scanned every 200 ms.
"""

import os
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest import cleanup  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
TRACK_INTERVAL = 0.2


def start_tracked(name: str) -> subprocess.Popen:
    proc = subprocess.Popen(["bash", "-c", f"exec -a {name} sleep 600"])
    cleanup.REGISTRY.push(f"kill {name} ({proc.pid})", lambda: (proc.kill(), proc.wait()))
    return proc


def scenario(ctx: vt.Context) -> None:
    name = "vipd-trk-" + secrets.token_hex(4)
    topo = ctx.topology(("dir1", "dir2", "client"))
    tracked = start_tracked(name)
    ctx.log(f"started {name} as pid {tracked.pid}")
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    track = f'track_processes = [{{ name = "app", process = "{name}", weight = -60 }}]\n'
    interval = [f'track_interval = "{vt.format_duration(TRACK_INTERVAL)}"']
    d1 = start_vipd(topo, "dir1", ctx.vipd,
                    vipd_config("dir1", [inst.with_priority(150)], interval) + track)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.hold_single(ctx, topo, VIP, "dir1", 1.0)

    bound = TRACK_INTERVAL + inst.master_down_interval(100) + 2.0
    tracked.kill()
    tracked.wait()
    ctx.log(f"killed {name}")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="the VIP moved to dir2")
    vt.check("web: priority 150 -> 90 (process app down)" in d1.log_text(),
             f"dir1 did not log its lowered priority:\n{d1.log_tail()}")
    vt.check(d1.state("web") == "BACKUP", f"dir1 is {d1.state('web')}, not BACKUP")

    tracked = start_tracked(name)
    ctx.log(f"started {name} again as pid {tracked.pid}")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="dir1 took the VIP back")
    vt.check("web: priority 90 -> 150 (process app up)" in d1.log_text(),
             f"dir1 did not log its restored priority:\n{d1.log_tail()}")
    for d in (d1, d2):
        vt.check(d.stop() == 0, f"{d.name} did not exit cleanly")
    tracked.kill()
    tracked.wait()


if __name__ == "__main__":
    vt.main(scenario, "a tracked process that dies moves the VIP to the peer", engines=("vipd",))
