#!/usr/bin/env python3
"""use_vmac: the VIP keeps one MAC, the virtual router MAC, across a failover.

dir1 (150) and dir2 (100), VRRPv3 at 200 ms adverts, one instance (vrid 51) with use_vmac:
each director makes vrrp.51, a bridge-mode macvlan on eth0 with 00:00:5e:00:01:33, and the
VIP 10.99.0.100/24 lives on it while MASTER.

1. Both VMACs exist with that MAC, in bridge mode, and the Backup's has no address at all (no
   IPv4, no IPv6 link-local); eth0 has arp_ignore=1, arp_filter=1 and arp_announce=2.
2. The client's neighbour entry for the VIP is the virtual MAC.
3. For 3 s, the switch port of the Backup (dir2) carries no frame from the virtual MAC (no
   IGMP, MLD, DAD or ARP leaking from its VMAC: that would draw the VIP's traffic to it), while
   dir1's port carries its adverts from it.
4. dir1's cable is cut: dir2 takes over; the client's entry still names the virtual MAC and it
   reaches the VIP through dir2 without a new ARP exchange (only the switch relearns the port,
   from dir2's gratuitous ARP).
   (Before that, dir1's VMAC deleted by hand is made again with the VIP, without a failover.)
5. Restored, dir1 preempts; stopped, each director deletes its VMAC and gives eth0 its ARP
   settings back.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest.daemon import start_vipd, vipd_config  # noqa: E402

VIP = "10.99.0.100/24"
VMAC = "vrrp.51"
VIRTUAL_MAC = "00:00:5e:00:01:33"

# Counts the frames from one source MAC on one interface for a while (AF_PACKET, all protocols).
COUNT_FRAMES = r"""
import socket, sys, time
interface, mac, seconds = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((interface, 0))
s.settimeout(0.1)
end, count, kinds = time.monotonic() + seconds, 0, set()
while time.monotonic() < end:
    try:
        frame, meta = s.recvfrom(65535)
    except socket.timeout:
        continue
    if meta[2] != socket.PACKET_OUTGOING and frame[6:12] == mac:
        count += 1
        kinds.add(frame[12:14].hex())
print(count, ",".join(sorted(kinds)))
"""


def link_json(topo: vt.Topology, role: str, name: str) -> dict | None:
    out = vt.sh.run(["ip", "-n", topo.ns[role], "-d", "-j", "link", "show", "dev", name],
                    check=False)
    entries = json.loads(out or "[]")
    return entries[0] if entries else None


def sysctl(topo: vt.Topology, role: str, key: str) -> str:
    return vt.sh.run(["ip", "netns", "exec", topo.ns[role], "cat",
                      f"/proc/sys/net/ipv4/conf/eth0/{key}"]).strip()


def arp_settings(topo: vt.Topology, role: str) -> tuple[str, str, str]:
    return tuple(sysctl(topo, role, key) for key in ("arp_ignore", "arp_filter", "arp_announce"))


def frames_from_vmac(topo: vt.Topology, role: str, seconds: float,
                     mac: str = VIRTUAL_MAC) -> tuple[int, str]:
    """Frames with source `mac` that role's switch port carried toward the switch in `seconds`."""
    out = vt.sh.run(["ip", "netns", "exec", topo.switch, sys.executable, "-c", COUNT_FRAMES,
                     topo.port(role), mac, str(seconds)], timeout=seconds + 10)
    count, _, kinds = out.strip().partition(" ")
    return int(count), kinds


def start_vmac_pair(ctx: vt.Context, topo: vt.Topology, inst: vt.Instance, vip: str) -> dict:
    """vipd with use_vmac on dir1 (150) and dir2 (100); returns once dir1 alone holds `vip`."""
    directors = {}
    for role, priority in (("dir1", 150), ("dir2", 100)):
        text = vipd_config(role, [inst.with_priority(priority)])
        text = text.replace("vips = [", "use_vmac = true\nvips = [", 1)
        directors[role] = start_vipd(topo, role, ctx.vipd, text)
    vt.wait_holders(ctx, topo, vip, {"dir1"}, inst.master_down_interval(150) + 5.0)
    return directors


def fail_over_and_back(ctx: vt.Context, topo: vt.Topology, inst: vt.Instance, vip: str,
                       mac: str) -> None:
    """Cut dir1: dir2 takes the VIP and the client reaches it with its entry still naming `mac`
    (only the switch relearns the port); restore dir1: it preempts and the client reaches the
    VIP through it again."""
    topo.cut("dir1")
    bound = inst.master_down_interval(100) + 2.0
    vt.wait_holders(ctx, topo, vip, {"dir2"}, bound)
    elapsed = vt.wait_until(lambda: topo.ping("client", vip, count=1, wait=0.5), bound,
                            interval=0.05, what="the client reaching the VIP through dir2")
    ctx.log(f"the VIP answers through dir2 {elapsed:.2f}s after it came up there")
    seen = topo.neigh_mac(vip)
    vt.check(seen == mac, f"after the failover the client's entry is {seen}, not {mac}")
    topo.restore("dir1")
    vt.wait_holders(ctx, topo, vip, {"dir1"}, inst.master_down_interval(150) + 5.0)
    vt.wait_until(lambda: topo.ping("client", vip, count=1, wait=0.5), 5, interval=0.05,
                  what="the client reaching the VIP through dir1 again")


