#!/usr/bin/env python3
"""vm.trio_big_table: a big IPVS table going in never lets a third director take over.

Three directors on one bridge, VRRPv3 at 100 ms adverts, `[ipvs] mode = "master"`:

  web  vrid 51, VIP 10.99.0.100, priorities dir1 200 / dir2 150 / dir3 50, gating 1,000 DR
       services (ports 1000..1999 of the VIP, rr) of 10 reals each: 10,000 destinations;
  api  vrid 52, VIP 10.99.0.200, priorities dir1 100 / dir2 200 / dir3 50, one service: dir2 is
       already MASTER of api while web's table goes into its kernel.

When dir1 dies, dir2 has to announce itself before dir3's Master_Down_Timer expires
(3 x 100 ms + skew, 339 ms for dir2's 150, 380 ms for dir3's 50: dir3's timer expires 41 ms
after dir2's). vipd used to push the whole table before (and between) its adverts, and dir3
became MASTER too in 3 of 3 kills (bench/ipvs_failover.py); it now sends the advert first and
puts the services in a slice (32 services / 256 destinations) per loop turn.

Each run builds fresh namespaces (VIPD_TRIO_BIG_REUSE=1 instead restarts the killed dir1 and
lets it preempt back, see REUSE below), starts dir1 alone and waits for its web table, starts
dir2 (log level debug) and dir3, lets the roles settle, SIGKILLs dir1's vipd (no shutdown
advert; its link stays up) and then checks:

  1. dir3 never logs a transition to MASTER (for web, nor for api) from the kill until 2 s after
     web's VIP came up on dir2, and at the end the web VIP is on dir2 and not on dir3 (the dead
     dir1's namespace keeps its crashed run's VIP and services; nobody answers there);
  2. dir2's first web advert after the kill, sniffed on the bridge with the kernel's receive
     timestamp (SO_TIMESTAMPNS), comes before the first line vipd's ipvs logger prints for the
     role change at debug level ("became master: add service ..."): vipd logs an operation after
     its slice went in, so the line's time (milliseconds) bounds the first IPVS request from
     above: the advert was out before the end of the first slice. Before the fix the advert
     followed the whole table (seconds);
  3. dir2's api adverts, sniffed the same way, keep their gaps within 250 ms (1.5 x 100 ms plus
     slack for the emulated machine) from the kill until web's table is complete in dir2 (the
     time of the last "became master:" line), across the kill itself.

Then web's 10,000 destinations (and api's service) are in dir2's `ipvsadm -Ln`, none of web's in
dir3's. Per run it reports kill -> VIP up on dir2 (polled every 10 ms in
/proc/PID/net/fib_trie, as bench/ipvs_failover.py does), kill -> table complete, the largest api
advert gap and the largest web advert gap after the takeover.

VIPD_TRIO_BIG_RUNS (default 5) sets the number of kills. Runs inside the VM (needs ip_vs);
exit 0 pass, 1 fail, 77 skip. Standard library only.
"""

import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest import cleanup  # noqa: E402

DIRECTORS = ("dir1", "dir2", "dir3")
INTERVAL = 0.1
WEB = {"vrid": 51, "vip": "10.99.0.100", "prio": {"dir1": 200, "dir2": 150, "dir3": 50}}
API = {"vrid": 52, "vip": "10.99.0.200", "prio": {"dir1": 100, "dir2": 200, "dir3": 50}}
SERVICES = 1000
REALS = 10
WEB_REALS = "10.200.0."  # "-> 10.200.0.N:port" in ipvsadm -Ln
API_REALS = ("10.201.0.1", "10.201.0.2")
MAX_API_GAP = 0.25  # 1.5 x INTERVAL, plus slack for the emulated machine
WATCH_AFTER = 2.0  # seconds watched after web's VIP came up on dir2
POLL = 0.01
RUNS = int(os.environ.get("VIPD_TRIO_BIG_RUNS", "5"))
# Restart the killed dir1 in the same namespaces (it cleans up its leftovers, preempts back and
# dir2 withdraws its table) instead of fresh namespaces per run. The kernel then keeps the
# deleted destinations in its per-namespace trash list for minutes and scans it for every one
# added, so every push after the first is several times slower (see bench/ipvs_failover.py).
REUSE = os.environ.get("VIPD_TRIO_BIG_REUSE", "0") == "1"

