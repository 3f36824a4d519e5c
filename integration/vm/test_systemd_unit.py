#!/usr/bin/env python3
"""vm.systemd_unit: the Debian package's vipd.service under a real systemd as PID 1.

Runs in a guest booted with `run-in-vm.py --systemd` (systemd is PID 1, this script is a
service). It installs the .deb with dpkg -i (into the guest's throw-away overlay root), runs
`vipd --check` on every shipped example, prints `systemd-analyze security` for the unit, then
runs vipd.service in a network namespace of its own (a drop-in sets NetworkNamespacePath=; the
guest's root namespace never sees a VRRP packet) with one address-owner instance and one IPVS
service, and checks:
  - start: Type=notify start returns (READY=1), ActiveState=active, NotifyAccess=main,
    WatchdogUSec=10s, a StatusText, the VIP in the namespace, the IPVS service there;
  - the journal: an entry with VIPD_INSTANCE and VIPD_TO=MASTER (journalctl -o json);
  - reload (ExecReload sends SIGHUP, vipd answers RELOADING=1 ... READY=1): a config with a
    second VIP and a second service is applied in place (same main PID, the first VIP never
    leaves, the new VIP and service appear, the journal has the summary); an invalid config is
    refused (still active, the journal names file:line, StatusText says so) and the next valid
    reload clears that;
  - the watchdog: with WatchdogSec=3s (a test drop-in), a SIGSTOPped vipd is restarted by
    systemd (NRestarts grows, a new main PID, the VIP is back), and a service recorded in
    /run/vipd/state but no longer configured is removed by the new run (the record survived
    the restart);
  - stop: the VIP and the service are removed, the unit ends inactive with Result=success.
Exit 0 pass, 1 fail, 77 skip (not under run-in-vm.py --systemd). Standard library only.
"""

import dataclasses
import glob
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest import cleanup, sh  # noqa: E402

K_VIP = "10.77.0.100"
K_LEFTOVER = "10.77.0.200:80"
K_UNIT = "vipd.service"
K_DROPIN_DIR = "/etc/systemd/system/vipd.service.d"
# The address owner (priority 255; version 3, preempt, no preempt delay: vipd's defaults).
K_OWNER = vt.Instance("owner", vrid=42, priority=255, vips=[f"{K_VIP}/24"], interface="veth0",
                      advert_interval=1.0)
K_SERVICE = """
[[virtual_server]]
address = "10.77.0.100"
port = 80
protocol = "tcp"
scheduler = "rr"
forwarding = "nat"
  [[virtual_server.real]]
  address = "10.77.0.2"
  port = 8080
"""
K_CONFIG = vt.vipd_config("vm-systemd", [K_OWNER]) + K_SERVICE
# The first drop-in only moves the service into the test's namespace: everything else is the
# unit as shipped. The second one shortens the watchdog for the restart step.
K_NETNS_DROPIN = """[Service]
NetworkNamespacePath=/run/netns/{name}
"""
K_WATCHDOG_DROPIN = """[Service]
WatchdogSec=3s
TimeoutAbortSec=5s
RestartSec=1s
"""
# systemd-analyze security rates the shipped unit; the hardening keeps it below this.
K_MAX_EXPOSURE = 3.5  # measured 2.9 with systemd 252


class Failure(AssertionError):
    """A failed check: an AssertionError, as every failure vipdtest reports."""


K_BEGAN = time.monotonic()


def step(text):
    print(f"--- [{time.monotonic() - K_BEGAN:5.1f}s] {text}", flush=True)


def systemctl(*args, check=True, timeout=60):
    """stdout of systemctl ARGS; with check, a non-zero exit (or the timeout) fails."""
    return sh.run(["systemctl", "--no-pager", *args], check=check, timeout=timeout)


def show(*props):
    args = []
    for p in props:
        args += ["-p", p]
    out = systemctl("show", K_UNIT, *args)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def vip_present(host):
    return host.has_address(f"{K_VIP}/24", dev="veth0")


def service_present(host):
    return "10.77.0.100:80" in host.sh(["ipvsadm", "-Ln"], check=False)


def journal(*args):
    return sh.run(["journalctl", "--no-pager", "-u", K_UNIT, *args], check=False, timeout=60)


def transitions_to_master():
    entries = []
    for line in journal("-o", "json").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("VIPD_INSTANCE") == "owner" and entry.get("VIPD_TO") == "MASTER":
            entries.append(entry)
    return entries


