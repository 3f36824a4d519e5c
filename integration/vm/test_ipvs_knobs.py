#!/usr/bin/env python3
"""vm.ipvs_knobs: every IPVS knob of vipd's config, read back with ipvsadm (issue 3, scenario 4).

A table of rows, each one [[virtual_server]] (with its reals) and what `ipvsadm -Ln` (or
`--persistent-conn`, `--thresholds`, `--tun-info`) must then show for it. One vipd runs with all
rows at once, in a network namespace of its own, with no [[vrrp]]: every service belongs to no
instance and is always pushed. The path under test is config -> vipd -> generic netlink -> kernel
-> ipvsadm (the C++ client alone is vm.ipvs_genl_kernel's job).

Then the table is left alone for a few resync periods (vipd must not churn: no "repairing drift"
on an unchanged table), `ipvsadm -C` wipes it (vipd must restore all of it within
resync_interval + slack) and `ipvsadm -d` deletes one real (it must come back likewise).

The `twos` scheduler is Linux 6.7+ and the VM's 6.1 kernel lacks it: its row expects the service
absent and an error in vipd's log, with every other row programmed regardless.
Runs inside the VM (run-in-vm.py sets VIPD_IN_VM); exit 0 pass, 1 fail, 77 skip. Standard
library only.
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vipdtest as vt  # noqa: E402

K_RESYNC_S = 1.0
# Restoring must take at most one resync period plus this much: a TCG guest is slow, and vipd
# re-reads the table, diffs it and re-sends ~70 objects in between.
K_REPAIR_SLACK_S = 6.0
K_QUIET_S = 5.0  # resync periods watched for churn on an unchanged table

HEAD = """[global]
router_id = "knobs"

