#!/usr/bin/env python3
"""[[bgp_vip]] through FRR: a router hears the VIP from the director while its service is
healthy, and stops hearing it once the service loses its quorum and once vipd stops.

dir1 runs vipd with one [[bgp_vip]] (192.0.2.10, gated on the quorum of a virtual server whose
only real, real1, is checked by TCP every 200 ms), and FRR: zebra imports vipd's table
(`ip import-table 100`) and bgpd announces it (`redistribute table 100`) to rtr, which runs bgpd
with `maximum-paths 8`. Keepalive 1 s, hold 3 s. This kernel has no IPVS: the checks and the
gate work all the same, and the routes are what this test is about.

1. Healthy: rtr's route to 192.0.2.10/32 goes through dir1; `vipctl status` (JSON and table)
   reads the bgp_vip as announced.
2. `vipctl demote anycast`: status reads it as withdrawn, "demoted by vipctl", and rtr loses the
   route; `vipctl promote anycast` brings both back.
3. real1's responder stops: the check fails, vipd withdraws (status says the quorum was lost),
   rtr loses the route within the hold time plus slack (a withdrawal is an UPDATE, not a
   timeout: it is usually far quicker).
4. real1 answers again: the route comes back.
5. `vipctl demote anycast` again, read back from dir1's kernel every 20 ms: the announce route
   goes at once and the accept route (`ip route show table local proto 86`) about [bgp]
   accept_linger (1.5 s) later; rtr loses the route before dir1 stops accepting the VIP.
   `vipctl promote anycast`: it comes back.
6. vipd stops (SIGTERM): the same order, then vipd exits; rtr loses the route within the same
   bound, and dir1 keeps no route of vipd's protocol.
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402
from vipdtest.frr_bgp import HOLD, bgpd_conf, start_frr_bgp  # noqa: E402

VIP = "192.0.2.10"
PREFIX = f"{VIP}/32"
TABLE = 100
BOUND = HOLD + 1.0
LINGER = 1.5  # [bgp] accept_linger
POLL = 0.02


def director_config(real: str) -> str:
    return vipd_config("dir1", [], ['vip_resync_interval = "1s"']) + f"""
[[virtual_server]]
name = "anycast-80"
address = "{VIP}"
port = 80
scheduler = "mh"
forwarding = "dr"
  [virtual_server.check]
  type = "tcp"
  interval = "200ms"
  timeout = "150ms"
  [[virtual_server.real]]
  address = "{real}"

[bgp]
table = {TABLE}
metric = 10
accept_linger = "{int(LINGER * 1000)}ms"

