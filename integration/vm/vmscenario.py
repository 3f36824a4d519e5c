"""Small helpers shared by the stand-alone VM scenarios (those that do not need the full netns
harness in integration/lib/vipdtest): run commands, run them in one namespace, wait.
Standard library only."""

import subprocess
import time


def sh(*argv, check=True, timeout=30):
    """Run argv; its stdout. With check, a non-zero exit raises AssertionError with stderr."""
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


class Namespace:
    """A network namespace this scenario owns: created by create(), deleted by delete()."""

    def __init__(self, name: str):
        self.name = name

    def create(self) -> "Namespace":
        sh("ip", "netns", "add", self.name)
        self.run("ip", "link", "set", "lo", "up")
        return self

    def delete(self) -> None:
        sh("ip", "netns", "del", self.name, check=False)

    def run(self, *argv, check=True):
        return sh("ip", "netns", "exec", self.name, *argv, check=check)


def wait_until(what, predicate, timeout, interval=0.05):
    """Poll predicate until true; AssertionError naming `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
