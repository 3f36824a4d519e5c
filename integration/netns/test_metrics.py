#!/usr/bin/env python3
"""The Prometheus endpoint ([global] metrics_listen), scraped with curl.

dir1 (web 150) and dir2 (web 100), VRRPv3 at 200 ms; dir1 serves metrics on 127.0.0.1:9650 in
its own namespace and checks one real (the client's HTTP responder) by TCP. Checks:
  - the response: 200, Content-Type text/plain; version=0.0.4, and the body parses as the text
    exposition format (HELP and TYPE once per family, before its samples; every sample line
    `name{labels} value` with a known family and a number);
  - the values: web MASTER (one-hot state), priority 150, adverts sent growing between two
    scrapes, the real up, a check latency, IPVS unavailable on this kernel, no socket drops
    and no link monitor overruns on this quiet pair (the series exist; sockets_test and
    rtnl_link_monitor_test prove the counting);
  - after a failover (dir1 demoted through a reload to priority 50): the state moves to BACKUP,
    transitions grows, adverts received grow, reloads_total{result="applied"} is 1;
  - a second vipd asked for the same port logs the failure and keeps running VRRP;
  - the loop lag histogram grows at its 10 probes a second; dir2, whose endpoint is on its link
    address, warns that it is reachable from other hosts, dir1 (loopback) does not.
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, tcp_checked_service, vipd_config  # noqa: E402

WEB = "10.99.0.100/24"
LISTEN = "127.0.0.1:9650"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?'
                    r' (-?[0-9.e+-]+|[+-]Inf|NaN)$')


def parse(body: str) -> dict:
    """{(name, labels text): value}; raises AssertionError where the format is broken."""
    helps, types, samples = set(), {}, {}
    for line in body.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            vt.check(name not in helps, f"HELP twice for {name}")
            helps.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            vt.check(name not in types and kind in ("counter", "gauge", "histogram"),
                     f"bad TYPE line: {line}")
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            vt.check(m is not None, f"not an exposition sample line: {line!r}")
            name = m.group(1)
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            if types.get(family) == "histogram":
                name = family
            vt.check(name in types and name in helps, f"sample before its HELP/TYPE: {line}")
            name = m.group(1)
            samples[(name, m.group(2) or "")] = float(m.group(3))
    return samples


def scrape(topo) -> tuple[str, dict]:
    out = topo.run("dir1", ["curl", "-s", "-i", "--max-time", "5", f"http://{LISTEN}/metrics"])
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    vt.check(head.startswith("HTTP/1.1 200"), f"status line: {head.splitlines()[0]}")
    vt.check("content-type: text/plain; version=0.0.4" in head.lower(), f"headers:\n{head}")
    return body, parse(body)


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    topo.start_http_responder("client")
    topo.run("dir1", ["ip", "link", "set", "lo", "up"])
    web = vt.Instance("web", vrid=51, priority=100, vips=[WEB], advert_interval=0.2)
    service = tcp_checked_service("web-80", "10.99.0.100", 80, topo.addr4("client"))
    header = 'router_id = "dir1"\n'
    first = vipd_config("dir1", [web.with_priority(150)]).replace(
        header, header + f'metrics_listen = "{LISTEN}"\ncontrol_socket = ""\n') + service
    d1 = start_vipd(topo, "dir1", ctx.vipd, first)
    # dir2 serves metrics on its link address: reachable from other hosts, so it warns.
    d2 = start_vipd(topo, "dir2", ctx.vipd, vipd_config(
        "dir2", [web], [f'metrics_listen = "{topo.addr4("dir2")}:9650"']))
    vt.wait_holders(ctx, topo, WEB, {"dir1"}, web.master_down_interval(100) + 5.0)
    vt.wait_until(lambda: scrape(topo)[1].get(("vipd_real_up", '{service="web-80",real="'
                                               + topo.addr4("client") + ':80"}')) == 1, 5,
                  what="vipd_real_up for the checked real")

    body, first_scrape = scrape(topo)
    ctx.log(f"first scrape: {len(body)} bytes, {len(first_scrape)} samples")
    vt.check("reachable from other hosts" in d2.log_text(), f"no warning:\n{d2.log_tail()}")
    vt.check("reachable from other hosts" not in d1.log_text(), "loopback warned about")

    def value(samples, name, labels=""):
        vt.check((name, labels) in samples, f"no sample {name}{labels}")
        return samples[(name, labels)]
    vt.check(value(first_scrape, "vipd_vrrp_state", '{instance="web",state="MASTER"}') == 1, "")
    vt.check(value(first_scrape, "vipd_vrrp_state", '{instance="web",state="BACKUP"}') == 0, "")
    vt.check(value(first_scrape, "vipd_vrrp_priority", '{instance="web"}') == 150, "priority")
    vt.check(value(first_scrape, "vipd_ipvs_available") == 0, "this kernel has no IPVS")
    vt.check(value(first_scrape, "vipd_vrrp_socket_drops_total", '{instance="web"}') == 0,
             "socket drops on a quiet pair")
    vt.check(value(first_scrape, "vipd_link_monitor_overruns_total") == 0,
             "link monitor overruns on a quiet host")
    latency = value(first_scrape, "vipd_real_check_latency_seconds",
                    '{service="web-80",real="' + topo.addr4("client") + ':80"}')
    vt.check(0 <= latency < 1, f"check latency {latency}")
    time.sleep(1.0)
    _, second = scrape(topo)
    sent = [value(s, "vipd_vrrp_adverts_sent_total", '{instance="web"}')
            for s in (first_scrape, second)]
    vt.check(sent[1] >= sent[0] + 3, f"adverts sent did not grow at 5/s: {sent}")
    probes = [value(s, "vipd_loop_lag_seconds_count") for s in (first_scrape, second)]
    vt.check(probes[1] >= probes[0] + 5, f"the loop lag probe did not run at 10/s: {probes}")
    vt.check(value(second, "vipd_loop_lag_seconds_bucket", '{le="+Inf"}') == probes[1],
             "the +Inf bucket differs from _count")

    conf = os.path.join(topo.tmpdir, f"{d1.name}.toml")
    with open(conf, "w") as f:
        f.write(first.replace("priority = 150", "priority = 50"))
    d1.signal(1)
    vt.wait_holders(ctx, topo, WEB, {"dir2"}, web.master_down_interval(50) + 3.0,
                    what="priority 50 after reload: the VIP on dir2")
    time.sleep(0.5)
    _, third = scrape(topo)
    vt.check(value(third, "vipd_vrrp_state", '{instance="web",state="BACKUP"}') == 1, "not BACKUP")
    vt.check(value(third, "vipd_vrrp_transitions_total", '{instance="web"}') >
             value(second, "vipd_vrrp_transitions_total", '{instance="web"}'), "no transition")
    vt.check(value(third, "vipd_vrrp_adverts_received_total", '{instance="web"}') > 0,
             "no adverts received from dir2")
    vt.check(value(third, "vipd_reloads_total", '{result="applied"}') == 1, "reload not counted")

    # The port is taken: a second daemon says so and runs VRRP anyway.
    other = vt.Instance("other", vrid=60, priority=100, vips=["10.99.0.160/24"],
                        advert_interval=0.2)
    d3 = start_vipd(topo, "dir1", ctx.vipd, vipd_config("dir1b", [other]).replace(
        'router_id = "dir1b"\n', f'router_id = "dir1b"\nmetrics_listen = "{LISTEN}"\n'
        'control_socket = ""\n'), name="vipd-dir1b")
    vt.wait_until(lambda: "metrics endpoint" in d3.log_text(), 5, what="dir1b's metrics error")
    vt.check("Address already in use" in d3.log_text(), f"no EADDRINUSE:\n{d3.log_tail()}")
    vt.wait_until(lambda: "other: INIT -> BACKUP" in d3.log_text(), 5, what="dir1b running VRRP")
    vt.check(d3.stop() == 0 and d1.stop() == 0 and d2.stop() == 0, "a daemon did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "the Prometheus endpoint scraped with curl", engines=("vipd",))
