"""The vipd/keepalived interop scenario, shared by the v2 PASS and v3 scripts.

dir1 runs the scenario's engine (vipd), dir2 runs Debian's keepalived, with vrrp version set
explicitly on both (keepalived defaults to v2, vipd to v3).
  1. vipd 150 / keepalived 100: vipd wins, keepalived settles in BACKUP (it accepts our adverts).
  2. cut vipd: keepalived takes over; restore: vipd preempts (keepalived yields to our advert).
  3. restart vipd at 50: it stays BACKUP under keepalived's adverts (we accept theirs).
  4. cut keepalived: vipd takes over; restore: keepalived preempts back.
After every settle the VIP is sampled: exactly one holder, never two masters.
"""

from __future__ import annotations

import dataclasses

from .daemon import Instance
from .fixtures import hold_single, wait_holders
from .scenario import Context

VIP = "10.99.0.100/24"


def run(ctx: Context, version: int, unicast: bool = False) -> None:
    """With `unicast`, each side names the other in unicast_peers / unicast_peer, and the switch
    floods no multicast to the directors: only unicast adverts can carry the election."""
    if version == 2:
        inst = Instance("web", vrid=51, priority=100, vips=[VIP], version=2, advert_interval=1.0,
                        auth_pass="PassW0rD")
    else:
        inst = Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo = ctx.topology(("dir1", "dir2", "client"))
    ours_inst, theirs_inst = inst, inst
    if unicast:
        for role in ("dir1", "dir2"):
            topo.block_multicast(role)
        ours_inst = dataclasses.replace(inst, unicast_peers=[topo.addr4("dir2")],
                                        unicast_source=topo.addr4("dir1"))
        theirs_inst = dataclasses.replace(inst, unicast_peers=[topo.addr4("dir1")],
                                          unicast_source=topo.addr4("dir2"))
    inst = ours_inst
    ours = ctx.director(topo, "dir1", [ours_inst.with_priority(150)])
    theirs = ctx.director(topo, "dir2", [theirs_inst.with_priority(100)], engine="keepalived")

    wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                 what=f"{ours.engine} (150) elected over keepalived (100)")
    theirs.wait_state("web", "BACKUP", 5)
    hold_single(ctx, topo, VIP, "dir1", 2.0)

    topo.cut("dir1")
    wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                 what=f"keepalived taking over from the cut {ours.engine}")
    hold_single(ctx, topo, VIP, "dir2", 1.0)
    topo.restore("dir1")
    wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0,
                 what=f"{ours.engine} preempting keepalived")
    theirs.wait_state("web", "BACKUP", 5)
    hold_single(ctx, topo, VIP, "dir1", 2.0)

    rc = ours.stop()
    if rc != 0:
        raise AssertionError(f"{ours.name} exited with {rc} on SIGTERM")
    wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 2.0,
                 what=f"keepalived taking over from the stopped {ours.engine}")
    ours = ctx.director(topo, "dir1", [inst.with_priority(50)])
    ours.wait_state("web", "BACKUP", 10)
    hold_single(ctx, topo, VIP, "dir2", inst.master_down_interval(50) + 1.0)

    topo.cut("dir2")
    wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(50) + 2.0,
                 what=f"{ours.engine} taking over from the cut keepalived")
    hold_single(ctx, topo, VIP, "dir1", 1.0)
    topo.restore("dir2")
    wait_holders(ctx, topo, VIP, {"dir2"}, inst.master_down_interval(100) + 5.0,
                 what=f"keepalived preempting {ours.engine}")
    ours.wait_state("web", "BACKUP", 5)
    hold_single(ctx, topo, VIP, "dir2", 2.0)
