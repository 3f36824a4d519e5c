#!/usr/bin/env python3
"""IPVS load benchmark (issue 3): 1,000 DR services x 10 reals, no checks. keepalived (checker
only, `keepalived -C`) and vipd (single director: services whose VIP no instance owns are always
pushed) each run in a fresh network namespace; the time is from process start until
the kernel table holds all 10,000 destinations (polled every 20 ms from /proc/PID/net/ip_vs, the
same for both; `ipvsadm -Ln` then confirms the count).

Process start is the engine's own exec: by default the forked child joins the namespace with
setns(2) and execs the engine (--launch setns). `--launch ip-netns-exec` starts it through
`ip netns exec` as before, which adds that program's own start (about 0.2-0.3 s in the TCG
guest) to both engines' figures.

Needs IPVS, so it runs inside the VM tier:
  integration/vm/run-in-vm.py --timeout 600 -- python3 bench/ipvs_load.py --vipd build/src/daemon/vipd
"""

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import time

SERVICES = 1000
REALS = 10


def vip(i: int) -> str:
    return f"10.{100 + i // 250}.0.{i % 250 + 1}"


def real(j: int) -> str:
    return f"10.200.0.{j + 1}"


def vipd_config() -> str:
    out = ['[global]\nrouter_id = "bench"\n']
    for i in range(SERVICES):
        out.append(f'[[virtual_server]]\naddress = "{vip(i)}"\nport = 80\nscheduler = "rr"\n'
                   f'forwarding = "dr"\n')
        for j in range(REALS):
            out.append(f'  [[virtual_server.real]]\n  address = "{real(j)}"\n')
    return "".join(out)


def keepalived_config() -> str:
    out = ["global_defs {\n  router_id bench\n}\n"]
    for i in range(SERVICES):
        out.append(f"virtual_server {vip(i)} 80 {{\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n")
        for j in range(REALS):
            out.append(f"  real_server {real(j)} 80 {{\n    weight 1\n  }}\n")
        out.append("}\n")
    return "".join(out)


def destinations_proc(pid: int) -> int:
    """Destinations in the IPVS table of pid's namespace, from /proc/PID/net/ip_vs: cheap enough
    to poll every 20 ms (an `ipvsadm -Ln` of 10,000 entries takes over a second in the VM, which
    would make the poll, not the daemon, decide the figure). Reals are 10.200.0.x: 0AC800xx."""
    try:
        with open(f"/proc/{pid}/net/ip_vs") as f:
            return f.read().count("-> 0AC800")
    except OSError:
        return 0


def destinations_ipvsadm(ns: str) -> int:
    r = subprocess.run(["ip", "netns", "exec", ns, "ipvsadm", "-Ln"], capture_output=True, text=True)
    return r.stdout.count("-> 10.200.")


CLONE_NEWNET = 0x40000000


def join_namespace(ns: str):
    """A preexec_fn: the forked child enters ns (Python 3.11 has no os.setns)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def enter() -> None:
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        os.close(fd)
    return enter


def run_once(name: str, argv: list[str], ns: str, launch: str) -> float:
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        if launch == "setns":
            start = time.monotonic()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True, preexec_fn=join_namespace(ns))
        else:
            start = time.monotonic()
            proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while destinations_proc(proc.pid) < SERVICES * REALS:
                if time.monotonic() - start > 120:
                    raise RuntimeError(f"{name}: not loaded after 120 s")
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}")
                time.sleep(0.02)
            elapsed = time.monotonic() - start
            listed = destinations_ipvsadm(ns)  # the oracle agrees, once, outside the timing
            if listed != SERVICES * REALS:
                raise RuntimeError(f"{name}: ipvsadm lists {listed} destinations")
            return elapsed
        finally:
            os.killpg(proc.pid, 9)
            proc.wait()
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vipd", required=True)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    ap.add_argument("--launch", choices=("setns", "ip-netns-exec"), default="setns",
                    help="how the engine enters its namespace (see the module docstring)")
    ap.add_argument("--engines", default="vipd,keepalived",
                    help="comma-separated subset of vipd,keepalived")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vipd-bench-load.") as tmp:
        vconf, kconf = os.path.join(tmp, "vipd.toml"), os.path.join(tmp, "keepalived.conf")
        with open(vconf, "w") as f:
            f.write(vipd_config())
        with open(kconf, "w") as f:
            f.write(keepalived_config())
        engines = {
            "vipd": [os.path.abspath(args.vipd), "--config", vconf, "--log", "stderr"],
            "keepalived": ["keepalived", "-C", "-n", "-l", "-D", "-f", kconf, "-p",
                           os.path.join(tmp, "k.pid"), "-c", os.path.join(tmp, "c.pid")],
        }
        chosen = args.engines.split(",")
        engines = {name: argv for name, argv in engines.items() if name in chosen}
        results = {name: [] for name in engines}
        # Interleaved, so a noisy spell on the host hits both engines alike.
        for run in range(args.runs):
            for name, argv in engines.items():
                elapsed = run_once(name, argv, f"vb-load-{os.getpid()}-{name}-{run}", args.launch)
                results[name].append(elapsed)
                print(f"run {run + 1} {name}: {elapsed:.2f} s", flush=True)
    for name, xs in results.items():
        print(f"RESULT engine={name} launch={args.launch} runs={len(xs)} "
              f"median={statistics.median(xs):.2f}s min={min(xs):.2f}s max={max(xs):.2f}s",
              flush=True)
    if len(results) == 2:
        v, k = statistics.median(results["vipd"]), statistics.median(results["keepalived"])
        print(f"RESULT services={SERVICES} reals={REALS} launch={args.launch} "
              f"vipd_median={v:.2f}s keepalived_median={k:.2f}s speedup={k / v:.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
