#!/usr/bin/env python3
"""Scale benchmark: 255 VRRPv3 instances on one interface at 100 ms adverts, on two directors,
for 30 s. Reports the master's CPU (utime + stime from /proc/PID/stat of every process of the
engine in its namespace, over the window, as % of one core) and resident memory (VmRSS, summed).

  sudo python3 bench/scale.py --vipd build/src/daemon/vipd
  sudo python3 bench/scale.py --engine keepalived
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "lib"))
import vipdtest as vt  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def engine_pids(topo, role: str, engine: str) -> list[int]:
    pids = vt.sh.run(["ip", "netns", "pids", topo.ns[role]]).split()
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == engine:
                    out.append(int(pid))
        except OSError:
            pass
    return out


def cpu_ticks(pids: list[int]) -> tuple[int, int]:
    """(utime, stime) in clock ticks, summed over pids (fields 14 and 15 of /proc/PID/stat)."""
    user = system = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        user += int(fields[11])
        system += int(fields[12])
    return user, system


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def scenario(ctx: vt.Context) -> None:
    count = int(os.environ.get("BENCH_INSTANCES", "255"))
    window = float(os.environ.get("BENCH_SECONDS", "30"))
    instances = [vt.Instance(f"vi{n}", vrid=n, priority=100, vips=[f"10.99.{100 + n // 250}.{n % 250 + 1}/32"],
                             version=3, advert_interval=0.1) for n in range(1, count + 1)]
    topo = ctx.topology()
    ctx.director(topo, "dir1", [i.with_priority(200) for i in instances])
    ctx.director(topo, "dir2", instances)
    last_vip = instances[-1].vips[0]
    vt.wait_holders(ctx, topo, last_vip, {"dir1"}, 20.0)
    time.sleep(2)
    name = "vipd" if ctx.engine == "vipd" else "keepalived"
    pids = engine_pids(topo, "dir1", name)
    vt.check(pids, f"no {name} process found in dir1")
    start_ticks, start = cpu_ticks(pids), time.monotonic()
    time.sleep(window)
    end_ticks = cpu_ticks(pids)
    elapsed = time.monotonic() - start
    user = (end_ticks[0] - start_ticks[0]) / TICKS
    system = (end_ticks[1] - start_ticks[1]) / TICKS
    used = user + system
    holders = sum(1 for i in instances if topo.who_has(i.vips[0]) == {"dir1"})
    vt.check(holders == count, f"only {holders}/{count} VIPs on the master")
    print(f"RESULT engine={ctx.engine} instances={count} window={elapsed:.1f}s "
          f"master_cpu={100 * used / elapsed:.2f}% (user {100 * user / elapsed:.2f}%, "
          f"system {100 * system / elapsed:.2f}%) rss={rss_kib(pids) / 1024:.1f}MiB "
          f"processes={len(pids)}", flush=True)


if __name__ == "__main__":
    vt.main(scenario, "255 instances at 100 ms: master CPU and memory")
