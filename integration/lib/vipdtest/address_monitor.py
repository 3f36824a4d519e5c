"""A timestamped address monitor for one network namespace: an rtnetlink socket subscribed to
the IPv4 and IPv6 address groups, one line per change, stamped with CLOCK_MONOTONIC (the clock
of time.monotonic() in the scenario) when the notification is read.

Polling `ip addr` cannot keep up under emulation (one process start costs a noticeable fraction
of a second in the TCG guest), and `ip monitor` stamps wall-clock time; this reader is one
process that sleeps in recv() and misses nothing the kernel reports. If the kernel drops
notifications (ENOBUFS), it says so and takes a fresh snapshot, so the record stays whole.

Lines:  <t> snapshot            a full dump follows ("have" lines), then "<t> ready"
        <t> have ADDR/LEN IFINDEX
        <t> add  ADDR/LEN IFINDEX
        <t> del  ADDR/LEN IFINDEX
        <t> overrun             notifications were lost; a snapshot follows
Run in the namespace: python3 address_monitor.py   (standard library only)
holder_intervals() turns such a log back into the intervals during which each address was up.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import struct
import sys
import time

RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR = 0x10, 0x100
IFA_ADDRESS, IFA_LOCAL = 1, 2
SO_RCVBUFFORCE = 33
NLMSG_HEADER = struct.Struct("=LHHLL")
IFADDRMSG = struct.Struct("=BBBBI")
RTATTR = struct.Struct("=HH")


def _align(n: int) -> int:
    return (n + 3) & ~3


def _address_of(payload: bytes) -> tuple[str, int] | None:
    """(ADDR/LEN, ifindex) of an ifaddrmsg with its attributes: IFA_LOCAL where the kernel
    gives one (IPv4: IFA_ADDRESS is the peer on point-to-point links), else IFA_ADDRESS."""
    family, prefixlen, _flags, _scope, index = IFADDRMSG.unpack_from(payload)
    found = {}
    at = _align(IFADDRMSG.size)
    while at + RTATTR.size <= len(payload):
        length, kind = RTATTR.unpack_from(payload, at)
        if length < RTATTR.size:
            break
        found[kind] = payload[at + RTATTR.size:at + length]
        at += _align(length)
    raw = found.get(IFA_LOCAL) or found.get(IFA_ADDRESS)
    if raw is None or family not in (socket.AF_INET, socket.AF_INET6):
        return None
    return f"{ipaddress.ip_address(raw)}/{prefixlen}", index


def _messages(data: bytes):
    """(type, payload) of every netlink message in one datagram."""
    at = 0
    while at + NLMSG_HEADER.size <= len(data):
        length, kind, _flags, _seq, _pid = NLMSG_HEADER.unpack_from(data, at)
        if length < NLMSG_HEADER.size:
            return
        yield kind, data[at + NLMSG_HEADER.size:at + length]
        at += _align(length)


def _emit(what: str, text: str = "", t: float | None = None) -> None:
    t = time.monotonic() if t is None else t
    print(f"{t:.6f} {what}{' ' + text if text else ''}", flush=True)


def _change(kind: int, payload: bytes) -> tuple[str, str] | None:
    """("add"|"del", "ADDR/LEN IFINDEX") of an address notification, else None."""
    if kind in (RTM_NEWADDR, RTM_DELADDR) and (found := _address_of(payload)):
        return ("add" if kind == RTM_NEWADDR else "del"), f"{found[0]} {found[1]}"
    return None


def _snapshot(sock: socket.socket, seq: int) -> None:
    """Dump every address. Notifications read meanwhile are printed after "ready" (with the
    time they were read): the snapshot is the older truth, they are newer."""
    request = IFADDRMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
    header = NLMSG_HEADER.pack(NLMSG_HEADER.size + len(request), RTM_GETADDR,
                               NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    sock.send(header + request)
    _emit("snapshot")
    later = []
    while True:
        data = sock.recv(1 << 20)
        t = time.monotonic()
        for kind, payload in _messages(data):
            if NLMSG_HEADER.unpack_from(data)[3] != seq:
                if change := _change(kind, payload):
                    later.append((t, change))
            elif kind == NLMSG_DONE:
                _emit("ready")
                for when, (what, text) in later:
                    _emit(what, text, when)
                return
            elif kind == NLMSG_ERROR:
                raise OSError(f"address dump refused: {payload[:4]!r}")
            elif kind == RTM_NEWADDR and (found := _address_of(payload)):
                _emit("have", f"{found[0]} {found[1]}")


def main() -> int:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    # A deep buffer: a failover adds and removes many VIPs at once, and this reader may be
    # descheduled for a while on a busy emulated CPU.
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    sock.bind((0, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
    seq = 1
    _snapshot(sock, seq)
    while True:
        try:
            data = sock.recv(1 << 20)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            _emit("overrun")
            seq += 1
            _snapshot(sock, seq)
            continue
        for kind, payload in _messages(data):
            if change := _change(kind, payload):
                _emit(*change)


# ----- reading a log back ---------------------------------------------------------------------
def holder_intervals(lines, end: float) -> dict[str, list[tuple[float, float]]]:
    """address (without prefix length) -> [(up, down)] from a monitor log; an address still up
    at the end is closed at `end`. An address on several interfaces counts as up while it is on
    any. A snapshot is the whole truth at its "ready": what it lacks went down then."""
    present: dict[str, set[int]] = {}
    since: dict[str, float] = {}
    intervals: dict[str, list[tuple[float, float]]] = {}
    snapshot: dict[str, set[int]] | None = None

    def set_up(address: str, index: int, t: float) -> None:
        if not present.get(address):
            since[address] = t
        present.setdefault(address, set()).add(index)

    def set_down(address: str, index: int, t: float) -> None:
        held = present.get(address)
        if held and index in held:
            held.discard(index)
            if not held:
                intervals.setdefault(address, []).append((since.pop(address), t))

    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            continue
        t, what = float(fields[0]), fields[1]
        if what == "snapshot":
            snapshot = {}
        elif what == "have" and snapshot is not None:
            snapshot.setdefault(fields[2].split("/")[0], set()).add(int(fields[3]))
        elif what == "ready" and snapshot is not None:
            for address, indexes in list(present.items()):
                for index in list(indexes - snapshot.get(address, set())):
                    set_down(address, index, t)
            for address, indexes in snapshot.items():
                for index in indexes:
                    set_up(address, index, t)
            snapshot = None
        elif what in ("add", "del"):
            address, index = fields[2].split("/")[0], int(fields[3])
            (set_up if what == "add" else set_down)(address, index, t)
    for address, held in present.items():
        if held:
            intervals.setdefault(address, []).append((since[address], end))
    return intervals


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