def install(deb_dir):
    debs = glob.glob(os.path.join(deb_dir, "vipd_*_amd64.deb"))
    if len(debs) != 1:
        raise Failure(f"expected one vipd_*_amd64.deb in {deb_dir}, found {debs}")
    step(f"dpkg -i {os.path.basename(debs[0])}")
    # man-db's trigger re-indexes every manual page over 9p: minutes under TCG. Without this
    # flag file it skips (the guest root is a throw-away overlay).
    if os.path.exists("/var/lib/man-db/auto-update"):
        os.unlink("/var/lib/man-db/auto-update")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["dpkg", "-i", debs[0]], capture_output=True, text=True, env=env,
                       timeout=120)
    print(r.stdout.rstrip())
    if r.returncode != 0:
        raise Failure(f"dpkg -i: exit {r.returncode}: {r.stderr.strip()}")
    # postinst ran daemon-reload: the unit is known, and neither enabled nor started.
    props = show("LoadState", "UnitFileState", "ActiveState", "FragmentPath")
    print(props)
    if props["LoadState"] != "loaded" or props["FragmentPath"] != "/lib/systemd/system/vipd.service":
        raise Failure(f"vipd.service not loaded from /lib/systemd/system after dpkg -i: {props}")
    if props["UnitFileState"] != "disabled" or props["ActiveState"] != "inactive":
        raise Failure(f"the package must neither enable nor start vipd: {props}")


def check_examples():
    # packaging.deb_contents runs --check on every example on the host; here, under TCG (each
    # start of vipd costs seconds), the default file and one example prove the installed binary.
    step("vipd --check on the default /etc/vipd/vipd.toml and an installed example")
    examples = sorted(glob.glob("/usr/share/doc/vipd/examples/*.toml"))
    if len(examples) < 6:
        raise Failure(f"too few examples installed: {examples}")
    for config in ("/etc/vipd/vipd.toml", "/usr/share/doc/vipd/examples/single-host-dummy.toml"):
        r = subprocess.run(["/usr/sbin/vipd", "--check", "--config", config],
                           capture_output=True, text=True, timeout=60)
        errors = [line for line in r.stderr.splitlines() if not line.startswith("warning: ")]
        if r.returncode != 0 or errors:
            raise Failure(f"vipd --check {config}: exit {r.returncode}\n{r.stderr}")
        print(f"ok: {config}")


