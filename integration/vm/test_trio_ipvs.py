#!/usr/bin/env python3
"""vm.trio_ipvs: issue 3 scenario 3, the active-active trio with six VIPs and IPVS DR.

Three directors, six VRRPv3 instances (500 ms adverts), two masters per director whose first
backups sit on different directors (the layout of integration/netns/test_trio_six_vips.py and
conf/trio-*.toml). Every VIP has one DR service (TCP port 80, rr) to two reals that hold all six
VIPs on lo (arp_ignore=1, arp_announce=2) and answer HTTP with their names.

Checked before and after dir1 dies (vipd SIGKILLed and its cable cut): each director's
`ipvsadm -Ln` lists exactly the services of the VIPs it is Master for (set equality, each with
both reals) and holds exactly those VIPs; a client gets answers from both reals through each of
the six VIPs. After the failure only the survivors are checked: dead dir1 keeps its crashed
run's leftovers, and nobody can reach it.

VIPD_TRIO_MODE=always (passed into the guest by run-in-vm.py) sets `[ipvs] mode = "always"`:
every director then carries all six services and the scenario must FAIL; that is how the
exact-set check was shown to bite. Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

DIRECTORS = ("dir1", "dir2", "dir3")
REALS = ("real1", "real2")
# name -> (vip, owner, designated backup, third)
PLAN = {
    "web1": ("10.99.0.101", "dir1", "dir2", "dir3"),
    "web2": ("10.99.0.102", "dir1", "dir3", "dir2"),
    "web3": ("10.99.0.103", "dir2", "dir3", "dir1"),
    "web4": ("10.99.0.104", "dir2", "dir1", "dir3"),
    "web5": ("10.99.0.105", "dir3", "dir1", "dir2"),
    "web6": ("10.99.0.106", "dir3", "dir2", "dir1"),
}
PRIORITIES = (150, 100, 20)
INTERVAL = 0.5
MODE = os.environ.get("VIPD_TRIO_MODE", "master")

# One process in the client asks every VIP twice: a fresh rr service sends consecutive
# connections to different reals, so two answers name both reals. One python start, not twelve
# curl starts: every program started in the TCG guest costs a noticeable fraction of a second.
PROBE = r"""
import json, socket, sys
out = {}
for vip in sys.argv[1:]:
    seen = []
    for _ in range(2):
        try:
            with socket.create_connection((vip, 80), timeout=1.0) as s:
                s.sendall(b"GET / HTTP/1.0\r\nHost: " + vip.encode() + b"\r\n\r\n")
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            seen.append(body.decode().strip() if b" 200 " in head.split(b"\r\n")[0] else "bad")
        except OSError as e:
            seen.append("error " + type(e).__name__)
    out[vip] = seen
print(json.dumps(out))
"""


def config_text(topo: vt.Topology, host: str) -> str:
    instances = []
    for vrid, (name, (vip, *ranking)) in enumerate(PLAN.items(), start=61):
        instances.append(vt.Instance(name, vrid=vrid, priority=PRIORITIES[ranking.index(host)],
                                     vips=[f"{vip}/24"], version=3, advert_interval=INTERVAL))
    text = vt.daemon.vipd_config(host, instances)
    text += f'\n[ipvs]\nmode = "{MODE}"\n'
    for vip, *_ in PLAN.values():
        text += f"""
[[virtual_server]]
address = "{vip}"
port = 80
protocol = "tcp"
scheduler = "rr"
forwarding = "dr"
"""
        for real in REALS:
            text += f"""
  [[virtual_server.real]]
  address = "{topo.addr4(real)}"
  port = 80
"""
    return text


def ipvs_table(topo: vt.Topology, host: str) -> dict[str, int]:
    """VIP -> number of Route reals, for every TCP :80 service in host's `ipvsadm -Ln`."""
    table: dict[str, int] = {}
    current = None
    for line in topo.run(host, ["ipvsadm", "-Ln"], check=False).splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] in ("TCP", "UDP", "SCTP", "FWM"):
            current = fields[1]
            table[current] = 0
        elif current and line.lstrip().startswith("->") and "Route" in fields:
            table[current] += 1
    return table


