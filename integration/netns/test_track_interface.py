#!/usr/bin/env python3
"""track_interfaces: a tracked link going down moves the VIP. With weight -60 the master's
priority drops below its peer's and the peer preempts; with weight 0 the master goes to FAULT.
When the link comes back, dir1 takes the VIP back.

dir1 (150) tracks two links of its own namespace (veth pairs it does not use for VRRP): up1
with weight -60, up2 with weight 0; dir2 (100) tracks nothing. VRRPv3 at 200 ms.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    ns = topo.ns["dir1"]
    for link in ("up1", "up2"):
        vt.sh.run(["ip", "-n", ns, "link", "add", link, "type", "veth", "peer", "name", link + "p"])
        vt.sh.run(["ip", "-n", ns, "link", "set", link + "p", "up"])
        vt.sh.run(["ip", "-n", ns, "link", "set", link, "up"])
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    track = 'track_interfaces = [{ name = "up1", weight = -60 }, "up2"]\n'
    d1 = start_vipd(topo, "dir1", ctx.vipd, vipd_config("dir1", [inst.with_priority(150)]) + track)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    bound = inst.master_down_interval(100) + 3.0
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)

    def set_link(link: str, state: str) -> None:
        # The peer end going down takes the tracked end's carrier with it.
        vt.sh.run(["ip", "-n", ns, "link", "set", link + "p", state])
        ctx.log(f"{link}'s peer {state}")

    set_link("up1", "down")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="weight -60: the VIP moved to dir2")
    vt.check("web: priority 150 -> 90 (interface up1 down)" in d1.log_text(),
             f"no priority line:\n{d1.log_tail()}")
    vt.check(d1.state("web") == "BACKUP", f"dir1 is {d1.state('web')}")
    set_link("up1", "up")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="up1 back: dir1 preempts")

    set_link("up2", "down")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, bound, what="weight 0: the VIP moved to dir2")
    vt.wait_until(lambda: d1.state("web") == "FAULT", 2, what="dir1 in FAULT")
    set_link("up2", "up")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, bound, what="up2 back: dir1 out of FAULT, preempts")
    vt.check(d1.stop() == 0 and d2.stop() == 0, "a director did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "a tracked interface going down moves the VIP", engines=("vipd",))
