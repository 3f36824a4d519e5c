#!/usr/bin/env python3
"""vm.crash_leftovers: a start after a crash removes the services the configuration dropped.

IPVS cannot tag a service as vipd's, so vipd records the keys it may have put in the kernel in
`[global] state_file`. One director, services pushed always (their VIPs belong to no instance):

1. Someone else's service 10.90.0.9:80 is in the table (ipvsadm -A).
2. vipd starts with web (10.90.0.1:80) and api (10.90.0.2:80); the record names both.
3. vipd is SIGKILLed: both services stay in the kernel.
4. vipd starts with a configuration that has web only: api is removed, web kept, the foreign
   service untouched; the record names web only. A symbolic link planted where the new record
   is written (`<state_file>.new`) is replaced, its target left alone.
5. SIGTERM: web goes, the record file is removed, the foreign service stays.
6. Control: steps 2-4 again with `state_file = ""`: api survives the restart, as it would with
   keepalived. That is the leftover step 4 proves vipd removes.

Runs inside the VM (needs ip_vs); exit 0 pass, 1 fail, 77 skip.
"""

import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

WEB = "10.90.0.1:80"
API = "10.90.0.2:80"
FOREIGN = "10.90.0.9:80"


def config_text(services: list[str], state_file: str | None) -> str:
    text = '[global]\nrouter_id = "dir1"\n'
    if state_file is not None:
        text += f'state_file = "{state_file}"\n'
    for service in services:
        address, port = service.split(":")
        text += (f'\n[[virtual_server]]\naddress = "{address}"\nport = {port}\n'
                 f'scheduler = "rr"\nforwarding = "dr"\n'
                 f'  [[virtual_server.real]]\n  address = "10.91.0.{address.split(".")[-1]}"\n')
    return text


def services(topo: vt.Topology) -> set[str]:
    out = topo.run("dir1", ["ipvsadm", "-Ln"], check=False)
    return {line.split()[1] for line in out.splitlines() if line.startswith("TCP ")}


def wait_services(ctx: vt.Context, topo: vt.Topology, want: set[str], what: str) -> None:
    elapsed = vt.wait_until(lambda: services(topo) == want, 20, interval=0.2, what=what,
                            explain=lambda: sorted(services(topo)))
    ctx.log(f"{what}: {sorted(want)} after {elapsed:.2f}s")


def record(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def scenario(ctx: vt.Context) -> None:
    if os.environ.get("VIPD_IN_VM") != "1":
        raise vt.Skip("needs IPVS: run me with integration/vm/run-in-vm.py")
    topo = ctx.topology(("dir1", "client"))
    state = os.path.join(topo.tmpdir, "dir1.state")
    topo.run("dir1", ["ipvsadm", "-A", "-t", FOREIGN, "-s", "wlc"])

    first = vt.start_vipd(topo, "dir1", ctx.vipd, config_text([WEB, API], state))
    wait_services(ctx, topo, {WEB, API, FOREIGN}, "first run: web and api in")
    vt.check(record(state) == "tcp 10.90.0.1 80\ntcp 10.90.0.2 80\n",
             f"the record names web and api: {record(state)!r}")
    first.signal(signal.SIGKILL)
    vt.wait_until(lambda: not first.alive(), 10, what="first vipd gone")
    vt.check(services(topo) == {WEB, API, FOREIGN}, "a SIGKILL leaves the services behind")

    # Whoever can write the record's directory plants a link where the next record is written.
    victim = os.path.join(topo.tmpdir, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, state + ".new")
    second = vt.start_vipd(topo, "dir1", ctx.vipd, config_text([WEB], state))
    wait_services(ctx, topo, {WEB, FOREIGN}, "restart without api: api removed, foreign kept")
    vt.check(record(state) == "tcp 10.90.0.1 80\n", f"the record names web only: {record(state)!r}")
    vt.check(record(victim) == "precious\n" and not os.path.islink(state),
             f"the link planted at {state}.new was written through: {record(victim)!r}")
    vt.check(second.stop() == 0, f"vipd did not exit 0 on SIGTERM: {second.log_tail()}")
    vt.check(services(topo) == {FOREIGN}, f"after SIGTERM: {sorted(services(topo))}")
    vt.check(record(state) is None, "a clean stop removes the record")

    # Control: without a record the restart cannot know api was vipd's.
    third = vt.start_vipd(topo, "dir1", ctx.vipd, config_text([WEB, API], ""))
    wait_services(ctx, topo, {WEB, API, FOREIGN}, "control run: web and api in, no record")
    third.signal(signal.SIGKILL)
    vt.wait_until(lambda: not third.alive(), 10, what="third vipd gone")
    fourth = vt.start_vipd(topo, "dir1", ctx.vipd, config_text([WEB], ""))
    vt.hold_for(lambda: API in services(topo), 2.0, interval=0.25,
                what="without a record the crashed run's api stays")
    ctx.log("control: without state_file the dropped service outlived the restart")
    vt.check(fourth.stop() == 0, f"vipd did not exit 0 on SIGTERM: {fourth.log_tail()}")


if __name__ == "__main__":
    vt.main(scenario, "a start after a crash removes the services the configuration dropped",
            tools=("ip", "ipvsadm"), engines=("vipd",))
