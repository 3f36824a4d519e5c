"""Guaranteed cleanup: one registry of undo actions per process.

Every namespace and process the harness creates registers an undo action here *before* it is
created, so a failure half-way through still cleans up. The registry runs on normal exit, on
exceptions (the scenario runner calls run_all() in `finally`), on SIGTERM/SIGINT/SIGHUP (the
handlers raise Interrupted so `finally` blocks run) and from atexit as a last resort.

A run also writes a manifest (owner pid + start time, exact namespace names) into its temp dir.
If a run is killed with SIGKILL (e.g. a CTest timeout), the next run finds the manifest of the
dead owner and removes exactly those namespaces, never anything it did not create.
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import signal
import subprocess
import sys
import threading

TMP_GLOB = "/tmp/vipdtest-*"


class Interrupted(BaseException):
    """Raised from the signal handlers so that `finally` blocks (and cleanup) still run."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {signal.Signals(signum).name}")
        self.signum = signum


class Registry:
    """A LIFO stack of undo actions, run at most once each."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, callable]] = []
        self._lock = threading.RLock()
        self._running = False

    def push(self, description: str, action) -> None:
        with self._lock:
            self._actions.append((description, action))

    def run_all(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
        # Cleanup must not itself be interrupted half-way by a second Ctrl-C.
        old = {}
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            try:
                old[s] = signal.signal(s, signal.SIG_IGN)
            except ValueError:  # not the main thread
                pass
        try:
            while True:
                with self._lock:
                    if not self._actions:
                        break
                    description, action = self._actions.pop()
                try:
                    action()
                except Exception as e:  # keep going: the other resources still need undoing
                    print(f"vipdtest: cleanup step '{description}' failed: {e}", file=sys.stderr)
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            with self._lock:
                self._running = False


REGISTRY = Registry()
_installed = False


def _on_signal(signum, _frame):
    raise Interrupted(signum)


def install_handlers() -> None:
    """Install the signal handlers and the atexit hook (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    atexit.register(REGISTRY.run_all)


def _proc_start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def write_manifest(tmpdir: str, namespaces: list[str]) -> None:
    data = {"pid": os.getpid(), "start": _proc_start_time(os.getpid()), "namespaces": namespaces}
    path = os.path.join(tmpdir, "manifest.json")
    with open(path + ".new", "w") as f:
        json.dump(data, f)
    os.replace(path + ".new", path)


def kill_namespace_pids(ns: str, sig: int = signal.SIGKILL) -> None:
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
    for tok in out.split():
        try:
            os.kill(int(tok), sig)
        except (ValueError, ProcessLookupError):
            pass


def delete_namespace(ns: str) -> None:
    if not os.path.exists(f"/run/netns/{ns}"):
        return
    kill_namespace_pids(ns)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def sweep_stale_runs() -> list[str]:
    """Remove namespaces left by earlier runs whose owner process is dead. Returns their names."""
    removed = []
    for d in glob.glob(TMP_GLOB):
        path = os.path.join(d, "manifest.json")
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        pid = int(data.get("pid", 0))
        alive = pid > 0 and _proc_start_time(pid) is not None and _proc_start_time(pid) == data.get("start")
        if alive:
            continue
        for ns in data.get("namespaces", []):
            if os.path.exists(f"/run/netns/{ns}"):
                delete_namespace(ns)
                removed.append(ns)
        # Keep the dead run's logs for a post-mortem; only its manifest goes.
        try:
            os.unlink(path)
        except OSError:
            pass
    return removed
