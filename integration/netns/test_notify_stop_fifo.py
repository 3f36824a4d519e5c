#!/usr/bin/env python3
"""notify_stop, the notify FIFO and the real and quorum hooks (issue 15): on SIGTERM vipd
removes the VIP, then runs the instance's notify_stop and its generic notify with STOP, and
waits for them before it exits; [global] notify_fifo gets keepalived's lines for the instance,
the real and the service quorum; the real's notify_down and the service's quorum_down run
without arguments, with the service and the real in their environment.

dir1 alone (so MASTER after master_down_interval), one VIP and a virtual server whose only
real (real1) refuses connections: its TCP check fails, so the real goes DOWN and the service
loses its quorum. This kernel has no IPVS; the checks run all the same, and the FIFO lines
come from their transitions. The stop hook records whether the VIP is still on the host and
sleeps a little: vipd must wait for it.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "real1"))
    real1 = topo.addr4("real1")
    log = os.path.join(topo.tmpdir, "hooks.log")
    fifo = os.path.join(topo.tmpdir, "notify.fifo")
    stop_hook = os.path.join(topo.tmpdir, "stop.sh")
    with open(stop_hook, "w") as f:
        # Runs in dir1's namespace, a child of vipd: the VIP must be gone already.
        f.write("#!/bin/sh\n"
                f'echo "stop to=$VIPD_TO vip_lines=$(ip -o addr show | grep -c {VIP}/)" >> {log}\n'
                "sleep 0.5\n"
                f'echo "stop done" >> {log}\n')
    os.chmod(stop_hook, 0o755)
    inst = vt.Instance("web", vrid=51, priority=150, vips=[f"{VIP}/24"], advert_interval=0.2)
    config = vipd_config("dir1", [inst], global_lines=[f'notify_fifo = "{fifo}"']) + f"""
notify_stop = "{stop_hook}"
notify = ["/bin/sh", "-c", "echo \\"$*\\" >> {log}", "notify"]

[[virtual_server]]
name = "web-80"
address = "{VIP}"
port = 80
quorum_down = ["/bin/sh", "-c", "echo quorum $VIPD_SERVICE $VIPD_REAL $VIPD_STATE $# >> {log}"]
  [virtual_server.check]
  type = "tcp"
  interval = "200ms"
  timeout = "100ms"
  fall = 1
  [[virtual_server.real]]
  address = "{real1}"
  notify_down = ["/bin/sh", "-c", "echo real $VIPD_SERVICE $VIPD_REAL $VIPD_STATE $# >> {log}"]
"""
    d = start_vipd(topo, "dir1", ctx.vipd, config)
    vt.wait_until(lambda: os.path.exists(fifo), 5, what="the FIFO created",
                  explain=d.log_tail)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    received = []

    def lines() -> list[str]:
        try:
            chunk = os.read(reader, 65536)
        except BlockingIOError:
            chunk = b""
        if chunk:
            received.extend(chunk.decode().splitlines())
        return received

    rs = f"RS [{real1}]:tcp:80 [{VIP}]:tcp:80 DOWN"
    vs = f"VS [{VIP}]:tcp:80 DOWN"
    wanted = ['INSTANCE "web" MASTER 150', rs, vs]
    vt.wait_until(lambda: all(w in lines() for w in wanted), inst.master_down_interval(150) + 5,
                  what="the FIFO's MASTER, RS and VS lines",
                  explain=lambda: f"{lines()}\n{d.log_tail()}")
    ctx.log(f"FIFO lines before the stop: {lines()}")

    def hook_lines() -> list[str]:
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return f.read().splitlines()

    # keepalived passes notify_down and quorum_down no arguments: $# is 0.
    health_hooks = [f"real web-80 {real1}:80 DOWN 0", "quorum web-80 DOWN 0"]
    vt.wait_until(lambda: all(h in hook_lines() for h in health_hooks), 3,
                  what="the real's notify_down and the service's quorum_down",
                  explain=lambda: f"{hook_lines()}\n{d.log_tail()}")

    vt.check(d.stop() == 0, f"vipd did not exit cleanly: {d.log_tail()}")
    with open(log) as f:
        hooks = f.read().splitlines()
    ctx.log(f"hooks: {hooks}")
    vt.check("stop to=STOP vip_lines=0" in hooks, f"notify_stop did not run after the VIP went: {hooks}")
    vt.check("stop done" in hooks, f"vipd exited before its stop hook finished: {hooks}")
    vt.check(hooks[-1] == "INSTANCE web STOP 150",
             f"the generic notify did not end with STOP after notify_stop: {hooks}")
    after = lines()
    vt.check(after[-1] == 'INSTANCE "web" STOP 150', f"the FIFO's last line: {after}")
    os.close(reader)
    vt.check(not os.path.exists(fifo), "the FIFO vipd created is still there")


if __name__ == "__main__":
    vt.main(scenario, "notify_stop runs after the VIPs are gone and the FIFO gets keepalived's lines",
            tools=("ip",), engines=("vipd",))
