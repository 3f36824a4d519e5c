#!/usr/bin/env python3
"""vm.drain_ipvs: issue 15 `vipctl drain` / `undrain`, read back from real IPVS.

One director (an address owner: MASTER at once) with a TCP-checked DR service VIP:7000 to real1
and real2, each holding the VIP on lo and echoing lines. The client opens ONE connection and
sends a numbered line every 200 ms; the real that accepted it is drained:
  1. `ipvsadm -Ln` shows it at weight 0, still in the table; the connection keeps getting
     echoes; new connections all go to the other real; `vipctl ipvs --json` and
     `status --json` say drained, with its health;
  2. a reload (SIGHUP) leaves it at 0;
  3. `vipctl undrain`: back at its configured weight;
  4. `vipctl drain --for 3s`: 0, then back by itself, logged;
  the connection never breaks and every echo arrives in order;
  5. with the connection closed and the real drained again, `ipvsadm -C`: the resync puts the
     service back with the real at 0.
Runs inside the VM; exit 0 pass, 1 fail, 77 skip.
"""

import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from test_ipvs_sync import ECHO_CLIENT, closed, echoes  # noqa: E402
from test_reload_ipvs import PORT, REALS, VIP, VIP_IP, start_echo_reals  # noqa: E402

WEIGHT = 3

# One short connection through the VIP: connect, one line, its echo, close.
ONE_SHOT = r"""
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5) as s:
    s.sendall(b"ping\n")
    s.recv(64)
"""


def config_text(topo: vt.Topology) -> str:
    inst = vt.Instance("web", vrid=50, priority=255, vips=[VIP], version=3, advert_interval=0.5)
    text = vt.daemon.vipd_config("dir1", [inst]) + f"""
[ipvs]
resync_interval = "1s"

[[virtual_server]]
name = "web-7000"
address = "{VIP_IP}"
port = {PORT}
protocol = "tcp"
scheduler = "rr"
forwarding = "dr"
  [virtual_server.check]
  type = "tcp"
  interval = "500ms"
"""
    for real in REALS:
        text += f"""
  [[virtual_server.real]]
  address = "{topo.addr4(real)}"
  weight = {WEIGHT}
"""
    return text


def weights(topo: vt.Topology) -> dict[str, int]:
    """The reals of the service in `ipvsadm -Ln` and their weights ({} without the service)."""
    out = topo.run("dir1", ["ipvsadm", "-Ln"], check=False)
    found, inside = {}, False
    for line in out.splitlines():
        fields = line.split()
        if fields[:2] == ["TCP", f"{VIP_IP}:{PORT}"]:
            inside = True
        elif inside and fields[:1] == ["->"] and fields[1] != "RemoteAddress:Port":
            found[fields[1]] = int(fields[3])
        elif fields[:1] in (["TCP"], ["UDP"], ["FWM"]):
            inside = False
    return found