def scenario(ctx: vt.Context) -> None:
    topo = ctx.topology(("dir1", "dir2", "client"))
    inst = vt.Instance("web", vrid=51, priority=100, vips=[VIP], advert_interval=0.2)
    directors = start_vmac_pair(ctx, topo, inst, VIP)
    vt.check(VIP in vt.sh.run(["ip", "-n", topo.ns["dir1"], "-4", "addr", "show", "dev", VMAC]),
             "the VIP is not on dir1's VMAC")

    # 1. The VMACs.
    for role in ("dir1", "dir2"):
        link = link_json(topo, role, VMAC)
        vt.check(link is not None, f"{role} has no {VMAC}")
        info = link.get("linkinfo", {})
        vt.check(link["address"] == VIRTUAL_MAC and info.get("info_kind") == "macvlan"
                 and info.get("info_data", {}).get("mode") == "bridge" and link.get("link") == "eth0",
                 f"{role}'s {VMAC}: {link}")
        vt.check(arp_settings(topo, role) == ("1", "1", "2"),
                 f"{role}'s eth0 arp_ignore/arp_filter/arp_announce: {arp_settings(topo, role)}")
    backup_addrs = vt.sh.run(["ip", "-n", topo.ns["dir2"], "addr", "show", "dev", VMAC])
    vt.check("inet" not in backup_addrs, f"the Backup's VMAC has an address:\n{backup_addrs}")

    # 2. The client learns the virtual MAC.
    vt.check(topo.ping("client", "10.99.0.100", count=2), "the client cannot ping the VIP")
    seen = topo.neigh_mac(VIP)
    vt.check(seen == VIRTUAL_MAC, f"the client's entry for the VIP is {seen}, not {VIRTUAL_MAC}")

    # 2b. Someone deletes the Master's VMAC: vipd makes it again and puts the VIP back on it,
    #     without a failover.
    transitions = len(directors["dir1"].transitions())
    vt.sh.run(["ip", "-n", topo.ns["dir1"], "link", "del", VMAC])
    elapsed = vt.wait_until(lambda: VIP.split("/")[0] in vt.sh.run(
        ["ip", "-n", topo.ns["dir1"], "-4", "addr", "show", "dev", VMAC], check=False), 3.0,
        what="the VIP back on a new VMAC after `ip link del`")
    ctx.log(f"VMAC deleted by hand: made again with the VIP on it in {elapsed:.2f}s")
    vt.check(len(directors["dir1"].transitions()) == transitions,
             f"dir1 changed state: {directors['dir1'].transition_lines()[transitions:]}")
    vt.check(topo.ping("client", "10.99.0.100", count=1), "the VIP does not answer after that")
    vt.check(topo.neigh_mac(VIP) == VIRTUAL_MAC, f"the client's entry is {topo.neigh_mac(VIP)}")

    # 3. Nothing from the Backup's VMAC; the Master's adverts from its own.
    quiet, kinds = frames_from_vmac(topo, "dir2", 3.0)
    vt.check(quiet == 0, f"{quiet} frame(s) (ethertypes {kinds}) left dir2's VMAC while BACKUP")
    busy, _ = frames_from_vmac(topo, "dir1", 1.0)
    vt.check(busy >= 3, f"only {busy} frame(s) from dir1's VMAC in 1 s (adverts every 200 ms)")
    ctx.log(f"virtual MAC frames: dir2 (BACKUP) {quiet} in 3 s, dir1 (MASTER) {busy} in 1 s")

    # 4-5. Failover and back: the same MAC at dir2, then at dir1 again.
    fail_over_and_back(ctx, topo, inst, VIP, VIRTUAL_MAC)
    for role, d in directors.items():
        vt.check(d.stop() == 0, f"{role} did not exit cleanly")
        vt.check(link_json(topo, role, VMAC) is None, f"{role} left {VMAC} behind")
        vt.check(arp_settings(topo, role) == ("0", "0", "0"),
                 f"{role}'s eth0 ARP settings were not given back: {arp_settings(topo, role)}")


if __name__ == "__main__":
    vt.main(scenario, "use_vmac: one MAC for the VIP across a failover, nothing from a Backup's VMAC",
            tools=("ip", "ping"), engines=("vipd",))
