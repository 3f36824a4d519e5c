#!/usr/bin/env python3
"""Print "<CLOCK_MONOTONIC seconds> <source> <priority>" for every IPv4 VRRP advert heard on an
interface, until killed. The benchmarks run it in the client namespace: it hears every director on
the bridge, and its timestamps share a clock with the benchmark script."""

import argparse
import socket
import struct
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interface", default="eth0")
    args = ap.parse_args()
    ifindex = socket.if_nametoindex(args.interface)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    mreq = struct.pack("=4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"), ifindex)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print("listening", flush=True)
    while True:
        data, addr = s.recvfrom(2048)
        now = time.monotonic()
        ihl = (data[0] & 0x0F) * 4
        if len(data) >= ihl + 3:
            print(f"{now:.6f} {addr[0]} {data[ihl + 2]}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
