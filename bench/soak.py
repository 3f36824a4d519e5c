#!/usr/bin/env python3
"""The soak (issue 13): three vipd directors under one random fault every 5 s for --minutes
(default 30), inside the VM (needs ip_vs).

Set-up (the trio's, integration/vm/test_trio_ipvs.py, made bigger): three directors, 20 VRRPv3
VIPs at 500 ms adverts with staggered priorities (150/100/50, each director Master of about a
third, the first backups spread over the other two), `[ipvs] mode = "master"`, 200 DR services
(10 ports per VIP, rr) of two reals each, HTTP-checked. The reals hold every VIP on lo
(arp_ignore=1, arp_announce=2) and answer on the ten ports (vipdtest's http_responder). A client
loop in its own namespace asks every VIP in turn (one port per round, 0.5 s timeouts, a round a
second at most); an rtnetlink address monitor in each director's namespace (vipdtest's
address_monitor) records every VIP coming and going with monotonic times.

The checks: 3 directors x 400 (service, real) pairs is 1,200 HTTP checks per interval, and
under emulation a Python responder spends about 8 ms of CPU per request: at 5 s the reals
drowned (checks timed out, every real went down, the directors flapped). --check-interval
(default 20 s) keeps them at about 60 requests a second.

Faults (seeded: --seed, printed; the same seed makes the same draws where the same targets are
free), one every 5 s on a random target: link flap (cable down 1 s), partition and heal (off the
bridge, carrier kept, 3 s), SIGKILL + restart at once on the same configuration file, SIGSTOP
for 2 s, `ipvsadm -C`, `ip addr del` of a VIP on its holder, a reload (valid and invalid in turn:
a priority tweak and back, a syntax error that vipd must refuse and survive), a real going down
(its responder killed for 2.5 check intervals). A director or real in the middle of a fault gets
no second one; dir1 is never SIGKILLed, so one vipd lives through the whole run.

Afterwards every fault is healed. The promises (exit 1 when one is broken, with evidence):
- final state: within 4 master-down intervals + a resync interval + 2 check intervals, each
  director holds exactly the VIPs of the instances its vipd logged MASTER last, and `ipvsadm -Ln`
  exactly their services with both reals at weight 1; one MASTER per instance, the owner;
- two holders (from the monitors): outside partition and SIGSTOP windows no VIP is on two
  directors for longer than its master-down interval; after a heal or SIGCONT one holder
  remains within master-down + one advert interval;
- memory: VmRSS every 10 s; growth from the first minute to the end under 1 MiB, for each
  vipd that lived at least 3 minutes (a restarted one starts its own series);
- no vipd exits on its own (one that does is restarted, and the run goes on).
Reported beside them: the client's longest gap per fault kind (blamed on the faults that began
between the VIP's last answer and its first failed request, else on those in progress), how
often the client's ARP entry for a VIP named a director without it, vipd's loop-stall
warnings, the guest's load.

Run (77 outside the VM):
  integration/vm/run-in-vm.py --kernel 6.1 --memory 2048 --timeout 2700 -- \\
      python3 bench/soak.py --vipd build-soak/src/daemon/vipd --minutes 30
Options besides the harness's (--vipd, --keep, --deadline: minutes + 15 by default): --minutes,
--seed, --check-interval, --save-logs TAR_GZ (the run's logs, written at the end; a path under
$VIPD_VM_OUT reaches the host through run-in-vm.py --out DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "integration", "lib")
sys.path.insert(0, LIB)
import vipdtest as vt  # noqa: E402
from vipdtest.address_monitor import holder_intervals  # noqa: E402
from vipdtest import sh  # noqa: E402

from soak_analysis import (Fault, client_gaps, dual_periods, exempt_windows,  # noqa: E402
                           gap_causes, judge_dual, log_time, longest_gap_per_kind, rss_growth,
                           stall_windows)

DIRECTORS = ("dir1", "dir2", "dir3")
REALS = ("real1", "real2")
PRIORITIES = (150, 100, 50)  # owner, first backup, second backup
ADVERT = 0.5
PORTS = tuple(range(8001, 8011))
RESYNC_INTERVAL = 5.0  # vipd's defaults for [ipvs] resync_interval and vip_resync_interval
FAULT_PERIOD = 5.0
FLAP_DOWN, PARTITION, SIGSTOP = 1.0, 3.0, 2.0
REAL_DOWN_CHECKS = 2.5  # a real stays down this many check intervals: long enough to be seen
RSS_PERIOD = 10.0
RSS_LIMIT_KIB = 1024
# A vipd's RSS is judged when it lived this long: a younger one may still be warming up (its
# first turn as MASTER, its first failover) after its first minute.
RSS_JUDGED_LIFE = 180.0
RSS_WITNESS = "dir1"
TWEAK = 10  # a valid reload lowers one owned instance's priority by this much (still the highest)
KINDS = ("link_flap", "partition", "sigkill", "sigstop", "ipvs_flush", "vip_del", "reload",
         "real_down")


def plan() -> dict[str, tuple[str, str, str, str]]:
    """instance -> (VIP, owner, first backup, second backup): owners in turn, and each
    director's instances fail over to both others, three at a time."""
    result = {}
    for i in range(20):
        owner = i % 3
        backups = [(owner + 1) % 3, (owner + 2) % 3]
        if (i // 3) % 2:
            backups.reverse()
        result[f"v{i + 1:02d}"] = (f"10.99.0.{101 + i}", DIRECTORS[owner],
                                   DIRECTORS[backups[0]], DIRECTORS[backups[1]])
    return result


PLAN = plan()
VIPS = {vip: name for name, (vip, *_) in PLAN.items()}
PROBE = vt.Instance("x", vrid=1, priority=PRIORITIES[-1], vips=[], version=3,
                    advert_interval=ADVERT)
# The largest master-down interval of any VIP: its lowest-priority backup's.
MASTER_DOWN = PROBE.master_down_interval()

# One process for the whole run, asking each VIP in turn (a fresh port every round): a process
# per request would cost a noticeable fraction of a second each under emulation.
CLIENT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from vipdtest.client_loop import fetch
timeout, period = float(sys.argv[2]), float(sys.argv[3])
ports, vips = sys.argv[4].split(","), sys.argv[5:]
turn = 0
while True:
    began = time.monotonic()
    for vip in vips:
        try:
            fetch(vip, int(ports[turn % len(ports)]), timeout)
            print(f"{time.monotonic():.3f} {vip} ok", flush=True)
        except OSError as e:
            print(f"{time.monotonic():.3f} {vip} fail {type(e).__name__}", flush=True)
    turn += 1
    time.sleep(max(0.0, period - (time.monotonic() - began)))
"""


def config_text(topo: vt.Topology, host: str, tweaked: bool, check_interval: float) -> str:
    first_owned = next(name for name, (_, owner, *_) in PLAN.items() if owner == host)
    instances = []
    for vrid, (name, (vip, *ranking)) in enumerate(PLAN.items(), start=101):
        priority = PRIORITIES[ranking.index(host)]
        if tweaked and name == first_owned:
            priority -= TWEAK
        instances.append(vt.Instance(name, vrid=vrid, priority=priority, vips=[f"{vip}/24"],
                                     version=3, advert_interval=ADVERT))
    # Fixed paths: a restarted vipd must find its predecessor's record to clean up after it.
    text = vt.vipd_config(host, instances, global_lines=(
        f'control_socket = "{os.path.join(topo.tmpdir, host + ".sock")}"',
        f'state_file = "{os.path.join(topo.tmpdir, host + ".state")}"'))
    text += '\n[ipvs]\nmode = "master"\n'
    check = vt.format_duration(check_interval)
    for vip in VIPS:
        for port in PORTS:
            text += (f'\n[[virtual_server]]\naddress = "{vip}"\nport = {port}\nprotocol = "tcp"\n'
                     f'scheduler = "rr"\nforwarding = "dr"\n  [virtual_server.check]\n'
                     f'  type = "http"\n  path = "/"\n  interval = "{check}"\n  timeout = "3s"\n')
            for real in REALS:
                text += (f'  [[virtual_server.real]]\n  address = "{topo.addr4(real)}"\n'
                         f'  port = {port}\n')
    return text


def ipvs_table(topo: vt.Topology, host: str) -> dict[str, dict[str, int]]:
    """service -> {real: weight} from host's `ipvsadm -Ln`."""
    table: dict[str, dict[str, int]] = {}
    current = None
    for line in topo.run(host, ["ipvsadm", "-Ln"], check=False, timeout=60).splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] in ("TCP", "UDP", "SCTP", "FWM"):
            current = fields[1]
            table[current] = {}
        elif current and len(fields) >= 4 and fields[0] == "->" and fields[2] == "Route":
            table[current][fields[1]] = int(fields[3])
    return table


