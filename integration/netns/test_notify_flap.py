#!/usr/bin/env python3
"""Notify hooks of a flapping instance: one at a time, in order, coalesced to the latest state.

dir1 runs alone (so each transition is its own: FAULT while a tracked link is down, BACKUP when it
is back, MASTER once it has heard no one for master_down_interval). Every hook (notify_master,
notify_backup, notify_fault and the generic notify) is one script that appends a start line,
sleeps 0.2 s and appends an end line. The tracked link flaps 50 times in 10 s, then stays up.

Asserted: never two hooks of the instance at once; each transition that runs does its specific
hook then its generic one; far fewer hook runs than transitions (the flapping was coalesced);
the last hook that runs names the state the instance ended in.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
FLAPS = 50
PERIOD = 0.2  # seconds per down/up cycle
HOOK_SLEEP = 0.2


def hook_script(path: str, log: str) -> None:
    # Lines up to PIPE_BUF appended with O_APPEND land whole, so the file's order is the order
    # in which hooks started and ended.
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                'kind=specific\n[ "$1" = INSTANCE ] && kind=generic\n'
                f'echo "start $$ $VIPD_TO $kind $(date +%s.%N)" >> {log}\n'
                f"sleep {HOOK_SLEEP}\n"
                f'echo "end $$ $VIPD_TO $kind $(date +%s.%N)" >> {log}\n')
    os.chmod(path, 0o755)


def read_runs(log: str) -> list[list[str]]:
    try:
        with open(log) as f:
            return [line.split() for line in f.read().splitlines()]
    except OSError:
        return []


def most_at_once(events: list[list[str]]) -> int:
    running, most = 0, 0
    for event in events:
        running += 1 if event[0] == "start" else -1
        most = max(most, running)
    return most


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "client"))
    ns = topo.ns["dir1"]
    vt.sh.run(["ip", "-n", ns, "link", "add", "up1", "type", "veth", "peer", "name", "up1p"])
    vt.sh.run(["ip", "-n", ns, "link", "set", "up1p", "up"])
    vt.sh.run(["ip", "-n", ns, "link", "set", "up1", "up"])
    log = os.path.join(topo.tmpdir, "hooks.log")
    script = os.path.join(topo.tmpdir, "hook.sh")
    hook_script(script, log)
    inst = vt.Instance("web", vrid=51, priority=150, vips=[VIP], advert_interval=0.2)
    extra = (f'track_interfaces = ["up1"]\nnotify = "{script}"\nnotify_master = "{script}"\n'
             f'notify_backup = "{script}"\nnotify_fault = "{script}"\nnotify_timeout = "5s"\n')

    def settled() -> bool:
        # Every hook has ended and none starts for longer than a hook takes.
        events = read_runs(log)
        if sum(e[0] == "start" for e in events) != sum(e[0] == "end" for e in events):
            return False
        time.sleep(5 * HOOK_SLEEP)
        return read_runs(log) == events

    d1 = start_vipd(topo, "dir1", ctx.vipd, vipd_config("dir1", [inst]) + extra)
    d1.wait_state("web", "MASTER", inst.master_down_interval() + 5.0)
    vt.wait_until(lambda: read_runs(log) and settled(), 10, what="the start-up hooks to finish",
                  explain=lambda: read_runs(log))
    before = len(d1.transitions())
    runs_before = len(read_runs(log)) // 2

    start = time.monotonic()
    for i in range(FLAPS):
        vt.sh.run(["ip", "-n", ns, "link", "set", "up1p", "down"])
        time.sleep(max(0.0, start + (i + 0.5) * PERIOD - time.monotonic()))
        vt.sh.run(["ip", "-n", ns, "link", "set", "up1p", "up"])
        time.sleep(max(0.0, start + (i + 1) * PERIOD - time.monotonic()))
    ctx.log(f"{FLAPS} flaps in {time.monotonic() - start:.1f}s")

    d1.wait_state("web", "MASTER", inst.master_down_interval() + 5.0)

    vt.wait_until(settled, 60, what="the hooks to settle", explain=lambda: read_runs(log)[-4:])
    transitions = len(d1.transitions()) - before
    events = read_runs(log)
    starts = [e for e in events if e[0] == "start"]
    runs = len(starts) - runs_before
    ctx.log(f"{transitions} transitions and {runs} hook runs after the start-up, "
            f"at most {most_at_once(events)} at once")
    vt.check(transitions >= FLAPS, f"the flapping made only {transitions} transitions:\n"
             f"{d1.log_tail()}")
    vt.check(most_at_once(events) == 1,
             f"hooks of one instance overlapped ({most_at_once(events)} at once)")
    vt.check(runs < transitions,
             f"{runs} hook runs for {transitions} transitions: nothing was coalesced")
    kinds = [s[3] for s in starts]
    states = [s[2] for s in starts]
    paired = kinds == ["specific", "generic"] * (len(starts) // 2)
    vt.check(paired and states[0::2] == states[1::2],
             f"a transition's hooks did not run as specific then generic: {starts}")
    final = d1.state("web")
    vt.check(starts[-1][2] == final,
             f"the last hook named {starts[-1][2]}, the instance is {final}")
    vt.check(d1.stop() == 0, "dir1 did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "a flapping instance's notify hooks run one at a time, coalesced",
            tools=("ip", "date", "sleep"), engines=("vipd",))