[ipvs]
resync_interval = "1s"
"""

LN = ""  # plain ipvsadm -Ln
PC = "--persistent-conn"
TH = "--thresholds"
TI = "--tun-info"


def vs(body: str, reals: str) -> str:
    """One [[virtual_server]] TOML fragment: the service keys, then its reals."""
    return "[[virtual_server]]\n" + body.strip() + "\n" + reals


def real(body: str) -> str:
    return "  [[virtual_server.real]]\n" + "".join(
        f"  {line.strip()}\n" for line in body.strip().splitlines()) + "\n"


def sched_row(n: int, name: str) -> dict:
    return {
        "description": f"scheduler {name}",
        "toml": vs(f'address = "10.10.0.{n}"\nport = 80\nprotocol = "tcp"\n'
                   f'scheduler = "{name}"\nforwarding = "dr"',
                   real(f'address = "10.20.0.{n}"\nweight = {n}')),
        "service": f"TCP  10.10.0.{n}:80",
        "reals": 1,
        "expect": [(LN, rf"^TCP  10\.10\.0\.{n}:80 {name}\s*$"),
                   (LN, rf"-> 10\.20\.0\.{n}:80\s+Route\s+{n}\s")],
    }


SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]

ROWS = [sched_row(i + 1, s) for i, s in enumerate(SCHEDULERS)] + [
    {
        "description": "sh with sh_port + sh_fallback",
        "toml": vs('address = "10.10.1.1"\nport = 80\nscheduler = "sh"\n'
                   'sh_port = true\nsh_fallback = true',
                   real('address = "10.20.1.1"') + real('address = "10.20.1.2"')),
        "service": "TCP  10.10.1.1:80",
        "reals": 2,
        "expect": [(LN, r"^TCP  10\.10\.1\.1:80 sh \(.*sh-fallback"),
                   (LN, r"^TCP  10\.10\.1\.1:80 sh \(.*sh-port")],
    },
    {
        "description": "sh with sh_port only",
        "toml": vs('address = "10.10.1.2"\nport = 80\nscheduler = "sh"\nsh_port = true',
                   real('address = "10.20.1.3"')),
        "service": "TCP  10.10.1.2:80",
        "reals": 1,
        "expect": [(LN, r"^TCP  10\.10\.1\.2:80 sh \(sh-port\)"),
                   (LN, r"^(?!.*fallback)TCP  10\.10\.1\.2:80")],
    },
    {
        "description": "mh with mh_port + mh_fallback",
        "toml": vs('address = "10.10.1.3"\nport = 80\nscheduler = "mh"\n'
                   'mh_port = true\nmh_fallback = true',
                   real('address = "10.20.1.4"')),
        "service": "TCP  10.10.1.3:80",
        "reals": 1,
        "expect": [(LN, r"^TCP  10\.10\.1\.3:80 mh \(.*mh-fallback"),
                   (LN, r"^TCP  10\.10\.1\.3:80 mh \(.*mh-port")],
    },
    {
        "description": "mh with mh_fallback only",
        "toml": vs('address = "10.10.1.4"\nport = 80\nscheduler = "mh"\nmh_fallback = true',
                   real('address = "10.20.1.5"')),
        "service": "TCP  10.10.1.4:80",
        "reals": 1,
        "expect": [(LN, r"^TCP  10\.10\.1\.4:80 mh \(mh-fallback\)"),
                   (LN, r"^(?!.*mh-port)TCP  10\.10\.1\.4:80")],
    },
    {
        "description": "udp + one_packet",
        "toml": vs('address = "10.10.2.1"\nport = 53\nprotocol = "udp"\nscheduler = "rr"\n'
                   'one_packet = true',
                   real('address = "10.20.2.1"')),
        "service": "UDP  10.10.2.1:53",
        "reals": 1,
        "expect": [(LN, r"^UDP  10\.10\.2\.1:53 rr ops\s*$"),
                   (LN, r"-> 10\.20\.2\.1:53\s+Route\s+1\s")],
    },
    {
        "description": "udp without one_packet",
        "toml": vs('address = "10.10.2.2"\nport = 53\nprotocol = "udp"\nscheduler = "wrr"',
                   real('address = "10.20.2.2"')),
        "service": "UDP  10.10.2.2:53",
        "reals": 1,
        "expect": [(LN, r"^UDP  10\.10\.2\.2:53 wrr\s*$")],
    },
    {
        "description": "sctp",
        "toml": vs('address = "10.10.2.3"\nport = 5000\nprotocol = "sctp"\nscheduler = "lc"',
                   real('address = "10.20.2.3"')),
        "service": "SCTP 10.10.2.3:5000",
        "reals": 1,
        "expect": [(LN, r"^SCTP 10\.10\.2\.3:5000 lc\s*$"),
                   (LN, r"-> 10\.20\.2\.3:5000\s+Route\s+1\s")],
    },
    {
        "description": "fwmark IPv4",
        "toml": vs('fwmark = 10\nscheduler = "wlc"\nforwarding = "dr"',
                   real('address = "10.20.3.1"\nweight = 2') + real('address = "10.20.3.2"')),
        "service": "FWM  10",
        "reals": 2,
        "expect": [(LN, r"^FWM  10 wlc\s*$"),
                   (LN, r"-> 10\.20\.3\.1:0\s+Route\s+2\s"),
                   (LN, r"-> 10\.20\.3\.2:0\s+Route\s+1\s")],
    },
    {
        "description": "fwmark IPv6 + persistence",
        "toml": vs('fwmark = 11\nfamily = "ipv6"\nscheduler = "rr"\npersistence = "300s"',
                   real('address = "2001:db8:20::1"')),
        "service": "FWM  11",
        "reals": 1,
        "expect": [(LN, r"^FWM  11 IPv6 rr persistent 300\s*$"),
                   (LN, r"-> \[2001:db8:20::1\]:0\s+Route\s+1\s")],
    },
    {
        "description": "IPv6 service",
        "toml": vs('address = "2001:db8:10::1"\nport = 443\nscheduler = "sed"',
                   real('address = "2001:db8:20::2"\nweight = 4')),
        "service": "TCP  [2001:db8:10::1]:443",
        "reals": 1,
        "expect": [(LN, r"^TCP  \[2001:db8:10::1\]:443 sed\s*$"),
                   (LN, r"-> \[2001:db8:20::2\]:443\s+Route\s+4\s")],
    },
    {
        "description": "persistence, IPv4 dotted netmask",
        "toml": vs('address = "10.10.4.1"\nport = 443\nscheduler = "wlc"\n'
                   'persistence = "120s"\npersistence_netmask = "255.255.255.0"',
                   real('address = "10.20.4.1"')),
        "service": "TCP  10.10.4.1:443",
        "reals": 1,
        "expect": [(LN, r"^TCP  10\.10\.4\.1:443 wlc persistent 120 mask 255\.255\.255\.0\s*$"),
                   (PC, r"-> 10\.20\.4\.1:443\s+1\s+0\s+0\s+0\s*$")],
    },
    {
        "description": "persistence, IPv4 prefix length, port 0",
        "toml": vs('address = "10.10.4.2"\nport = 0\nscheduler = "rr"\n'
                   'persistence = "600s"\npersistence_netmask = 16',
                   real('address = "10.20.4.2"')),
        "service": "TCP  10.10.4.2:0",
        "reals": 1,
        "expect": [(LN, r"^TCP  10\.10\.4\.2:0 rr persistent 600 mask 255\.255\.0\.0\s*$"),
                   (LN, r"-> 10\.20\.4\.2:0\s+Route\s+1\s")],
    },
    {
        "description": "persistence, IPv6 prefix",
        "toml": vs('address = "2001:db8:10::2"\nport = 80\nscheduler = "rr"\n'
                   'persistence = "60s"\npersistence_netmask = 64',
                   real('address = "2001:db8:20::3"')),
        "service": "TCP  [2001:db8:10::2]:80",
        "reals": 1,
        "expect": [(LN, r"^TCP  \[2001:db8:10::2\]:80 rr persistent 60 mask 64\s*$"),
                   (PC, r"-> \[2001:db8:20::3\]:80\s+1\s+0\s+0\s+0\s*$")],
    },
    {
        "description": "nat with port mapping, weights incl. 0",
        "toml": vs('address = "10.10.5.1"\nport = 80\nscheduler = "wrr"\nforwarding = "nat"',
                   real('address = "10.20.5.1"\nport = 8080\nweight = 3')
                   + real('address = "10.20.5.2"\nport = 8081\nweight = 0')
                   + real('address = "10.20.5.3"')),
        "service": "TCP  10.10.5.1:80",
        "reals": 3,
        "expect": [(LN, r"-> 10\.20\.5\.1:8080\s+Masq\s+3\s"),
                   (LN, r"-> 10\.20\.5\.2:8081\s+Masq\s+0\s"),
                   (LN, r"-> 10\.20\.5\.3:80\s+Masq\s+1\s")],
    },
    {
        "description": "dr, per-real nat override",
        "toml": vs('address = "10.10.5.2"\nport = 80\nscheduler = "rr"\nforwarding = "dr"',
                   real('address = "10.20.5.4"\nweight = 65535')
                   + real('address = "10.20.5.5"\nforwarding = "nat"\nport = 8000')),
        "service": "TCP  10.10.5.2:80",
        "reals": 2,
        "expect": [(LN, r"-> 10\.20\.5\.4:80\s+Route\s+65535\s"),
                   (LN, r"-> 10\.20\.5\.5:8000\s+Masq\s+1\s")],
    },
    {
        "description": "tun: ipip (default type), gue port+checksum, gre, IPv6 real",
        "toml": vs('address = "10.10.6.1"\nport = 80\nscheduler = "rr"\nforwarding = "tun"',
                   real('address = "10.20.6.1"')
                   + real('address = "10.20.6.2"\ntunnel_type = "gue"\ntunnel_port = 6080\n'
                          'tunnel_checksum = true\nweight = 2')
                   + real('address = "10.20.6.3"\ntunnel_type = "gue"\ntunnel_port = 5555')
                   + real('address = "10.20.6.4"\ntunnel_type = "gre"')
                   + real('address = "2001:db8:20::6"\ntunnel_type = "ipip"')),
        "service": "TCP  10.10.6.1:80",
        "reals": 5,
        "expect": [(LN, r"-> 10\.20\.6\.1:80\s+Tunnel\s+1\s"),
                   (LN, r"-> 10\.20\.6\.2:80\s+Tunnel\s+2\s"),
                   (TI, r"-> 10\.20\.6\.1:80\s+Tunnel\s+ipip\s"),
                   (TI, r"-> 10\.20\.6\.2:80\s+Tunnel\s+gue:6080:\+c\s"),
                   (TI, r"-> 10\.20\.6\.3:80\s+Tunnel\s+gue:5555:-c\s"),
                   (TI, r"-> 10\.20\.6\.4:80\s+Tunnel\s+gre:-c\s"),
                   (TI, r"-> \[2001:db8:20::6\]:80\s+Tunnel\s+ipip\s")],
    },
    {
        "description": "tun gre + checksum set on the service, per-real dr override",
        "toml": vs('address = "10.10.6.2"\nport = 80\nscheduler = "rr"\nforwarding = "tun"\n'
                   'tunnel_type = "gre"\ntunnel_checksum = true',
                   real('address = "10.20.6.5"')
                   + real('address = "10.20.6.6"\nforwarding = "dr"')),
        "service": "TCP  10.10.6.2:80",
        "reals": 2,
        "expect": [(TI, r"-> 10\.20\.6\.5:80\s+Tunnel\s+gre:\+c\s"),
                   (TI, r"-> 10\.20\.6\.6:80\s+Route\s")],
    },
    {
        "description": "tun gue set on the service (port + checksum inherited)",
        "toml": vs('address = "10.10.6.3"\nport = 80\nscheduler = "rr"\nforwarding = "tun"\n'
                   'tunnel_type = "gue"\ntunnel_port = 7000\ntunnel_checksum = true',
                   real('address = "10.20.6.7"')),
        "service": "TCP  10.10.6.3:80",
        "reals": 1,
        "expect": [(TI, r"-> 10\.20\.6\.7:80\s+Tunnel\s+gue:7000:\+c\s")],
    },
    {
        "description": "upper/lower thresholds",
        "toml": vs('address = "10.10.7.1"\nport = 80\nscheduler = "wlc"',
                   real('address = "10.20.7.1"\nupper_threshold = 1000\nlower_threshold = 100')
                   + real('address = "10.20.7.2"\nupper_threshold = 50')
                   + real('address = "10.20.7.3"')),
        "service": "TCP  10.10.7.1:80",
        "reals": 3,
        "expect": [(TH, r"-> 10\.20\.7\.1:80\s+1000\s+100\s"),
                   (TH, r"-> 10\.20\.7\.2:80\s+50\s+0\s"),
                   (TH, r"-> 10\.20\.7\.3:80\s+0\s+0\s")],
    },
]

# The 6.1 kernel has no twos (Linux 6.7+): the config accepts it, the kernel refuses the service.
# vipd must say so in its log and still program every other row; the row then expects absence.
TWOS = {
    "description": "scheduler twos (absent in 6.1: refused, logged)",
    "toml": vs('address = "10.10.9.1"\nport = 80\nscheduler = "twos"',
               real('address = "10.20.9.1"')),
    "service": "TCP  10.10.9.1:80",
    "absent": True,
    "log": r"error .*add tcp 10\.10\.9\.1:80 twos failed",
}

# Each listing's column header, so a format change in ipvsadm fails loudly, not silently.
LISTINGS = {
    "": r"-> RemoteAddress:Port\s+Forward Weight ActiveConn InActConn",
    # These two put their columns on the "Prot" line, for services and reals alike.
    "--persistent-conn": r"Prot LocalAddress:Port\s+Weight\s+PersistConn ActiveConn InActConn",
    "--thresholds": r"Prot LocalAddress:Port\s+Uthreshold Lthreshold ActiveConn InActConn",
    "--tun-info": r"-> RemoteAddress:Port\s+Forward TunnelInfo\s+Weight ActiveConn InActConn",
}


# The namespace vipd and ipvsadm run in (built by run()).
HOST = None


def ipvsadm(listing: str) -> str:
    return HOST.sh(["ipvsadm", "-Ln", *([listing] if listing else [])])


def blocks(text: str) -> dict:
    """ipvsadm listing -> {service header prefix: [header line, real lines...]}."""
    out = {}
    current = None
    for line in text.splitlines():
        if re.match(r"^(TCP|UDP|SCTP|FWM)\s", line):
            m = re.match(r"^(\S+\s+\S+)", line)
            current = out.setdefault(m.group(1).replace("  ", " "), [])
            current.append(line.rstrip())
        elif current is not None and line.lstrip().startswith("->"):
            current.append(line.rstrip())
    return out


def norm(service: str) -> str:
    return service.replace("  ", " ")


def snapshot() -> dict:
    """The -Ln table as {service: sorted lines}, order-independent (kernel hash order)."""
    return {k: sorted(v) for k, v in blocks(ipvsadm(LN)).items()}


def all_listed() -> bool:
    got = blocks(ipvsadm(LN))
    return all(len(got.get(norm(r["service"]), [])) == r["reals"] + 1 for r in ROWS)


def present(row):
    return norm(row["service"]) in blocks(ipvsadm(LN))


def check_rows(log_path: str) -> int:
    texts = {name: ipvsadm(name) for name in LISTINGS}
    listings = {name: blocks(text) for name, text in texts.items()}
    failures = 0
    print(f"{'row':<62} result")
    for name, header in LISTINGS.items():
        ok = re.search(header, texts[name]) is not None
        failures += not ok
        print(f"{'ipvsadm -Ln ' + name + ' column header':<62} {'PASS' if ok else 'FAIL'}")
        if not ok:
            print(f"    no line matches /{header}/")
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    problems = []
    if norm(TWOS["service"]) in listings[LN]:
        problems.append("listed, but this kernel has no twos")
    if not re.search(TWOS["log"], log):
        problems.append(f"vipd's log has no line matching /{TWOS['log']}/")
    failures += bool(problems)
    print(f"{TWOS['description']:<62} {'FAIL' if problems else 'PASS'}")
    for p in problems:
        print(f"    {p}")
    for row in ROWS:
        problems = []
        block = listings[LN].get(norm(row["service"]))
        if block is None:
            problems.append("service not listed")
        elif len(block) != row["reals"] + 1:
            problems.append(f"{len(block) - 1} reals listed, expected {row['reals']}")
        for listing, pattern in row["expect"]:
            lines = listings[listing].get(norm(row["service"]), [])
            if not any(re.search(pattern, line) for line in lines):
                problems.append(f"ipvsadm -Ln {listing}: no line matches /{pattern}/")
        failures += bool(problems)
        print(f"{row['description']:<62} {'FAIL' if problems else 'PASS'}")
        for p in problems:
            print(f"    {p}")
    return failures


def drift_lines(log_path: str) -> list:
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip() for line in f if "repairing drift" in line]


def timed_repair(what: str, expected: dict, bound: float, start: float) -> float:
    vt.wait_until(lambda: snapshot() == expected, bound + 5, interval=0.05, what=what)
    took = time.monotonic() - start
    if took > bound:
        raise AssertionError(f"{what}: took {took:.2f}s, bound {bound:.1f}s")
    return took


def run(vipd: str) -> int:
    global HOST
    HOST = vt.SingleHost().build()
    # The VIPs live on a dummy link, as on a director (IPVS itself does not need them local).
    HOST.sh(["ip", "link", "add", "kn0", "type", "dummy"])
    HOST.sh(["ip", "link", "set", "kn0", "up"])
    vips = sorted({m.group(1) for r in ROWS + [TWOS]
                   for m in [re.search(r'^address = "([^"]+)"', r["toml"], re.M)] if m})
    for vip in vips:
        HOST.add_address(HOST.role, vip + ("/128" if ":" in vip else "/32"), dev="kn0")

    # start_vipd runs `vipd --check` first (a rejected config fails with the text) and keeps
    # its warnings.
    proc = HOST.start_vipd(vipd, HEAD + "\n" + "\n".join(r["toml"] for r in ROWS + [TWOS]),
                           log_level="debug")
    log_path = proc.log_path
    failures = 0
    try:
        # --check knows this kernel's schedulers (loaded, or modules in modules.dep): it warns
        # about twos, and about no other scheduler the rows use.
        scheduler_warnings = re.findall(r"warning: scheduler (\S+) is neither loaded",
                                        proc.check_stderr)
        if scheduler_warnings != ["twos"]:
            raise AssertionError(f"vipd --check should warn about twos only: {proc.check_stderr}")
        print("ok: vipd --check warns that this kernel lacks twos, and about nothing else")

        start = proc.started
        try:
            vt.wait_until(all_listed, 30, interval=0.1,
                          what="every row's service and reals in ipvsadm -Ln")
        except AssertionError as e:
            print(f"FAIL: {e}")
        print(f"table in place {time.monotonic() - start:.2f}s after vipd started")
        print(ipvsadm(LN).rstrip())
        for listing in (PC, TH, TI):
            print(f"--- ipvsadm -Ln {listing} ---\n" + ipvsadm(listing).rstrip())
        failures = check_rows(log_path)
        print(f"{failures} of {len(ROWS) + 1 + len(LISTINGS)} checks failed")

        # An unchanged table must not be rewritten: any drift repair now is churn (a mismatch
        # between what vipd asks for and what the kernel reports back).
        expected = snapshot()
        before = len(drift_lines(log_path))
        time.sleep(K_QUIET_S)
        churn = drift_lines(log_path)[before:]
        if churn:
            failures += 1
            print(f"FAIL no churn: {len(churn)} 'repairing drift' lines on an unchanged table "
                  f"over {K_QUIET_S:.0f}s:")
            print("\n".join("    " + line for line in churn[:40]))
        else:
            print(f"PASS no churn: no drift repaired over {K_QUIET_S:.0f}s of resyncs")
        if snapshot() != expected:
            failures += 1
            print("FAIL the table changed on its own")

        bound = K_RESYNC_S + K_REPAIR_SLACK_S
        for what, argv in (
            ("ipvsadm -C restored", ["ipvsadm", "-C"]),
            ("ipvsadm -d of one real restored",
             ["ipvsadm", "-d", "-t", "10.10.5.1:80", "-r", "10.20.5.1:8080"]),
            ("ipvsadm -D of one service restored", ["ipvsadm", "-D", "-f", "10"]),
        ):
            # Break the table and list it in one go, so that the listing shows the damage; a
            # resync tick can still fall between the two (under load it did), and then vipd
            # has logged the repair by the time the listing is back.
            start = time.monotonic()
            drifts = len(drift_lines(log_path))
            damaged = {k: sorted(v) for k, v in blocks(HOST.sh(
                ["sh", "-c", " ".join(argv) + " && ipvsadm -Ln"])).items()}
            if damaged == expected and len(drift_lines(log_path)) == drifts:
                failures += 1
                print(f"FAIL {what}: {' '.join(argv)} changed nothing")
                continue
            try:
                took = timed_repair(what, expected, bound, start)
                repaired = len(drift_lines(log_path)) - drifts
                print(f"PASS {what} in {took:.2f}s (bound {bound:.1f}s), "
                      f"{repaired} objects re-added")
            except AssertionError as e:
                failures += 1
                print(f"FAIL {e}")
                got = snapshot()
                for k in sorted(set(expected) | set(got)):
                    if expected.get(k) != got.get(k):
                        print(f"    {k}: expected {expected.get(k)}, got {got.get(k)}")

        code = proc.stop(timeout=20)
        if code != 0:
            failures += 1
            print(f"FAIL vipd exited {code} on SIGTERM")
        left = ipvsadm(LN)
        if any(re.search(r"^(TCP|UDP|SCTP|FWM)\s", line) for line in left.splitlines()):
            failures += 1
            print("FAIL services left after vipd stopped:\n" + left)
        else:
            print("PASS SIGTERM: exit 0, every service removed")
    finally:
        text = proc.log_text().rstrip().splitlines()
        print(f"--- vipd log ({len(text)} lines, last 60) ---")
        print("\n".join(text[-60:]))
    return failures


if __name__ == "__main__":
    sys.exit(vt.vm_main(__doc__, run))
