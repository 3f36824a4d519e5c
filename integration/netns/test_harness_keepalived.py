#!/usr/bin/env python3
"""Validates the harness itself against keepalived (no vipd needed).

Two keepalived (VRRPv3, 200 ms adverts) elect the higher priority, the VIP is on exactly one
namespace, the client reaches it, a cut moves it (and the neighbour entry) to the backup, the
restored master preempts back, and cleanup leaves no namespace or process of this run behind
(the runner checks that after cleanup).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    for role in ("dir1", "dir2"):
        topo.start_http_responder(role)
    base = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    d1 = ctx.director(topo, "dir1", [base.with_priority(150)], engine="keepalived")
    d2 = ctx.director(topo, "dir2", [base.with_priority(100)], engine="keepalived")

    # Both start in BACKUP; dir1 (150) times out first and wins.
    elapsed = vt.wait_until(lambda: topo.who_has(VIP) == {"dir1"}, base.master_down_interval(150) + 10,
                            what="dir1 alone holding the VIP", explain=lambda: topo.who_has(VIP))
    ctx.log(f"dir1 holds {VIP} after {elapsed:.2f}s")
    d1.wait_state("web", "MASTER", 5)
    d2.wait_state("web", "BACKUP", 5)
    samples = vt.hold_for(lambda: topo.who_has(VIP) == {"dir1"}, 2.0, what="exactly dir1 holding the VIP",
                          explain=lambda: topo.who_has(VIP))
    ctx.log(f"exactly one holder over {samples} samples")

    vt.check(topo.ping("client", VIP, count=2), "client cannot ping the VIP")
    vt.check(topo.neigh_mac(VIP) == topo.mac("dir1"),
             f"client neighbour entry {topo.neigh_mac(VIP)} is not dir1's MAC {topo.mac('dir1')}")
    vt.check(topo.http_get("client", VIP) == "dir1", "HTTP on the VIP is not answered by dir1")

    topo.cut("dir1")
    ctx.log("cut dir1")
    bound = base.master_down_interval(100) + 2.0
    elapsed = vt.wait_until(lambda: "dir2" in topo.who_has(VIP), bound, what="dir2 taking the VIP",
                            explain=lambda: topo.who_has(VIP))
    ctx.log(f"dir2 took the VIP after {elapsed:.2f}s (bound {bound:.2f}s)")
    vt.wait_until(lambda: topo.who_has(VIP) == {"dir2"}, 5, what="the cut dir1 releasing the VIP (FAULT)",
                  explain=lambda: topo.who_has(VIP))
    vt.wait_until(lambda: topo.neigh_mac(VIP) == topo.mac("dir2"), 5,
                  what="client neighbour entry moving to dir2's MAC (GARP)",
                  explain=lambda: f"{topo.neigh_mac(VIP)} (dir2 {topo.mac('dir2')})")
    vt.check(topo.http_get("client", VIP) == "dir2", "HTTP on the VIP is not answered by dir2")

    topo.restore("dir1")
    ctx.log("restored dir1")
    elapsed = vt.wait_until(lambda: topo.who_has(VIP) == {"dir1"}, base.master_down_interval(150) + 10,
                            what="dir1 preempting back", explain=lambda: topo.who_has(VIP))
    ctx.log(f"dir1 preempted back after {elapsed:.2f}s")
    ctx.log("transitions: " + " | ".join(d1.transition_lines()[-3:] + d2.transition_lines()[-3:]))
    prefix = topo.prefix
    ctx.log(f"cleanup of {prefix}-* is checked by the runner after this returns")


if __name__ == "__main__":
    vt.main(scenario, "harness self-check with two keepalived", tools=("ip", "ping", "curl", "keepalived"),
            engines=("keepalived",), default_engine="keepalived")
