"""A switch namespace with a Linux bridge and host namespaces joined to it by veth pairs.

Nothing is created in the root namespace: the bridge lives in the switch namespace, each veth
pair is created there with its peer placed straight into the host namespace as `eth0`.
Names carry a per-run prefix ("vt" + 5 hex digits) so parallel runs never collide.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import cleanup, sh
from .waits import wait_until

SUBNET4 = "10.99.0"
SUBNET6 = "2001:db8:99"
# Host part of each role's own address; roles not listed get 20, 21, ...
HOST_NUMBERS = {"dir1": 1, "dir2": 2, "dir3": 3, "client": 10}


class Topology:
    """Build with Topology(roles).build(); everything is undone by cleanup.REGISTRY."""

    def __init__(self, roles=("dir1", "dir2", "client"), keep_tmp: bool = False, log=None):
        self.prefix = "vt" + secrets.token_hex(3)[:5]
        self.roles = list(roles)
        self.switch = f"{self.prefix}-sw"
        self.ns = {role: f"{self.prefix}-{role}" for role in self.roles}
        self.tmpdir = tempfile.mkdtemp(prefix=f"vipdtest-{self.prefix}-", dir="/tmp")
        self.keep_tmp = keep_tmp
        self.failed = False
        self._log = log or (lambda msg: print(msg, flush=True))
        self._created: list[str] = []
        self.processes: list = []
        self._names: dict[str, int] = {}  # daemon.Process, for log dumps on failure
        numbers = dict(HOST_NUMBERS)
        extra = 20
        for role in self.roles:
            if role not in numbers:
                numbers[role] = extra
                extra += 1
        self.host_number = numbers
        cleanup.REGISTRY.push(f"remove {self.tmpdir}", self._remove_tmpdir)

    # ----- construction -------------------------------------------------------------------
    def _add_namespace(self, name: str) -> None:
        # Register the undo before creating, so a crash in between still cleans up.
        self._created.append(name)
        cleanup.write_manifest(self.tmpdir, self._created)
        cleanup.REGISTRY.push(f"delete netns {name}", lambda: cleanup.delete_namespace(name))
        sh.run(["ip", "netns", "add", name])

    def build(self) -> "Topology":
        sw = self.switch
        self._add_namespace(sw)
        # The switch takes no part in IPv6 (no RS, MLD or DAD traffic from the bridge itself).
        self.sysctl_ns(sw, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        sh.run(["ip", "-n", sw, "link", "set", "lo", "up"])
        # No snooping: VRRP multicast (224.0.0.18, ff02::12) must reach every port unconditionally.
        sh.run(["ip", "-n", sw, "link", "add", "br0", "type", "bridge", "stp_state", "0",
                "forward_delay", "0", "mcast_snooping", "0"])
        sh.run(["ip", "-n", sw, "link", "set", "br0", "up"])
        for role in self.roles:
            ns = self.ns[role]
            self._add_namespace(ns)
            # Our test addresses must be usable at once: no duplicate address detection.
            self.sysctl_ns(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
            port = self.port(role)
            sh.run(["ip", "-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                    "netns", ns])
            sh.run(["ip", "-n", sw, "link", "set", port, "master", "br0", "up"])
            self.sysctl_ns(ns, "net.ipv6.conf.eth0.accept_dad=0")
            sh.run(["ip", "-n", ns, "link", "set", "lo", "up"])
            n = self.host_number[role]
            sh.run(["ip", "-n", ns, "addr", "add", f"{SUBNET4}.{n}/24", "dev", "eth0"])
            sh.run(["ip", "-n", ns, "-6", "addr", "add", f"{SUBNET6}::{n}/64", "dev", "eth0", "nodad"])
            sh.run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        wait_until(lambda: all(self.link_local(r) for r in self.roles), 10,
                   what="link-local addresses on every eth0")
        self._log(f"topology {self.prefix}: switch {sw}, hosts "
                  + ", ".join(f"{r}={self.ns[r]} ({self.addr4(r)}, {self.mac(r)})" for r in self.roles))
        return self

    def add_segment(self, dev: str, subnet4: str, roles, hosts=()) -> None:
        """A second Ethernet segment: its own bridge in the switch namespace, and an interface
        `dev` with subnet4.<host number>/24 in each of `roles` and of `hosts`, new namespaces
        that are no directors (e.g. a client on the segment; their host numbers follow 30)."""
        sw = self.switch
        bridge = f"br-{dev}"
        sh.run(["ip", "-n", sw, "link", "add", bridge, "type", "bridge", "stp_state", "0",
                "forward_delay", "0", "mcast_snooping", "0"])
        sh.run(["ip", "-n", sw, "link", "set", bridge, "up"])
        for extra, host in enumerate(hosts, start=30):
            self.ns[host] = f"{self.prefix}-{host}"
            self.host_number[host] = extra
            self._add_namespace(self.ns[host])
            sh.run(["ip", "-n", self.ns[host], "link", "set", "lo", "up"])
        for role in (*roles, *hosts):
            ns = self.ns[role]
            port = f"{dev}-{role}"[:15]
            sh.run(["ip", "-n", sw, "link", "add", port, "type", "veth", "peer", "name", dev,
                    "netns", ns])
            sh.run(["ip", "-n", sw, "link", "set", port, "master", bridge, "up"])
            sh.run(["ip", "-n", ns, "addr", "add", f"{subnet4}.{self.host_number[role]}/24", "dev",
                    dev])
            sh.run(["ip", "-n", ns, "link", "set", dev, "up"])

    def sysctl_ns(self, ns: str, *settings: str) -> None:
        sh.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *settings])

    def _remove_tmpdir(self) -> None:
        if self.keep_tmp or self.failed:
            print(f"vipdtest: logs kept in {self.tmpdir}", file=sys.stderr)
            manifest = os.path.join(self.tmpdir, "manifest.json")
            if os.path.exists(manifest):
                os.unlink(manifest)
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def leftover_namespaces(self) -> list[str]:
        """Namespaces of this run that still exist (must be empty after cleanup)."""
        out = sh.run(["ip", "netns", "list"], check=False)
        names = {line.split()[0] for line in out.splitlines() if line.strip()}
        return sorted(n for n in names if n.startswith(self.prefix))

    # ----- naming ---------------------------------------------------------------------------
    def port(self, role: str) -> str:
        """The switch-side veth of a host (inside the switch namespace, so short names suffice)."""
        return f"p-{role}"[:15]

    def addr4(self, role: str) -> str:
        return f"{SUBNET4}.{self.host_number[role]}"

    def addr6(self, role: str) -> str:
        return f"{SUBNET6}::{self.host_number[role]}"

    def unique_name(self, base: str) -> str:
        """base, then base-2, base-3...: a restarted daemon gets fresh config, log and pid files."""
        self._names[base] = self._names.get(base, 0) + 1
        return base if self._names[base] == 1 else f"{base}-{self._names[base]}"

    # ----- running things -------------------------------------------------------------------
    def run(self, role: str, argv: list[str], check: bool = True, timeout: float = 30.0) -> str:
        """Run argv inside role's namespace and return its stdout."""
        return sh.run(["ip", "netns", "exec", self.ns[role], *argv], check=check, timeout=timeout)

    def popen(self, role: str, argv: list[str], log_path: str, name: str):
        from .daemon import Process
        p = Process(self, role, argv, log_path, name)
        self.processes.append(p)
        return p

    # ----- addresses and links --------------------------------------------------------------
    def add_address(self, role: str, cidr: str, dev: str = "eth0") -> None:
        extra = ["nodad"] if ipaddress.ip_interface(cidr).version == 6 else []
        sh.run(["ip", "-n", self.ns[role], "addr", "add", cidr, "dev", dev, *extra])

    def del_address(self, role: str, cidr: str, dev: str = "eth0") -> None:
        sh.run(["ip", "-n", self.ns[role], "addr", "del", cidr, "dev", dev])

    def addresses(self, role: str) -> set[str]:
        """Every address (without prefix length) on every interface of role's namespace."""
        out = sh.run(["ip", "-n", self.ns[role], "-j", "addr", "show"])
        result = set()
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                if "local" in a:
                    result.add(str(ipaddress.ip_address(a["local"])))
        return result

    def who_has(self, vip: str, roles=None) -> set[str]:
        """The roles whose namespace currently holds vip (prefix length ignored)."""
        address = str(ipaddress.ip_interface(vip).ip)
        return {r for r in (roles or self.directors()) if address in self.addresses(r)}

    def directors(self) -> list[str]:
        return [r for r in self.roles if r != "client"]

    def mac(self, role: str, dev: str = "eth0") -> str:
        out = sh.run(["ip", "-n", self.ns[role], "-j", "link", "show", "dev", dev])
        return json.loads(out)[0]["address"].lower()

    def link_local(self, role: str) -> str | None:
        out = sh.run(["ip", "-n", self.ns[role], "-j", "-6", "addr", "show", "dev", "eth0",
                      "scope", "link"])
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                if "local" in a and not a.get("tentative"):
                    return a["local"]
        return None

    def neigh_mac(self, vip: str, role: str = "client", dev: str = "eth0") -> str | None:
        """The MAC role's neighbour table holds for vip, or None (absent, INCOMPLETE, FAILED)."""
        address = str(ipaddress.ip_interface(vip).ip)
        out = sh.run(["ip", "-n", self.ns[role], "-j", "neigh", "show", "to", address, "dev", dev])
        for entry in json.loads(out or "[]"):
            states = set(entry.get("state", []))
            if "lladdr" in entry and not states & {"FAILED", "INCOMPLETE"}:
                return entry["lladdr"].lower()
        return None

    def cut(self, role: str, dev: str = "eth0") -> None:
        """Cut role's cable: the switch port goes down, so role's `dev` loses carrier (eth0, or
        the interface of a segment added with add_segment)."""
        sh.run(["ip", "-n", self.switch, "link", "set", self._switch_port(role, dev), "down"])

    def restore(self, role: str, dev: str = "eth0") -> None:
        sh.run(["ip", "-n", self.switch, "link", "set", self._switch_port(role, dev), "up"])

    def _switch_port(self, role: str, dev: str) -> str:
        return self.port(role) if dev == "eth0" else f"{dev}-{role}"[:15]

    def block_multicast(self, role: str) -> None:
        """The switch stops flooding multicast (VRRP's 224.0.0.18 included) to role's port, as
        clouds and some switches do; unicast still reaches it."""
        sh.run(["ip", "-n", self.switch, "link", "set", self.port(role), "type", "bridge_slave",
                "mcast_flood", "off"])

    def detach(self, role: str) -> None:
        """A stronger, silent cut: role keeps carrier but its port leaves the bridge."""
        sh.run(["ip", "-n", self.switch, "link", "set", self.port(role), "nomaster"])

    def attach(self, role: str) -> None:
        sh.run(["ip", "-n", self.switch, "link", "set", self.port(role), "master", "br0", "up"])

    def ping(self, role: str, address: str, count: int = 1, wait: float = 1.0) -> bool:
        ip = ipaddress.ip_interface(address).ip
        out = subprocess.run(["ip", "netns", "exec", self.ns[role], "ping", f"-{ip.version}",
                              "-c", str(count), "-W", str(wait), "-i", "0.2", "-n", "-q", str(ip)],
                             capture_output=True, text=True, timeout=count * wait + 10)
        return out.returncode == 0

    def http_get(self, role: str, address: str, port: int = 80, timeout: float = 1.0) -> str | None:
        """Body of GET http://address:port/ from role's namespace, or None on any failure."""
        ip = ipaddress.ip_interface(address).ip
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        p = subprocess.run(["ip", "netns", "exec", self.ns[role], "curl", "-s", "-g", "-m",
                            str(timeout), f"http://{host}:{port}/"],
                           capture_output=True, text=True, timeout=timeout + 10)
        return p.stdout.strip() if p.returncode == 0 else None

    # ----- helpers for scenarios --------------------------------------------------------------
    def start_http_responder(self, role: str, name: str | None = None, port: int | list[int] = 80):
        """A tiny HTTP server in role's namespace on all addresses (on one port or a list of
        them, in one process), answering its own name."""
        script = os.path.join(os.path.dirname(__file__), "http_responder.py")
        log = os.path.join(self.tmpdir, f"http-{role}.log")
        ports = [port] if isinstance(port, int) else port
        p = self.popen(role, [sys.executable, script, "--name", name or role,
                              *(arg for n in ports for arg in ("--port", str(n)))],
                       log, f"http-{role}")
        wait_until(lambda: "listening" in p.log_text() or not p.alive(), 30,
                   what=f"HTTP responder in {role}")
        if not p.alive():
            raise AssertionError(f"HTTP responder in {role} exited: {p.log_text()}")
        return p

    def start_client_loop(self, address: str, port: int = 80, interval: float = 0.2,
                          timeout: float = 0.5, role: str = "client"):
        """Request http://address:port/ every `interval` s from role; see client_loop.py."""
        script = os.path.join(os.path.dirname(__file__), "client_loop.py")
        log = os.path.join(self.tmpdir, f"client-loop-{role}.log")
        return self.popen(role, [sys.executable, script, "--address", address, "--port", str(port),
                                 "--interval", str(interval), "--timeout", str(timeout)],
                          log, f"client-loop-{role}")
