#!/usr/bin/env python3
"""A VRRPv2 pair with simple-text authentication (RFC 2338 PASS), 1 s adverts.

dir1 (150) wins, the adverts on the wire are version 2, TTL 255, 16 + 4n bytes (RFC 3768 5.1), dir2 takes over when dir1's
link is cut (master down 3.61 s + 2 s) and dir1 preempts back. Then dir3 joins with a wrong
password: it must discard the adverts it cannot authenticate and so become master itself,
proving the password is actually checked (dir1 keeps its VIP too: two masters, by design).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
PASS = "PassW0rD"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=2, advert_interval=1.0,
                       auth_pass=PASS)
    topo = ctx.topology(("dir1", "dir2", "dir3", "client"))
    d1 = ctx.director(topo, "dir1", [inst.with_priority(150)])
    d2 = ctx.director(topo, "dir2", [inst.with_priority(100)])
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    d2.wait_state("web", "BACKUP", 5)
    adverts = vt.sniff_adverts(topo, "client", 4, count=1, timeout=4)
    vt.check(adverts and adverts[0]["version"] == 2 and adverts[0]["ttl"] == 255
             and adverts[0]["len"] == 16 + 4, f"unexpected VRRPv2 advert on the wire: {adverts}")
    ctx.log(f"on the wire: {adverts[0]}")
    vt.hold_single(ctx, topo, VIP, "dir1", 2.0)

    topo.cut("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                    what="dir2 taking over from the cut dir1")
    topo.restore("dir1")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                    what="dir1 preempting back")
    vt.hold_single(ctx, topo, VIP, "dir1", 2.0)

    wrong = vt.Instance("web", vrid=51, priority=50, vips=[VIP], version=2, advert_interval=1.0,
                        auth_pass="wrongpw")
    ctx.director(topo, "dir3", [wrong])
    vt.wait_holders(ctx, topo, VIP, {"dir1", "dir3"}, wrong.master_down_interval(50) + 5.0,
                    what="dir3 (wrong password) ignoring dir1's adverts and becoming master too")
    vt.check(topo.who_has(VIP, ["dir2"]) == set(), "dir2 picked up the VIP")


if __name__ == "__main__":
    vt.main(scenario, "VRRPv2 pair with PASS authentication")
