#!/usr/bin/env python3
"""vm.reload_ipvs: issue 5 "adding or removing a real does not disturb connections to other
reals", on real IPVS.

One director (an address owner: MASTER at once) with a DR service VIP:7000 to real1, which holds
the VIP on lo and echoes lines. The client opens ONE connection (to real1, the only real) and
sends a numbered line every 200 ms. Then three reloads (SIGHUP), each followed by at least five
more echoes on the same connection:
  1. real2 added: it appears in `ipvsadm -Ln`, and the service is edited, not re-created;
  2. the scheduler changed rr -> wlc: the service is edited in place;
  3. real2 removed.
The connection never breaks, every echo arrives in order, real1 accepted exactly one
connection, and vipd logged no deletion of the service. Runs inside the VM; exit 0 pass,
1 fail, 77 skip.
"""

import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from test_ipvs_sync import ECHO_CLIENT, ECHO_SERVER, closed, echoes  # noqa: E402

VIP_IP = "10.99.0.100"
VIP = f"{VIP_IP}/24"
PORT = 7000
REALS = ("real1", "real2")


def config_text(topo: vt.Topology, reals: tuple[str, ...], scheduler: str) -> str:
    inst = vt.Instance("web", vrid=50, priority=255, vips=[VIP], version=3, advert_interval=0.5)
    text = vt.daemon.vipd_config("dir1", [inst]) + f"""
[[virtual_server]]
address = "{VIP_IP}"
port = {PORT}
protocol = "tcp"
scheduler = "{scheduler}"
forwarding = "dr"
"""
    for real in reals:
        text += f"""
  [[virtual_server.real]]
  address = "{topo.addr4(real)}"
  port = {PORT}
"""
    return text


def table(topo: vt.Topology) -> str:
    return topo.run("dir1", ["ipvsadm", "-Ln"], check=False)


def start_echo_reals(topo: vt.Topology) -> dict:
    """Each of REALS holds the VIP on lo (answering no ARP for it: DR) and echoes lines on PORT;
    returns the echo servers by role. Also used by test_drain_ipvs."""
    servers = {}
    for real in REALS:
        topo.sysctl_ns(topo.ns[real], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        topo.add_address(real, f"{VIP_IP}/32", dev="lo")
        servers[real] = topo.popen(real, [sys.executable, "-c", ECHO_SERVER, str(PORT)],
                                   os.path.join(topo.tmpdir, f"echo-{real}.log"), f"echo-{real}")
        vt.wait_until(lambda r=real: "listening" in servers[r].log_text(), 15,
                      what=f"the echo server in {real}")
    return servers


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", *REALS, "client"))
    servers = start_echo_reals(topo)

    vipd = vt.start_vipd(topo, "dir1", ctx.vipd, config_text(topo, ("real1",), "rr"))
    conf = os.path.join(topo.tmpdir, f"{vipd.name}.toml")
    vt.wait_until(lambda: f"TCP  {VIP_IP}:{PORT} rr" in table(topo), 20,
                  what="the service on dir1")
    client = topo.popen("client", [sys.executable, "-u", "-c", ECHO_CLIENT, VIP_IP, str(PORT)],
                        os.path.join(topo.tmpdir, "echo-client.log"), "echo-client")
    vt.wait_until(lambda: len(echoes(client)) >= 5 or closed(client) or not client.alive(), 20,
                  what="five echoes through the VIP", explain=lambda: client.log_text()[-400:])
    vt.check(closed(client) is None, f"connection ended before any reload: {closed(client)}")

    def reload(reals: tuple[str, ...], scheduler: str, what: str) -> None:
        with open(conf, "w") as f:
            f.write(config_text(topo, reals, scheduler))
        seen = len(echoes(client))
        before = vipd.log_text().count("reloaded ")
        vipd.signal(signal.SIGHUP)
        vt.wait_until(lambda: vipd.log_text().count("reloaded ") > before, 15,
                      what=f"vipd to apply the reload ({what})")
        vt.wait_until(lambda: len(echoes(client)) >= seen + 5 or closed(client) is not None, 20,
                      interval=0.2, what=f"five more echoes after the reload ({what})",
                      explain=lambda: client.log_text()[-400:])
        vt.check(closed(client) is None, f"the reload ({what}) broke the connection: "
                 f"{closed(client)}")
        ctx.log(f"reload ({what}): {len(echoes(client)) - seen} echoes since; table:\n"
                + table(topo).rstrip())

    reload(("real1", "real2"), "rr", "real2 added")
    vt.check(f"{topo.addr4('real2')}:{PORT}" in table(topo), "real2 is not in the table")
    reload(("real1", "real2"), "wlc", "scheduler rr -> wlc")
    vt.check(f"TCP  {VIP_IP}:{PORT} wlc" in table(topo), "the scheduler did not change")
    reload(("real1",), "wlc", "real2 removed")
    vt.check(f"{topo.addr4('real2')}:{PORT}" not in table(topo), "real2 is still in the table")

    numbers = [n for _, n in echoes(client)]
    vt.check(numbers == list(range(1, len(numbers) + 1)), "echoes missing or out of order")
    accepts = [line for line in servers["real1"].log_text().splitlines()
               if line.startswith("accept")]
    vt.check(len(accepts) == 1, f"real1 saw {len(accepts)} connections, expected one: {accepts}")
    deleted = [line for line in vipd.log_text().splitlines()
               if f"delete tcp {VIP_IP}:{PORT}" in line and "->" not in line]
    vt.check(not deleted, "a reload deleted the service:\n" + "\n".join(deleted))
    ctx.log(f"{len(numbers)} echoes on one connection through three reloads; real1 accepted one")
    vt.check(vipd.stop() == 0, "vipd did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "reloads change the IPVS service in place: a live connection survives",
            tools=("ip", "ipvsadm"), engines=("vipd",))
