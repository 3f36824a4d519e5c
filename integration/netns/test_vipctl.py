#!/usr/bin/env python3
"""vipctl against a running pair: status (table and JSON), ipvs, demote / promote (the VIP
moves to the peer and back; the override survives a reload), garp, reload (good and bad
files), and its exit codes (0 done, 1 refused by vipd, 2 no daemon at the socket).

dir1 (web 150, db 100) and dir2 (web 100, db 150), VRRPv3 at 200 ms; dir1's control socket is
in the test's directory (mode 0600). web has a virtual server with one real in the client's
namespace, checked by TCP: this kernel has no IPVS, so `vipctl ipvs` shows it checked but not
in the kernel.
"""

import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, tcp_checked_service, vipd_config  # noqa: E402

WEB = "10.99.0.100/24"
DB = "10.99.0.101/24"


def scenario(ctx: vt.Context) -> None:
    vipctl = os.path.join(os.path.dirname(ctx.vipd), "..", "vipctl", "vipctl")
    vt.check(os.access(vipctl, os.X_OK), f"no vipctl next to vipd: {vipctl}")
    topo = ctx.topology(("dir1", "dir2", "client"))
    topo.start_http_responder("client")
    socket_path = os.path.join(topo.tmpdir, "dir1.sock")
    web = vt.Instance("web", vrid=51, priority=100, vips=[WEB], advert_interval=0.2)
    db = vt.Instance("db", vrid=52, priority=100, vips=[DB], advert_interval=0.2)
    control = f'control_socket = "{socket_path}"\n'
    service = tcp_checked_service("web-80", "10.99.0.100", 80, topo.addr4("client"))
    first = vipd_config("dir1", [web.with_priority(150), db]).replace(
        'router_id = "dir1"\n', 'router_id = "dir1"\n' + control) + service
    d1 = start_vipd(topo, "dir1", ctx.vipd, first)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [web, db.with_priority(150)]))
    conf = os.path.join(topo.tmpdir, f"{d1.name}.toml")
    bound = web.master_down_interval(100) + 3.0
    vt.wait_holders(ctx, topo, WEB, {"dir1"}, bound + 2.0)
    vt.wait_holders(ctx, topo, DB, {"dir2"}, bound + 2.0)

    def run(*args: str, expect: int = 0) -> str:
        r = subprocess.run(["ip", "netns", "exec", topo.ns["dir1"], vipctl, "--socket", socket_path,
                            *args], capture_output=True, text=True, timeout=30)
        vt.check(r.returncode == expect, f"vipctl {' '.join(args)}: exit {r.returncode}, expected "
                 f"{expect}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r.stdout + r.stderr

    def status() -> dict:
        return {i["name"]: i for i in json.loads(run("status", "--json"))["instances"]}

    mode = stat.S_IMODE(os.stat(socket_path).st_mode)
    vt.check(mode == 0o600, f"control socket mode {oct(mode)}, expected 0600")

    table = run("status")
    ctx.log("vipctl status:\n" + table)
    vt.check("web" in table and "MASTER" in table and "BACKUP" in table, "status table incomplete")
    vt.check("\x1b[" not in table, "colour codes in output that is not a terminal")
    s = status()
    vt.check(s["web"]["state"] == "MASTER" and s["web"]["priority"] == 150, f"web: {s['web']}")
    vt.check(s["db"]["state"] == "BACKUP" and s["db"]["master"] == topo.addr4("dir2"),
             f"db should name dir2 as its master: {s['db']}")
    vt.check(s["web"]["vips"] == [WEB], f"web's VIPs: {s['web']['vips']}")

    vt.wait_until(lambda: json.loads(run("ipvs", "--json"))[0]["reals"][0]["health"] == "up", 5,
                  what="the real's TCP check to pass")
    services = json.loads(run("ipvs", "--json"))
    ctx.log("vipctl ipvs:\n" + run("ipvs"))
    vt.check(services[0]["name"] == "web-80" and services[0]["gate"] == "web"
             and services[0]["in_kernel"] is False, f"ipvs view: {services[0]}")

    # Maintenance: web's VIP goes to dir2 and stays there through a reload.
    ctx.log(run("demote", "web").strip())
    vt.wait_holders(ctx, topo, WEB, {"dir2"}, bound, what="demoted: web's VIP on dir2")
    vt.check(status()["web"]["demoted"] and status()["web"]["priority"] == 1,
             f"status does not show the demotion: {status()['web']}")
    vt.check("demoted" in run("status"), "the status table does not mark the demotion")
    with open(conf, "w") as f:
        f.write(first.replace("priority = 100", "priority = 110"))  # db: still below dir2
    out = run("reload")
    ctx.log("vipctl reload: " + out.strip())
    vt.hold_for(lambda: topo.who_has(WEB) == {"dir2"}, 1.0, what="the demotion surviving a reload")
    vt.check(status()["web"]["demoted"], "the reload cleared the demotion")
    ctx.log(run("promote", "web").strip())
    vt.wait_holders(ctx, topo, WEB, {"dir1"}, bound, what="promoted: web's VIP back on dir1")

    # Refusals: exit 1 with vipd's reason.
    vt.check("BACKUP" in run("garp", "db", expect=1), "garp on a Backup: no reason given")
    ctx.log(run("garp", "web").strip())
    vt.check("nope" in run("demote", "nope", expect=1), "unknown instance not named")
    with open(conf, "w") as f:
        f.write(first.replace("vrid = 52", "vrid = 0"))
    refused = run("reload", expect=1)
    vt.check(f"{conf}:" in refused and "vrid" in refused, f"reload refusal: {refused}")
    last = json.loads(run("status", "--json"))["last_reload"]
    vt.check(last["ok"] is False and "vrid" in last["message"], f"last_reload: {last}")
    vt.check("reload" in run("status").lower(), "the status table hides the refused reload")
    vt.check(topo.who_has(WEB) == {"dir1"}, "a refused reload moved web")

    # No daemon at the path: exit 2 and a message naming the path.
    missing = os.path.join(topo.tmpdir, "missing.sock")
    r = subprocess.run([vipctl, "--socket", missing, "status"], capture_output=True, text=True,
                       timeout=30)
    vt.check(r.returncode == 2 and missing in r.stderr, f"no daemon: exit {r.returncode} {r.stderr}")
    vt.check(d1.stop() == 0 and d2.stop() == 0, "a director did not exit cleanly")
    vt.check(not os.path.exists(socket_path), "the control socket outlived vipd")


if __name__ == "__main__":
    vt.main(scenario, "vipctl drives a running vipd through its control socket",
            engines=("vipd",))