def check_unit_static():
    step("systemd-analyze verify and security")
    r = subprocess.run(["systemd-analyze", "verify", K_UNIT], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0 or r.stderr.strip():
        raise Failure(f"systemd-analyze verify: exit {r.returncode}: {r.stderr.strip()}")
    r = subprocess.run(["systemd-analyze", "security", "--no-pager", K_UNIT],
                       capture_output=True, text=True, timeout=120)
    print(r.stdout.rstrip())
    m = re.search(r"Overall exposure level for vipd\.service: ([0-9.]+)", r.stdout)
    if m is None:
        raise Failure(f"no exposure level from systemd-analyze security: {r.stderr}")
    exposure = float(m.group(1))
    print(f"SYSTEMD_ANALYZE_SECURITY_EXPOSURE={exposure}")
    if exposure > K_MAX_EXPOSURE:
        raise Failure(f"exposure {exposure} above {K_MAX_EXPOSURE}: hardening was lost")


def prepare_namespace():
    """The test's namespace, where the drop-in puts vipd.service."""
    host = vt.SingleHost("su")
    step(f"namespace {host.name}, config, drop-in NetworkNamespacePath=")
    host.build()
    # Undone before the namespace goes (the registry runs last in, first out).
    cleanup.REGISTRY.push(f"systemctl stop {K_UNIT}", lambda: systemctl("stop", K_UNIT, check=False))
    host.sh(["ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1"])
    host.sh(["ip", "addr", "add", "10.77.0.1/24", "dev", "veth0"])
    host.sh(["ip", "link", "set", "veth0", "up"])
    host.sh(["ip", "link", "set", "veth1", "up"])
    write_config(K_CONFIG)
    sh.run(["/usr/sbin/vipd", "--check", "--config", "/etc/vipd/vipd.toml"])
    os.makedirs(K_DROPIN_DIR, exist_ok=True)
    with open(os.path.join(K_DROPIN_DIR, "10-test-netns.conf"), "w", encoding="utf-8") as f:
        f.write(K_NETNS_DROPIN.format(name=host.name))
    systemctl("daemon-reload")
    return host


def start_and_inspect(host):
    step("systemctl start vipd (returns once vipd sends READY=1)")
    began = time.monotonic()
    try:
        systemctl("start", K_UNIT, timeout=90)
    except sh.CommandError as e:
        raise Failure(f"{e} (no READY=1?)")
    print(f"started in {time.monotonic() - began:.1f}s")
    props = show("ActiveState", "SubState", "NotifyAccess", "WatchdogUSec", "StatusText",
                 "MainPID", "Type", "NRestarts")
    print(props)
    expected = {"ActiveState": "active", "SubState": "running", "NotifyAccess": "main",
                "WatchdogUSec": "10s", "Type": "notify"}
    wrong = {k: props.get(k) for k, v in expected.items() if props.get(k) != v}
    if wrong:
        raise Failure(f"unexpected unit properties: {wrong}")
    if "VRRP instance" not in props.get("StatusText", ""):
        raise Failure(f"no STATUS= from vipd: {props.get('StatusText')!r}")
    # READY=1 comes after the first reconcile: the owner's VIP is already there.
    if not vip_present(host):
        raise Failure(f"{K_VIP}/24 not on veth0 in {host.name} once the unit is active")
    vt.wait_until(lambda: service_present(host), 10, what="the IPVS service in the namespace")
    print(host.sh(["ip", "-4", "addr", "show", "dev", "veth0"]).rstrip())
    print(host.sh(["ipvsadm", "-Ln"]).rstrip())
    if sh.run(["ip", "-4", "addr", "show"], check=False).find(K_VIP) >= 0:
        raise Failure("the VIP leaked into the guest's root namespace")
    return int(props["MainPID"])


def check_journal():
    step("journalctl -u vipd -o json: the transition to MASTER with its fields")
    vt.wait_until(lambda: bool(transitions_to_master()), 15, interval=0.5,
                  what="a journal entry VIPD_INSTANCE=owner VIPD_TO=MASTER")
    entry = transitions_to_master()[0]
    fields = {k: v for k, v in entry.items() if k.startswith("VIPD_") or k == "MESSAGE"}
    print(fields)
    for key in ("VIPD_FROM", "VIPD_REASON", "VIPD_PRIORITY"):
        if not entry.get(key):
            raise Failure(f"the transition entry lacks {key}: {fields}")
    if entry.get("VIPD_PRIORITY") != "255":
        raise Failure(f"VIPD_PRIORITY should be 255: {fields}")


K_VIP2 = "10.77.0.101"
K_GROWN = dataclasses.replace(K_OWNER, vips=[f"{K_VIP}/24", f"{K_VIP2}/24"])
K_RELOADED_CONFIG = vt.vipd_config("vm-systemd", [K_GROWN]) + K_SERVICE + """
[[virtual_server]]
address = "10.77.0.101"
port = 443
protocol = "tcp"
scheduler = "wlc"
forwarding = "nat"
  [[virtual_server.real]]
  address = "10.77.0.2"
  port = 8443
"""


def write_config(text):
    with open("/etc/vipd/vipd.toml", "w", encoding="utf-8") as f:
        f.write(text)


def reload_unit(host, pid, what):
    """systemctl reload returns once vipd sent READY=1 after its RELOADING=1."""
    systemctl("reload", K_UNIT, timeout=60)
    props = show("ActiveState", "MainPID", "StatusText")
    if props["ActiveState"] != "active" or int(props["MainPID"]) != pid:
        raise Failure(f"reload ({what}) must keep the same process active: {props}, was {pid}")
    if not vip_present(host):
        raise Failure(f"the VIP went away on reload ({what})")
    return props


def check_reload(host, pid):
    step("systemctl reload vipd (SIGHUP): a second VIP and service, then an invalid file")
    write_config(K_RELOADED_CONFIG)
    reload_unit(host, pid, "a grown config")
    vt.wait_until(lambda: host.has_address(f"{K_VIP2}/24", dev="veth0"), 5,
                  what="the second VIP after the reload")
    vt.wait_until(lambda: f"{K_VIP2}:443" in host.sh(["ipvsadm", "-Ln"]), 5,
                  what="the second IPVS service")
    text = journal("-o", "cat")
    if "reloaded /etc/vipd/vipd.toml" not in text or "changed owner" not in text:
        raise Failure("no reload summary naming the changed instance in the journal")
    masters = transitions_to_master()
    if len(masters) != 1:
        raise Failure(f"the reload made the owner transition again: {len(masters)} entries")
    print(host.sh(["ipvsadm", "-Ln"]).rstrip())

    write_config(K_RELOADED_CONFIG.replace("vrid = 42", "vrid = 420"))
    props = reload_unit(host, pid, "an invalid file")
    text = journal("-o", "cat")
    if "reload refused" not in text or "/etc/vipd/vipd.toml:" not in text:
        raise Failure("the refused reload is not in the journal with its file and line")
    if "last reload refused" not in props.get("StatusText", ""):
        raise Failure(f"StatusText does not show the refused reload: {props}")
    if f"{K_VIP2}:443" not in host.sh(["ipvsadm", "-Ln"]):
        raise Failure("a refused reload changed the IPVS table")

    status = sh.run(["/usr/sbin/vipctl", "status", "--json"], timeout=60)  # /run/vipd/vipd.sock
    last = json.loads(status).get("last_reload") or {}
    if last.get("ok") is not False:
        raise Failure(f"vipctl status does not show the refused reload: {last}")
    print("ok: vipctl status shows the refused reload: " + last.get("message", ""))

    write_config(K_CONFIG)
    props = reload_unit(host, pid, "the first config again")
    vt.wait_until(lambda: not host.has_address(f"{K_VIP2}/24", dev="veth0"), 5,
                  what="the second VIP to go")
    vt.wait_until(lambda: f"{K_VIP2}:443" not in host.sh(["ipvsadm", "-Ln"]), 5,
                  what="the second service to go")
    if "refused" in props.get("StatusText", ""):
        raise Failure(f"a good reload must clear the refusal from StatusText: {props}")
    print(f"ok: same main PID {pid}, reloads applied in place, the invalid one refused")


def check_watchdog(host):
    step("watchdog: WatchdogSec=3s, SIGSTOP vipd, systemd restarts it")
    with open(os.path.join(K_DROPIN_DIR, "20-test-watchdog.conf"), "w", encoding="utf-8") as f:
        f.write(K_WATCHDOG_DROPIN)
    systemctl("daemon-reload")
    systemctl("restart", K_UNIT, timeout=90)
    props = show("MainPID", "NRestarts", "WatchdogUSec", "ActiveState")
    print(props)
    if props["WatchdogUSec"] != "3s" or props["ActiveState"] != "active":
        raise Failure(f"the watchdog drop-in did not apply: {props}")
    pid, restarts = int(props["MainPID"]), int(props["NRestarts"])
    # Twice the period: a vipd that sends no keep-alives would already be restarted.
    time.sleep(6)
    if int(show("MainPID")["MainPID"]) != pid:
        raise Failure("vipd was restarted although its event loop was running: no keep-alives?")
    # A service the stopped run had put in and the configuration no longer names: recorded in
    # /run/vipd/state, which must survive systemd's restart (RuntimeDirectoryPreserve=) for
    # the next start to remove it.
    host.sh(["ipvsadm", "-A", "-t", K_LEFTOVER, "-s", "rr"])
    with open("/run/vipd/state", "a", encoding="utf-8") as f:
        f.write("tcp " + K_LEFTOVER.replace(":", " ") + "\n")
    os.kill(pid, 19)  # SIGSTOP: the event loop freezes, keep-alives stop
    stopped_at = time.monotonic()

    def restarted():
        p = show("MainPID", "NRestarts", "ActiveState")
        return (p["ActiveState"] == "active" and int(p["NRestarts"]) > restarts
                and int(p["MainPID"]) not in (0, pid))

    vt.wait_until(restarted, 60, interval=0.5, what="systemd to restart the stopped vipd")
    print(f"ok: restarted {time.monotonic() - stopped_at:.1f}s after SIGSTOP, "
          f"{show('MainPID', 'NRestarts')}")
    if "watchdog timeout" not in journal("-o", "cat").lower():
        raise Failure("systemd logged no watchdog timeout for vipd")
    vt.wait_until(lambda: vip_present(host), 15, what="the VIP back after the restart")
    vt.wait_until(lambda: K_LEFTOVER not in host.sh(["ipvsadm", "-Ln"], check=False), 15,
                  what="the recorded leftover removed by the restarted vipd")
    print(f"ok: {K_LEFTOVER}, recorded in /run/vipd/state, removed after the restart")
    os.unlink(os.path.join(K_DROPIN_DIR, "20-test-watchdog.conf"))
    systemctl("daemon-reload")


def check_stop(host):
    step("systemctl stop vipd")
    systemctl("stop", K_UNIT, timeout=60)
    props = show("ActiveState", "Result", "ExecMainStatus")
    print(props)
    if props["ActiveState"] != "inactive" or props["Result"] != "success":
        raise Failure(f"the unit should end inactive, not failed: {props}")
    if props["ExecMainStatus"] != "0":
        raise Failure(f"vipd exited {props['ExecMainStatus']} on SIGTERM, expected 0")
    if vip_present(host):
        raise Failure(f"{K_VIP} still on veth0 after stop")
    if service_present(host):
        raise Failure("the IPVS service is still there after stop")
    if "resigning" not in journal("-o", "cat"):
        raise Failure("vipd did not log its resignation on SIGTERM")
    print("ok: VIP and service removed, unit inactive (success)")


def run(deb_dir):
    install(deb_dir)
    check_examples()
    check_unit_static()
    host = prepare_namespace()
    pid = start_and_inspect(host)
    check_journal()
    check_reload(host, pid)
    check_watchdog(host)
    check_stop(host)


def print_journal():
    print("--- journal of vipd.service ---")
    print(journal("-o", "short-monotonic", "-n", "80").rstrip())


if __name__ == "__main__":
    sys.exit(vt.vm_main(__doc__, run, argument="--deb-dir", systemd=True,
                        on_failure=print_journal))
