#!/usr/bin/env python3
"""vm.big_table_resync: a periodic resync of a big IPVS table never silences the master.

Two directors in mode "always" (both hold the whole table), VRRPv3 at 100 ms adverts (the
backup's master-down interval is 0.34 s), 2,000 DR services x 10 reals, `resync_interval = 1s`.
Reading 20,000 destinations back in one go takes longer than the master-down interval in this
emulated VM; the master used to do just that on every resync, its adverts stopped meanwhile, and
the backup took over (found by bench/ipvs_failover.py). vipd now reads the table a slice at a
time between loop turns.

Checked over 10 s of resyncs: the backup never logs a transition to MASTER and never holds the
VIP; the master's vipd is alive. A real deleted by hand on the master (ipvsadm -d) is back
within a few resync intervals, so the sliced resync does reach the end of the table.

Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

SERVICES = 2000
REALS = 10
INTERVAL = 0.1
WATCH = 10.0  # seconds of resyncs observed
VIP = "10.98.0.1"


def service_vip(i: int) -> str:
    return f"10.{100 + i // 250}.0.{i % 250 + 1}"


def config_text(host: str, priority: int) -> str:
    instance = vt.Instance("web", vrid=51, priority=priority, vips=[f"{VIP}/24"], version=3,
                           advert_interval=INTERVAL)
    out = [vt.daemon.vipd_config(host, [instance]),
           '\n[ipvs]\nmode = "always"\nresync_interval = "1s"\n']
    for i in range(SERVICES):
        out.append(f'[[virtual_server]]\naddress = "{service_vip(i)}"\nport = 80\n'
                   f'scheduler = "rr"\nforwarding = "dr"\nvrrp = "web"\n')
        for j in range(REALS):
            out.append(f'  [[virtual_server.real]]\n  address = "10.200.0.{j + 1}"\n')
    return "".join(out)


def destinations(topo: vt.Topology, host: str) -> int:
    """Destinations in host's IPVS table (/proc/net/ip_vs stops at 10,000 here)."""
    text = topo.run(host, ["ipvsadm", "-Ln"], timeout=60)
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("->") and
               "RemoteAddress" not in line)


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "dir2", "client"))
    dir1 = vt.start_vipd(topo, "dir1", ctx.vipd, config_text("dir1", 150))
    dir2 = vt.start_vipd(topo, "dir2", ctx.vipd, config_text("dir2", 100))
    total = SERVICES * REALS
    for host in ("dir1", "dir2"):
        elapsed = vt.wait_until(lambda h=host: destinations(topo, h) == total, 60, interval=1.0,
                                what=f"{host} holds all {total} destinations",
                                explain=lambda h=host: destinations(topo, h))
        ctx.log(f"{host}: {total} destinations after {elapsed:.1f}s")
    dir1.wait_state("web", "MASTER", 30)
    vt.wait_until(lambda: topo.who_has(VIP) == {"dir1"}, 10, what="VIP on dir1 only",
                  explain=lambda: topo.who_has(VIP))
    settled = len(dir2.transitions())

    # Drift on the master, to be repaired by a resync that has to get through the table.
    victim_service = f"{service_vip(SERVICES - 1)}:80"
    topo.run("dir1", ["ipvsadm", "-d", "-t", victim_service, "-r", "10.200.0.10:80"])
    start = time.monotonic()
    repaired_after = None
    while time.monotonic() - start < WATCH:
        holders = topo.who_has(VIP)
        vt.check(holders == {"dir1"}, f"the VIP moved during a resync: held by "
                 f"{sorted(holders)}; dir2 log:\n{dir2.log_tail()}")
        if repaired_after is None and "10.200.0.10:80" in topo.run(
                "dir1", ["ipvsadm", "-Ln", "-t", victim_service], check=False):
            repaired_after = time.monotonic() - start
        time.sleep(0.1)
    late = [line for _, to, line in dir2.transitions()[settled:] if to == "MASTER"]
    vt.check(not late, "dir2 took over while dir1 resynced: " + "; ".join(late))
    vt.check(dir1.alive(), f"vipd on dir1 exited: {dir1.log_tail()}")
    vt.check(repaired_after is not None,
             f"the deleted real on {victim_service} was not restored within {WATCH:.0f}s")
    ctx.log(f"{WATCH:.0f}s of 1 s resyncs over {total} destinations: dir2 stayed BACKUP, the VIP "
            f"stayed on dir1; a real deleted by hand was back after {repaired_after:.2f}s")


if __name__ == "__main__":
    vt.main(scenario, "a resync of 20,000 destinations does not silence the master",
            tools=("ip", "ipvsadm"), engines=("vipd",))