class Lab:
    """The running set-up: directors, reals, their processes and configurations."""

    def __init__(self, ctx: vt.Context, topo: vt.Topology, check_interval: float):
        self.ctx = ctx
        self.topo = topo
        self.check_interval = check_interval
        self.vipds: dict[str, vt.Vipd] = {}
        self.tweaked = {d: False for d in DIRECTORS}
        self.responders = {}
        self.crashes: list[str] = []
        self.rss: dict[str, list[tuple[float, int]]] = {}
        self.loads: list[float] = []  # the guest's 1-minute load average, sampled with the RSS
        self.neighbours: list[tuple[float, str, str]] = []

    def start_real(self, real: str) -> None:
        self.responders[real] = self.topo.start_http_responder(real, port=list(PORTS))

    def start_director(self, d: str) -> None:
        self.vipds[d] = vt.start_vipd(self.topo, d, self.ctx.vipd, self.config_text(d))
        self.ctx.log(f"started {self.vipds[d].name} (pid {self.vipds[d].pid})")

    def restart_director(self, d: str) -> None:
        """Straight back on the same file, without start_vipd's `vipd --check` first: the dead
        vipd's VIPs stay up until the new one removes them, and under emulation every process
        start costs a second or more of that."""
        path = self.config_path(d)
        with open(path, "w") as f:
            f.write(self.config_text(d))
        name = self.topo.unique_name(f"vipd-{d}")
        argv = self.vipds[d].argv[len(["ip", "netns", "exec", "NS"]):]
        vipd = vt.Vipd(self.topo, d, argv, os.path.join(self.topo.tmpdir, f"{name}.log"), name)
        self.vipds[d] = vipd
        self.topo.processes.append(vipd)
        # Until vipd has loaded its configuration and holds its signals, a SIGHUP (the next
        # fault may be a reload) would kill it, or the `ip netns exec` in front of it.
        vt.wait_until(lambda: " starting: " in vipd.log_text() or not vipd.alive(), 60,
                      interval=0.05, what=f"{name} starting")

    def config_text(self, d: str) -> str:
        return config_text(self.topo, d, self.tweaked[d], self.check_interval)

    def config_path(self, d: str) -> str:
        argv = self.vipds[d].argv
        return argv[argv.index("--config") + 1]

    def held(self, d: str) -> set[str]:
        return self.topo.addresses(d) & set(VIPS)

    def masters(self) -> dict[str, list[str]]:
        """instance -> the directors whose vipd (the running one) last logged it MASTER."""
        result = {name: [] for name in PLAN}
        for d, vipd in self.vipds.items():
            states = {}
            for inst, state, _ in vipd.transitions():
                states[inst] = state
            for inst, state in states.items():
                if state == "MASTER" and inst in result:
                    result[inst].append(d)
        return result

    def observed(self) -> dict[str, tuple[list[str], dict]]:
        return {d: (sorted(self.held(d)), ipvs_table(self.topo, d)) for d in DIRECTORS}

    def desired(self) -> dict[str, tuple[list[str], dict]]:
        masters = self.masters()
        result = {}
        for d in DIRECTORS:
            mine = sorted(PLAN[name][0] for name, who in masters.items() if d in who)
            table = {f"{vip}:{port}": {f"{self.topo.addr4(r)}:{port}": 1 for r in REALS}
                     for vip in mine for port in PORTS}
            result[d] = (mine, table)
        return result

    def roles_as_planned(self) -> list[str]:
        """What is wrong with the roles: an instance without exactly its owner as MASTER."""
        return [f"{name}: MASTER on {who or 'nobody'}, want {PLAN[name][1]}"
                for name, who in self.masters().items() if who != [PLAN[name][1]]]

    def sample_neighbours(self, now: float) -> None:
        """Where the client's ARP entries for the VIPs point: (time, VIP, MAC) of each entry
        that names one."""
        out = self.topo.run("client", ["ip", "-j", "neigh", "show", "dev", "eth0"], check=False)
        for entry in json.loads(out or "[]"):
            if entry.get("dst") in VIPS and "lladdr" in entry:
                self.neighbours.append((now, entry["dst"], entry["lladdr"].lower()))

    def sample_rss(self, now: float) -> None:
        for vipd in self.vipds.values():
            try:
                with open(f"/proc/{vipd.pid}/status") as f:
                    kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (OSError, StopIteration):
                continue
            self.rss.setdefault(vipd.name, []).append((now - vipd.started, kib))

    def restart_crashed(self) -> None:
        """A vipd that exited on its own is a crash: record it, restart it, carry on."""
        for d, vipd in list(self.vipds.items()):
            if not vipd.alive():
                what = (f"{vipd.name} exited on its own with status {vipd.returncode} at "
                        f"{time.monotonic() - self.ctx.t0:.1f}s; last lines:\n{vipd.log_tail(30)}")
                self.crashes.append(what)
                self.ctx.log("CRASH " + what)
                self.restart_director(d)


