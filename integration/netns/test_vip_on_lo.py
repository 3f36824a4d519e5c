#!/usr/bin/env python3
"""A VIP on lo moves with its instance (the DR real-server style address, and this kernel's
stand-in for dummy interfaces, which it lacks).

VRRPv3 at 200 ms, VIPs 10.99.0.100/24 on eth0 and 10.99.7.1/32 on lo. The master holds the lo
address on lo (not on eth0); a cut moves both to the backup; SIGTERM on the holder removes both
and leaves lo's own 127.0.0.1 alone.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
LO_VIP = "10.99.7.1/32"


def addresses_on(topo: vt.Topology, role: str, dev: str) -> set[str]:
    out = vt.sh.run(["ip", "-n", topo.ns[role], "-j", "addr", "show", "dev", dev])
    return {f"{a['local']}/{a['prefixlen']}" for link in json.loads(out or "[]")
            for a in link.get("addr_info", [])}


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP, f"{LO_VIP} dev lo"], version=3,
                       advert_interval=0.2)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.wait_holders(ctx, topo, LO_VIP, {"dir1"}, 2.0)
    on_lo = addresses_on(topo, "dir1", "lo")
    vt.check(LO_VIP in on_lo, f"{LO_VIP} is not on dir1's lo: {sorted(on_lo)}")
    vt.check(LO_VIP not in addresses_on(topo, "dir1", "eth0"), f"{LO_VIP} landed on eth0")
    vt.check("127.0.0.1/8" in on_lo, f"lo lost 127.0.0.1: {sorted(on_lo)}")

    topo.cut("dir1")
    ctx.log("cut dir1's link")
    vt.wait_holders(ctx, topo, LO_VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                    what="dir2 holding the lo VIP, dir1 (FAULT) releasing it")
    vt.check(LO_VIP in addresses_on(topo, "dir2", "lo"), "the lo VIP is not on dir2's lo")

    code = d2.stop()
    vt.check(code == 0, f"vipd exited {code} after SIGTERM")
    vt.wait_holders(ctx, topo, LO_VIP, set(), 2.0, what="the lo VIP removed on shutdown")
    on_lo = addresses_on(topo, "dir2", "lo")
    vt.check(on_lo == {"127.0.0.1/8", "::1/128"} or on_lo == {"127.0.0.1/8"},
             f"dir2's lo after shutdown: {sorted(on_lo)}")


if __name__ == "__main__":
    vt.main(scenario, "a VIP on lo moves with its instance", engines=("vipd", "keepalived"))
