#!/usr/bin/env python3
"""SIGHUP reload as a difference, on an active-active pair (web Master on dir1, db on dir2).

1. dir1's file gains a VIP on web, a new instance `cache` and a changed priority on db (still
   below dir2's). After SIGHUP: web's existing VIP is never deleted (`ip monitor` in dir1 sees
   no deletion), no instance on either director changes state, the new VIP is up on dir1 and
   the client learns its MAC from a gratuitous ARP, and cache becomes MASTER.
   cache comes from a conf.d fragment (`include = ["conf.d/*.toml"]`).
2. An invalid fragment (vrid = 300): dir1 logs the error with the fragment's file and line,
   keeps running the previous configuration and every VIP.
3. A file without cache and with the new web VIP gone: both leave dir1; web's first VIP stays.
4. A VIP moves from web to a new instance `web2` that is a Master at once (address owner):
   the address is never deleted.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

WEB = "10.99.0.100/24"
DB = "10.99.0.101/24"
WEB_NEW = "10.99.0.102/24"
CACHE = "10.99.0.103/24"


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    web = vt.Instance("web", vrid=51, priority=100, vips=[WEB], advert_interval=0.2)
    db = vt.Instance("db", vrid=52, priority=100, vips=[DB], advert_interval=0.2)
    first = vipd_config("dir1", [web.with_priority(150), db])
    d1 = start_vipd(topo, "dir1", ctx.vipd, first)
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config("dir2", [web, db.with_priority(150)]))
    conf = os.path.join(topo.tmpdir, f"{d1.name}.toml")
    vt.wait_holders(ctx, topo, WEB, {"dir1"}, web.master_down_interval(100) + 5.0)
    vt.wait_holders(ctx, topo, DB, {"dir2"}, db.master_down_interval(100) + 5.0)
    time.sleep(1.0)

    monitor_log = os.path.join(topo.tmpdir, "ip-monitor.log")
    with open(monitor_log, "w") as out:
        monitor = subprocess.Popen(["ip", "-n", topo.ns["dir1"], "monitor", "address"], stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        time.sleep(0.3)
        reload_steps(ctx, topo, d1, d2, conf, web, db)
    finally:
        monitor.terminate()
        monitor.wait(timeout=5)
    deleted = [line for line in open(monitor_log).read().splitlines()
               if line.startswith("Deleted") and " 10.99.0.100/" in line]
    vt.check(not deleted, "web's VIP was deleted during a reload:\n" + "\n".join(deleted))
    vt.check(d1.stop() == 0 and d2.stop() == 0, "a director did not exit cleanly")


def reload(ctx, d1, conf: str, text: str, what: str) -> None:
    with open(conf, "w") as f:
        f.write(text)
    def outcomes() -> int:
        text = d1.log_text()
        return text.count("reloaded ") + text.count("reload refused")

    before = outcomes()
    d1.signal(signal.SIGHUP)
    vt.wait_until(lambda: outcomes() > before, 5, what=f"dir1 to log {what}")
    ctx.log(f"SIGHUP ({what}): " + d1.log_text().splitlines()[-1])


def reload_steps(ctx, topo, d1, d2, conf, web, db) -> None:
    # Gratuitous ARP for an address the client never asked about creates an entry only with
    # arp_accept: then the entry proves the announcement.
    topo.sysctl_ns(topo.ns["client"], "net.ipv4.conf.all.arp_accept=1",
                   "net.ipv4.conf.eth0.arp_accept=1")
    steady = (len(d1.transitions()), len(d2.transitions()))
    cache = vt.Instance("cache", vrid=53, priority=150, vips=[CACHE], advert_interval=0.2)
    grown = vt.Instance("web", vrid=51, priority=150, vips=[WEB, WEB_NEW], advert_interval=0.2)
    # cache comes from a conf.d fragment, as people deploy one service per file.
    fragment_dir = os.path.join(os.path.dirname(conf), "conf.d")
    os.makedirs(fragment_dir, exist_ok=True)
    fragment = os.path.join(fragment_dir, "cache.toml")
    cache_text = vipd_config("dir1", [cache])
    cache_text = cache_text[cache_text.index("[[vrrp]]"):]
    with open(fragment, "w") as f:
        f.write(cache_text)
    second = 'include = ["conf.d/*.toml"]\n' + vipd_config("dir1", [grown, db.with_priority(120)])
    reload(ctx, d1, conf, second, "a grown configuration with a fragment")
    vt.check("(2 file(s))" in d1.log_text(), f"the fragment was not read:\n{d1.log_tail()}")
    vt.check("reloaded" in d1.log_text(), f"no reload summary:\n{d1.log_tail()}")
    vt.wait_holders(ctx, topo, WEB_NEW, {"dir1"}, 2.0, what="the new web VIP up on dir1")
    vt.wait_until(lambda: topo.neigh_mac(WEB_NEW) == topo.mac("dir1"), 3,
                  what="the client to learn the new VIP from a gratuitous ARP")
    d1.wait_state("cache", "MASTER", cache.master_down_interval() + 3.0)
    vt.check(topo.who_has(WEB) == {"dir1"} and topo.who_has(DB) == {"dir2"},
             f"holders moved: web {topo.who_has(WEB)}, db {topo.who_has(DB)}")
    new_lines = d1.transition_lines()[steady[0]:]
    vt.check(all("cache:" in line for line in new_lines),
             "a reload changed the state of an unchanged instance:\n" + "\n".join(new_lines))
    vt.check(len(d2.transitions()) == steady[1],
             "dir2 saw a transition:\n" + "\n".join(d2.transition_lines()[steady[1]:]))

    with open(fragment, "w") as f:
        f.write(cache_text.replace("vrid = 53", "vrid = 300"))
    reload(ctx, d1, conf, second, "an invalid fragment")
    log = d1.log_text()
    vt.check("reload refused" in log and f"{fragment}:" in log and "vrid" in log,
             f"the refusal does not name the fragment, line and key:\n{d1.log_tail()}")
    vt.check(d1.alive(), "dir1 died on an invalid reload")
    vt.hold_for(lambda: topo.who_has(CACHE) == {"dir1"} and topo.who_has(WEB_NEW) == {"dir1"}, 1.0,
                what="dir1 keeping its VIPs after a refused reload")

    third = vipd_config("dir1", [web.with_priority(150), db.with_priority(120)])
    reload(ctx, d1, conf, third, "a shrunk configuration")
    vt.wait_holders(ctx, topo, CACHE, set(), 2.0, what="cache's VIP gone with its instance")
    vt.wait_holders(ctx, topo, WEB_NEW, set(), 2.0, what="the dropped web VIP gone")
    vt.check(topo.who_has(WEB) == {"dir1"}, "web's first VIP went away")

    # The VIP moves to an instance that is Master at once: it stays up throughout.
    web_only = vt.Instance("web", vrid=51, priority=150, vips=[WEB_NEW], advert_interval=0.2)
    owner = vt.Instance("web2", vrid=54, priority=255, vips=[WEB], advert_interval=0.2)
    reload(ctx, d1, conf, vipd_config("dir1", [web_only, db.with_priority(120), owner]),
           "a VIP moving to another instance")
    d1.wait_state("web2", "MASTER", 2.0)
    vt.check(topo.who_has(WEB) == {"dir1"}, "the moved VIP is not on dir1")


if __name__ == "__main__":
    vt.main(scenario, "SIGHUP reloads as a difference: no flap, bad files refused",
            engines=("vipd",))