# A raw IPv4 socket for protocol 112 in the monitor's namespace: one line per advert with the
# kernel's receive time (CLOCK_REALTIME, the clock of vipd's log timestamps).
SNIFF = r"""
import socket, struct, sys, time
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack(
    "=4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"),
    socket.if_nametoindex("eth0")))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
print("listening", flush=True)
while True:
    data, anc, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(16))
    stamp = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("=qq", payload[:16])
            stamp = f"{sec}.{nsec:09d}"
    if stamp is None:
        stamp = f"{time.time():.9f}"
    vrrp = data[(data[0] & 15) * 4:]
    if len(vrrp) >= 4 and vrrp[0] & 15 == 1:
        sys.stdout.write(f"advert {stamp} {addr[0]} {vrrp[1]} {vrrp[2]}\n")
        sys.stdout.flush()
"""

_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")


def config_text(host: str) -> str:
    instances = [vt.Instance("web", vrid=WEB["vrid"], priority=WEB["prio"][host],
                             vips=[f"{WEB['vip']}/24"], version=3, advert_interval=INTERVAL),
                 vt.Instance("api", vrid=API["vrid"], priority=API["prio"][host],
                             vips=[f"{API['vip']}/24"], version=3, advert_interval=INTERVAL)]
    out = [vt.daemon.vipd_config(host, instances), '\n[ipvs]\nmode = "master"\n']
    for i in range(SERVICES):
        out.append(f'\n[[virtual_server]]\naddress = "{WEB["vip"]}"\nport = {1000 + i}\n'
                   f'scheduler = "rr"\nforwarding = "dr"\nvrrp = "web"\n')
        for j in range(REALS):
            out.append(f'  [[virtual_server.real]]\n  address = "{WEB_REALS}{j + 1}"\n')
    out.append(f'\n[[virtual_server]]\naddress = "{API["vip"]}"\nport = 80\n'
               f'scheduler = "rr"\nforwarding = "dr"\nvrrp = "api"\n')
    for real in API_REALS:
        out.append(f'  [[virtual_server.real]]\n  address = "{real}"\n')
    return "".join(out)


has_vip = vt.has_local_address  # (pid, vip): polled every 10 ms, cheap


def table(topo: vt.Topology, host: str) -> tuple[int, int, int]:
    """(web services, web destinations, api destinations) in host's `ipvsadm -Ln`."""
    text = topo.run(host, ["ipvsadm", "-Ln"], timeout=120)
    services = sum(1 for line in text.splitlines()
                   if line.startswith("TCP") and f"{WEB['vip']}:" in line)
    return (services, text.count(f"-> {WEB_REALS}"),
            sum(text.count(f"-> {real}:") for real in API_REALS))


def log_time(line: str) -> float | None:
    """The epoch time of a vipd log line ("%Y-%m-%d %H:%M:%S.%e", local time), or None."""
    m = _LOG_TIME.match(line)
    if not m:
        return None
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()


def adverts(sniffer) -> list[tuple[float, str, int, int]]:
    """(receive time, source, vrid, priority) of every advert the sniffer saw."""
    rows = []
    for line in sniffer.log_text().splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "advert":
            rows.append((float(parts[1]), parts[2], int(parts[3]), int(parts[4])))
    return rows


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms"


