#!/usr/bin/env python3
"""vm.import_keepalived: a keepalived pair replaced, one director at a time, by vipd running what
`vipd import-keepalived` made of the same files.

Two keepalived.conf files written here in the seed lab's shape (VRRPv2 with auth PASS, one VIP)
with two services: TCP 80 weighted round robin, direct routing, persistence, two reals of
weights 3 and 1 with TCP_CHECK; and firewall mark 7, source hashing, one real. keepalived runs
both directors on the originals, and each director's `ipvsadm -Ln` is kept. Then:
1. dir2's keepalived stops and vipd starts on dir2's converted file: its IPVS table is the one
   keepalived had there, and it stays BACKUP under keepalived's adverts (v2 PASS interop).
2. dir1 (keepalived) is cut: vipd takes over; restored: keepalived preempts vipd.
3. dir1's keepalived stops and vipd starts on dir1's converted file: its table is keepalived's,
   and it takes the VIP back from dir2's vipd.
Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import Keepalived, start_vipd  # noqa: E402

VIP_IP = "10.99.0.100"
VIP = f"{VIP_IP}/24"
DIRECTORS = ("dir1", "dir2")


def keepalived_conf(router_id: str, priority: int, real1: str, real2: str) -> str:
    return f"""global_defs {{
    router_id {router_id}
}}

vrrp_instance lab {{
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority {priority}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass Lab-Pass
    }}
    virtual_ipaddress {{
        {VIP} dev eth0
    }}
}}