class Faults:
    """One random fault every FAULT_PERIOD; the faults with a duration are undone by due time."""

    def __init__(self, lab: Lab, rng: random.Random):
        self.lab = lab
        self.topo = lab.topo
        self.rng = rng
        self.log: list[Fault] = []
        self.busy: set[str] = set()  # directors and reals in the middle of a fault
        self.pending: list[tuple[float, Fault, object]] = []  # (due, fault, undo)
        self.reloads = 0
        self.problems: list[str] = []
        self.real_down_for = REAL_DOWN_CHECKS * lab.check_interval

    # ----- choosing ---------------------------------------------------------------------------
    def targets(self, kind: str) -> list[str]:
        free = [d for d in DIRECTORS if d not in self.busy]
        if kind == "sigkill":
            return [d for d in free if d != RSS_WITNESS]
        if kind in ("ipvs_flush", "vip_del"):
            return free
        if kind == "real_down":
            return [] if self.busy & set(REALS) else list(REALS)
        return free

    def inject(self) -> None:
        choices = [k for k in KINDS if self.targets(k)]
        kind = self.rng.choice(choices)
        target = self.rng.choice(self.targets(kind))
        fault = Fault(len(self.log) + 1, kind, target, time.monotonic())
        self.log.append(fault)
        getattr(self, kind)(fault)
        self.lab.ctx.log(f"fault {fault.number:3d} {kind:10s} {target}: {fault.detail}")

    def hold(self, fault: Fault, seconds: float, undo) -> None:
        self.busy.add(fault.target)
        self.pending.append((time.monotonic() + seconds, fault, undo))

    def undo_due(self, everything: bool = False) -> None:
        now = time.monotonic()
        for item in sorted(self.pending, key=lambda p: p[0]):
            due, fault, undo = item
            if everything or due <= now:
                self.pending.remove(item)
                undo()
                fault.end = time.monotonic()
                self.busy.discard(fault.target)
                self.lab.ctx.log(f"fault {fault.number:3d} {fault.kind:10s} {fault.target}: "
                                 f"undone after {fault.end - fault.start:.2f}s")

    def next_due(self) -> float:
        return min((due for due, _, _ in self.pending), default=float("inf"))

    # ----- the faults -----------------------------------------------------------------------
    def link_flap(self, f: Fault) -> None:
        self.topo.cut(f.target)
        f.detail = f"cable down for {FLAP_DOWN:g}s"
        self.hold(f, FLAP_DOWN, lambda: self.topo.restore(f.target))

    def partition(self, f: Fault) -> None:
        self.topo.detach(f.target)
        f.detail = f"off the bridge (carrier kept) for {PARTITION:g}s"
        self.hold(f, PARTITION, lambda: self.topo.attach(f.target))

    def sigkill(self, f: Fault) -> None:
        self.lab.vipds[f.target].kill()
        self.lab.restart_director(f.target)
        f.end = time.monotonic()
        f.detail = (f"SIGKILL, restarted as {self.lab.vipds[f.target].name}, started "
                    f"(configuration loaded) {f.end - f.start:.2f}s after the kill")

    def sigstop(self, f: Fault) -> None:
        vipd = self.lab.vipds[f.target]
        vipd.signal(signal.SIGSTOP)
        f.detail = f"SIGSTOP {vipd.name} for {SIGSTOP:g}s"
        self.hold(f, SIGSTOP, lambda: vipd.signal(signal.SIGCONT))

    def ipvs_flush(self, f: Fault) -> None:
        self.topo.run(f.target, ["ipvsadm", "-C"])
        f.end = time.monotonic()
        f.detail = "ipvsadm -C"

    def vip_del(self, f: Fault) -> None:
        held = sorted(self.lab.held(f.target))
        if not held:
            f.end, f.detail = time.monotonic(), "holds no VIP: nothing deleted"
            return
        vip = self.rng.choice(held)
        try:
            self.topo.del_address(f.target, f"{vip}/24")
            f.detail = f"ip addr del {vip}/24 ({VIPS[vip]})"
        except sh.CommandError:
            f.detail = f"ip addr del {vip}/24: already gone"
        f.end = time.monotonic()

    def reload(self, f: Fault) -> None:
        d, vipd = f.target, self.lab.vipds[f.target]
        valid = self.reloads % 2 == 0
        self.reloads += 1
        path = self.lab.config_path(d)
        if valid:
            self.lab.tweaked[d] = not self.lab.tweaked[d]
            marker = "reloaded "
            f.detail = "valid: priority " + ("tweaked" if self.lab.tweaked[d] else "restored")
        else:
            marker = "reload refused"
            f.detail = "invalid: syntax error"
        good = self.lab.config_text(d)
        with open(path, "w") as out:
            out.write(good if valid else good + "\n[[vrrp]\nname = \n")
        before = vipd.log_text().count(marker)
        vipd.signal(signal.SIGHUP)
        try:
            vt.wait_until(lambda: vipd.log_text().count(marker) > before or not vipd.alive(), 30,
                          interval=0.1, what=f"{vipd.name} logging '{marker}'")
        except vt.WaitTimeout as e:
            self.problems.append(f"fault {f.number}: {e}")
        if not valid:
            with open(path, "w") as out:  # what a restart after a SIGKILL will read
                out.write(good)
        f.end = time.monotonic()
        f.detail += f", answered in {f.end - f.start:.2f}s"

    def real_down(self, f: Fault) -> None:
        self.lab.responders[f.target].kill()
        f.detail = f"HTTP responder killed for {self.real_down_for:g}s"
        self.hold(f, self.real_down_for, lambda: self.lab.start_real(f.target))


