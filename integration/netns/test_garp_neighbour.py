#!/usr/bin/env python3
"""GARP works: the client's neighbour entry for the VIP moves to the new master's MAC.

VRRPv3 at 200 ms. The client pings the VIP so it has a neighbour entry with dir1's MAC. dir1's
link is cut; the client sends nothing more, so only dir2's gratuitous ARP can change the entry:
it must show dir2's MAC within master down (0.72 s) + 2 s, long before the kernel would re-probe
on its own (delay_first_probe_time 5 s). The client then reaches dir2's HTTP responder on the
VIP; after the restore the entry moves back to dir1.

Then dir1 is stopped (SIGSTOP) for longer than its master-down interval: dir2 takes over and
the client's entry follows it. After SIGCONT dir1 makes no transition; it answers dir2's
lower-priority adverts with a new GARP burst, and the entry must be dir1's again within 2 s.
Last, three partitions (dir1 off the bridge, carrier kept), healed at different phases of the
adverts: dir1 stays MASTER alone, dir2 takes over for the client, and after each heal the
entry must be dir1's again within 2 s, whether dir1 hears dir2 first (a rival it answers) or
dir2 hears dir1 first (dir2 yields with one last advert, which dir1 answers the same way).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100), http=True)
    mac1, mac2 = topo.mac("dir1"), topo.mac("dir2")

    def entry_becomes(mac: str, bound: float, what: str) -> float:
        """Wait until the client's entry for the VIP names `mac`; the seconds it took."""
        return vt.wait_until(lambda: topo.neigh_mac(VIP) == mac, bound, interval=0.02,
                             what=f"the client's entry for the VIP {what}",
                             explain=lambda: f"{topo.neigh_mac(VIP)} (dir1 {mac1}, dir2 {mac2}); "
                                             f"holders {sorted(topo.who_has(VIP))}; dir1 log:\n"
                                             f"{d1.log_tail()}")

    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.check(topo.ping("client", VIP, count=2), "client cannot ping the VIP on dir1")
    vt.check(topo.neigh_mac(VIP) == mac1, f"client's entry {topo.neigh_mac(VIP)} is not dir1's {mac1}")
    vt.check(topo.http_get("client", VIP) == "dir1", "the VIP's HTTP is not answered by dir1")
    time.sleep(1.2)  # past the neighbour locktime (1 s), so an override is allowed

    topo.cut("dir1")
    ctx.log(f"cut dir1; client entry {topo.neigh_mac(VIP)} (dir1 {mac1}, dir2 {mac2})")
    bound = inst.master_down_interval(100) + 2.0
    elapsed = entry_becomes(mac2, bound, "moving to dir2's MAC")
    ctx.log(f"client's entry is dir2's MAC {elapsed:.2f}s after the cut (bound {bound:.2f}s)")
    vt.check(topo.http_get("client", VIP) == "dir2", "the VIP's HTTP is not answered by dir2")

    time.sleep(1.2)
    topo.restore("dir1")
    entry_becomes(mac1, inst.master_down_interval(150) + 5.0, "moving back to dir1's MAC")
    vt.check(topo.http_get("client", VIP) == "dir1", "the VIP's HTTP is not answered by dir1 again")

    # dir1 stopped (SIGSTOP) past its master-down interval: dir2 takes over and the client
    # follows it. When dir1 runs again it is still MASTER and makes no transition; dir2's
    # adverts queued in its socket meanwhile are a rival's, and its answer (a new GARP burst)
    # must move the client back long before the entry would expire (30 s and more).
    time.sleep(1.2)
    d1.signal(signal.SIGSTOP)
    try:
        entry_becomes(mac2, bound, "moving to dir2 while dir1 is stopped")
        time.sleep(1.2)
    finally:
        d1.signal(signal.SIGCONT)
    healed = entry_becomes(mac1, 2.0, "back on dir1's MAC after SIGCONT")
    ctx.log(f"after SIGCONT the client's entry is dir1's MAC again in {healed:.2f}s")

    # A partition (dir1 off the bridge, carrier kept): dir1 stays MASTER alone and dir2 takes
    # over for the client. Whoever speaks first after the heal, dir1 must announce again.
    for attempt in range(3):
        time.sleep(1.2)
        topo.detach("dir1")
        entry_becomes(mac2, bound, "moving to dir2 during the partition")
        time.sleep(0.1 * attempt)  # a different phase of the adverts at each heal
        topo.attach("dir1")
        back = entry_becomes(mac1, 2.0, "back on dir1's MAC after the heal")
        ctx.log(f"heal #{attempt + 1}: the client's entry is dir1's MAC again in {back:.2f}s")
    vt.check("also advertises itself as Master" in d1.log_text(),
             "dir1 did not log the rival master it answered")
    vt.check(topo.http_get("client", VIP) == "dir1", "the VIP's HTTP is not answered by dir1 "
             "after SIGCONT")


if __name__ == "__main__":
    vt.main(scenario, "client neighbour entry follows the VIP (GARP)", tools=("ip", "ping", "curl"))
