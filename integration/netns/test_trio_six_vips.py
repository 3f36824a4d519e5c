#!/usr/bin/env python3
"""Three directors, six VIPs: two masters per host, each master's backups on different hosts.

VRRPv3 at 1 s adverts; every instance runs on all three hosts with priorities 150 (owner),
100 (designated backup) and 20. Host A masters web1/web2, whose backups are B and C
respectively, and so on round the ring. Cutting dir1 must leave each survivor with exactly one
more VIP (3 each, the right ones), every VIP on exactly one host; restoring dir1 makes it
preempt its two back.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

HOSTS = ("dir1", "dir2", "dir3")
# name -> (vip, owner, designated backup, third)
PLAN = {
    "web1": ("10.99.0.101/24", "dir1", "dir2", "dir3"),
    "web2": ("10.99.0.102/24", "dir1", "dir3", "dir2"),
    "web3": ("10.99.0.103/24", "dir2", "dir3", "dir1"),
    "web4": ("10.99.0.104/24", "dir2", "dir1", "dir3"),
    "web5": ("10.99.0.105/24", "dir3", "dir1", "dir2"),
    "web6": ("10.99.0.106/24", "dir3", "dir2", "dir1"),
}
PRIORITIES = (150, 100, 20)
INTERVAL = 1.0


def layout(topo, hosts=HOSTS) -> dict[str, set[str]]:
    return {name: topo.who_has(vip, hosts) for name, (vip, *_) in PLAN.items()}


def expect(owner_of: dict[str, str]) -> dict[str, set[str]]:
    return {name: {host} for name, host in owner_of.items()}


def scenario(ctx: vt.Context, unicast: bool = False) -> None:
    """With `unicast`, every instance names the two other hosts in unicast_peers and the switch
    floods no multicast to the directors (test_trio_six_vips_unicast.py)."""
    topo = ctx.topology((*HOSTS, "client"))
    for host in HOSTS:
        if unicast:
            topo.block_multicast(host)
        peers = [topo.addr4(h) for h in HOSTS if h != host] if unicast else None
        instances = []
        for vrid, (name, (vip, *ranking)) in enumerate(PLAN.items(), start=61):
            prio = PRIORITIES[ranking.index(host)]
            instances.append(vt.Instance(name, vrid=vrid, priority=prio, vips=[vip], version=3,
                                         advert_interval=INTERVAL, unicast_peers=peers))
        ctx.director(topo, host, instances)
    probe = vt.Instance("x", vrid=1, priority=100, vips=[], version=3, advert_interval=INTERVAL)

    normal = expect({name: plan[1] for name, plan in PLAN.items()})
    elapsed = vt.wait_until(lambda: layout(topo) == normal, probe.master_down_interval(150) + 8.0,
                            what="every VIP on its owner", explain=lambda: layout(topo))
    ctx.log(f"all six VIPs on their owners after {elapsed:.2f}s")
    vt.hold_for(lambda: layout(topo) == normal, 2.0, what="the normal layout",
                explain=lambda: layout(topo))

    topo.cut("dir1")
    ctx.log("cut dir1")
    degraded = expect({name: (plan[2] if plan[1] == "dir1" else plan[1]) for name, plan in PLAN.items()})
    bound = probe.master_down_interval(100) + 2.0
    elapsed = vt.wait_until(lambda: layout(topo, ("dir2", "dir3")) == degraded, bound,
                            what="dir1's two VIPs moving, one to each survivor",
                            explain=lambda: layout(topo, ("dir2", "dir3")))
    ctx.log(f"degraded layout after {elapsed:.2f}s (bound {bound:.2f}s)")
    vt.hold_for(lambda: layout(topo, ("dir2", "dir3")) == degraded, 2.0,
                what="the degraded layout", explain=lambda: layout(topo, ("dir2", "dir3")))
    for host in ("dir2", "dir3"):
        held = sorted(n for n, holders in layout(topo).items() if host in holders)
        vt.check(len(held) == 3, f"{host} holds {held}, expected its own two plus exactly one of dir1's")
        ctx.log(f"{host} holds {held}")
    vt.check(not any("dir1" in h for h in layout(topo).values()), "cut dir1 still holds a VIP")

    topo.restore("dir1")
    ctx.log("restored dir1")
    elapsed = vt.wait_until(lambda: layout(topo) == normal, probe.master_down_interval(150) + 5.0,
                            what="dir1 preempting its two VIPs back", explain=lambda: layout(topo))
    ctx.log(f"normal layout again after {elapsed:.2f}s")
    vt.hold_for(lambda: layout(topo) == normal, 2.0, what="the normal layout after the restore",
                explain=lambda: layout(topo))


if __name__ == "__main__":
    vt.main(scenario, "trio with six VIPs, cut one host, restore")
