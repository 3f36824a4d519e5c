"""Building blocks shared by the scenarios: start a pair, wait for holders, sniff adverts."""

from __future__ import annotations

import os
import sys

from .daemon import Instance
from .scenario import Context
from .topology import Topology
from .waits import hold_for, wait_until


def pair(ctx: Context, inst: Instance, priorities=(150, 100), http: bool = False,
         engines=(None, None)):
    """dir1 and dir2 running `inst` at the given priorities, plus a client. Starts dir1 first."""
    topo = ctx.topology(("dir1", "dir2", "client"))
    if http:
        for role in ("dir1", "dir2"):
            topo.start_http_responder(role)
    d1 = ctx.director(topo, "dir1", [inst.with_priority(priorities[0])], engine=engines[0])
    d2 = ctx.director(topo, "dir2", [inst.with_priority(priorities[1])], engine=engines[1])
    return topo, d1, d2


def wait_holders(ctx: Context, topo: Topology, vip: str, expected: set[str], timeout: float,
                 what: str | None = None, interval: float = 0.02) -> float:
    """Wait until exactly `expected` hold vip; log and return the elapsed seconds."""
    what = what or f"{vip} held by exactly {sorted(expected)}"
    elapsed = wait_until(lambda: topo.who_has(vip) == expected, timeout, interval=interval,
                         what=what, explain=lambda: f"holders {sorted(topo.who_has(vip))}")
    ctx.log(f"{what}: after {elapsed:.2f}s (bound {timeout:.2f}s)")
    return elapsed


def hold_single(ctx: Context, topo: Topology, vip: str, holder: str, duration: float = 2.0) -> None:
    """Sample who_has for `duration` seconds: always exactly {holder}."""
    n = hold_for(lambda: topo.who_has(vip) == {holder}, duration, interval=0.05,
                 what=f"exactly {holder} holding {vip}",
                 explain=lambda: f"holders {sorted(topo.who_has(vip))}")
    ctx.log(f"{vip}: exactly {holder} over {n} samples in {duration:.1f}s")


def sniff_adverts(topo: Topology, role: str, family: int, count: int = 3, timeout: float = 5.0):
    """Receive `count` VRRP adverts in role's namespace; list of dicts (src, ttl, version, ...)."""
    script = os.path.join(os.path.dirname(__file__), "vrrp_sniff.py")
    out = topo.run(role, [sys.executable, script, "--family", str(family), "--count", str(count),
                          "--timeout", str(timeout)], timeout=timeout + 10)
    rows = []
    for line in out.splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        rows.append({k: v if k == "src" else float(v) if k == "t" else int(v)
                     for k, v in fields.items()})
    return rows
