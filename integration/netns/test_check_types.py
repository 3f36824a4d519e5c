#!/usr/bin/env python3
"""Every network check type against a real server in its own namespace: HTTPS on
`openssl s_server` (SNI must match, certificate verified against a CA file), DNS on dnsmasq,
UDP on socat. Each check that should pass starts down and must come up; each that should fail
starts up and must go down, saying why.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

HOST = "www.example.com"


def service(port: int, protocol: str, real: str, real_port: int, initial: str, check: str) -> str:
    return f"""
[[virtual_server]]
name = "s{port}"
address = "10.99.0.100"
port = {port}
protocol = "{protocol}"
forwarding = "nat"
  [virtual_server.check]
  interval = "500ms"
  timeout = "400ms"
  initial = "{initial}"
{check}
  [[virtual_server.real]]
  address = "{real}"
  port = {real_port}
"""


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "tls", "dns", "udp"))
    tls, dns, udp = (topo.addr4(r) for r in ("tls", "dns", "udp"))
    cert, key = (os.path.join(topo.tmpdir, n) for n in ("cert.pem", "key.pem"))
    vt.sh.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
               "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
               "-keyout", key, "-out", cert])
    os.chmod(topo.tmpdir, 0o755)  # the checks read the CA file as root anyway; s_server too
    topo.popen("tls", ["openssl", "s_server", "-quiet", "-accept", "443", "-cert", cert,
                       "-key", key, "-cert2", cert, "-key2", key, "-www", "-servername", HOST,
                       "-servername_fatal"],
               os.path.join(topo.tmpdir, "s_server.log"), "s_server")
    topo.popen("dns", ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                       "--no-hosts", "--pid-file=", "--user=root", "--port=53",
                       f"--listen-address={dns}", "--bind-interfaces",
                       f"--address=/{HOST}/10.99.0.77", "--log-facility=-"],
               os.path.join(topo.tmpdir, "dnsmasq.log"), "dnsmasq")
    topo.popen("udp", ["socat", "-T", "1", "UDP4-RECVFROM:5000,fork", "SYSTEM:head -c 4 >/dev/null; echo pong"],
               os.path.join(topo.tmpdir, "socat.log"), "socat")

    # The checks start with vipd: a backend still starting would fail them for the wrong reason.
    for role, kind, port in (("tls", "-ltnH", 443), ("dns", "-lunH", 53), ("udp", "-lunH", 5000)):
        vt.wait_until(lambda r=role, k=kind, p=port: f":{p} " in topo.run(r, ["ss", k]), 10,
                      what=f"{role}'s backend listening on {port}")

    https = 'type = "https"'
    rows = [  # (service port, protocol, real, real port, should pass, check keys, failure text)
        (1001, "tcp", tls, 443, True,
         f'{https}\n  host = "{HOST}"\n  tls_verify = true\n  ca_file = "{cert}"', None),
        (1002, "tcp", tls, 443, False, f'{https}\n  host = "wrong.example.com"', "TLS"),
        (1003, "tcp", tls, 443, False, f'{https}\n  host = "{HOST}"\n  tls_verify = true',
         "certificate"),
        (1004, "udp", dns, 53, True, f'type = "dns"\n  name = "{HOST}"', None),
        (1005, "udp", dns, 53, False, 'type = "dns"\n  name = "www.example.com"\n  query_type = "MX"',
         None),
        (1006, "udp", udp, 5000, True, 'type = "udp"\n  payload = "ping"\n  expect = "pong"', None),
        (1007, "udp", udp, 5000, False, 'type = "udp"\n  payload = "ping"\n  expect = "nope"', None),
    ]
    config = vipd_config("dir1", [vt.Instance("web", vrid=51, priority=150,
                                              vips=["10.99.0.100/24"], advert_interval=0.2)])
    for port, protocol, real, real_port, good, check, _ in rows:
        config += service(port, protocol, real, real_port, "down" if good else "up", "  " + check)
    d = start_vipd(topo, "dir1", ctx.vipd, config)

    def label(port, real, real_port):
        return f"s{port} {real}:{real_port}"

    def settled():
        text = d.log_text()
        return all((f"{label(p, r, rp)}: down -> up" if good else f"{label(p, r, rp)}: up -> down")
                   in text for p, _, r, rp, good, _, _ in rows)

    vt.wait_until(lambda: settled() or not d.alive(), 20, what="every check settled",
                  explain=lambda: d.log_tail(30))
    vt.check(d.alive(), "vipd exited")
    text = d.log_text()
    for port, _, real, real_port, good, _, why in rows:
        lines = re.findall(rf"{re.escape(label(port, real, real_port))}: .*", text)
        ctx.log(f"{'pass' if good else 'fail'} expected: {lines}")
        if not good:
            vt.check(not any("down -> up" in line for line in lines), f"s{port} came up: {lines}")
            if why:
                vt.check(any(why.lower() in line.lower() for line in lines),
                         f"s{port} failure does not mention {why!r}: {lines}")
    vt.check(d.stop() == 0, "vipd did not exit cleanly")


if __name__ == "__main__":
    vt.main(scenario, "https (SNI, CA file), dns and udp checks against real servers",
            tools=("ip", "openssl", "dnsmasq", "socat"), engines=("vipd",))
