#!/usr/bin/env python3
"""10,000 health checks to closed and unreachable targets do not delay adverts: the peer sees
no spurious failover and the master's adverts keep their interval.

dir1 (150) and dir2 (100), VRRPv3 at 100 ms. dir1 also checks a NAT service of 10,000 reals at
a 1 s interval: 9,900 closed ports on real1 (refused at once) and 100 addresses of the test
subnet that nobody holds (ARP fails: slow failures that stay open until their timeout). A
sniffer in the client namespace times dir1's adverts meanwhile; dir2 must never leave BACKUP.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
ADVERT = 0.1
CLOSED = 9_900
UNREACHABLE = 100
WINDOW = 15.0


def service(real1: str) -> str:
    lines = ["", "[[virtual_server]]", 'address = "10.99.0.100"', "port = 80",
             'forwarding = "nat"', "  [virtual_server.check]", '  type = "tcp"',
             '  interval = "1s"', '  timeout = "800ms"']
    for i in range(CLOSED):
        lines += ["  [[virtual_server.real]]", f'  address = "{real1}"', f"  port = {20000 + i}"]
    for i in range(UNREACHABLE):
        lines += ["  [[virtual_server.real]]", f'  address = "10.99.0.{150 + i % 100}"',
                  f"  port = {30000 + i}"]
    return "\n".join(lines) + "\n"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "real1", "client"))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=ADVERT)
    d1 = start_vipd(topo, "dir1", ctx.vipd,
                    vipd_config("dir1", [inst.with_priority(150)]) + service(topo.addr4("real1")))
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 10.0)
    vt.wait_until(lambda: "10000 health check(s) scheduled" in d1.log_text(), 10,
                  what="10,000 checks scheduled", explain=d1.log_tail)
    # Let every check fail once and settle into its rhythm before measuring.
    vt.wait_until(lambda: d1.log_text().count("up -> down") >= CLOSED + UNREACHABLE, 20,
                  what="every target marked down",
                  explain=lambda: f"{d1.log_text().count('up -> down')} marked down")
    ctx.log(f"all {CLOSED + UNREACHABLE} targets marked down; sniffing adverts for {WINDOW:.0f}s")

    before = len(d2.transitions())
    count = int(WINDOW / ADVERT)
    rows = vt.sniff_adverts(topo, "client", 4, count=count, timeout=WINDOW + 5)
    ours = [r for r in rows if r["src"] == topo.addr4("dir1")]
    vt.check(len(ours) >= count * 0.9, f"only {len(ours)} adverts from dir1 in the window")
    gaps = sorted(b["t"] - a["t"] for a, b in zip(ours, ours[1:]))
    median, worst = gaps[len(gaps) // 2], gaps[-1]
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    ctx.log(f"advert gaps over {len(gaps)}: median {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {worst * 1000:.1f} ms (interval {ADVERT * 1000:.0f} ms, master down interval "
            f"{inst.master_down_interval(100) * 1000:.0f} ms)")
    late = [round(g * 1000) for g in gaps if g > 1.5 * ADVERT]
    ctx.log(f"gaps above 1.5 intervals: {len(late)} {late[-10:]}")
    # A backup fails over after 3 intervals plus skew; stay clear of it.
    vt.check(worst < 2.5 * ADVERT, f"an advert gap of {worst * 1000:.1f} ms")
    vt.check(len(late) <= len(gaps) // 50, f"{len(late)} late adverts: {late}")
    vt.check(d2.state("web") == "BACKUP", f"dir2 is {d2.state('web')}: spurious failover")
    vt.check(len(d2.transitions()) == before,
             f"dir2 changed state during the window: {d2.transition_lines()[before:]}")
    vt.check(d1.alive() and d1.state("web") == "MASTER", "dir1 lost MASTER")
    for d in (d1, d2):
        vt.check(d.stop() == 0, f"{d.name} did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "10,000 failing health checks do not delay adverts", engines=("vipd",))
