#!/usr/bin/env python3
"""Health-check load benchmark (issue 4): one NAT service of 10,000 reals, TCP checks every 1 s,
on the VRRP master (adverts every 100 ms). Over a window after the checks have settled it
reports the checking process's CPU (utime + stime delta / wall, % of one core) and RSS, the
checks per second the reals actually answered, and the gaps between the master's adverts as
heard by a sniffer in the client namespace (median / p99 / max).

Topology: dir1 (master, 150, runs the checks), dir2 (backup, 100, VRRP only), client (sniffer),
real1..realK. In the default open mode every real namespace runs one listener process (this
script, `listen` sub-command) that accepts and closes on its share of the ports, so every check
completes a TCP handshake; `--closed` starts no listener (each check is refused with an RST).

vipd runs VRRP and the checks in one process, so CPU/RSS and advert gaps are of the same
process. keepalived runs the same config in one `keepalived` (VRRP child + checker child): the
CPU/RSS figures are its checker child, the advert gaps are of its VRRP child running meanwhile on
the same host (the parent and VRRP child are reported too).

keepalived's checker needs IPVS to start (it exits without ip_vs), so the comparison runs in the
VM, where TCG makes absolute figures meaningless: compare ratios.
  sudo python3 bench/health_checks.py --vipd build/src/daemon/vipd [--closed] [--targets N]
  integration/vm/run-in-vm.py --timeout 900 -- sh -c 'python3 bench/health_checks.py \
      --vipd build/src/daemon/vipd --deadline 800; python3 bench/health_checks.py \
      --engine keepalived --deadline 800'
Options (before the harness's own): --targets (10000), --reals (namespaces, 4), --window
seconds (30), --settle seconds after the last state change (5), --closed.
"""

import argparse
import os
import resource
import select
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
ADVERT = 0.1
BASE_PORT = 20000
TICKS = os.sysconf("SC_CLK_TCK")