# ----- the run ------------------------------------------------------------------------------------
def set_up(ctx: vt.Context, check_interval: float) -> tuple[vt.Topology, Lab, dict]:
    topo = ctx.topology((*DIRECTORS, *REALS, "client"))
    lab = Lab(ctx, topo, check_interval)
    for real in REALS:
        # DR real server: every VIP on lo, never answering ARP for them.
        topo.sysctl_ns(topo.ns[real], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        sh.run(["ip", "-n", topo.ns[real], "-batch", "-"],
               input="".join(f"addr add {vip}/32 dev lo\n" for vip in VIPS))
        lab.start_real(real)
    script = os.path.join(LIB, "vipdtest", "address_monitor.py")
    monitors = {d: topo.popen(d, [sys.executable, script],
                              os.path.join(topo.tmpdir, f"addr-{d}.log"), f"addr-{d}")
                for d in DIRECTORS}
    for d, m in monitors.items():
        vt.wait_until(lambda: " ready" in m.log_text() or not m.alive(), 60,
                      what=f"address monitor in {d}")
        vt.check(m.alive(), f"address monitor in {d} exited: {m.log_tail()}")
    for d in DIRECTORS:
        lab.start_director(d)
    return topo, lab, monitors


def converge(ctx: vt.Context, lab: Lab, bound: float, what: str) -> tuple[float | None, str]:
    """Wait for the kernels to match the roles and the roles the plan; (seconds or None, the
    last difference). Past the bound it keeps watching a while, to tell late from never."""
    last = {"diff": ""}

    def done() -> bool:
        wrong = lab.roles_as_planned()
        observed, desired = lab.observed(), lab.desired()
        wrong += [f"{d}: holds {observed[d][0]}, MASTER for {desired[d][0]}"
                  for d in DIRECTORS if observed[d][0] != desired[d][0]]
        for d in DIRECTORS:
            got, want = observed[d][1], desired[d][1]
            if got != want:
                extra = sorted(set(got) - set(want))
                missing = sorted(set(want) - set(got))
                changed = sorted(s for s in set(got) & set(want) if got[s] != want[s])
                wrong.append(f"{d}: {len(extra)} services too many {extra[:3]}, {len(missing)} "
                             f"missing {missing[:3]}, {len(changed)} with other reals "
                             + "; ".join(f"{s} {got[s]}" for s in changed[:3]))
        last["diff"] = "\n  ".join(wrong)
        return not wrong

    began = time.monotonic()
    try:
        vt.wait_until(done, bound + 120, interval=0.5, what=what)
    except vt.WaitTimeout:
        return None, last["diff"]
    took = time.monotonic() - began
    ctx.log(f"{what}: after {took:.1f}s (bound {bound:.1f}s)")
    return took, last["diff"]


def run_faults(ctx: vt.Context, lab: Lab, faults: Faults, minutes: float) -> tuple[float, float]:
    began = time.monotonic()
    end = began + minutes * 60
    next_fault, next_rss = began, began
    while True:
        now = time.monotonic()
        faults.undo_due()
        lab.restart_crashed()
        if now >= next_rss:
            lab.sample_rss(now)
            lab.sample_neighbours(now)
            with open("/proc/loadavg") as f:
                lab.loads.append(float(f.read().split()[0]))
            next_rss += RSS_PERIOD
        if now >= end:
            break
        if now >= next_fault:
            faults.inject()
            next_fault += FAULT_PERIOD
        time.sleep(max(0.01, min(next_fault, next_rss, faults.next_due(), end) - time.monotonic()))
    ctx.log(f"{len(faults.log)} faults in {(time.monotonic() - began) / 60:.1f} min; healing")
    faults.undo_due(everything=True)
    return began, time.monotonic()


def scenario(ctx: vt.Context, options: argparse.Namespace) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run it inside the VM tier (integration/vm/run-in-vm.py)")
    print(f"SOAK seed={options.seed} minutes={options.minutes:g} directors=3 vips={len(VIPS)} "
          f"services={len(VIPS) * len(PORTS)} reals={len(REALS)} advert={ADVERT:g}s "
          f"master_down<={MASTER_DOWN:.2f}s check_interval={options.check_interval:g}s "
          f"t0: monotonic {ctx.t0:.3f} = wall {time.time() - time.monotonic() + ctx.t0:.3f}",
          flush=True)
    topo, lab, monitors = set_up(ctx, options.check_interval)
    try:
        bound = 4 * MASTER_DOWN + RESYNC_INTERVAL + 2 * options.check_interval
        took, diff = converge(ctx, lab, 120,
                              "initial layout: each VIP and its services on its owner")
        vt.check(took is not None, f"the initial layout never settled:\n  {diff}")
        client = topo.popen("client", [sys.executable, "-c", CLIENT, LIB, "0.5", "1.0",
                                       ",".join(map(str, PORTS)), *VIPS],
                            os.path.join(topo.tmpdir, "client.log"), "client")
        faults = Faults(lab, random.Random(options.seed))
        began, healed = run_faults(ctx, lab, faults, options.minutes)
        took, diff = converge(ctx, lab, bound, "final state: VIPs and tables as the roles want")
        finished = time.monotonic()
        client.kill()
        Report(ctx, lab, faults, monitors, client, (began, healed, finished)).emit(
            options.seed, took, diff, bound)
    finally:
        if options.save_logs:
            # Under a temporary name first: a reader outside the VM copies it once it appears.
            with tarfile.open(options.save_logs + ".part", "w:gz") as tar:
                tar.add(topo.tmpdir, arcname="soak")
            os.replace(options.save_logs + ".part", options.save_logs)
            print(f"logs saved in {options.save_logs}", flush=True)


class Report:
    """The results table, the promises' verdicts, and evidence for each broken one."""

    def __init__(self, ctx: vt.Context, lab: Lab, faults: Faults, monitors, client, times):
        self.ctx, self.lab, self.faults, self.monitors = ctx, lab, faults, monitors
        self.began, self.healed, self.finished = times
        self.broken: list[str] = []
        # vipd stamps its lines with the wall clock; everything here is monotonic.
        self.wall_minus_mono = time.time() - time.monotonic()
        self.requests = []
        for line in client.log_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2] in ("ok", "fail"):
                self.requests.append((float(fields[0]), fields[1], fields[2] == "ok",
                                      fields[3] if len(fields) > 3 else ""))

    def rel(self, t: float) -> str:
        return f"+{t - self.ctx.t0:.2f}s"

    def emit(self, seed: int, took: float | None, diff: str, bound: float) -> None:
        if took is None or took > bound:
            self.broken.append(f"final state not reached within {bound:.1f}s"
                               + (f" (reached after {took:.1f}s)" if took else f":\n  {diff}"))
        self.broken += [f"crash: {c}" for c in self.lab.crashes]
        asked = [r for r in self.requests if self.began <= r[0] <= self.healed]
        answered = sum(1 for r in asked if r[2])
        print(f"\nRESULT soak seed={seed} faults={len(self.faults.log)} over "
              f"{(self.healed - self.began) / 60:.1f} min; client {answered}/{len(asked)} answered "
              f"({100 * answered / max(1, len(asked)):.1f} %)")
        self.client_table()
        self.holders()
        print("RESULT final state: " + (f"reached {took:.1f}s after healing (bound {bound:.1f}s)"
                                        if took is not None else "NOT reached"))
        self.memory()
        loads = self.lab.loads
        stalls = sum(p.log_text().count("event loop stalled") for p in self.lab.topo.processes
                     if isinstance(p, vt.Vipd))
        print(f"RESULT guest load: mean {sum(loads) / max(1, len(loads)):.2f}, max "
              f"{max(loads, default=0):.2f} (1-min average, every {RSS_PERIOD:g}s); loop stall "
              f"warnings {stalls}; crashes {len(self.lab.crashes)}; reload problems "
              f"{len(self.faults.problems)}")
        for problem in self.faults.problems:
            print(f"  {problem}")
        for b in self.broken:
            print(f"BROKEN {b}")
        if self.broken:
            raise AssertionError(f"{len(self.broken)} promise(s) broken (seed {seed}); first: "
                                 f"{self.broken[0].splitlines()[0]}")

    def client_table(self) -> None:
        requests = [(t, vip, ok) for t, vip, ok, _ in self.requests]
        gaps = client_gaps(requests, self.began, self.healed)
        per_kind = longest_gap_per_kind(gaps, self.faults.log)
        print("| fault | count | longest client gap blamed on it (one VIP) "
              "| failed requests in it |")
        print("|---|---|---|---|")
        for kind in KINDS:
            count = sum(1 for f in self.faults.log if f.kind == kind)
            gap = per_kind.get(kind)
            if gap is None:
                print(f"| {kind} | {count} | — | |")
                continue
            reasons: dict[str, int] = {}
            for t, vip, ok, why in self.requests:
                if vip == gap.vip and not ok and gap.start < t < gap.start + gap.length:
                    reasons[why] = reasons.get(why, 0) + 1
            print(f"| {kind} | {count} | {gap.length:.1f} s ({VIPS[gap.vip]}, from "
                  f"{self.rel(gap.start)}) | " + ", ".join(f"{k} {n}" for k, n in reasons.items())
                  + " |")
        longest = max(gaps, key=lambda g: g.length, default=None)
        if longest:
            print(f"longest gap of any VIP: {longest.length:.1f} s ({VIPS[longest.vip]}, from "
                  f"{self.rel(longest.start)}, blamed on "
                  + (", ".join(f"#{f.number} {f.kind}"
                               for f in gap_causes(longest, self.faults.log)) or "nothing") + ")")

    def holders(self) -> None:
        intervals = {d: holder_intervals(m.log_text().splitlines(), self.finished)
                     for d, m in self.monitors.items()}
        windows = exempt_windows(self.faults.log, self.finished)
        duals = []
        for vip in VIPS:
            per_director = {d: intervals[d].get(vip, []) for d in DIRECTORS}
            duals += [judge_dual(vip, p, windows, MASTER_DOWN, ADVERT)
                      for p in dual_periods(per_director)]
        overruns = sum(m.log_text().count(" overrun") for m in self.monitors.values())
        self.stale_arp(intervals)
        released = [d.after_release for d in duals if d.after_release is not None]
        print(f"RESULT two holders: {len(duals)} stretches ({len(released)} around partitions, "
              f"SIGSTOPs and SIGKILLs); longest outside those windows "
              f"{max((d.outside for d in duals), default=0):.2f}s (bound {MASTER_DOWN:.2f}s); "
              f"one holder {max(released, default=0):.2f}s after a heal, SIGCONT or restart at the "
              f"latest (bound {MASTER_DOWN + ADVERT:.2f}s); monitor overruns {overruns}")
        stalls: dict[str, list[tuple[float, float]]] = {d: [] for d in DIRECTORS}
        for p in self.lab.topo.processes:
            if isinstance(p, vt.Vipd):
                stalls[p.role] += stall_windows(p.log_text().splitlines(), self.wall_minus_mono)
        broken = [d for d in duals if d.broken]
        stalled = 0
        for shown, dual in enumerate(broken):
            # A stalled loop sends no adverts: its peers take over, as from a stopped vipd.
            near = [(d, b - a) for d in dual.holders for a, b in stalls[d]
                    if a <= dual.end and b >= dual.start - MASTER_DOWN]
            stalled += bool(near)
            self.broken.append(f"{dual.broken}, {self.rel(dual.start)} .. {self.rel(dual.end)}"
                               + "".join(f" [{d}'s vipd logged a {late:.2f}s loop stall]"
                                         for d, late in near)
                               + ("\n" + self.evidence(dual) if shown < 4 else ""))
        if broken:
            print(f"RESULT two holders beyond their bound: {len(broken)} stretches, {stalled} of "
                  f"them with a loop stall logged by a holder's vipd (its log keeps 3 a minute)")

    def stale_arp(self, intervals) -> None:
        """How often the client's ARP entry for a VIP named a director that did not hold it
        (while another did): the client cannot reach the VIP until the entry is re-learnt."""
        owner_of_mac = {self.lab.topo.mac(d): d for d in DIRECTORS}
        wrong, longest = 0, {}
        for t, vip, mac in self.lab.neighbours:
            holders = {d for d in DIRECTORS
                       if any(up <= t < down for up, down in intervals[d].get(vip, []))}
            points_to = owner_of_mac.get(mac)
            if holders and points_to not in holders:
                wrong += 1
                longest[vip] = longest.get(vip, 0) + 1
        worst = max(longest.items(), key=lambda kv: kv[1], default=None)
        print(f"RESULT client ARP entries pointing at a director without the VIP (while another "
              f"held it): {wrong} of {len(self.lab.neighbours)} samples (every {RSS_PERIOD:g}s)"
              + (f"; most for {VIPS[worst[0]]}: {worst[1]}" if worst else ""))

    def evidence(self, dual) -> str:
        """The faults, address changes and vipd log lines around one stretch of two holders."""
        lo, hi = dual.start - 10, dual.end + 2
        lines = [f"  fault {f.number} {f.kind} {f.target} {self.rel(f.start)} .. "
                 f"{self.rel(f.end if f.end is not None else f.start)}: {f.detail}"
                 for f in self.faults.log
                 if f.start <= hi and (f.end if f.end is not None else f.start) >= lo]
        for d, monitor in self.monitors.items():
            for line in monitor.log_text().splitlines():
                fields = line.split()
                if (len(fields) >= 3 and fields[2].split("/")[0] == dual.vip
                        and lo <= float(fields[0]) <= hi):
                    lines.append(f"  {d} monitor {self.rel(float(fields[0]))} {fields[1]} "
                                 f"{dual.vip}")
        name = VIPS[dual.vip]
        wanted = (f"{name}: ", dual.vip, "starting", "stalled", "address tags", "signal")
        for p in self.lab.topo.processes:
            if not isinstance(p, vt.Vipd):
                continue
            for line in p.log_text().splitlines():
                t = log_time(line, self.wall_minus_mono)
                if t is not None and lo <= t <= hi and any(w in line for w in wanted):
                    lines.append(f"  {p.name} {self.rel(t)} {line[24:]}")
        return "\n".join(lines[:80])

    def memory(self) -> None:
        for name, series in sorted(self.lab.rss.items()):
            kib = rss_growth(series)
            judged = series[-1][0] >= RSS_JUDGED_LIFE
            if judged and kib is not None and kib >= RSS_LIMIT_KIB:
                self.broken.append(f"{name}: RSS grew {kib} KiB after its first minute")
            minutes = [f"{k}" for age, k in series if int(age) % 60 < RSS_PERIOD]
            print(f"RESULT rss {name}: {series[0][1]} -> {series[-1][1]} KiB over "
                  f"{series[-1][0]:.0f}s, growth after the first minute "
                  + (f"{kib:+d} KiB" if kib is not None else "n/a")
                  + ("" if judged else f" (not judged: lived under {RSS_JUDGED_LIFE:.0f}s)")
                  + f"; each minute: {' '.join(minutes)}")


def own_arguments() -> argparse.Namespace:
    """--minutes and --seed, taken out of argv before the harness parses the rest; the
    deadline follows the length of the run unless given."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--check-interval", type=float, default=20.0)
    ap.add_argument("--save-logs", metavar="TAR_GZ", help="write the run's logs there at the end")
    args, rest = ap.parse_known_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    if not any(a.startswith("--deadline") for a in rest):
        rest += ["--deadline", str(args.minutes * 60 + 900)]
    sys.argv[1:] = rest
    return args


if __name__ == "__main__":
    options = own_arguments()
    vt.main(lambda ctx: scenario(ctx, options),
            "soak: three directors, 20 VIPs, 200 DR services, a random fault every 5 s",
            tools=("ip", "ipvsadm"), engines=("vipd",))