virtual_server {VIP_IP} 80 {{
    delay_loop 2
    lb_algo wrr
    lb_kind DR
    persistence_timeout 50
    protocol TCP
    real_server {real1} 80 {{
        weight 3
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
    real_server {real2} 80 {{
        weight 1
        TCP_CHECK {{
            connect_port 80
            connect_timeout 1
        }}
    }}
}}

virtual_server fwmark 7 {{
    delay_loop 2
    lb_algo sh
    lb_kind DR
    real_server {real1} 0 {{
        weight 1
        TCP_CHECK {{
            connect_port 80
            connect_timeout 1
        }}
    }}
}}
"""


def ipvs_table(topo: vt.Topology, role: str) -> list[tuple[str, tuple[str, ...]]]:
    """`ipvsadm -Ln` without its header and connection counters, as (service, its reals) in
    a canonical order: the kernel lists services by hash and reals by insertion."""
    out = topo.run(role, ["ipvsadm", "-Ln"], check=False)
    services: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines()[3:]:
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "->":
            services[current].append(" ".join(fields[1:4]))  # address:port forward weight
        else:
            current = " ".join(fields)
            services[current] = []
    return sorted((service, tuple(sorted(reals))) for service, reals in services.items())


def show(table) -> str:
    return "\n" + "\n".join(f"{service}: {', '.join(reals)}" for service, reals in table)


def start_keepalived(topo: vt.Topology, role: str, conf: str) -> Keepalived:
    """keepalived with its checkers (not --vrrp only), every file in the test's directory."""
    base = os.path.join(topo.tmpdir, f"keepalived-{role}")
    os.makedirs(base, exist_ok=True)
    argv = ["keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog",
            "--use-file", conf, "--pid", os.path.join(base, "keepalived.pid"),
            "--vrrp_pid", os.path.join(base, "vrrp.pid"),
            "--checkers_pid", os.path.join(base, "checkers.pid"),
            "--bfd_pid", os.path.join(base, "bfd.pid")]
    p = Keepalived(topo, role, argv, os.path.join(topo.tmpdir, f"keepalived-{role}.log"),
                   f"keepalived-{role}")
    topo.processes.append(p)
    return p


def convert(ctx: vt.Context, conf: str) -> str:
    done = subprocess.run([ctx.vipd, "import-keepalived", conf], capture_output=True, text=True,
                          timeout=30)
    vt.check(done.returncode == 0,
             f"import-keepalived {conf} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def wait_table(ctx: vt.Context, topo: vt.Topology, role: str, want: list[str], what: str) -> None:
    elapsed = vt.wait_until(lambda: ipvs_table(topo, role) == want, 15, interval=0.2, what=what,
                            explain=lambda: show(ipvs_table(topo, role)))
    ctx.log(f"{what}: after {elapsed:.2f}s")


def wait_directors(ctx: vt.Context, topo: vt.Topology, expected: set[str], timeout: float,
                   what: str) -> None:
    elapsed = vt.wait_until(lambda: topo.who_has(VIP, DIRECTORS) == expected, timeout,
                            interval=0.05, what=what,
                            explain=lambda: f"holders {sorted(topo.who_has(VIP, DIRECTORS))}")
    ctx.log(f"{what}: after {elapsed:.2f}s (bound {timeout:.2f}s)")


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "dir2", "real1", "real2"))
    reals = [topo.addr4(r).split("/")[0] for r in ("real1", "real2")]
    for real in ("real1", "real2"):
        topo.start_http_responder(real)
    inst = vt.Instance("lab", vrid=61, priority=100, vips=[VIP], version=2, advert_interval=1.0)
    confs, converted = {}, {}
    for role, priority in (("dir1", 150), ("dir2", 100)):
        confs[role] = os.path.join(topo.tmpdir, f"{role}-keepalived.conf")
        with open(confs[role], "w") as f:
            f.write(keepalived_conf(role, priority, *reals))
        converted[role] = convert(ctx, confs[role])

    # keepalived on the originals: the tables to match.
    keepalived = {role: start_keepalived(topo, role, confs[role]) for role in DIRECTORS}
    wait_directors(ctx, topo, {"dir1"}, inst.master_down_interval(150) + 10,
                   "keepalived's dir1 elected")
    want = sorted([
        (f"TCP {VIP_IP}:80 wrr persistent 50",
         tuple(sorted([f"{reals[0]}:80 Route 3", f"{reals[1]}:80 Route 1"]))),
        ("FWM 7 sh", (f"{reals[0]}:0 Route 1",)),
    ])
    tables = {}
    for role in DIRECTORS:
        vt.wait_until(lambda r=role: ipvs_table(topo, r) == want, 20, interval=0.2,
                      what=f"keepalived's table on {role}",
                      explain=lambda r=role: show(ipvs_table(topo, r)))
        tables[role] = ipvs_table(topo, role)
        ctx.log(f"keepalived's table on {role}: {show(tables[role])}")

    # 1. dir2: vipd on the converted file, beside keepalived's dir1.
    vt.check(keepalived["dir2"].stop() == 0, "keepalived on dir2 did not stop cleanly")
    vipd2 = start_vipd(topo, "dir2", ctx.vipd, converted["dir2"])
    wait_table(ctx, topo, "dir2", tables["dir2"], "vipd's table on dir2 equal to keepalived's")
    vipd2.wait_state("lab", "BACKUP", 10)
    vt.hold_for(lambda: topo.who_has(VIP, DIRECTORS) == {"dir1"}, inst.master_down_interval(100) + 1,
                what="keepalived's dir1 alone holding the VIP beside vipd")

    # 2. Failover both ways between keepalived (dir1) and vipd (dir2).
    topo.cut("dir1")
    wait_directors(ctx, topo, {"dir2"}, inst.master_down_interval(100) + 3,
                   "vipd taking over from the cut keepalived")
    topo.restore("dir1")
    wait_directors(ctx, topo, {"dir1"}, inst.master_down_interval(150) + 5,
                   "keepalived preempting vipd")
    vipd2.wait_state("lab", "BACKUP", 5)

    # 3. dir1: vipd on its converted file too; it takes the VIP back from dir2's vipd.
    vt.check(keepalived["dir1"].stop() == 0, "keepalived on dir1 did not stop cleanly")
    start_vipd(topo, "dir1", ctx.vipd, converted["dir1"])
    wait_table(ctx, topo, "dir1", tables["dir1"], "vipd's table on dir1 equal to keepalived's")
    wait_directors(ctx, topo, {"dir1"}, inst.master_down_interval(150) + 5,
                   "the converted pair: dir1's vipd holding the VIP")
    vt.check(ipvs_table(topo, "dir2") == tables["dir2"], "dir2's table changed meanwhile")


if __name__ == "__main__":
    vt.main(scenario, "import-keepalived: a keepalived pair replaced by vipd, one at a time",
            tools=("ip", "ipvsadm", "keepalived"), engines=("vipd",))
