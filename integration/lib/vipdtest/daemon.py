"""Processes started in namespaces (vipd, keepalived, helpers) and the configs they run.

Each process runs as `ip netns exec NS ...` in a new session, so its process group holds
everything it forks; stop() sends SIGTERM to the daemon, kill() SIGKILLs the whole group, and
the cleanup registry terminates any group still alive.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import signal
import subprocess
import time

from . import cleanup, sh
from .waits import wait_until


def _die_with_parent() -> None:
    # If the runner itself is SIGKILLed (a CTest timeout), its daemons must not linger.
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Process:
    def __init__(self, topo, role: str, argv: list[str], log_path: str, name: str):
        self.topo = topo
        self.role = role
        self.name = name
        self.log_path = log_path
        self.argv = ["ip", "netns", "exec", topo.ns[role], *argv]
        self._log_file = open(log_path, "wb")
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        self.pid = self.popen.pid
        self.started = time.monotonic()
        cleanup.REGISTRY.push(f"terminate {name} (pid {self.pid})", self._terminate_group)

    def alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the daemon and wait for it to exit; returns its exit status."""
        self.signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM")

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: no shutdown advert, VIPs left behind)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)

    def _terminate_group(self) -> None:
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Children may outlive the leader; the group still exists until they are gone.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log_file.close()

    def log_text(self) -> str:
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# ----- what a director runs ---------------------------------------------------------------
@dataclasses.dataclass
class Instance:
    """One VRRP instance, engine-neutral; rendered as vipd TOML or keepalived.conf."""
    name: str
    vrid: int
    priority: int
    vips: list[str]
    version: int = 3
    advert_interval: float = 1.0  # seconds
    interface: str = "eth0"
    preempt: bool = True
    preempt_delay: float = 0.0
    auth_pass: str | None = None
    # Adverts to these addresses instead of the multicast group (vipd unicast_peers,
    # keepalived unicast_peer), from unicast_source (keepalived unicast_src_ip) when given.
    unicast_peers: list[str] | None = None
    unicast_source: str | None = None

    def skew_time(self, priority: int | None = None) -> float:
        """RFC 3768 6.1 (v2: (256-p)/256 s), RFC 5798 6.1 (v3: ((256-p) * interval)/256)."""
        p = self.priority if priority is None else priority
        if self.version == 2:
            return (256 - p) / 256.0
        return (256 - p) * self.advert_interval / 256.0

    def master_down_interval(self, priority: int | None = None) -> float:
        return 3 * self.advert_interval + self.skew_time(priority)

    def with_priority(self, priority: int) -> "Instance":
        return dataclasses.replace(self, priority=priority)


