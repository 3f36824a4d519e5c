"""A tiny HTTP server for a director's namespace: every GET answers with the director's name.

It binds to all addresses, so it answers on the VIP exactly while this namespace holds it.
Run: python3 http_responder.py --name dir1 [--port 80]
"""

import argparse
import http.server
import socket
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, default=80)
    args = ap.parse_args()
    body = (args.name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):  # quiet: the client loop records what matters
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6
        allow_reuse_address = True

        def server_bind(self):
            # One dual-stack socket answers IPv4 and IPv6 VIPs alike.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    server = Server(("::", args.port), Handler)
    print(f"{args.name}: listening on port {args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
