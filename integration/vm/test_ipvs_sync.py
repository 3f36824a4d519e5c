#!/usr/bin/env python3
"""vm.ipvs_sync: issue 3 "Connection synchronisation": an established TCP connection through
the VIP survives the death of the director that carried it.

Two directors (VRRPv3, 500 ms adverts) with `[ipvs.sync] interface = "eth0", sync_id = 1`, one
DR service VIP:7000 to one real that holds the VIP on lo and echoes lines. The client opens ONE
connection and sends a numbered line every 200 ms while a reader thread records the echoes; it
never reconnects. Before the failover the backup's `ipvsadm -Lnc` must list the client's
connection (learned by its backup sync daemon over 224.0.0.81 on eth0). Then the master dies
(vipd SIGKILLed and its cable cut); the same connection must go on getting echoes through the
new master, and the real must have accepted exactly one connection.

Why sync matters here: without the synced entry the new master sees a mid-connection segment
(no SYN) for an unknown connection; IPVS does not schedule it, the segment reaches the
director's own stack, which holds the VIP and answers with a RST. VIPD_SYNC_OFF=1 (passed into
the guest by run-in-vm.py) leaves [ipvs.sync] out, skips the -Lnc check and must FAIL on the
echoes after the failover.

Then dir1 comes back after its crash: its kernel still runs the master and backup sync daemons
the SIGKILLed vipd started. Its cable restored, vipd restarts with a priority below dir2's, so
it stays BACKUP; it must stop the master daemon (a BACKUP sending sync messages as if it were
master), keep the backup one, and log no error (starting a running daemon is EEXIST).
Runs inside the VM; exit 0 pass, 1 fail, 77 skip.
"""

import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP_IP = "10.99.0.100"
VIP = f"{VIP_IP}/24"
PORT = 7000
SYNC = os.environ.get("VIPD_SYNC_OFF") != "1"
DIRECTORS = ("dir1", "dir2")

ECHO_SERVER = r"""
import socket, sys, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(sys.argv[1])))
srv.listen(16)
print("listening", flush=True)
def serve(conn, peer):
    with conn, conn.makefile("rb") as f:
        for line in f:
            conn.sendall(line)
    print(f"closed {peer[0]}:{peer[1]}", flush=True)
while True:
    conn, peer = srv.accept()
    print(f"accept {peer[0]}:{peer[1]}", flush=True)
    threading.Thread(target=serve, args=(conn, peer), daemon=True).start()
"""

# One connection, never re-opened: "<monotonic> connected <local port>", "<t> echo <n>" per
# reply, "<t> closed <reason>" when the connection ends.
ECHO_CLIENT = r"""
import socket, sys, threading, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.settimeout(None)
print(f"{time.monotonic():.3f} connected {s.getsockname()[1]}", flush=True)
def reader():
    try:
        with s.makefile("rb") as f:
            for line in f:
                print(f"{time.monotonic():.3f} echo {line.decode().strip()}", flush=True)
        print(f"{time.monotonic():.3f} closed eof", flush=True)
    except OSError as e:
        print(f"{time.monotonic():.3f} closed {type(e).__name__}: {e}", flush=True)
    sys.stdout.flush()
    import os; os._exit(0)
threading.Thread(target=reader, daemon=True).start()
n = 0
while True:
    n += 1
    try:
        s.sendall(f"{n}\n".encode())
    except OSError as e:
        print(f"{time.monotonic():.3f} closed send {type(e).__name__}: {e}", flush=True)
        break
    time.sleep(0.2)
"""


def config_text(topo: vt.Topology, role: str, inst: vt.Instance) -> str:
    text = vt.daemon.vipd_config(role, [inst])
    if SYNC:
        text += '\n[ipvs.sync]\ninterface = "eth0"\nsync_id = 1\n'
    return text + f"""
[[virtual_server]]
address = "{VIP_IP}"
port = {PORT}
protocol = "tcp"
scheduler = "rr"
forwarding = "dr"

  [[virtual_server.real]]
  address = "{topo.addr4('real1')}"
  port = {PORT}
"""


def echoes(client) -> list[tuple[float, int]]:
    rows = []
    for line in client.log_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "echo":
            rows.append((float(parts[0]), int(parts[2])))
    return rows


def closed(client) -> str | None:
    for line in client.log_text().splitlines():
        if " closed " in line:
            return line
    return None