def snapshot(topo: vt.Topology, hosts) -> dict[str, tuple[list[str], dict[str, int]]]:
    """host -> (VIPs it holds, its IPVS table)."""
    vips = {vip for vip, *_ in PLAN.values()}
    return {h: (sorted(topo.addresses(h) & vips), ipvs_table(topo, h)) for h in hosts}


def expected(owner_of: dict[str, str], hosts) -> dict[str, tuple[list[str], dict[str, int]]]:
    result = {}
    for h in hosts:
        mine = sorted(PLAN[name][0] for name, owner in owner_of.items() if owner == h)
        result[h] = (mine, {f"{vip}:80": len(REALS) for vip in mine})
    return result


def check_layout(ctx: vt.Context, topo: vt.Topology, want, hosts, bound: float, what: str) -> None:
    elapsed = vt.wait_until(lambda: snapshot(topo, hosts) == want, bound, interval=0.2, what=what,
                            explain=lambda: snapshot(topo, hosts))
    ctx.log(f"{what}: after {elapsed:.2f}s (bound {bound:.1f}s)")
    # Exactness must last: no service of another director's VIP shows up a moment later.
    vt.hold_for(lambda: snapshot(topo, hosts) == want, 2.0, interval=0.25, what=what,
                explain=lambda: snapshot(topo, hosts))
    for h in hosts:
        held, table = want[h]
        ctx.log(f"  {h}: VIPs {held}; ipvsadm -Ln services {sorted(table)} (2 reals each)")


def check_clients(ctx: vt.Context, topo: vt.Topology, what: str) -> None:
    vips = [vip for vip, *_ in PLAN.values()]
    last = {}

    def all_answer() -> bool:
        out = topo.run("client", [sys.executable, "-c", PROBE, *vips], timeout=60)
        last.update(json.loads(out))
        return all(sorted(last[v]) == list(REALS) for v in vips)

    vt.wait_until(all_answer, 20, interval=0.5, what=f"answers from both reals through every VIP {what}",
                  explain=lambda: last)
    ctx.log(f"client {what}: " + ", ".join(f"{v} -> {'/'.join(last[v])}" for v in vips))


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology((*DIRECTORS, *REALS, "client"))
    for real in REALS:
        # DR real server: every VIP on lo, never answering ARP for them.
        topo.sysctl_ns(topo.ns[real], "net.ipv4.conf.all.arp_ignore=1",
                       "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                       "net.ipv4.conf.eth0.arp_announce=2")
        for vip, *_ in PLAN.values():
            topo.add_address(real, f"{vip}/32", dev="lo")
        topo.start_http_responder(real)

    vipds = {h: vt.start_vipd(topo, h, ctx.vipd, config_text(topo, h)) for h in DIRECTORS}
    ctx.log(f"started vipd on {', '.join(DIRECTORS)} (ipvs mode {MODE})")
    probe = vt.Instance("x", vrid=1, priority=100, vips=[], version=3, advert_interval=INTERVAL)

    normal = expected({name: plan[1] for name, plan in PLAN.items()}, DIRECTORS)
    check_layout(ctx, topo, normal, DIRECTORS, probe.master_down_interval(20) + 20.0,
                 "each director with exactly its two VIPs and their services")
    check_clients(ctx, topo, "before the failure")

    # dir1 dies: no priority-0 advert, no cleanup, and nobody hears from it again.
    vipds["dir1"].signal(signal.SIGKILL)
    topo.cut("dir1")
    died = time.monotonic()
    ctx.log("dir1 died (vipd SIGKILLed, cable cut)")
    survivors = ("dir2", "dir3")
    degraded = expected({name: (plan[2] if plan[1] == "dir1" else plan[1])
                         for name, plan in PLAN.items()}, survivors)
    check_layout(ctx, topo, degraded, survivors, probe.master_down_interval(100) + 15.0,
                 "each survivor with its own two VIPs plus one of dir1's, services exactly those")
    ctx.log(f"degraded layout confirmed {time.monotonic() - died:.2f}s after dir1 died")
    check_clients(ctx, topo, "after dir1 died")
    for h in survivors:
        vt.check(vipds[h].alive(), f"vipd on {h} exited: {vipds[h].log_tail()}")


if __name__ == "__main__":
    vt.main(scenario, "trio, six VIPs, IPVS DR: services exactly on each VIP's master, one dies",
            tools=("ip", "ipvsadm"), engines=("vipd",))
