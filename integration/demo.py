#!/usr/bin/env python3
"""The vipd demo: two directors fail a VIP over in network namespaces while a client keeps asking.

Creates a switch namespace (a bridge) and three hosts on it (dir1, dir2, client), an HTTP
responder on each director answering its own name, runs vipd on both directors, shows who holds
the VIP and the transition log lines, starts a client requesting the VIP every 200 ms, cuts
dir1's cable, shows the VIP moving and the client still answered, restores the cable, and
removes everything it created (also on Ctrl-C). Nothing is created in the root namespace.

Run as root: python3 integration/demo.py --vipd build/src/daemon/vipd   (or scripts/demo.sh)
"""

import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest import cleanup  # noqa: E402

VIP = "10.99.0.100/24"
VIP_IP = VIP.split("/")[0]


def say(msg: str = "") -> None:
    print(msg, flush=True)


def step(title: str) -> None:
    say()
    say(f"== {title}")


def timeline(rows, since: float) -> str:
    """Group the client's results after `since`: '10 x dir1, 2 x no answer, 5 x dir2'."""
    groups = []
    for _, ok, what in (r for r in rows if r[0] >= since):
        label = what if ok else "no answer"
        if groups and groups[-1][0] == label:
            groups[-1][1] += 1
        else:
            groups.append([label, 1])
    return ", ".join(f"{n} x {label}" for label, n in groups) or "(no requests yet)"


def longest_gap(rows, since: float) -> tuple[int, float]:
    """Failed requests after `since`, and the longest stretch without an answer (seconds)."""
    failures, gap, last_ok = 0, 0.0, None
    for t, ok, _ in (r for r in rows if r[0] >= since):
        if ok:
            if last_ok is not None:
                gap = max(gap, t - last_ok)
            last_ok = t
        else:
            failures += 1
    return failures, gap


def holders(topo) -> str:
    h = sorted(topo.who_has(VIP))
    return ", ".join(h) if h else "nobody"


def show_transitions(directors, seen: dict) -> None:
    for d in directors:
        lines = d.transition_lines()
        for line in lines[seen.get(d.name, 0):]:
            say(f"   [{d.role}] {line}")
        seen[d.name] = len(lines)


