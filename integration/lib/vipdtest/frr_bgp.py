"""FRR's zebra + bgpd in one namespace: a director's (importing vipd's route table) or a router's.

Like frr.py's vrrpd: every file (configuration, pid files, sockets) is in the test's directory,
the daemons run as the package's user in the foreground, and nothing of the host's FRR is used.
Timers are the lab's: keepalive 1 s, hold 3 s.
"""

from __future__ import annotations

import json

from .daemon import Process
from .frr import start_frr_daemons

KEEPALIVE, HOLD = 1, 3


class FrrBgp:
    def __init__(self, topo, role: str, base: str, zebra: Process, bgpd: Process):
        self.topo, self.role, self.base = topo, role, base
        self.zebra, self.bgpd = zebra, bgpd

    def alive(self) -> bool:
        return self.zebra.alive() and self.bgpd.alive()

    def vtysh(self, command: str) -> str:
        return self.topo.run(self.role, ["vtysh", "--vty_socket", self.base, "-c", command],
                             check=False, timeout=10)

    def established(self) -> int:
        """How many BGP sessions are up."""
        try:
            summary = json.loads(self.vtysh("show bgp ipv4 unicast summary json") or "{}")
        except json.JSONDecodeError:
            return 0
        peers = summary.get("peers", {})
        return sum(1 for p in peers.values() if p.get("state") == "Established")

    def next_hops(self, prefix: str) -> set[str]:
        """The next hops of the selected route to `prefix` in zebra's RIB (empty: none)."""
        try:
            routes = json.loads(self.vtysh(f"show ip route {prefix} json") or "{}")
        except json.JSONDecodeError:
            return set()
        hops = set()
        for route in routes.get(prefix, []):
            if route.get("selected"):
                hops.update(h.get("ip", h.get("interfaceName", "?")) for h in route["nexthops"]
                            if h.get("active"))
        return hops

    def stop(self, timeout: float = 10.0) -> None:
        self.bgpd.stop(timeout)
        self.zebra.stop(timeout)

    def log_tail(self, lines: int = 40) -> str:
        return self.bgpd.log_tail(lines)


def bgpd_conf(asn: int, router_id: str, neighbors: dict[str, int], af_lines=()) -> str:
    """A bgpd configuration: eBGP to each neighbor (address -> AS), the lab's timers."""
    lines = [f"router bgp {asn}", f" bgp router-id {router_id}",
             " no bgp ebgp-requires-policy", " no bgp network import-check",
             f" timers bgp {KEEPALIVE} {HOLD}"]
    for address, remote in neighbors.items():
        lines += [f" neighbor {address} remote-as {remote}",
                  f" neighbor {address} timers connect 1"]
    lines += [" address-family ipv4 unicast", *(f"  {line}" for line in af_lines),
              " exit-address-family"]
    return "\n".join(lines) + "\n"


def start_frr_bgp(topo, role: str, zebra_conf: str, bgpd_conf_text: str,
                  name: str | None = None) -> FrrBgp:
    """zebra, then bgpd, in role's namespace."""
    base, daemons = start_frr_daemons(topo, role, name or f"bgp-{role}",
                                      {"zebra": zebra_conf, "bgpd": bgpd_conf_text})
    return FrrBgp(topo, role, base, daemons["zebra"], daemons["bgpd"])
