#!/usr/bin/env python3
"""systemd notify protocol, against a stand-in for systemd's notify socket.

vipd started with NOTIFY_SOCKET and WATCHDOG_USEC (as systemd does for Type=notify with
WatchdogSec=) must send READY=1 only once its first reconcile is done (an address owner's VIP is
already on the interface when READY arrives), WATCHDOG=1 keep-alives at least every half
watchdog period from its event loop, and STOPPING=1 on SIGTERM before exiting 0.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402

VIP = "10.99.0.100/24"
WATCHDOG_USEC = 400_000


def receive(sock: socket.socket, until: float) -> list[tuple[float, str]]:
    out = []
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return out
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return out
        out.append((time.monotonic(), data.decode(errors="replace")))


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "client"))
    path = os.path.join(topo.tmpdir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    inst = vt.Instance("web", vrid=51, priority=255, vips=[VIP], version=3, advert_interval=0.1)
    os.environ.update(NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    try:
        d1 = ctx.director(topo, "dir1", [inst])
    finally:
        del os.environ["NOTIFY_SOCKET"], os.environ["WATCHDOG_USEC"]

    messages: list[tuple[float, str]] = []
    deadline = time.monotonic() + 10
    while not any("READY=1" in m for _, m in messages) and time.monotonic() < deadline:
        messages += receive(sock, min(deadline, time.monotonic() + 0.05))
    ready = [m for m in messages if "READY=1" in m[1]]
    vt.check(ready, f"no READY=1 within 10 s; got {[m for _, m in messages][:5]}")
    # Checked as soon as READY arrives: the owner's VIP must already be there.
    vt.check("dir1" in topo.who_has(VIP), "READY=1 came before the owner's VIP was in place")
    vt.check("STATUS=1 VRRP instance(s)" in ready[0][1], f"READY without STATUS: {ready[0][1]!r}")
    ctx.log(f"READY=1 with the VIP in place: {ready[0][1]!r}")

    messages += receive(sock, time.monotonic() + 3)
    keep_alives = [t for t, m in messages if m == "WATCHDOG=1"]
    vt.check(len(keep_alives) >= 10, f"only {len(keep_alives)} WATCHDOG=1 in 3 s at WatchdogSec=0.4s")
    gaps = [b - a for a, b in zip(keep_alives, keep_alives[1:])]
    vt.check(max(gaps) < WATCHDOG_USEC / 1e6,
             f"a keep-alive gap of {max(gaps):.3f}s exceeds the watchdog period")
    ctx.log(f"{len(keep_alives)} keep-alives, longest gap {max(gaps) * 1000:.0f} ms "
            f"(watchdog {WATCHDOG_USEC / 1000:.0f} ms)")

    d1.signal(15)
    stopping = [m for m in receive(sock, time.monotonic() + 5) if "STOPPING=1" in m[1]]
    vt.check(stopping, "no STOPPING=1 after SIGTERM")
    code = d1.stop()
    vt.check(code == 0, f"vipd exited {code} after SIGTERM")
    sock.close()


if __name__ == "__main__":
    vt.main(scenario, "systemd notify: READY after the first reconcile, watchdog, STOPPING",
            engines=("vipd",))
