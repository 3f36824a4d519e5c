#!/usr/bin/env python3
"""vm.health_lab: the seed lab's checker, done by vipd (issue 4). One director owns the VIP
and runs an IPVS DR round robin to real1 and real2 (VIP on lo, arp_ignore=1, arp_announce=2),
each HTTP-checked; a third host is the fallback (ldirectord's fallback, keepalived's sorry
server).

real1 dies: it leaves the table and a client loop through the VIP gets only real2; it returns:
it is re-added and answers again; both die: the fallback answers. Then with quiescent = true a
dead real stays in the table at weight 0. Runs inside the VM (needs ip_vs).
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP_IP = "10.99.0.100"
VIP = f"{VIP_IP}/24"
INTERVAL = 0.5
FALL = 2
RISE = 2
REALS = ("real1", "real2")


def config(topo: vt.Topology, quiescent: bool) -> str:
    inst = vt.Instance("web", vrid=210, priority=150, vips=[VIP], version=2, advert_interval=1.0,
                       auth_pass="PassW0rD")
    reals = "".join(f"""
  [[virtual_server.real]]
  address = "{topo.addr4(r)}"
""" for r in REALS)
    return vt.vipd_config("dir1", [inst]) + f"""
[ipvs]
resync_interval = "1s"

[[virtual_server]]
name = "web-80"
address = "{VIP_IP}"
port = 80
scheduler = "rr"
forwarding = "dr"
quiescent = {"true" if quiescent else "false"}
fallback = "{topo.addr4("sorry")}"
  [virtual_server.check]
  type = "http"
  path = "/"
  expect_body = "real"
  interval = "{vt.format_duration(INTERVAL)}"
  timeout = "400ms"
  fall = {FALL}
  rise = {RISE}
{reals}"""


def table(topo: vt.Topology) -> dict[str, int]:
    """Destination address -> weight of the VIP's service on dir1 (empty: no service)."""
    out = topo.run("dir1", ["ipvsadm", "-Ln"], check=False)
    section = out.split(f"TCP  {VIP_IP}:80", 1)
    if len(section) < 2:
        return {}
    rows = {}
    for line in section[1].splitlines()[1:]:
        m = re.match(r"\s+-> ([\d.]+):80\s+Route\s+(\d+)", line)
        if not m:
            break
        rows[m.group(1)] = int(m.group(2))
    return rows


def wait_table(ctx, topo, expected: dict[str, int], timeout: float, what: str) -> float:
    elapsed = vt.wait_until(lambda: table(topo) == expected, timeout, interval=0.05, what=what,
                            explain=lambda: f"table {table(topo)}")
    ctx.log(f"{what}: after {elapsed:.2f}s (bound {timeout:.2f}s)")
    return elapsed


def answers_since(client, since: float) -> list[tuple[bool, str]]:
    return [(ok, body) for t, ok, body in vt.client_results(client) if t > since]


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "real1", "real2", "sorry", "client"))
    responders = {}
    for host in (*REALS, "sorry"):
        topo.sysctl_ns(topo.ns[host], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        topo.add_address(host, f"{VIP_IP}/32", dev="lo")
        responders[host] = topo.start_http_responder(host, name=host)
    ip = {host: topo.addr4(host) for host in (*REALS, "sorry")}
    bound_down = FALL * INTERVAL + 0.4 + 1.5 + 5.0  # + converge, + emulation slack
    bound_up = RISE * INTERVAL + 1.5 + 5.0

    d = vt.start_vipd(topo, "dir1", ctx.vipd, config(topo, quiescent=False))
    wait_table(ctx, topo, {ip["real1"]: 1, ip["real2"]: 1}, 20, "both reals in the table")
    client = topo.start_client_loop(VIP_IP, interval=0.1, timeout=0.5)
    vt.wait_until(lambda: {b for ok, b in answers_since(client, 0) if ok} >= set(REALS), 20,
                  what="answers from both reals")

    # real1 dies: it leaves the table; afterwards every answer comes from real2.
    responders["real1"].kill()
    wait_table(ctx, topo, {ip["real2"]: 1}, bound_down, "real1 removed")
    settled = time.monotonic() + 0.5
    time.sleep(3.0)
    after = answers_since(client, settled)
    vt.check(len(after) >= 10, f"too few client requests: {after}")
    vt.check(all(ok and body == "real2" for ok, body in after),
             f"answers after real1 left the table: {after}")
    ctx.log(f"{len(after)} requests after the removal: all answered by real2")

    # real1 returns: re-added with its weight, and answers again.
    responders["real1"] = topo.start_http_responder("real1", name="real1")
    wait_table(ctx, topo, {ip["real1"]: 1, ip["real2"]: 1}, bound_up, "real1 re-added")
    back = time.monotonic()
    vt.wait_until(lambda: "real1" in {b for ok, b in answers_since(client, back) if ok}, 10,
                  what="real1 answering again")

    # Both die: quorum lost, the fallback comes in and answers.
    responders["real1"].kill()
    responders["real2"].kill()
    wait_table(ctx, topo, {ip["sorry"]: 1}, bound_down, "only the fallback left")
    both_dead = time.monotonic()
    vt.wait_until(lambda: "sorry" in {b for ok, b in answers_since(client, both_dead) if ok}, 10,
                  what="the fallback answering")
    vt.check("web-80: quorum lost" in d.log_text(), "quorum loss not logged")

    # One real returns: the fallback goes out again.
    responders["real2"] = topo.start_http_responder("real2", name="real2")
    wait_table(ctx, topo, {ip["real2"]: 1}, bound_up, "real2 back, fallback out")
    vt.check(d.stop() == 0, "vipd did not exit cleanly")
    vt.check(table(topo) == {}, f"the service outlived vipd: {table(topo)}")

    # Quiescent: a dead real stays at weight 0 and gets its weight back when it returns.
    d = vt.start_vipd(topo, "dir1", ctx.vipd, config(topo, quiescent=True))
    wait_table(ctx, topo, {ip["real1"]: 0, ip["real2"]: 1}, bound_down,
               "quiescent: real1 (still dead) at weight 0")
    responders["real1"] = topo.start_http_responder("real1", name="real1")
    wait_table(ctx, topo, {ip["real1"]: 1, ip["real2"]: 1}, bound_up,
               "quiescent: real1 back at weight 1")
    vt.check(d.stop() == 0, "vipd did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "health checks drive the IPVS table: removal, re-add, fallback, quiescent",
            tools=("ip", "ipvsadm"), engines=("vipd",))