def client_accepts(server, client_ip: str) -> int:
    """Connections the echo server accepted from the client (health checks come from dir1)."""
    return sum(1 for line in server.log_text().splitlines()
               if line.startswith(f"accept {client_ip}:"))


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    vipctl = os.path.join(os.path.dirname(ctx.vipd), "..", "vipctl", "vipctl")
    vt.check(os.access(vipctl, os.X_OK), f"no vipctl next to vipd: {vipctl}")
    topo = ctx.topology(("dir1", *REALS, "client"))
    servers = start_echo_reals(topo)

    vipd = vt.start_vipd(topo, "dir1", ctx.vipd, config_text(topo))
    socket_path = os.path.join(topo.tmpdir, f"{vipd.name}.sock")
    addr = {real: f"{topo.addr4(real)}:{PORT}" for real in REALS}
    configured = {addr[r]: WEIGHT for r in REALS}
    vt.wait_until(lambda: weights(topo) == configured, 20, what="the service with both reals up",
                  explain=lambda: str(weights(topo)))

    def vipctl_run(*args: str) -> str:
        r = subprocess.run(["ip", "netns", "exec", topo.ns["dir1"], vipctl, "--socket",
                            socket_path, *args], capture_output=True, text=True, timeout=30)
        vt.check(r.returncode == 0, f"vipctl {' '.join(args)}: exit {r.returncode}\n"
                 f"{r.stdout}{r.stderr}")
        return r.stdout

    client = topo.popen("client", [sys.executable, "-u", "-c", ECHO_CLIENT, VIP_IP, str(PORT)],
                        os.path.join(topo.tmpdir, "echo-client.log"), "echo-client")
    vt.wait_until(lambda: len(echoes(client)) >= 5 or closed(client) or not client.alive(), 20,
                  what="five echoes through the VIP", explain=lambda: client.log_text()[-400:])
    client_ip = topo.addr4("client")
    holder = next(r for r in REALS if client_accepts(servers[r], client_ip) == 1)
    other = next(r for r in REALS if r != holder)
    drained = {**configured, addr[holder]: 0}

    def more_echoes(what: str) -> None:
        seen = len(echoes(client))
        vt.wait_until(lambda: len(echoes(client)) >= seen + 5 or closed(client) is not None, 20,
                      interval=0.2, what=f"five more echoes {what}",
                      explain=lambda: client.log_text()[-400:])
        vt.check(closed(client) is None, f"the connection broke {what}: {closed(client)}")

    def expect_weights(want: dict[str, int], bound: float, what: str) -> None:
        vt.wait_until(lambda: weights(topo) == want, bound, interval=0.2, what=what,
                      explain=lambda: f"ipvsadm -Ln: {weights(topo)}, wanted {want}")

    # 1. Drain the real that holds the connection.
    ctx.log(vipctl_run("drain", "web-7000", topo.addr4(holder)).strip())
    expect_weights(drained, 5, f"{holder} at weight 0, still in the table")
    more_echoes("on the connection to the drained real")
    before = client_accepts(servers[holder], client_ip)
    for _ in range(4):
        topo.run("client", [sys.executable, "-c", ONE_SHOT, VIP_IP, str(PORT)])
    vt.check(client_accepts(servers[holder], client_ip) == before,
             f"a new connection reached the drained {holder}")
    vt.check(client_accepts(servers[other], client_ip) >= 4, f"{other} did not get the new ones")
    shown = {r["address"]: r for s in json.loads(vipctl_run("ipvs", "--json")) for r in s["reals"]}
    vt.check(shown[addr[holder]]["drained"] and shown[addr[holder]]["kernel_weight"] == 0
             and shown[addr[holder]]["health"] == "up", f"vipctl ipvs: {shown[addr[holder]]}")
    vt.check(not shown[addr[other]]["drained"], f"vipctl ipvs: {shown[addr[other]]}")
    status = json.loads(vipctl_run("status", "--json"))
    vt.check(status["drained"] == [{"service": "web-7000", "real": addr[holder],
                                    "until_unix": None}], f"status --json: {status['drained']}")
    ctx.log("vipctl ipvs:\n" + vipctl_run("ipvs").rstrip())

    # 2. A reload keeps it.
    before = vipd.log_text().count("reloaded ")
    vipd.signal(signal.SIGHUP)
    vt.wait_until(lambda: vipd.log_text().count("reloaded ") > before, 15, what="the reload")
    more_echoes("after the reload")
    vt.check(weights(topo) == drained, f"after the reload: {weights(topo)}")

    # 3. Undrain.
    ctx.log(vipctl_run("undrain", "web-7000", addr[holder]).strip())
    expect_weights(configured, 5, f"{holder} back at weight {WEIGHT}")

    # 4. For a while: back by itself.
    ctx.log(vipctl_run("drain", "tcp 10.99.0.100:7000", addr[holder], "--for", "3s").strip())
    expect_weights(drained, 5, f"{holder} drained for 3s")
    expect_weights(configured, 10, f"{holder} undrained by itself")
    vt.check("undrained: its drain's --for ran out" in vipd.log_text(), "no log line at the end")

    more_echoes("at the end")
    numbers = [n for _, n in echoes(client)]
    vt.check(numbers == list(range(1, len(numbers) + 1)), "echoes missing or out of order")
    ctx.log(f"{len(numbers)} echoes on one connection to {holder} through drain, reload, "
            "undrain and a timed drain")

    # 5. A flushed table comes back with the real at 0. Without the connection: once its last
    #    service is gone the kernel unhooks IPVS (5.x+), so a packet in the gap before the resync
    #    reaches the director's own stack, which resets the connection, drain or not.
    client.stop()
    ctx.log(vipctl_run("drain", "web-7000", addr[holder]).strip())
    expect_weights(drained, 5, f"{holder} drained again")
    topo.run("dir1", ["ipvsadm", "-C"])
    expect_weights(drained, 10, "the resync to restore the service with the real at 0")
    vt.check(vipd.stop() == 0, "vipd did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "vipctl drain holds a real at weight 0 in the kernel; its connections go on",
            tools=("ip", "ipvsadm"), engines=("vipd",))
