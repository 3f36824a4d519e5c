#!/usr/bin/env python3
"""A NAT director's sync group: the outside VIP and the inside gateway move together.

dir1 (150) and dir2 (100), VRRPv3 at 200 ms adverts, two instances in [[sync_group]] "nat":
outside (vrid 51, 10.99.0.100/24 on eth0, where the client is) and inside (vrid 52, the
gateway 10.98.0.254/24 on eth1, a second segment shared with a host "inside"). Each group has a
generic notify that appends its arguments to a file.

1. Both VIPs come up on dir1.
2. dir1's inside cable is cut: its inside instance faults, and its outside instance, whose link
   is fine, goes to FAULT with it and resigns, so dir2 takes both VIPs. Without the group the
   outside VIP would stay on dir1 and the outside traffic would go to a director that can no
   longer reach the inside. Bound: dir2's master down interval + 2 s.
3. The cable is back: dir1 preempts both.
Throughout, the two VIPs never sit on different directors for longer than one master down
interval plus slack (both move in one step on each side), and the groups' hooks say
"GROUP nat MASTER 0" / "GROUP nat FAULT 0" as keepalived's do.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

OUTSIDE = "10.99.0.100/24"
GATEWAY = "10.98.0.254/24"
SPLIT_BOUND = 1.5  # seconds the VIPs may sit on different directors during one move


def group_section(notify_log: str) -> str:
    return f"""
[[sync_group]]
name = "nat"
members = ["outside", "inside"]
notify = ["/bin/sh", "-c", "echo \\"$*\\" >> {notify_log}", "notify"]
"""


class SplitWatch:
    """Samples both VIPs' holders in the background; remembers the longest split."""

    def __init__(self, topo: vt.Topology):
        self.topo = topo
        self.longest = 0.0
        self.samples = 0
        self._split_since = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            outside, inside = self.topo.who_has(OUTSIDE), self.topo.who_has(GATEWAY)
            now = time.monotonic()
            self.samples += 1
            if outside != inside:
                if self._split_since is None:
                    self._split_since = now
                self.longest = max(self.longest, now - self._split_since)
            else:
                self._split_since = None
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    topo.add_segment("eth1", "10.98.0", ("dir1", "dir2"), hosts=("inside",))
    outside = vt.Instance("outside", vrid=51, priority=100, vips=[OUTSIDE], advert_interval=0.2)
    inside = vt.Instance("inside", vrid=52, priority=100, vips=[GATEWAY], advert_interval=0.2,
                         interface="eth1")
    logs = {role: os.path.join(topo.tmpdir, f"{role}-group.log") for role in ("dir1", "dir2")}
    directors = {}
    for role, priority in (("dir1", 150), ("dir2", 100)):
        text = vipd_config(role, [outside.with_priority(priority), inside.with_priority(priority)])
        directors[role] = start_vipd(topo, role, ctx.vipd, text + group_section(logs[role]))

    def group_lines(role: str) -> list[str]:
        try:
            with open(logs[role]) as f:
                return f.read().splitlines()
        except OSError:
            return []

    bound = outside.master_down_interval(150) + 5.0
    vt.wait_holders(ctx, topo, OUTSIDE, {"dir1"}, bound)
    vt.wait_holders(ctx, topo, GATEWAY, {"dir1"}, bound)
    vt.wait_until(lambda: "GROUP nat MASTER 0" in group_lines("dir1"), 5,
                  what="dir1's group notify for MASTER", explain=lambda: f"{group_lines('dir1')}")

    watch = SplitWatch(topo)
    try:
        topo.cut("dir1", "eth1")
        move = outside.master_down_interval(100) + 2.0
        vt.wait_until(lambda: topo.who_has(OUTSIDE) == {"dir2"} and topo.who_has(GATEWAY) == {"dir2"},
                      move, interval=0.02, what="both VIPs on dir2 after dir1's inside cut",
                      explain=lambda: f"outside {sorted(topo.who_has(OUTSIDE))}, gateway "
                                      f"{sorted(topo.who_has(GATEWAY))}\n"
                                      f"{directors['dir1'].log_tail()}")
        ctx.log(f"both VIPs on dir2 (bound {move:.2f}s)")
        vt.check("outside: MASTER -> FAULT (sync group" in directors["dir1"].log_text(),
                 "dir1's outside instance did not fault with its group:\n"
                 + directors["dir1"].log_tail())
        vt.wait_until(lambda: "GROUP nat MASTER 0" in group_lines("dir2")
                      and "GROUP nat FAULT 0" in group_lines("dir1"), 5,
                      what="the groups' hooks for the move",
                      explain=lambda: f"dir1 {group_lines('dir1')}, dir2 {group_lines('dir2')}")
        vt.hold_single(ctx, topo, OUTSIDE, "dir2", duration=1.0)

        topo.restore("dir1", "eth1")
        vt.wait_until(lambda: topo.who_has(OUTSIDE) == {"dir1"} and topo.who_has(GATEWAY) == {"dir1"},
                      bound, interval=0.02, what="both VIPs back on dir1 after the restore",
                      explain=lambda: f"outside {sorted(topo.who_has(OUTSIDE))}, gateway "
                                      f"{sorted(topo.who_has(GATEWAY))}")
        ctx.log("both VIPs back on dir1")
        time.sleep(0.5)
    finally:
        watch.stop()
    ctx.log(f"longest split of the two VIPs: {watch.longest:.2f}s over {watch.samples} samples "
            f"(bound {SPLIT_BOUND}s)")
    vt.check(watch.samples > 20, f"only {watch.samples} samples of the holders")
    vt.check(watch.longest <= SPLIT_BOUND,
             f"the VIPs sat on different directors for {watch.longest:.2f}s")
    for role, d in directors.items():
        vt.check(d.stop() == 0, f"{role} did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "a sync group moves a NAT director's outside and inside VIPs together",
            tools=("ip",), engines=("vipd",))
