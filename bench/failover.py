#!/usr/bin/env python3
"""Failover benchmark: two directors at 10 ms adverts (VRRPv3), the master's link is cut N times.

Failover time of one cut = first advert heard from the new master - last advert heard from the
old one, both timestamped by one listener in the client namespace (bench/advert_clock.py), so the
figure is what the network sees, independent of how fast the script notices.
The same run with --engine keepalived measures keepalived on the same topology.

  sudo python3 bench/failover.py --vipd build/src/daemon/vipd --runs 20
  sudo python3 bench/failover.py --engine keepalived --runs 20
"""

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"


def adverts(listener) -> list[tuple[float, str]]:
    out = []
    for line in listener.log_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0][0].isdigit():
            out.append((float(parts[0]), parts[1]))
    return out


def scenario(ctx: vt.Context) -> None:
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    interval = float(os.environ.get("BENCH_INTERVAL", "0.01"))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=interval)
    topo, d1, d2 = vt.pair(ctx, inst, priorities=(150, 100))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, 10.0)
    listener = topo.popen("client", [sys.executable, os.path.join(HERE, "advert_clock.py")],
                          os.path.join(topo.tmpdir, "adverts.log"), "advert-clock")
    vt.wait_until(lambda: "listening" in listener.log_text(), 10, what="advert listener")
    master_src, backup_src = topo.addr4("dir1").split("/")[0], topo.addr4("dir2").split("/")[0]
    gaps = []
    for run in range(runs):
        time.sleep(0.5)
        cut_at = time.monotonic()
        topo.cut("dir1")
        vt.wait_until(lambda: "dir2" in topo.who_has(VIP), 5, interval=0.01, what="dir2 taking over")
        time.sleep(0.2)
        heard = adverts(listener)
        last_old = max(t for t, src in heard if src == master_src and t < cut_at + 0.5)
        first_new = min(t for t, src in heard if src == backup_src and t > last_old)
        gaps.append(first_new - last_old)
        topo.restore("dir1")
        vt.wait_holders(ctx, topo, VIP, {"dir1"}, 10.0, what="dir1 preempting back")
        ctx.log(f"run {run + 1}: failover {1000 * gaps[-1]:.1f} ms")
    md = inst.master_down_interval(100)
    print(f"RESULT engine={ctx.engine} advert_interval={1000 * interval:.0f}ms runs={runs} "
          f"master_down={1000 * md:.2f}ms median={1000 * statistics.median(gaps):.1f}ms "
          f"min={1000 * min(gaps):.1f}ms max={1000 * max(gaps):.1f}ms", flush=True)


if __name__ == "__main__":
    vt.main(scenario, "failover time at 10 ms adverts, link cut")