# ----- the listener (runs in each real namespace) -----------------------------------------
def listen(first: int, count: int) -> int:
    """Listen on ports first..first+count-1; accept and close at once; print accepts per second."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    poller = select.epoll()
    sockets = {}
    for port in range(first, first + count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(64)
        s.setblocking(False)
        poller.register(s.fileno(), select.EPOLLIN)
        sockets[s.fileno()] = s
    print(f"listening {count}", flush=True)
    # Accepts per 10 ms slot over the last second: checks spread over the interval give a flat
    # count, checks that fire in bursts a high peak.
    accepted, mark, slots = 0, time.monotonic(), {}
    while True:
        for fd, _ in poller.poll(1.0):
            while True:
                try:
                    conn, _ = sockets[fd].accept()
                except (BlockingIOError, InterruptedError):
                    break
                conn.close()
                accepted += 1
                slot = int(time.monotonic() * 100)
                slots[slot] = slots.get(slot, 0) + 1
        now = time.monotonic()
        if now - mark >= 1.0:
            print(f"t={now:.3f} accepted={accepted} peak10ms={max(slots.values(), default=0)}",
                  flush=True)
            mark, slots = now, {}


# ----- process figures ----------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """utime + stime of pid in seconds (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def host_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every CPU from /proc/stat: how loaded the whole machine is."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def read_pid(path: str) -> int:
    vt.wait_until(lambda: os.path.exists(path) and open(path).read().strip(), 30,
                  what=f"pid file {path}")
    with open(path) as f:
        return int(f.read().strip())


def accepted_total(listeners) -> int:
    """Sum of the last `accepted=` figure each listener printed."""
    total = 0
    for p in listeners:
        last = [line for line in p.log_text().splitlines() if "accepted=" in line]
        if last:
            total += int(last[-1].split("accepted=")[1].split()[0])
    return total


def peak_per_10ms(listeners, since: float) -> int:
    """The largest per-listener count of accepts in one 10 ms slot, in lines after `since`."""
    peak = 0
    for p in listeners:
        for line in p.log_text().splitlines():
            if "peak10ms=" in line and float(line.split()[0][2:]) >= since:
                peak = max(peak, int(line.split("peak10ms=")[1]))
    return peak


# ----- configs ------------------------------------------------------------------------------
def targets(topo, reals: list[str], count: int) -> list[tuple[str, int]]:
    """count (address, port) pairs, the reals taking consecutive port blocks in turn."""
    share = -(-count // len(reals))
    return [(topo.addr4(reals[i // share]), BASE_PORT + i % share) for i in range(count)]


def vipd_service(pairs, initial: str) -> str:
    lines = ["", "[[virtual_server]]", 'address = "10.99.0.100"', "port = 80",
             'forwarding = "nat"', "  [virtual_server.check]", '  type = "tcp"',
             '  interval = "1s"', '  timeout = "1s"', f'  initial = "{initial}"']
    for address, port in pairs:
        lines += ["  [[virtual_server.real]]", f'  address = "{address}"', f"  port = {port}"]
    return "\n".join(lines) + "\n"


def keepalived_full(inst: vt.Instance, pairs) -> str:
    out = [vt.keepalived_config("dir1", [inst]),
           "virtual_server 10.99.0.100 80 {", "    delay_loop 1", "    lb_algo rr",
           "    lb_kind NAT", "    protocol TCP"]
    for address, port in pairs:
        # keepalived's parser wants one block keyword per line.
        out += [f"    real_server {address} {port} {{", "        weight 1", "        TCP_CHECK {",
                "            connect_timeout 1", "        }", "    }"]
    out.append("}")
    return "\n".join(out) + "\n"


def start_keepalived_both(topo, conf_text: str, role: str = "dir1", only: tuple = ()):
    """keepalived with both children (or only `only`, e.g. ("--vrrp",)), its pid files in tmpdir.
    Not vt.start_keepalived: its `keepalived -t` runs in the root namespace, which has no eth0
    in the VM."""
    base = os.path.join(topo.tmpdir, f"keepalived-{role}")
    os.makedirs(base, exist_ok=True)
    conf = os.path.join(base, "keepalived.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    pids = {k: os.path.join(base, f"{k}.pid") for k in ("main", "vrrp", "checkers", "bfd")}
    argv = ["keepalived", "--dont-fork", "--log-console", "--no-syslog", "--use-file", conf,
            "--pid", pids["main"], "--vrrp_pid", pids["vrrp"], "--checkers_pid", pids["checkers"],
            "--bfd_pid", pids["bfd"], *only]
    p = vt.Keepalived(topo, role, argv, os.path.join(topo.tmpdir, f"keepalived-{role}.log"),
                      f"keepalived-{role}")
    topo.processes.append(p)
    return p, pids


# ----- the benchmark ------------------------------------------------------------------------
OPTS = None


def wait_settled(ctx, count_changes, expected: int, timeout: float, settle: float) -> None:
    """Wait for `expected` state changes (or, with expected 0, none for `settle` s), then settle."""
    start = time.monotonic()
    last, last_at = -1, start
    while True:
        n = count_changes()
        now = time.monotonic()
        if n != last:
            last, last_at = n, now
        if expected and n >= expected:
            break
        if not expected and now - last_at >= settle and now - start >= settle:
            break
        if not expected and now - start >= timeout:
            ctx.log(f"still changing after {timeout:.0f}s (a loaded host): measuring anyway")
            break
        vt.check(now - start < timeout, f"checks not settled after {timeout:.0f}s ({n} changes)")
        time.sleep(0.5)
    ctx.log(f"{last} state changes after {time.monotonic() - start:.1f}s; settling {settle:.0f}s")
    time.sleep(settle)


def scenario(ctx: vt.Context) -> None:
    o = OPTS
    reals = [f"real{k + 1}" for k in range(o.reals)]
    topo = ctx.topology(("dir1", "dir2", "client", *reals))
    pairs = targets(topo, reals, o.targets)
    share = -(-o.targets // len(reals))
    mode = "closed" if o.closed else "open"
    listeners = []
    if not o.closed:
        for role in reals:
            p = topo.popen(role, [sys.executable, os.path.abspath(__file__), "listen",
                                  str(BASE_PORT), str(share)],
                           os.path.join(topo.tmpdir, f"listen-{role}.log"), f"listen-{role}")
            listeners.append(p)
        vt.wait_until(lambda: all("listening" in p.log_text() or not p.alive() for p in listeners),
                      60, what="listeners bound")
        vt.check(all(p.alive() for p in listeners), "a listener exited: "
                 + "; ".join(p.log_tail(5) for p in listeners if not p.alive()))

    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=ADVERT)
    # Open: start down so each real's first pass logs one change; closed: start up, likewise.
    if ctx.engine == "vipd":
        d1 = start_vipd(topo, "dir1", ctx.vipd,
                        vipd_config("dir1", [inst.with_priority(150)])
                        + vipd_service(pairs, "up" if o.closed else "down"), log_level="info")
        d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [inst]))
        checker, vrrp_pid, extra = d1.pid, d1.pid, {}
        change = "up -> down" if o.closed else "down -> up"
        count_changes = lambda: d1.log_text().count(change)  # noqa: E731
        expected = o.targets
    else:
        d1, pids = start_keepalived_both(topo, keepalived_full(inst.with_priority(150), pairs))
        d2, _ = start_keepalived_both(topo, vt.keepalived_config("dir2", [inst]), "dir2",
                                      ("--vrrp",))
        checker, vrrp_pid = read_pid(pids["checkers"]), read_pid(pids["vrrp"])
        extra = {"parent": d1.pid, "vrrp": vrrp_pid}
        # keepalived starts reals up and logs each failure; with open ports it logs nothing.
        count_changes = lambda: d1.log_text().count("failed")  # noqa: E731
        expected = o.targets if o.closed else 0
        o.deadline_settle = min(o.deadline_settle, 60.0) if not o.closed else o.deadline_settle
    ctx.log(f"engine {ctx.engine}: checker pid {checker}, VRRP pid {vrrp_pid}, "
            f"{o.targets} targets on {len(reals)} reals, mode {mode}")
    vt.wait_holders(ctx, topo, VIP, {"dir1"}, inst.master_down_interval(150) + 60.0)
    wait_settled(ctx, count_changes, expected, o.deadline_settle, o.settle)
    vt.check(d1.alive(), f"{d1.name} exited: {d1.log_tail()}")

    before = len(d2.transitions())
    cpu0 = {name: cpu_seconds(pid) for name, pid in {"checker": checker, **extra}.items()}
    lis0 = sum(cpu_seconds(p.pid) for p in listeners)
    busy0 = host_busy()
    acc0, t0 = accepted_total(listeners), time.monotonic()
    count = int(o.window / ADVERT)
    rows = vt.sniff_adverts(topo, "client", 4, count=count, timeout=o.window + 5)
    elapsed = time.monotonic() - t0
    cpu1 = {name: cpu_seconds(pid) for name, pid in {"checker": checker, **extra}.items()}
    lis1, busy1 = sum(cpu_seconds(p.pid) for p in listeners), host_busy()
    time.sleep(1.2)  # listeners print once a second: let them report the whole window
    acc1, elapsed_acc = accepted_total(listeners), time.monotonic() - t0
    rss = {name: rss_mib(pid) for name, pid in {"checker": checker, **extra}.items()}

    ours = [r for r in rows if r["src"] == topo.addr4("dir1")]
    vt.check(len(ours) > 10, f"only {len(ours)} adverts from dir1 in the window")
    gaps = sorted(b["t"] - a["t"] for a, b in zip(ours, ours[1:]))
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    pct = {name: 100 * (cpu1[name] - cpu0[name]) / elapsed for name in cpu0}
    rate = (acc1 - acc0) / elapsed_acc if listeners else float("nan")
    peak = peak_per_10ms(listeners, t0 + 1.0)
    flips = len(d2.transitions()) - before
    machine = 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    others = "".join(f" {name}_cpu={pct[name]:.2f}% {name}_rss={rss[name]:.1f}MiB"
                     for name in extra)
    print(f"RESULT engine={ctx.engine} targets={o.targets} mode={mode} window={elapsed:.1f}s "
          f"cpu={pct['checker']:.2f}% rss={rss['checker']:.1f}MiB "
          f"accepts_per_s={rate:.0f} peak_accepts_10ms={peak}/listener "
          f"(even: {o.targets / len(reals) / 100:.0f}) adverts={len(ours)} "
          f"gap_median={1000 * statistics.median(gaps):.1f}ms gap_p99={1000 * p99:.1f}ms "
          f"gap_max={1000 * gaps[-1]:.1f}ms late={sum(g > 1.5 * ADVERT for g in gaps)} "
          f"backup_transitions={flips}{others} "
          f"listeners_cpu={100 * (lis1 - lis0) / elapsed:.1f}% machine_busy={machine:.0f}% "
          f"of {os.cpu_count()} cpus", flush=True)
    vt.check(d1.alive(), f"{d1.name} exited during the window")
    # A figure taken while the engine was not checking at all would be meaningless.
    vt.check(o.closed or rate >= 0.5 * o.targets,
             f"only {rate:.0f} checks/s reached the listeners for {o.targets} targets at 1 s")


def main() -> None:
    global OPTS
    if len(sys.argv) > 1 and sys.argv[1] == "listen":
        sys.exit(listen(int(sys.argv[2]), int(sys.argv[3])))
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--targets", type=int, default=int(os.environ.get("BENCH_TARGETS", "10000")))
    ap.add_argument("--reals", type=int, default=int(os.environ.get("BENCH_REALS", "4")))
    ap.add_argument("--window", type=float, default=float(os.environ.get("BENCH_SECONDS", "30")))
    ap.add_argument("--settle", type=float, default=float(os.environ.get("BENCH_SETTLE", "5")))
    ap.add_argument("--settle-timeout", dest="deadline_settle", type=float, default=300.0)
    ap.add_argument("--closed", action="store_true")
    OPTS, rest = ap.parse_known_args()
    sys.argv = [sys.argv[0], *rest]
    vt.main(scenario, "10,000 TCP checks at 1 s on the VRRP master: CPU, RSS, advert gaps",
            tools=("ip",))


if __name__ == "__main__":
    main()
