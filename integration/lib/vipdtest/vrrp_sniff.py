"""Listen for VRRP adverts (IP protocol 112) in a namespace and print one line per packet.

Line: "<family> src=<address> ttl=<ttl or hop limit> version=<v> type=<t> vrid=<id> prio=<p> len=<n>"
Run: python3 vrrp_sniff.py --family 4|6 --count N --timeout SECONDS [--interface eth0]
"""

import argparse
import select
import socket
import struct
import sys
import time

VRRP_PROTO = 112


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", type=int, choices=(4, 6), default=4)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--interface", default="eth0")
    args = ap.parse_args()
    ifindex = socket.if_nametoindex(args.interface)
    if args.family == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, VRRP_PROTO)
        mreq = struct.pack("=4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"), ifindex)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, VRRP_PROTO)
        mreq = socket.inet_pton(socket.AF_INET6, "ff02::12") + struct.pack("=I", ifindex)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    deadline = time.monotonic() + args.timeout
    seen = 0
    while seen < args.count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, anc, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(4))
        if args.family == 4:
            ihl = (data[0] & 0x0F) * 4
            ttl = data[8]
            payload = data[ihl:]
        else:
            ttl = next((struct.unpack("=i", d[:4])[0] for lvl, typ, d in anc
                        if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_HOPLIMIT), -1)
            payload = data
        if len(payload) < 4:
            continue
        print(f"{args.family} src={addr[0]} ttl={ttl} version={payload[0] >> 4} type={payload[0] & 0x0F} "
              f"vrid={payload[1]} prio={payload[2]} len={len(payload)} t={time.monotonic():.6f}",
              flush=True)
        seen += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
