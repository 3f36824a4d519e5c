#!/usr/bin/env python3
"""Health checks against real servers in namespaces: a dead real is marked down after
fall x interval (+ timeout), a returning one up after rise x interval; a script check runs as
nobody; quorum loss is reported with its fallback.

One director (dir1) with a virtual server of two reals (real1 HTTP-checked, real2 TCP-checked),
and a second service whose only real is checked by a script that passes only as uid 65534.
This kernel has no IPVS: the checks run all the same (every director checks, master or not),
and the test reads their transitions from vipd's log.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

INTERVAL = 0.5
TIMEOUT = 0.3
FALL = 3
RISE = 2
VIP = "10.99.0.100/24"


def transitions(d, label: str) -> list[str]:
    return re.findall(rf"{re.escape(label)}: (\w+ -> \w+)", d.log_text())


def wait_transition(ctx, d, label: str, expected: str, count: int, timeout: float) -> float:
    """Wait until `label` has logged `expected` `count` times; return the elapsed seconds."""
    elapsed = vt.wait_until(
        lambda: transitions(d, label).count(expected) >= count or not d.alive(), timeout,
        interval=0.02, what=f"{label}: {expected}",
        explain=lambda: f"transitions so far {transitions(d, label)}\n{d.log_tail()}")
    vt.check(d.alive(), f"vipd exited: {d.log_tail()}")
    ctx.log(f"{label}: {expected} after {elapsed:.2f}s (bound {timeout:.2f}s)")
    return elapsed


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "real1", "real2"))
    real1, real2 = topo.addr4("real1"), topo.addr4("real2")
    responders = {role: topo.start_http_responder(role, name=role) for role in ("real1", "real2")}

    inst = vt.Instance("web", vrid=51, priority=150, vips=[VIP], advert_interval=0.2)
    config = vipd_config("dir1", [inst]) + f"""
[[virtual_server]]
name = "web-80"
address = "10.99.0.100"
port = 80
fallback = "{topo.addr4("dir1")}"
  [virtual_server.check]
  type = "http"
  path = "/"
  expect_status = [200]
  expect_body = "real"
  interval = "{vt.format_duration(INTERVAL)}"
  timeout = "{vt.format_duration(TIMEOUT)}"
  fall = {FALL}
  rise = {RISE}
  [[virtual_server.real]]
  address = "{real1}"
  [[virtual_server.real]]
  address = "{real2}"
    [virtual_server.real.check]
    type = "tcp"

[[virtual_server]]
name = "as-nobody"
address = "10.99.0.100"
port = 81
  [virtual_server.check]
  type = "script"
  command = ["/bin/sh", "-c", "test \\"$(id -u)\\" = 65534 && test \\"$VIPD_REAL_ADDRESS\\" = {real1}"]
  user = "nobody"
  initial = "down"
  interval = "300ms"
  [[virtual_server.real]]
  address = "{real1}"
"""
    d = start_vipd(topo, "dir1", ctx.vipd, config)
    vt.wait_until(lambda: "health check(s) scheduled" in d.log_text() or not d.alive(), 10,
                  what="health checks scheduled", explain=d.log_tail)
    vt.check(d.alive(), f"vipd exited: {d.log_tail()}")
    ctx.log(d.log_text().splitlines()[0] if d.log_text() else "")

    # The script passes only as nobody with the real's address in its environment.
    wait_transition(ctx, d, f"as-nobody {real1}:81", "down -> up", 1, 5.0)

    # Both reals pass: nothing goes down for a while.
    time.sleep(FALL * INTERVAL + 1.0)
    vt.check(not transitions(d, f"web-80 {real1}:80") and not transitions(d, f"web-80 {real2}:80"),
             f"a healthy real changed state: {d.log_tail()}")

    # real1 dies: down after FALL failures, never sooner than FALL-1 intervals.
    responders["real1"].kill()
    t0 = time.monotonic()
    bound = FALL * INTERVAL + TIMEOUT + 2.0
    elapsed = wait_transition(ctx, d, f"web-80 {real1}:80", "up -> down", 1, bound)
    vt.check(elapsed >= (FALL - 1) * INTERVAL - 0.1,
             f"real1 marked down after {elapsed:.2f}s, before {FALL} failures could happen")
    vt.check("connection refused" in d.log_text(), "the down line does not say why")

    # real2 dies too: the TCP check notices, quorum is lost and the fallback comes in.
    responders["real2"].kill()
    wait_transition(ctx, d, f"web-80 {real2}:80", "up -> down", 1, bound)
    vt.wait_until(lambda: "web-80: quorum lost" in d.log_text(), 2.0, what="quorum lost logged")
    vt.check(f"fallback {topo.addr4('dir1')}:80 in" in d.log_text(), "fallback not logged in")

    # real1 returns: up after RISE successes.
    topo.start_http_responder("real1", name="real1")
    elapsed = wait_transition(ctx, d, f"web-80 {real1}:80", "down -> up", 1,
                              RISE * INTERVAL + TIMEOUT + 2.0)
    vt.check(elapsed >= (RISE - 1) * INTERVAL - 0.1, f"real1 up after {elapsed:.2f}s: too soon")
    vt.wait_until(lambda: "web-80: quorum regained" in d.log_text(), 2.0,
                  what="quorum regained logged")
    ctx.log(f"total {time.monotonic() - t0:.2f}s")

    code = d.stop()
    vt.check(code == 0, f"vipd exited {code} after SIGTERM")


if __name__ == "__main__":
    vt.main(scenario, "health checks mark reals down and up", engines=("vipd",))
