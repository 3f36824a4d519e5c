#!/usr/bin/env python3
"""Signals during start-up: a SIGTERM or SIGHUP that arrives while vipd loads its configuration
is handled once the loop runs, instead of killing vipd with the signal's default action.

vipd loads a configuration of 2,000 virtual servers x 10 reals (about 0.1 s of parsing here,
seconds under emulation), so a signal sent 20 ms after vipd's exec lands before any handler
exists; the test checks that vipd had not logged "starting" yet when it was sent, so it proves
something. Then:

  SIGTERM  vipd starts, resigns at once and exits 0 ("signal 15" and "stopped" in its log), and
           its VIP is not left on the interface (before: killed by SIGTERM, exit -15);
  SIGHUP   vipd keeps running and reloads ("SIGHUP: reloading") once started; a later SIGTERM
           ends it with 0 (before: killed by SIGHUP, exit -1).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100"
SERVICES = 2000
REALS = 10
AFTER_EXEC = 0.02


def config_text() -> str:
    out = ['[global]\nrouter_id = "dir1"\ncontrol_socket = ""\nstate_file = ""\n\n'
           f'[[vrrp]]\nname = "web"\ninterface = "eth0"\nvrid = 51\npriority = 255\n'
           f'vips = ["{VIP}/24"]\n']
    for i in range(SERVICES):
        out.append(f'\n[[virtual_server]]\naddress = "{VIP}"\nport = {1000 + i}\n'
                   'scheduler = "rr"\nforwarding = "dr"\n')
        for j in range(REALS):
            out.append(f'  [[virtual_server.real]]\n  address = "10.200.0.{j + 1}"\n')
    return "".join(out)


def start_and_signal(ctx: vt.Context, topo: vt.Topology, vipd: str, conf: str, sig: int,
                     run: str) -> vt.Process:
    """Starts vipd in dir1 and sends `sig` AFTER_EXEC seconds after its exec, while it loads."""
    log = os.path.join(topo.tmpdir, f"vipd-{run}.log")
    p = topo.popen("dir1", [vipd, "--config", conf, "--log", "stderr"], log, f"vipd-{run}")
    binary = os.path.realpath(vipd)

    def exec_done() -> bool:
        try:
            return os.path.realpath(f"/proc/{p.pid}/exe") == binary
        except OSError:
            return False
    vt.wait_until(lambda: exec_done() or not p.alive(), 10, interval=0.001,
                  what=f"vipd's exec ({run})")
    time.sleep(AFTER_EXEC)
    before = p.log_text()
    p.signal(sig)
    ctx.log(f"{run}: signal {sig} sent {AFTER_EXEC * 1000:.0f} ms after vipd's exec")
    vt.check("starting" not in before,
             f"{run}: vipd had already loaded its configuration when the signal was sent; the "
             f"test proves nothing (make the configuration bigger):\n{before}")
    return p


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1",))
    conf = os.path.join(topo.tmpdir, "big.toml")
    with open(conf, "w") as f:
        f.write(config_text())

    p = start_and_signal(ctx, topo, ctx.vipd, conf, signal.SIGTERM, "sigterm")
    try:
        rc = p.popen.wait(timeout=60)
    except Exception:
        raise AssertionError(f"vipd did not exit within 60 s of an early SIGTERM:\n"
                             f"{p.log_text()[-2000:]}")
    text = p.log_text()
    vt.check(rc == 0, f"an early SIGTERM ended vipd with status {rc}, expected 0 (negative: "
                      f"killed by that signal before its handler existed):\n{text[-2000:]}")
    vt.check("signal 15" in text and "stopped" in text,
             f"vipd exited 0 but did not log its SIGTERM handling:\n{text[-2000:]}")
    vt.check(VIP not in topo.addresses("dir1"), f"the VIP {VIP} was left on dir1")
    ctx.log("early SIGTERM: handled after the start, exit 0, no VIP left")

    p = start_and_signal(ctx, topo, ctx.vipd, conf, signal.SIGHUP, "sighup")
    vt.wait_until(lambda: "SIGHUP: reloading" in p.log_text() or not p.alive(), 60,
                  interval=0.05, what="vipd handling the early SIGHUP as a reload",
                  explain=lambda: p.log_text()[-1500:])
    vt.check(p.alive(), f"an early SIGHUP ended vipd with status {p.returncode} (-1: killed by "
                        f"it before its handler existed):\n{p.log_text()[-2000:]}")
    rc = p.stop(timeout=60)
    vt.check(rc == 0, f"vipd exited with status {rc} after SIGTERM, expected 0")
    ctx.log("early SIGHUP: handled as a reload once started; SIGTERM then exits 0")


if __name__ == "__main__":
    vt.main(scenario, "signals during start-up are handled, not fatal", tools=("ip",),
            engines=("vipd",))
