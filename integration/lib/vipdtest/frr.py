"""FRR's vrrpd (with the zebra it needs) as a VRRP peer in one namespace.

FRR does not create the macvlan it keeps its VIPs on: as its operator would, `start_frr_vrrp`
makes one on eth0 with the virtual router MAC, in bridge mode, addresses generated at random,
puts the VIPs on it and brings it up. vrrpd then holds it in protodown while Backup. Every file
(configuration, pid files, sockets) is in the test's directory; nothing of the host's FRR is used.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil

from . import sh
from .daemon import Director, Instance, Process
from .waits import wait_until

def macvlan_name(vrid: int) -> str:
    return f"vrrp4-{vrid}"


class FrrVrrp(Director):
    """zebra + vrrpd; `state` asks vrrpd itself (`show vrrp json`) instead of parsing logs."""

    engine = "frr"

    def __init__(self, topo, role: str, base: str, zebra: Process, vrrpd: Process,
                 instance: Instance):
        self.topo, self.role, self.base = topo, role, base
        self.zebra, self.vrrpd, self.instance = zebra, vrrpd, instance
        self.name = vrrpd.name
        self.pid = vrrpd.pid
        self.log_path = vrrpd.log_path

    def alive(self) -> bool:
        return self.zebra.alive() and self.vrrpd.alive()

    @property
    def returncode(self):
        return self.vrrpd.returncode

    def show_vrrp(self) -> dict | None:
        out = self.topo.run(self.role, ["vtysh", "--vty_socket", self.base, "-c", "show vrrp json"],
                            check=False, timeout=10)
        try:
            entries = json.loads(out or "[]")
        except json.JSONDecodeError:
            return None
        return entries[0] if entries else None

    def state(self, instance: str | None = None) -> str | None:
        shown = self.show_vrrp()
        if not shown:
            return None
        return str(shown.get("v4", {}).get("status", "")).upper() or None

    def protodown(self) -> bool:
        out = sh.run(["ip", "-n", self.topo.ns[self.role], "-d", "-j", "link", "show", "dev",
                      macvlan_name(self.instance.vrid)])
        return bool(json.loads(out)[0].get("proto_down"))

    def stop(self, timeout: float = 10.0) -> int:
        rc = self.vrrpd.stop(timeout)
        self.zebra.stop(timeout)
        return rc

    def kill(self) -> None:
        self.vrrpd.kill()
        self.zebra.kill()

    def log_text(self) -> str:
        return self.zebra.log_text() + self.vrrpd.log_text()

    def log_tail(self, lines: int = 40) -> str:
        return self.vrrpd.log_tail(lines)


def _vrrpd_conf(inst: Instance) -> str:
    interval_ms = int(round(inst.advert_interval * 100)) * 10  # FRR wants multiples of 10 ms
    lines = ["debug vrrp protocol", f"interface {inst.interface}",
             f" vrrp {inst.vrid} version {inst.version}",
             f" vrrp {inst.vrid} priority {inst.priority}",
             f" vrrp {inst.vrid} advertisement-interval {interval_ms}"]
    if not inst.preempt:
        lines.append(f" no vrrp {inst.vrid} preempt")
    lines += [f" vrrp {inst.vrid} ip {ipaddress.ip_interface(v).ip}" for v in inst.vips]
    return "\n".join(lines) + "\n"


def start_frr_daemons(topo, role: str, name: str, configs: dict[str, str]):
    """FRR daemons in role's namespace, zebra (the first of `configs`, daemon -> configuration
    text) first and waited for until its API socket exists, then the others in order; every file
    in one directory of the test's. Returns that directory and the processes by daemon."""
    name = topo.unique_name(name)
    base = os.path.join(topo.tmpdir, name)
    os.makedirs(base, exist_ok=True)
    # The daemons run as the package's own user: as root they want root in the frrvty group.
    shutil.chown(base, "frr", "frr")
    os.chmod(topo.tmpdir, 0o755)
    zserv = os.path.join(base, "zserv.api")
    common = ["-z", zserv, "--vty_socket", base, "-u", "frr", "-g", "frr", "--log", "stdout",
              "--log-level", "debug"]
    daemons = {}
    for daemon, text in configs.items():
        conf = os.path.join(base, f"{daemon}.conf")
        with open(conf, "w") as f:
            f.write(text)
        shutil.chown(conf, "frr", "frr")
        daemons[daemon] = topo.popen(role, [f"/usr/lib/frr/{daemon}", "-f", conf,
                                            "-i", os.path.join(base, f"{daemon}.pid"), *common],
                                     os.path.join(topo.tmpdir, f"{name}-{daemon}.log"),
                                     f"{name}-{daemon}")
        if daemon == "zebra":
            zebra = daemons[daemon]
            wait_until(lambda: os.path.exists(zserv) or not zebra.alive(), 15, interval=0.05,
                       what=f"{name}: zebra's socket")
            if not zebra.alive():
                raise AssertionError(f"{name}: zebra exited:\n{zebra.log_tail()}")
    return base, daemons


def start_frr_vrrp(topo, role: str, inst: Instance, name: str | None = None) -> FrrVrrp:
    """The VMAC (made here), then zebra, then vrrpd, all in role's namespace, in the foreground."""
    ns = topo.ns[role]
    dev = macvlan_name(inst.vrid)
    mac = f"00:00:5e:00:01:{inst.vrid:02x}"
    sh.run(["ip", "-n", ns, "link", "add", dev, "link", inst.interface, "type", "macvlan", "mode",
            "bridge"])
    # Set apart from the creation: a new link's IFLA_AF_SPEC for IPv6 is refused by some kernels.
    sh.run(["ip", "-n", ns, "link", "set", "dev", dev, "address", mac, "addrgenmode", "random"])
    for v in inst.vips:
        sh.run(["ip", "-n", ns, "addr", "add", v, "dev", dev])
    sh.run(["ip", "-n", ns, "link", "set", "dev", dev, "up"])

    base, daemons = start_frr_daemons(topo, role, name or f"frr-{role}", {
        "zebra": "! zebra: nothing to configure; vrrpd needs it for interfaces and protodown\n",
        "vrrpd": _vrrpd_conf(inst)})
    zebra, vrrpd = daemons["zebra"], daemons["vrrpd"]
    return FrrVrrp(topo, role, base, zebra, vrrpd, inst)