def run(args, state: dict) -> int:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3,
                       advert_interval=args.advert_interval)
    step("Building the lab: a switch namespace with a bridge, hosts dir1, dir2 and client")
    topo = vt.Topology(("dir1", "dir2", "client"), log=lambda m: None)
    state["topo"] = topo
    topo.build()
    for role in topo.roles:
        say(f"   {role:7} netns {topo.ns[role]:16} eth0 {topo.addr4(role)}/24  MAC {topo.mac(role)}")
    say(f"   VIP {VIP}; every director runs an HTTP responder answering its own name")
    for role in ("dir1", "dir2"):
        topo.start_http_responder(role)

    step(f"Starting {args.engine} on both directors (VRRPv3, advert every "
         f"{vt.format_duration(inst.advert_interval)}, dir1 priority 150, dir2 priority 100)")
    if args.engine == "vipd":
        say("   dir1's config:")
        for line in vt.vipd_config("dir1", [inst.with_priority(150)]).strip().splitlines():
            say(f"     {line}")
    d1 = vt.start_director(topo, "dir1", args.engine, [inst.with_priority(150)], vipd=args.vipd)
    d2 = vt.start_director(topo, "dir2", args.engine, [inst.with_priority(100)], vipd=args.vipd)
    directors = [d1, d2]
    seen: dict = {}
    elapsed = vt.wait_until(lambda: topo.who_has(VIP) == {"dir1"}, inst.master_down_interval(150) + 10,
                            what="dir1 holding the VIP", explain=lambda: holders(topo))
    time.sleep(0.3)
    say(f"   election done in {elapsed:.2f}s: the VIP is on {holders(topo)}")
    show_transitions(directors, seen)

    step(f"Client: GET http://{VIP_IP}/ every 200 ms")
    client = topo.start_client_loop(VIP_IP, interval=0.2, timeout=0.5)
    t_start = time.monotonic()
    time.sleep(2.0)
    say(f"   {timeline(vt.client_results(client), t_start)}")

    step("Cutting dir1's cable (its switch port goes down)")
    t_cut = time.monotonic()
    topo.cut("dir1")
    moved = vt.wait_until(lambda: "dir2" in topo.who_has(VIP), inst.master_down_interval(100) + 10,
                          interval=0.01, what="dir2 taking the VIP", explain=lambda: holders(topo))
    say(f"   {moved * 1000:.0f} ms after the cut the VIP is on dir2 "
        f"(master down interval {inst.master_down_interval(100) * 1000:.0f} ms)")
    time.sleep(1.0)
    show_transitions(directors, seen)
    say(f"   VIP now on: {holders(topo)}; client's ARP entry for {VIP_IP}: {topo.neigh_mac(VIP)} "
        f"(dir2 is {topo.mac('dir2')})")
    time.sleep(1.5)
    rows = vt.client_results(client)
    failures, gap = longest_gap(rows, t_cut - 0.2)
    say(f"   client since the cut: {timeline(rows, t_cut)}")
    say(f"   {failures} request(s) unanswered, longest pause between answers {gap * 1000:.0f} ms")

    step("Restoring dir1's cable: dir1 has the higher priority and preempts")
    t_restore = time.monotonic()
    topo.restore("dir1")
    back = vt.wait_until(lambda: topo.who_has(VIP) == {"dir1"}, inst.master_down_interval(150) + 10,
                         interval=0.01, what="dir1 taking the VIP back", explain=lambda: holders(topo))
    say(f"   {back * 1000:.0f} ms after the restore the VIP is on {holders(topo)}")
    time.sleep(1.5)
    show_transitions(directors, seen)
    rows = vt.client_results(client)
    say(f"   client since the restore: {timeline(rows, t_restore)}")

    step("Summary")
    failures, gap = longest_gap(rows, t_start)
    total = len([r for r in rows if r[0] >= t_start])
    say(f"   {total} requests, {total - failures} answered, {failures} unanswered; "
        f"longest pause {gap * 1000:.0f} ms")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description="vipd failover demo in network namespaces")
    ap.add_argument("--vipd", help="path to the vipd binary")
    ap.add_argument("--engine", choices=("vipd", "keepalived"), default="vipd",
                    help="run keepalived instead, for comparison")
    ap.add_argument("--advert-interval", type=float, default=0.1, help="seconds (default 0.1)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        say("demo: run as root (it creates network namespaces)")
        return 1
    missing = vt.sh.missing_tools(["ip", "curl"] + (["keepalived"] if args.engine == "keepalived" else []))
    if missing:
        say(f"demo: missing tools: {', '.join(missing)} (run scripts/install-deps.sh)")
        return 1
    if args.engine == "vipd" and not (args.vipd and os.access(args.vipd, os.X_OK)):
        say(f"demo: no vipd binary at {args.vipd!r}; build it first (cmake --build build)")
        return 1
    if args.vipd:
        args.vipd = os.path.abspath(args.vipd)
    cleanup.install_handlers()
    cleanup.sweep_stale_runs()
    rc = 1
    state: dict = {}
    try:
        rc = run(args, state)
    except AssertionError as e:
        say(f"demo failed: {e}")
    except cleanup.Interrupted:
        say("\ninterrupted")
    finally:
        step("Cleaning up")
        topo = state.get("topo")
        if topo is not None and rc != 0:
            topo.failed = True  # keep the logs
            for p in topo.processes:
                say(f"----- last lines of {p.name} -----\n{p.log_tail(20)}")
        cleanup.REGISTRY.run_all()
        left = topo.leftover_namespaces() if topo is not None else []
        say(f"   namespaces still present: {left}" if left
            else "   all namespaces and processes of the demo removed")
    return rc


if __name__ == "__main__":
    sys.exit(main())
