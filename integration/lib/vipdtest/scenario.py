"""The scenario runner: arguments, skip rules, deadline, cleanup, exit codes, failure reports.

A scenario is a function taking a Context. It fails by raising AssertionError (every helper's
failures are AssertionErrors with a reason). Exit codes: 0 pass, 1 fail, 77 skip.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback

from . import cleanup, sh
from .daemon import Director, Instance, start_director, start_keepalived, start_vipd
from .topology import Topology

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77


class Skip(Exception):
    pass


class DeadlineExceeded(AssertionError):
    pass


class Context:
    def __init__(self, args, name: str):
        self.args = args
        self.name = name
        self.engine = args.engine
        self.vipd = args.vipd
        self.t0 = time.monotonic()
        self.topologies: list[Topology] = []

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t0:7.2f}s] {msg}", flush=True)

    def topology(self, roles=("dir1", "dir2", "client")) -> Topology:
        topo = Topology(roles, keep_tmp=self.args.keep, log=self.log)
        self.topologies.append(topo)
        return topo.build()

    def director(self, topo: Topology, role: str, instances: list[Instance],
                 engine: str | None = None, global_lines=()) -> Director:
        """Start a director running `engine` (default: the scenario's --engine); `global_lines`
        are extra lines of vipd's [global] section."""
        engine = engine or self.engine
        d = start_director(topo, role, engine, instances, vipd=self.vipd, global_lines=global_lines)
        self.log(f"started {d.name} (pid {d.pid}): "
                 + ", ".join(f"{i.name} vrid {i.vrid} v{i.version} prio {i.priority}" for i in instances))
        return d


def check(condition, message: str) -> None:
    """assert with a message that survives python -O."""
    if not condition:
        raise AssertionError(message)


def client_results(proc) -> list[tuple[float, bool, str]]:
    """Parse client_loop.py output: (time, ok, body-or-reason)."""
    rows = []
    for line in proc.log_text().splitlines():
        parts = line.split(" ", 2)
        if len(parts) >= 2 and parts[1] in ("ok", "fail"):
            rows.append((float(parts[0]), parts[1] == "ok", parts[2] if len(parts) > 2 else ""))
    return rows


def _on_alarm(signum, frame):
    raise DeadlineExceeded("scenario deadline exceeded (see --deadline)")


def _report_failure(ctx: Context | None) -> None:
    if ctx is None:
        return
    for topo in ctx.topologies:
        topo.failed = True
        for p in topo.processes:
            status = "running" if p.alive() else f"exited with status {p.returncode}"
            print(f"----- {p.name} ({status}), last lines of {p.log_path} -----", file=sys.stderr)
            print(p.log_tail(), file=sys.stderr)


def main(scenario, description: str, tools=("ip",), engines=("vipd", "keepalived"),
         default_engine: str = "vipd") -> None:
    """Parse arguments, run scenario(ctx), clean up, exit 0/1/77."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--vipd", help="path to the vipd binary")
    ap.add_argument("--engine", choices=engines, default=default_engine,
                    help="what runs on the directors (keepalived: validate the scenario itself)")
    ap.add_argument("--keep", action="store_true", help="keep configs and logs in /tmp")
    ap.add_argument("--deadline", type=float, default=float(os.environ.get("VIPDTEST_DEADLINE", 200)),
                    help="fail (and clean up) after this many seconds; keep below the CTest TIMEOUT")
    args = ap.parse_args()

    print(f"== {name}: {description} (engine {args.engine})", flush=True)
    if os.geteuid() != 0:
        print(f"SKIP {name}: needs root (network namespaces)")
        sys.exit(EXIT_SKIP)
    needed = list(tools) + (["keepalived"] if args.engine == "keepalived" else [])
    missing = sh.missing_tools(needed)
    if missing:
        print(f"SKIP {name}: missing tools: {', '.join(missing)}")
        sys.exit(EXIT_SKIP)
    if "vipd" in engines and args.engine == "vipd":
        if not args.vipd or not os.access(args.vipd, os.X_OK):
            print(f"FAIL {name}: vipd binary not found or not executable: {args.vipd!r} (use --vipd PATH)")
            sys.exit(EXIT_FAIL)
        args.vipd = os.path.abspath(args.vipd)

    cleanup.install_handlers()
    stale = cleanup.sweep_stale_runs()
    if stale:
        print(f"note: removed namespaces left by a killed earlier run: {', '.join(stale)}")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, args.deadline)

    ctx = None
    rc = EXIT_FAIL
    try:
        ctx = Context(args, name)
        scenario(ctx)
        rc = EXIT_PASS
    except Skip as e:
        print(f"SKIP {name}: {e}")
        rc = EXIT_SKIP
    except AssertionError as e:
        _report_failure(ctx)
        print(f"FAIL {name}: {e}", flush=True)
    except cleanup.Interrupted as e:
        _report_failure(ctx)
        print(f"FAIL {name}: {e}", flush=True)
    except Exception:
        _report_failure(ctx)
        traceback.print_exc()
        print(f"FAIL {name}: unexpected error (traceback above)", flush=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        cleanup.REGISTRY.run_all()
    if ctx is not None:
        left = [n for t in ctx.topologies for n in t.leftover_namespaces()]
        if left:
            print(f"FAIL {name}: cleanup left namespaces behind: {', '.join(left)}")
            rc = EXIT_FAIL
        alive = [p.name for t in ctx.topologies for p in t.processes if p.alive()]
        if alive:
            print(f"FAIL {name}: cleanup left processes running: {', '.join(alive)}")
            rc = EXIT_FAIL
    if rc == EXIT_PASS:
        print(f"PASS {name}")
    sys.exit(rc)
