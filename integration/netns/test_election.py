#!/usr/bin/env python3
"""Election: the higher priority becomes master, the VIP is on exactly one director.

dir1 (150) and dir2 (100), VRRPv3 at 1 s adverts (master down 3.41 s / 3.61 s). dir1 must win
within its master down interval + slack, dir2 must settle in BACKUP without ever having been
MASTER (its timer runs 0.2 s longer), and the VIP stays on dir1 alone. The adverts on the wire
are VRRPv3 advertisements from dir1's primary address with TTL 255 and priority 150.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=1.0)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    d1.wait_state("web", "MASTER", 5)
    d2.wait_state("web", "BACKUP", 5)
    vt.hold_single(ctx, topo, VIP, "dir1", 3.0)
    vt.check("MASTER" not in [s for i, s, _ in d2.transitions() if i == "web"],
             "dir2 (priority 100) was MASTER at some point: " + " | ".join(d2.transition_lines()))
    adverts = vt.sniff_adverts(topo, "client", 4, count=2, timeout=5)
    vt.check(len(adverts) == 2, f"client saw {len(adverts)} adverts in 5 s, expected 2")
    for a in adverts:
        vt.check(a["src"] == topo.addr4("dir1") and a["ttl"] == 255 and a["version"] == 3
                 and a["type"] == 1 and a["vrid"] == 51 and a["prio"] == 150,
                 f"unexpected advert on the wire: {a}")
    ctx.log(f"on the wire: {adverts[0]}")
    ctx.log("dir1: " + " | ".join(d1.transition_lines()))


if __name__ == "__main__":
    vt.main(scenario, "higher priority wins, exactly one VIP holder")
