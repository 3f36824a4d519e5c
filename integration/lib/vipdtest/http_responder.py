"""A tiny HTTP server for a director's namespace: every GET answers with the director's name.

It binds to all addresses, so it answers on the VIP exactly while this namespace holds it.
Run: python3 http_responder.py --name dir1 [--port 80 [--port 81 ...]] (one process, any number
of ports: a DR real behind many services)

One thread and a selector, not a thread per connection with http.server's parsing: under the
VM's emulation that costs less than half the CPU per request, which decides how many health
checks a real can answer (bench/soak.py). Anything but GET gets 501, as from http.server.
"""

import argparse
import selectors
import socket
import sys
import time

K_IDLE = 10.0  # seconds a connection may take to send its request head


def reply(status: str, body: bytes) -> bytes:
    return (f"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode() + body


def listen(port: int) -> socket.socket:
    # One dual-stack socket answers IPv4 and IPv6 VIPs alike.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(1024)
    s.setblocking(False)
    return s


def serve(listening: list[socket.socket], answer: bytes) -> None:
    refused = reply("501 Unsupported method", b"")
    selector = selectors.DefaultSelector()
    for s in listening:
        selector.register(s, selectors.EVENT_READ, None)
    # A connection whose request head is still incomplete -> (accepted at, the head so far).
    waiting: dict[socket.socket, tuple[float, bytes]] = {}

    def advance(conn: socket.socket, since: float, head: bytes) -> None:
        """Read what has come; answer and close once the head is complete (or the peer left)."""
        try:
            data = conn.recv(4096)
        except BlockingIOError:
            data = None
        except OSError:
            data = b""
        if data is not None:
            head += data
        complete = data and (b"\r\n\r\n" in head or b"\n\n" in head)
        if data is None or (data and not complete):
            if conn not in waiting:
                selector.register(conn, selectors.EVENT_READ, conn)
            waiting[conn] = (since, head)
            return
        if conn in waiting:
            selector.unregister(conn)
            del waiting[conn]
        if complete:
            try:
                conn.send(answer if head.split(b" ", 1)[0] == b"GET" else refused)
            except OSError:
                pass
        conn.close()

    while True:
        for key, _ in selector.select(timeout=1.0):
            if key.data is None:
                try:
                    conn, _ = key.fileobj.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                # The request is usually there already: answer without registering.
                advance(conn, time.monotonic(), b"")
            else:
                advance(key.data, *waiting[key.data])
        now = time.monotonic()
        for conn in [c for c, (since, _) in waiting.items() if now - since > K_IDLE]:
            selector.unregister(conn)
            del waiting[conn]
            conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, action="append", help="repeatable; default 80")
    args = ap.parse_args()
    ports = args.port or [80]
    answer = reply("200 OK", (args.name + "\n").encode())
    listening = [listen(port) for port in ports]
    print(f"{args.name}: listening on port {', '.join(map(str, ports))}", flush=True)
    try:
        serve(listening, answer)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
