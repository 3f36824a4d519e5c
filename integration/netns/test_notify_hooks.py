#!/usr/bin/env python3
"""Notify hooks (keepalived's notify, notify_master, notify_backup, notify_fault): the generic
one gets INSTANCE NAME STATE PRIORITY, the specific ones run on their state, all with the
VIPD_* environment, as notify_user; a hook that hangs is killed at notify_timeout and never
delays adverts or the next transition (the next transition's hooks, which run after it, wait no
longer than that timeout).

dir1 (150) and dir2 (100), VRRPv3 at 200 ms. dir1's notify_master hangs (sleep 60) with a 1 s
timeout; its generic notify appends a line per transition to a file.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    log = os.path.join(topo.tmpdir, "notify.log")
    script = os.path.join(topo.tmpdir, "notify.sh")
    with open(script, "w") as f:
        f.write(f'#!/bin/sh\necho "$* uid=$(id -u) to=$VIPD_TO from=$VIPD_FROM" >> {log}\n')
    os.chmod(script, 0o755)
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    hooks = (f'notify = "{script}"\nnotify_master = ["/bin/sleep", "60"]\n'
             'notify_timeout = "1s"\nnotify_user = "root"\n')
    d1 = start_vipd(topo, "dir1", ctx.vipd, vipd_config("dir1", [inst.with_priority(150)]) + hooks)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 5.0)

    def lines():
        try:
            with open(log) as f:
                return f.read().splitlines()
        except OSError:
            return []

    vt.wait_until(lambda: any("MASTER" in line for line in lines()), 5, what="notify for MASTER",
                  explain=lambda: f"{lines()}\n{d1.log_tail()}")
    ctx.log(f"notify lines: {lines()}")
    vt.check(lines()[0] == "INSTANCE web BACKUP 150 uid=0 to=BACKUP from=INIT",
             f"first notify line: {lines()[0]!r}")
    vt.check("INSTANCE web MASTER 150 uid=0 to=MASTER from=BACKUP" in lines(),
             f"no MASTER line: {lines()}")

    # The hanging notify_master is killed at its timeout and says so.
    vt.wait_until(lambda: "notify /bin/sleep (MASTER) failed: killed after timeout 1s"
                  in d1.log_text(), 5, what="the hanging hook killed", explain=d1.log_tail)
    vt.check(vt.sh.run(["pgrep", "-f", "/bin/sleep 60"], check=False).strip() == "",
             "the hung hook is still running")

    # A cut: FAULT is notified (the hook did not block the transition).
    topo.cut("dir1")
    cut = time.monotonic()
    vt.wait_until(lambda: any(" FAULT " in line for line in lines()), 5, what="notify for FAULT",
                  explain=lambda: f"{lines()}")
    ctx.log(f"FAULT notified {time.monotonic() - cut:.2f}s after the cut")
    vt.check(d1.stop() == 0 and d2.stop() == 0, "a director did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "notify hooks run asynchronously with keepalived's arguments",
            tools=("ip", "pgrep"), engines=("vipd",))
