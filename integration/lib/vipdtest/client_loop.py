"""A client that requests http://ADDRESS:PORT/ every INTERVAL seconds and logs each result.

One line per request: "<monotonic seconds> ok <body>" or "<monotonic seconds> fail <reason>".
Run: python3 client_loop.py --address 10.99.0.100 [--port 80] [--interval 0.2] [--timeout 0.5]
"""

import argparse
import ipaddress
import socket
import sys
import time


def fetch(address: str, port: int, timeout: float) -> str:
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((address, port))
        s.sendall(f"GET / HTTP/1.0\r\nHost: {address}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise OSError(f"bad response {head[:40]!r}")
    return body.decode(errors="replace").strip()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--timeout", type=float, default=0.5)
    args = ap.parse_args()
    next_at = time.monotonic()
    while True:
        t = time.monotonic()
        try:
            print(f"{t:.3f} ok {fetch(args.address, args.port, args.timeout)}", flush=True)
        except (OSError, socket.timeout) as e:
            print(f"{t:.3f} fail {type(e).__name__}: {e}", flush=True)
        next_at += args.interval
        time.sleep(max(0.0, next_at - time.monotonic()))
        if next_at < time.monotonic() - args.interval:
            next_at = time.monotonic()  # don't burst after a long stall


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
