#!/usr/bin/env python3
"""VIP ownership: after every kind of change the VIP is on exactly one director.

A pair at VRRPv3 200 ms adverts, dir1 priority 150, dir2 100, one VIP 10.99.0.100/24 on eth0;
`[global] vip_resync_interval = "1s"`. Every step ends by waiting for exactly one holder and then
sampling both namespaces (`ip addr`) for about 1 s: the expected director, and never the other.
Bounds: a takeover is due when the backup's master down interval expires (3 x 0.2 s + skew
(256-100)/256 x 0.2 s = 0.72 s for dir2, 0.68 s for dir1) and gets 2 s of slack; a release by
the losing side 3 s; a (re)election or preemption by dir1 its master down interval + 5 s (the
start of a process included).

a. Initial election: only dir1 holds the VIP.
b. Link cut: dir1's switch port goes down (no carrier: dir1 enters FAULT). dir2 holds the VIP
   within its master down + 2 s, and dir1 must have removed its copy (FAULT owns nothing): only
   dir2. The link comes back: dir1 preempts, dir2 removes its copy: only dir1.
c. SIGTERM dir1's daemon: it exits 0 after its priority-0 advert and removes the VIP: only dir2.
   dir1's daemon starts again: it preempts, dir2 removes its copy: only dir1.
d. SIGKILL dir1's daemon: dir2 takes the VIP within its master down + 2 s; dir1's namespace
   keeps the killed process's address (nobody was left to remove it: expected, and logged).
   dir1's daemon starts again with the same configuration (the same per-role state_file): it
   removes the crashed run's leftover, preempts, and dir2 removes its copy: only dir1.
e. Someone deletes the VIP by hand (`ip addr del`) in the master's (dir1's) namespace: vipd puts
   it back within vip_resync_interval (1 s) + 2 s slack, and dir2 never takes it: only dir1.
   Step e needs the daemon's `[global] vip_resync_interval`; a vipd whose --check rejects that
   key runs steps a-d without it and fails step e, saying so (search for "STEP E").

On a kernel that drops the IFA_PROTO tag of an address (Linux < 5.18) a daemon that only removes
addresses carrying its tag never removes a VIP: steps b, c and d then find both directors
holding it. `--engine keepalived` runs steps a-d the same way (step e is vipd's key: skipped).
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
RESYNC = 1.0            # [global] vip_resync_interval of step e, seconds
RESYNC_SLACK = 2.0
RESYNC_LINE = f'vip_resync_interval = "{vt.format_duration(RESYNC)}"'
TAKEOVER_SLACK = 2.0
RELEASE_BOUND = 3.0
ELECTION_SLACK = 5.0
HOLD = 1.0


@contextmanager
def step(ctx: vt.Context, letter: str, what: str):
    """Log the step and put its letter in front of any failure inside it."""
    ctx.log(f"--- step {letter}: {what}")
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"step {letter} ({what}): {e}") from e
    ctx.log(f"--- step {letter} passed")


def only(ctx, topo, holder: str, bound: float, what: str) -> None:
    """Exactly `holder` holds the VIP within `bound`, and still does over HOLD seconds."""
    vt.wait_holders(ctx, topo, VIP, {holder}, bound, what=f"{what}: only {holder}")
    vt.hold_single(ctx, topo, VIP, holder, HOLD)


def resync_key_accepted(ctx: vt.Context, topo: vt.Topology) -> tuple[bool, str]:
    """Whether this vipd's --check accepts [global] vip_resync_interval (and its words)."""
    conf = os.path.join(topo.tmpdir, "resync-probe.toml")
    inst = vt.Instance("probe", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    with open(conf, "w") as f:
        f.write(vt.vipd_config("probe", [inst], [RESYNC_LINE]))
    p = subprocess.run(["ip", "netns", "exec", topo.ns["dir1"], ctx.vipd, "--check", "--config", conf],
                       capture_output=True, text=True, timeout=30)
    words = [line for line in (p.stdout + p.stderr).splitlines() if "vip_resync_interval" in line]
    return p.returncode == 0, (words[0] if words else (p.stdout + p.stderr).strip()[-300:])


def scenario(ctx: vt.Context) -> None:
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], version=3, advert_interval=0.2)
    topo = ctx.topology(("dir1", "dir2", "client"))
    vipd = ctx.engine == "vipd"
    key_ok, key_words = resync_key_accepted(ctx, topo) if vipd else (False, "")
    extra = [RESYNC_LINE] if key_ok else []
    if vipd and not key_ok:
        ctx.log(f"vipd --check rejects {RESYNC_LINE!r}: steps a-d run without it, step e will "
                f"fail ({key_words or 'no output'})")

    def start(role: str, priority: int):
        return ctx.director(topo, role, [inst.with_priority(priority)], global_lines=extra)

    takeover = inst.master_down_interval(100) + TAKEOVER_SLACK     # dir2 taking over
    election = inst.master_down_interval(150) + ELECTION_SLACK     # dir1 (re)gaining it

    with step(ctx, "a", "initial election"):
        d1 = start("dir1", 150)
        d2 = start("dir2", 100)
        only(ctx, topo, "dir1", election, "initial election")
        d2.wait_state("web", "BACKUP", 3)

    with step(ctx, "b", "dir1's link cut, then restored"):
        topo.cut("dir1")
        ctx.log("cut dir1's link")
        vt.wait_until(lambda: "dir2" in topo.who_has(VIP), takeover, interval=0.02,
                      what="dir2 taking the VIP after the cut",
                      explain=lambda: f"holders {sorted(topo.who_has(VIP))}")
        only(ctx, topo, "dir2", RELEASE_BOUND, "dir1 in FAULT having removed its VIP")
        d1.wait_state("web", "FAULT", 3)
        topo.restore("dir1")
        ctx.log("restored dir1's link")
        only(ctx, topo, "dir1", election, "dir1 preempting back, dir2 having removed its VIP")

    with step(ctx, "c", "SIGTERM to dir1's daemon, then a restart"):
        rc = d1.stop(timeout=10)
        vt.check(rc == 0, f"dir1's daemon exited with status {rc} after SIGTERM, expected 0")
        ctx.log("dir1's daemon stopped (SIGTERM, exit 0)")
        only(ctx, topo, "dir2", takeover, "dir1 stopped and its VIP removed")
        d1 = start("dir1", 150)
        only(ctx, topo, "dir1", election, "restarted dir1 preempting, dir2 having removed its VIP")

    with step(ctx, "d", "SIGKILL to dir1's daemon, then a restart with the same configuration"):
        d1.kill()
        ctx.log("SIGKILLed dir1's daemon")
        vt.wait_until(lambda: "dir2" in topo.who_has(VIP), takeover, interval=0.02,
                      what="dir2 taking the VIP after the SIGKILL",
                      explain=lambda: f"holders {sorted(topo.who_has(VIP))}")
        d2.wait_state("web", "MASTER", 3)
        ctx.log(f"after the kill, holders {sorted(topo.who_has(VIP))} "
                "(dir1's leftover of a killed process is expected)")
        d1 = start("dir1", 150)
        only(ctx, topo, "dir1", election,
             "restarted dir1 removing the leftover and preempting, dir2 having removed its VIP")

    # ----- STEP E: needs [global] vip_resync_interval in the daemon --------------------------
    with step(ctx, "e", "the master's VIP deleted by hand, restored by the VIP resync"):
        if not vipd:
            ctx.log("step e skipped: keepalived has no vip_resync_interval")
            return
        vt.check(topo.who_has(VIP) == {"dir1"}, f"dir1 is not the only holder before the "
                 f"deletion: {sorted(topo.who_has(VIP))}")
        topo.del_address("dir1", VIP)
        deleted = time.monotonic()
        ctx.log(f"ip addr del {VIP} dev eth0 in dir1 (the master)")
        bound = RESYNC + RESYNC_SLACK
        try:
            vt.wait_until(lambda: "dir1" in topo.who_has(VIP), bound, interval=0.02,
                          what=f"the VIP back on dir1 within vip_resync_interval {RESYNC:g}s "
                               f"+ {RESYNC_SLACK:g}s",
                          explain=lambda: f"holders {sorted(topo.who_has(VIP))}")
        except AssertionError as e:
            if not key_ok:
                raise AssertionError(f"STEP E: {e}; this vipd does not know [global] "
                                     f"vip_resync_interval (--check: {key_words})") from e
            raise
        back = time.monotonic() - deleted
        ctx.log(f"the VIP is back on dir1 {back:.2f}s after the deletion (bound {bound:g}s)")
        vt.check(key_ok, f"STEP E: the VIP came back after {back:.2f}s, but this vipd does not "
                 f"know [global] vip_resync_interval (--check: {key_words})")
        only(ctx, topo, "dir1", RELEASE_BOUND, "the restored VIP")


if __name__ == "__main__":
    vt.main(scenario, "the VIP on exactly one director after every change")