[[bgp_vip]]
name = "anycast"
address = "{VIP}"
virtual_servers = ["anycast-80"]
"""


def wait_route(ctx: vt.Context, rtr, expected: set[str], timeout: float, what: str) -> float:
    elapsed = vt.wait_until(lambda: rtr.next_hops(PREFIX) == expected, timeout, interval=0.05,
                            what=what, explain=lambda: f"rtr's next hops {rtr.next_hops(PREFIX)}")
    ctx.log(f"{what}: {elapsed:.2f}s")
    return elapsed


def at(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.3f}s"


class RouteWatch:
    """When dir1's announce and accept routes for the VIP, and rtr's route to it, were last seen
    and first seen gone, in seconds after `t0`: dir1's kernel read back every POLL seconds, rtr
    asked until its route is gone."""

    def __init__(self, topo, rtr, t0: float):
        self.topo, self.rtr, self.t0 = topo, rtr, t0
        self.last_seen = {"announce": None, "accept": None, "router": None}
        self.gone = {"announce": None, "accept": None, "router": None}

    def routes(self) -> dict[str, bool]:
        announce = self.topo.run("dir1", ["ip", "route", "show", "table", str(TABLE), "proto",
                                          "86"])
        accept = self.topo.run("dir1", ["ip", "route", "show", "table", "local", "proto", "86"])
        present = {"announce": VIP in announce, "accept": VIP in accept}
        if self.gone["router"] is None:
            present["router"] = bool(self.rtr.next_hops(PREFIX))
        return present

    def follow(self, timeout: float) -> None:
        while self.gone["accept"] is None and time.monotonic() - self.t0 < timeout:
            before = time.monotonic() - self.t0
            present = self.routes()
            after = time.monotonic() - self.t0
            for kind, there in present.items():
                if there:
                    self.last_seen[kind] = before
                elif self.gone[kind] is None:
                    self.gone[kind] = after
            time.sleep(POLL)

    def check_lingered(self, ctx: vt.Context, what: str) -> None:
        ctx.log(f"{what}: announce route last seen {at(self.last_seen['announce'])}, gone by "
                f"{at(self.gone['announce'])}; accept route last seen "
                f"{at(self.last_seen['accept'])}, gone by {at(self.gone['accept'])}")
        vt.check(self.gone["announce"] is not None and self.gone["announce"] < 0.5,
                 f"{what}: the announce route did not go at once ({at(self.gone['announce'])})")
        vt.check(self.gone["accept"] is not None,
                 f"{what}: the accept route never went")
        # The linger starts after t0, and `gone` is read after the poll that saw the route
        # missing: a route that lingered is seen gone no sooner than LINGER. The upper slack
        # covers a loaded machine's polling.
        vt.check(self.gone["accept"] >= LINGER,
                 f"{what}: the accept route was gone by {at(self.gone['accept'])}, before its "
                 f"{LINGER}s linger ended")
        vt.check(self.gone["accept"] <= LINGER + 1.0,
                 f"{what}: the accept route outlived its {LINGER}s linger "
                 f"({at(self.gone['accept'])})")
        ctx.log(f"{what}: rtr's route gone by {at(self.gone['router'])}")
        vt.check(self.gone["router"] is not None
                 and self.gone["router"] < self.last_seen["accept"],
                 f"{what}: rtr still routed the VIP here after dir1 stopped accepting it")


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "rtr", "real1"))
    dir1, rtr_address, real1 = topo.addr4("dir1"), topo.addr4("rtr"), topo.addr4("real1")
    responder = topo.start_http_responder("real1")

    vipd = start_vipd(topo, "dir1", ctx.vipd, director_config(real1))
    frr_dir = start_frr_bgp(
        topo, "dir1", f"ip import-table {TABLE}\n",
        bgpd_conf(65001, dir1, {rtr_address: 65000}, [f"redistribute table {TABLE}"]), "bgp-dir1")
    rtr = start_frr_bgp(topo, "rtr", "!\n",
                        bgpd_conf(65000, rtr_address, {dir1: 65001}, ["maximum-paths 8"]),
                        "bgp-rtr")
    vt.wait_until(lambda: rtr.established() == 1, 15, interval=0.1, what="the BGP session",
                  explain=lambda: rtr.vtysh("show bgp summary"))
    ctx.log("BGP session dir1 - rtr established")

    def shown() -> dict:
        bgp_vips = json.loads(vipd.vipctl("status", "--json"))["bgp_vips"]
        vt.check(len(bgp_vips) == 1, f"vipctl status --json: bgp_vips {bgp_vips}")
        return bgp_vips[0]

    def expect_shown(announced: bool, reason: str, demoted: bool) -> None:
        expected = {"name": "anycast", "address": VIP, "announced": announced, "reason": reason,
                    "demoted": demoted}
        seen = shown()
        vt.check(seen == expected, f"vipctl status --json: {seen}, expected {expected}")

    # 1. Healthy: announced, and vipctl says so.
    wait_route(ctx, rtr, {dir1}, 10, "rtr hears the VIP from dir1")
    vt.check(f"{VIP} dev lo proto 86" in topo.run("dir1", ["ip", "route", "show", "table",
                                                               str(TABLE)]),
             "dir1's announce route is in table 100 with vipd's protocol")
    expect_shown(True, "anycast-80 has its quorum", False)
    table = vipd.vipctl("status")
    ctx.log("vipctl status:\n" + table)
    vt.check(f"anycast  {VIP}  announced  anycast-80 has its quorum" in table,
             "the status table does not show the bgp_vip announced")

    # 2. vipctl demote withdraws it, promote announces it again.
    vipd.vipctl("demote", "anycast")
    expect_shown(False, "demoted by vipctl", True)
    wait_route(ctx, rtr, set(), BOUND, "rtr forgets the VIP after vipctl demote")
    vipd.vipctl("promote", "anycast")
    expect_shown(True, "anycast-80 has its quorum", False)
    wait_route(ctx, rtr, {dir1}, 5, "rtr hears the VIP again after vipctl promote")

    # 3. The service loses its quorum: withdrawn.
    responder.stop()
    t0 = time.monotonic()
    vt.wait_until(lambda: "withdrawn: anycast-80 lost its quorum" in vipd.log_text(), 5,
                  interval=0.05, what="vipd withdrawing the VIP", explain=vipd.log_tail)
    gone = wait_route(ctx, rtr, set(), BOUND, "rtr forgets the VIP after the real failed")
    ctx.log(f"real down -> route gone at the router: {time.monotonic() - t0:.2f}s "
            f"(withdraw to router {gone:.2f}s)")
    expect_shown(False, "anycast-80 lost its quorum", False)

    # 4. Back.
    topo.start_http_responder("real1")
    wait_route(ctx, rtr, {dir1}, 5, "rtr hears the VIP again")

    # 5. Demoted again: the announce route goes at once, the accept route a linger later.
    t0 = time.monotonic()
    vipd.vipctl("demote", "anycast")
    watch = RouteWatch(topo, rtr, t0)
    watch.follow(LINGER + 3.0)
    watch.check_lingered(ctx, "demote")
    wait_route(ctx, rtr, set(), BOUND, "rtr forgets the VIP after the demote")
    vipd.vipctl("promote", "anycast")
    wait_route(ctx, rtr, {dir1}, 5, "rtr hears the VIP again after the promote")

    # 6. vipd stops: withdrawn, and its packets still accepted for the linger, before it exits.
    t0 = time.monotonic()
    vipd.signal(signal.SIGTERM)
    watch = RouteWatch(topo, rtr, t0)
    watch.follow(LINGER + 3.0)
    try:
        rc = vipd.popen.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"vipd did not exit within 10 s of SIGTERM\n{vipd.log_tail()}")
    ctx.log(f"vipd stop -> exited: {time.monotonic() - t0:.2f}s")
    vt.check(rc == 0, f"vipd exited with {rc}")
    watch.check_lingered(ctx, "stop")
    wait_route(ctx, rtr, set(), BOUND, "rtr forgets the VIP after vipd stopped")
    ctx.log(f"vipd stop -> route gone at the router: {time.monotonic() - t0:.2f}s")
    left = topo.run("dir1", ["ip", "route", "show", "table", "all", "proto", "86"])
    vt.check(left.strip() == "", f"dir1 keeps routes of vipd's protocol: {left}")
    vt.check(frr_dir.alive() and rtr.alive(), "an FRR daemon died")


if __name__ == "__main__":
    vt.main(scenario, "a [[bgp_vip]] announced through FRR while healthy, withdrawn on demote, "
            "failure and stop, its accept route lingering after its announce route",
            tools=("ip", "vtysh", "/usr/lib/frr/bgpd"), engines=("vipd",))