class Trio:
    """One topology: dir1, dir2, dir3 and a monitor namespace ("client") with the sniffer."""

    def __init__(self, ctx: vt.Context):
        self.ctx = ctx
        self.topo = ctx.topology((*DIRECTORS, "client"))
        script = os.path.join(self.topo.tmpdir, "sniff.py")
        with open(script, "w") as f:
            f.write(SNIFF)
        self.sniffer = self.topo.popen("client", [sys.executable, "-u", script],
                                       os.path.join(self.topo.tmpdir, "sniff.log"), "sniffer")
        vt.wait_until(lambda: "listening" in self.sniffer.log_text() or not self.sniffer.alive(),
                      30, what="the advert sniffer")
        vt.check(self.sniffer.alive(), f"the sniffer exited: {self.sniffer.log_text()}")
        self.vipd: dict[str, vt.Vipd] = {}

    def start(self, host: str) -> vt.Vipd:
        level = "debug" if host == "dir2" else "info"
        d = vt.start_vipd(self.topo, host, self.ctx.vipd, config_text(host), log_level=level)
        self.vipd[host] = d
        self.ctx.log(f"started {d.name} (pid {d.pid}, log level {level})")
        return d

    def vip_holders(self, vip: str, hosts=DIRECTORS) -> set[str]:
        return {h for h in hosts if self.vipd[h].alive() and has_vip(self.vipd[h].pid, vip)}

    def settle(self, dir1_table: float) -> None:
        """Wait for dir1 MASTER of web with all of its table, dir2 MASTER of api, nothing of web's
        on dir2 and dir3; then the VIPs must stay put for 2 s."""
        want = (SERVICES, SERVICES * REALS, 0)
        elapsed = vt.wait_until(lambda: table(self.topo, "dir1") == want, dir1_table,
                                interval=1.0, what=f"dir1 holding web's {SERVICES * REALS} "
                                "destinations", explain=lambda: table(self.topo, "dir1"))
        self.ctx.log(f"dir1: web's table complete ({elapsed:.1f}s)")

        def layout():
            return (self.vip_holders(WEB["vip"]), self.vip_holders(API["vip"]),
                    table(self.topo, "dir2"), table(self.topo, "dir3"))

        expected = ({"dir1"}, {"dir2"}, (0, 0, len(API_REALS)), (0, 0, 0))
        elapsed = vt.wait_until(lambda: layout() == expected, 60, interval=0.5,
                                what="web's VIP on dir1 and api's on dir2 only, dir2 with just "
                                     "api's service, dir3 with none", explain=layout)
        vt.hold_for(lambda: (self.vip_holders(WEB["vip"]), self.vip_holders(API["vip"]))
                    == ({"dir1"}, {"dir2"}), 2.0, interval=0.05, what="the settled roles",
                    explain=lambda: (self.vip_holders(WEB["vip"]), self.vip_holders(API["vip"])))
        self.ctx.log(f"settled: web on dir1, api on dir2 ({elapsed:.1f}s, then 2 s unchanged)")

    def remove(self) -> None:
        """Stop everything of this topology and delete its namespaces now (the cleanup registry
        tolerates namespaces already gone). The tables are flushed first, synchronously, so the
        kernel's namespace teardown does not compete with the next run."""
        for d in self.vipd.values():
            d.kill()
        self.sniffer.kill()
        for host in DIRECTORS:
            self.topo.run(host, ["ipvsadm", "-C"], check=False, timeout=120)
        for ns in (*self.topo.ns.values(), self.topo.switch):
            cleanup.delete_namespace(ns)