def format_duration(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def vipd_config(router_id: str, instances: list[Instance], global_lines=()) -> str:
    """The vipd TOML of these instances. `global_lines`: extra lines of [global], verbatim
    (e.g. 'vip_resync_interval = "1s"'), after router_id."""
    out = ["[global]", f"router_id = {_toml_str(router_id)}", *global_lines, ""]
    for i in instances:
        out += ["[[vrrp]]",
                f"name = {_toml_str(i.name)}",
                f"interface = {_toml_str(i.interface)}",
                f"vrid = {i.vrid}",
                f"priority = {i.priority}",
                f"version = {i.version}",
                f"advert_interval = {_toml_str(format_duration(i.advert_interval))}",
                f"preempt = {'true' if i.preempt else 'false'}",
                f"preempt_delay = {_toml_str(format_duration(i.preempt_delay))}"]
        if i.auth_pass is not None:
            out.append(f"auth_pass = {_toml_str(i.auth_pass)}")
        if i.unicast_peers:
            out.append("unicast_peers = [" + ", ".join(_toml_str(p) for p in i.unicast_peers) + "]")
        if i.unicast_source:
            out.append(f"unicast_source = {_toml_str(i.unicast_source)}")
        out.append("vips = [" + ", ".join(_toml_str(v) for v in i.vips) + "]")
        out.append("")
    return "\n".join(out)


def tcp_checked_service(name: str, address: str, port: int, real: str,
                        interval: str = "500ms") -> str:
    """A [[virtual_server]] with one real, checked by TCP connect (append to a vipd config)."""
    return f"""
[[virtual_server]]
name = {_toml_str(name)}
address = {_toml_str(address)}
port = {port}
  [virtual_server.check]
  type = "tcp"
  interval = {_toml_str(interval)}
  [[virtual_server.real]]
  address = {_toml_str(real)}
"""


def keepalived_config(router_id: str, instances: list[Instance]) -> str:
    # Debian's keepalived defaults to VRRPv2 while vipd defaults to v3: always say which.
    out = ["global_defs {", f"    router_id {router_id}",
           "    vrrp_garp_master_delay 0", "}", ""]
    for i in instances:
        interval = f"{i.advert_interval:g}"
        out += [f"vrrp_instance {i.name} {{",
                "    state BACKUP",
                f"    interface {i.interface}",
                f"    virtual_router_id {i.vrid}",
                f"    priority {i.priority}",
                f"    version {i.version}",
                f"    advert_int {interval}"]
        if not i.preempt:
            out.append("    nopreempt")
        elif i.preempt_delay:
            out.append(f"    preempt_delay {i.preempt_delay:g}")
        if i.auth_pass is not None:
            out += ["    authentication {", "        auth_type PASS",
                    f"        auth_pass {i.auth_pass}", "    }"]
        if i.unicast_source:
            out.append(f"    unicast_src_ip {i.unicast_source}")
        if i.unicast_peers:
            out += ["    unicast_peer {", *(f"        {p}" for p in i.unicast_peers), "    }"]
        out.append("    virtual_ipaddress {")
        for v in i.vips:
            out.append(f"        {v}" if " dev " in v else f"        {v} dev {i.interface}")
        out += ["    }", "}", ""]
    return "\n".join(out)


# ----- running directors ------------------------------------------------------------------
_VIPD_TRANSITION = re.compile(r"\b(?P<inst>[\w.-]+): (?P<from>[A-Z]+) -> (?P<to>[A-Z]+) \((?P<why>[^)]*)\)")
_KA_TRANSITION = re.compile(r"\((?P<inst>[\w.-]+)\) Entering (?P<to>[A-Z]+) STATE")


class Director(Process):
    """A VRRP daemon (vipd or keepalived) with its config, parsing its transition log lines."""

    engine = "?"

    def transitions(self) -> list[tuple[str, str, str]]:
        """(instance, new state, log line) in log order."""
        result = []
        for line in self.log_text().splitlines():
            m = _VIPD_TRANSITION.search(line) or _KA_TRANSITION.search(line)
            if m:
                result.append((m.group("inst"), m.group("to"), line.strip()))
        return result

    def state(self, instance: str) -> str | None:
        states = [to for inst, to, _ in self.transitions() if inst == instance]
        return states[-1] if states else None

    def wait_state(self, instance: str, state: str, timeout: float) -> float:
        """Wait for the log to show instance entering state; returns the elapsed seconds."""
        elapsed = wait_until(lambda: self.state(instance) == state or not self.alive(), timeout,
                             what=f"{self.name}: {instance} -> {state}",
                             explain=lambda: f"last state {self.state(instance)}")
        if self.state(instance) != state:
            raise AssertionError(f"{self.name} exited (status {self.returncode}) before "
                                 f"{instance} reached {state}")
        return elapsed

    def transition_lines(self) -> list[str]:
        return [line for _, _, line in self.transitions()]


class Vipd(Director):
    engine = "vipd"
    control_socket: str | None = None  # set by start_vipd when it chose the path
    binary: str = ""

    def vipctl(self, *args: str) -> str:
        """Runs vipctl (built next to vipd) in this daemon's namespace against its control
        socket and returns its standard output; an exit status other than 0 fails the test."""
        if self.control_socket is None:
            raise AssertionError(f"{self.name}: its configuration names its own control_socket")
        vipctl = os.path.join(os.path.dirname(self.binary), "..", "vipctl", "vipctl")
        if not os.access(vipctl, os.X_OK):
            raise AssertionError(f"no vipctl next to vipd: {vipctl}")
        r = subprocess.run(["ip", "netns", "exec", self.topo.ns[self.role], vipctl, "--socket",
                            self.control_socket, *args], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"vipctl {' '.join(args)}: exit {r.returncode}\n"
                                 f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r.stdout


class Keepalived(Director):
    engine = "keepalived"


def start_vipd(topo, role: str, vipd: str, config_text: str, name: str | None = None,
               log_level: str | None = None) -> Vipd:
    name = topo.unique_name(name or f"vipd-{role}")
    conf = os.path.join(topo.tmpdir, f"{name}.toml")
    # Each daemon's control socket in the test's directory, not the host's /run/vipd.
    sock = None
    if "control_socket" not in config_text and "[global]\n" in config_text:
        sock = os.path.join(topo.tmpdir, f"{name}.sock")
        config_text = config_text.replace("[global]\n", f'[global]\ncontrol_socket = "{sock}"\n', 1)
    # And its record of IPVS services: daemons of one test share a file system.
    if "state_file" not in config_text and "[global]\n" in config_text:
        state = os.path.join(topo.tmpdir, f"{role}.state")
        config_text = config_text.replace("[global]\n", f'[global]\nstate_file = "{state}"\n', 1)
    with open(conf, "w") as f:
        f.write(config_text)
    # Reject a bad config with the daemon's own words before anything waits on it.
    check = subprocess.run(["ip", "netns", "exec", topo.ns[role], vipd, "--check", "--config", conf],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise AssertionError(f"vipd --check rejected {conf} (exit {check.returncode}):\n"
                             f"{check.stdout}{check.stderr}\n--- config ---\n{config_text}")
    level = log_level or os.environ.get("VIPDTEST_LOG_LEVEL", "info")
    log = os.path.join(topo.tmpdir, f"{name}.log")
    p = Vipd(topo, role, [vipd, "--config", conf, "--log", "stderr", "--log-level", level], log, name)
    p.check_stderr = check.stderr  # --check's warnings, for scenarios that assert on them
    p.control_socket = sock
    p.binary = vipd
    topo.processes.append(p)
    return p


def start_keepalived(topo, role: str, conf_text: str, name: str | None = None) -> Keepalived:
    """keepalived 2.2.7, VRRP only, foreground, logging to the console; every file in tmpdir."""
    name = topo.unique_name(name or f"keepalived-{role}")
    base = os.path.join(topo.tmpdir, name)
    os.makedirs(base, exist_ok=True)
    conf = os.path.join(base, "keepalived.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    # In the role's namespace, as it will run: its interface names are checked (the root
    # namespace of a VM has no eth0).
    check = subprocess.run(["ip", "netns", "exec", topo.ns[role], "keepalived", "-t", "-f", conf],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise AssertionError(f"keepalived -t rejected {conf}:\n{check.stdout}{check.stderr}")
    argv = ["keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog", "--vrrp",
            "--use-file", conf, "--pid", os.path.join(base, "keepalived.pid"),
            "--vrrp_pid", os.path.join(base, "vrrp.pid"),
            "--checkers_pid", os.path.join(base, "checkers.pid"),
            "--bfd_pid", os.path.join(base, "bfd.pid")]
    p = Keepalived(topo, role, argv, os.path.join(topo.tmpdir, f"{name}.log"), name)
    topo.processes.append(p)
    return p


def start_director(topo, role: str, engine: str, instances: list[Instance], vipd: str | None = None,
                   router_id: str | None = None, global_lines=()) -> Director:
    """Start the given engine ("vipd" or "keepalived") in role with these instances.
    `global_lines` go into vipd's [global] (keepalived has no use for them)."""
    router_id = router_id or role
    if engine == "vipd":
        if not vipd:
            raise AssertionError("no vipd binary given (--vipd PATH)")
        return start_vipd(topo, role, vipd, vipd_config(router_id, instances, global_lines))
    if engine == "keepalived":
        return start_keepalived(topo, role, keepalived_config(router_id, instances))
    raise ValueError(f"unknown engine {engine}")