def has_service(topo: vt.Topology, role: str) -> bool:
    return f"TCP  {VIP_IP}:{PORT} rr" in topo.run(role, ["ipvsadm", "-Ln"], check=False)


def synced_entries(topo: vt.Topology, role: str, client_port: str) -> list[str]:
    out = topo.run(role, ["ipvsadm", "-Lnc"], check=False)
    needle = f"{topo.addr4('client')}:{client_port} {VIP_IP}:{PORT}"
    return [line for line in out.splitlines() if needle in " ".join(line.split())]


def sync_daemons(topo: vt.Topology, role: str) -> list[str]:
    """`ipvsadm -L --daemon` in role's namespace as "master eth0 1" per running daemon."""
    out = topo.run(role, ["ipvsadm", "-L", "--daemon"], check=False)
    pattern = r"(master|backup) sync daemon \(mcast=([^,]+), syncid=(\d+)"
    return sorted(" ".join(m.groups()) for m in re.finditer(pattern, out))


def error_lines(vipd) -> list[str]:
    return [line for line in vipd.log_text().splitlines() if re.search(r" error \[", line)]


def restart_as_backup(ctx: vt.Context, topo: vt.Topology, inst: vt.Instance) -> None:
    """dir1 restarts after its crash with priority 50 while dir2 (100) is MASTER."""
    left = sync_daemons(topo, "dir1")
    vt.check(left == ["backup eth0 1", "master eth0 1"],
             f"the crashed vipd should have left both sync daemons running in dir1: {left}")
    topo.restore("dir1")
    vipd = vt.start_vipd(topo, "dir1", ctx.vipd, config_text(topo, "dir1", inst.with_priority(50)))
    vipd.wait_state("web", "BACKUP", 15)
    vt.wait_until(lambda: sync_daemons(topo, "dir1") == ["backup eth0 1"], 10, interval=0.1,
                  what="the restarted BACKUP dir1 running the backup sync daemon only",
                  explain=lambda: f"running {sync_daemons(topo, 'dir1')}")
    vt.wait_until(lambda: topo.who_has(VIP, DIRECTORS) == {"dir2"}, 5, interval=0.1,
                  what="dir2 the only VIP holder",
                  explain=lambda: f"holders {sorted(topo.who_has(VIP, DIRECTORS))}")
    vt.check(vipd.state("web") == "BACKUP", f"dir1 left BACKUP: {vipd.transition_lines()}")
    errors = error_lines(vipd)
    vt.check(not errors, "the restarted vipd logged errors:\n" + "\n".join(errors))
    said = [line for line in vipd.log_text().splitlines() if "sync daemon" in line]
    ctx.log("restarted dir1 (BACKUP): stopped the master sync daemon its crashed vipd left, kept "
            f"the backup one, no error; ipvsadm -L --daemon: {sync_daemons(topo, 'dir1')}; "
            "vipd said:\n" + "\n".join(said))


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology((*DIRECTORS, "real1", "client"))
    topo.sysctl_ns(topo.ns["real1"], "net.ipv4.conf.all.arp_ignore=1",
                   "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                   "net.ipv4.conf.eth0.arp_announce=2")
    topo.add_address("real1", f"{VIP_IP}/32", dev="lo")
    server = topo.popen("real1", [sys.executable, "-c", ECHO_SERVER, str(PORT)],
                        os.path.join(topo.tmpdir, "echo-server.log"), "echo-server")
    vt.wait_until(lambda: "listening" in server.log_text() or not server.alive(), 15,
                  what="the echo server in real1")
    vt.check(server.alive(), f"echo server exited: {server.log_text()}")

    inst = vt.Instance("web", vrid=50, priority=100, vips=[VIP], version=3, advert_interval=0.5)
    vipds = {}
    for role, prio in (("dir1", 150), ("dir2", 100)):
        vipds[role] = vt.start_vipd(topo, role, ctx.vipd, config_text(topo, role, inst.with_priority(prio)))
    ctx.log(f"started vipd on dir1 (150) and dir2 (100); connection sync {'on' if SYNC else 'OFF'}")
    vt.wait_until(lambda: topo.who_has(VIP, DIRECTORS) == {"dir1"} and has_service(topo, "dir1"),
                  inst.master_down_interval(100) + 20, interval=0.1,
                  what="dir1 Master with the VIP and the service",
                  explain=lambda: f"holders {sorted(topo.who_has(VIP, DIRECTORS))}")
    vt.check(not has_service(topo, "dir2"), "backup dir2 has the service")
    if SYNC:
        for role in DIRECTORS:
            vt.wait_until(lambda r=role: "started the backup connection sync daemon" in vipds[r].log_text(),
                          10, what=f"the backup sync daemon on {role}")
        vt.wait_until(lambda: "started the master connection sync daemon" in vipds["dir1"].log_text(),
                      10, what="the master sync daemon on dir1")
        ctx.log("sync daemons: backup on dir1 and dir2, master on dir1")

    client = topo.popen("client", [sys.executable, "-u", "-c", ECHO_CLIENT, VIP_IP, str(PORT)],
                        os.path.join(topo.tmpdir, "echo-client.log"), "echo-client")
    vt.wait_until(lambda: len(echoes(client)) >= 5 or closed(client) or not client.alive(), 20,
                  what="five echoes through the VIP", explain=lambda: client.log_text()[-400:])
    vt.check(closed(client) is None, f"connection ended before the failover: {closed(client)}")
    client_port = client.log_text().split()[2]
    ctx.log(f"client connected from port {client_port}; echoes flowing through dir1")
    ctx.log("dir1 ipvsadm -Lnc:\n" + topo.run("dir1", ["ipvsadm", "-Lnc"], check=False).rstrip())

    if SYNC:
        vt.wait_until(lambda: synced_entries(topo, "dir2", client_port), 15, interval=0.2,
                      what="the client's connection in dir2's table (synced)",
                      explain=lambda: topo.run("dir2", ["ipvsadm", "-Lnc"], check=False))
        ctx.log("dir2 (backup, no service) ipvsadm -Lnc before the failover:\n"
                + topo.run("dir2", ["ipvsadm", "-Lnc"], check=False).rstrip())
    else:
        ctx.log("sync OFF: dir2 ipvsadm -Lnc before the failover:\n"
                + topo.run("dir2", ["ipvsadm", "-Lnc"], check=False).rstrip())

    # The master dies: no priority-0 advert, no cleanup, cable cut.
    last_before = max(n for _, n in echoes(client))
    vipds["dir1"].signal(signal.SIGKILL)
    topo.cut("dir1")
    died = time.monotonic()
    ctx.log(f"dir1 died (vipd SIGKILLed, cable cut) after echo {last_before}")
    vt.wait_until(lambda: topo.who_has(VIP, ("dir2",)) == {"dir2"} and has_service(topo, "dir2"),
                  inst.master_down_interval(100) + 15, interval=0.1,
                  what="dir2 Master with the VIP and the service")
    ctx.log(f"dir2 holds the VIP and the service {time.monotonic() - died:.2f}s after dir1 died")

    def resumed() -> bool:
        after = [n for t, n in echoes(client) if t > died]
        return len(after) >= 10 or closed(client) is not None or not client.alive()

    vt.wait_until(resumed, 40, interval=0.2, what="10 echoes on the same connection after the failover",
                  explain=lambda: client.log_text()[-400:])
    vt.check(closed(client) is None, f"the connection broke in the failover: {closed(client)}")
    after = [(t, n) for t, n in echoes(client) if t > died]
    numbers = [n for _, n in echoes(client)]
    vt.check(numbers == list(range(1, len(numbers) + 1)), "echoes missing or out of order")
    accepts = [line for line in server.log_text().splitlines() if line.startswith("accept")]
    vt.check(len(accepts) == 1, f"the real saw {len(accepts)} connections, expected one: {accepts}")
    ctx.log(f"same connection: first echo after the failure {after[0][0] - died:.2f}s after dir1 died "
            f"(echo {after[0][1]}), now at echo {after[-1][1]}; the real accepted one connection")
    ctx.log("dir2 ipvsadm -Lnc after the failover:\n"
            + topo.run("dir2", ["ipvsadm", "-Lnc"], check=False).rstrip())
    if SYNC:
        restart_as_backup(ctx, topo, inst)


if __name__ == "__main__":
    vt.main(scenario, "IPVS connection sync: a TCP connection survives the master's death",
            tools=("ip", "ipvsadm"), engines=("vipd",))