def takeover(ctx: vt.Context, trio: Trio, run: int) -> dict:
    """SIGKILL dir1's vipd, follow dir2's takeover, check 1-3; the run's figures."""
    dir2, dir3 = trio.vipd["dir2"], trio.vipd["dir3"]
    dir2_from = len(dir2.log_text())
    dir3_from = len(dir3.transitions())
    pid2, pid3 = dir2.pid, dir3.pid

    t_kill = time.time()
    os.killpg(trio.vipd["dir1"].pid, signal.SIGKILL)
    t_vip = None
    while t_vip is None:
        if has_vip(pid2, WEB["vip"]):
            t_vip = time.time()
            break
        if time.time() - t_kill > 120:
            raise AssertionError(f"run {run}: web's VIP not on dir2 120 s after the kill; dir2 "
                                 f"log:\n{dir2.log_tail()}")
        time.sleep(POLL)
    trio.vipd["dir1"].kill()  # reap it
    # dir3 must stay BACKUP, the VIP on dir2 alone among the living.
    vt.hold_for(lambda: has_vip(pid2, WEB["vip"]) and not has_vip(pid3, WEB["vip"]), WATCH_AFTER,
                interval=0.05, what=f"run {run}: web's VIP on dir2 and not on dir3",
                explain=lambda: {"dir2": has_vip(pid2, WEB["vip"]),
                                 "dir3": has_vip(pid3, WEB["vip"])})
    t_end = time.time()

    # What dir3 did, dir2's log after the kill (its transition, the role change's IPVS lines)
    # and the sniffed adverts: all gathered first, so that the figures are logged, then checked.
    late = [line for inst, to, line in dir3.transitions()[dir3_from:] if to == "MASTER"]
    holders = trio.vip_holders(WEB["vip"], ("dir2", "dir3"))
    log = dir2.log_text()[dir2_from:].splitlines()
    t_transition = next((log_time(line) for line in log if "web: BACKUP -> MASTER" in line), None)
    vt.check(t_transition is not None, f"run {run}: dir2 logged no web BACKUP -> MASTER")
    ipvs_lines = [(log_time(line), line) for line in log if "[ipvs] became master:" in line]
    vt.check(ipvs_lines, f"run {run}: dir2 logged no IPVS operation for becoming MASTER")
    t_ipvs_first = ipvs_lines[0][0]
    t_table = ipvs_lines[-1][0]
    slices = [int(m.group(1)) for _, line in ipvs_lines
              if (m := re.search(r"became master: (\d+) of \d+ IPVS operations applied", line))]
    seen = adverts(trio.sniffer)
    src2 = trio.topo.addr4("dir2")
    web2 = [t for t, src, vrid, _ in seen if src == src2 and vrid == WEB["vrid"] and t >= t_kill]
    vt.check(web2, f"run {run}: no web advert from dir2 sniffed after the kill")
    t_advert = web2[0]
    api2 = [t for t, src, vrid, _ in seen if src == src2 and vrid == API["vrid"]]
    before = [t for t in api2 if t <= t_kill]
    after = [t for t in api2 if t >= t_table]
    vt.check(before and after, f"run {run}: too few api adverts sniffed around the takeover")
    window = [t for t in api2 if before[-1] <= t <= after[0]]
    api_gap, api_at = max(((b - a, a) for a, b in zip(window, window[1:])), default=(0.0, 0.0))
    web_seen = [t for t in web2 if t <= t_end]
    web_gap, web_at = max(((b - a, a) for a, b in zip(web_seen, web_seen[1:])),
                          default=(0.0, 0.0))
    figures = {"vip": t_vip - t_kill, "table": t_table - t_kill, "advert": t_advert - t_kill,
               "transition": t_transition - t_kill, "ipvs_first": t_ipvs_first - t_kill,
               "api_gap": api_gap, "api_adverts": len(window), "web_gap": web_gap,
               "web_adverts": len(web_seen)}
    ctx.log(f"run {run}: kill -> first web advert from dir2 {ms(figures['advert'])}, its "
            f"transition line {ms(figures['transition'])}, first IPVS line "
            f"{ms(figures['ipvs_first'])} (advert first by "
            f"{1000 * (t_ipvs_first - t_advert):.1f} ms), table complete {ms(figures['table'])} "
            f"({sum(slices)} operations, {len(slices)} slices), VIP up on dir2 {ms(figures['vip'])}")
    ctx.log(f"run {run}: max api advert gap {ms(api_gap)} (from kill {ms(api_at - t_kill)}) over "
            f"{len(window)} adverts, kill to table complete; max web advert gap after takeover "
            f"{ms(web_gap)} (from kill {ms(web_at - t_kill)}) over {len(web_seen)} adverts")

    def timeline() -> str:
        """Adverts and dir2's non-operation log lines around the kill, relative to it."""
        rows = [(t, f"advert {src} vrid {vrid} prio {prio}") for t, src, vrid, prio in seen
                if t_kill - 0.5 <= t <= t_table + 0.3]
        rows += [(log_time(line), "dir2 " + line[24:]) for line in log
                 if log_time(line) is not None and log_time(line) <= t_table + 0.3 and
                 not ("debug [ipvs] became master:" in line)]
        rows += [(t, f"dir3 {line}") for t, line in
                 ((log_time(line), line) for _, _, line in dir3.transitions()[dir3_from:])]
        return "\n".join(f"  {1000 * (t - t_kill):+8.1f} ms  {what}" for t, what in sorted(rows))

    # 1. dir3 never became MASTER; the VIP on dir2 alone among the living.
    vt.check(not late, f"run {run}: dir3 became MASTER after dir1 died: " + "; ".join(late)
             + f"\ntimeline (ms after the kill):\n{timeline()}")
    vt.check(dir2.alive() and dir3.alive(), f"run {run}: a surviving vipd exited")
    vt.check(holders == {"dir2"}, f"run {run}: web's VIP held by {sorted(holders)}, not dir2 alone")
    # 2. The first web advert from dir2 before its first IPVS request (bounded by the line).
    # Log times are truncated to the millisecond: the line's true time is below t + 1 ms.
    vt.check(t_advert < t_ipvs_first + 0.001,
             f"run {run}: dir2's first web advert ({ms(t_advert - t_kill)} after the kill) came "
             f"after its first IPVS operation (logged {ms(t_ipvs_first - t_kill)} after the kill: "
             f"{ipvs_lines[0][1]})\ntimeline (ms after the kill):\n{timeline()}")
    # 3. api's adverts from dir2 across the kill and the push.
    vt.check(api_gap <= MAX_API_GAP,
             f"run {run}: dir2's api adverts stopped for {ms(api_gap)} while web's table went in "
             f"(bound {ms(MAX_API_GAP)}; {len(window)} adverts from the kill to table complete)"
             f"\ntimeline (ms after the kill):\n{timeline()}")

    # The table itself, outside the timing.
    listed2, listed3 = table(trio.topo, "dir2"), table(trio.topo, "dir3")
    vt.check(listed2 == (SERVICES, SERVICES * REALS, len(API_REALS)),
             f"run {run}: dir2's table (web services, web reals, api reals) is {listed2}")
    vt.check(listed3 == (0, 0, 0), f"run {run}: dir3's table (web services, web reals, api "
                                   f"reals) is {listed3}")
    ctx.log(f"run {run}: dir3 stayed BACKUP, web's VIP on dir2 only, dir2 with web's "
            f"{SERVICES * REALS} destinations and api's service, dir3 with none")
    return figures


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    results = []
    trio = None
    try:
        for run in range(1, RUNS + 1):
            if trio is None or not REUSE:
                if trio is not None:
                    trio.remove()
                trio = Trio(ctx)
                trio.start("dir1")
                trio.vipd["dir1"].wait_state("web", "MASTER", 60)
                # dir2 and dir3 start once dir1 holds web's table: dir2 has never held it.
                vt.wait_until(lambda: table(trio.topo, "dir1")[1] == SERVICES * REALS, 120,
                              interval=1.0, what="dir1's web table")
                trio.start("dir2")
                trio.start("dir3")
                trio.settle(120)
            else:
                # Restart the killed dir1: it removes its crashed run's leftovers, preempts back
                # and dir2 withdraws its table.
                d1 = trio.start("dir1")
                d1.wait_state("web", "MASTER", 120)
                trio.settle(300)
            results.append(takeover(ctx, trio, run))
    finally:
        if trio is not None:
            trio.remove()
    for key, what in (("vip", "kill -> VIP up on dir2"), ("table", "kill -> table complete"),
                      ("api_gap", "max api advert gap"),
                      ("web_gap", "max web advert gap after takeover")):
        values = [r[key] for r in results]
        print(f"RESULT {what}: " + ", ".join(ms(v) for v in values)
              + f" (median {ms(statistics.median(values))}, max {ms(max(values))})", flush=True)
    ctx.log(f"{len(results)} kills: dir3 never became MASTER, dir2's advert always went out "
            f"before its table, api's adverts never stopped for more than {ms(MAX_API_GAP)}")


if __name__ == "__main__":
    vt.main(scenario, "trio, 1,000 x 10 services: the advert first, no third MASTER",
            tools=("ip", "ipvsadm"), engines=("vipd",))
