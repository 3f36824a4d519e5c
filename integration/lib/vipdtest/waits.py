"""Bounded waiting: every wait in the harness has a timeout and says what it waited for."""

from __future__ import annotations

import time


class WaitTimeout(AssertionError):
    pass


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition",
               explain=None) -> float:
    """Poll predicate() until it returns a truthy value; return the elapsed seconds.

    Raises WaitTimeout (an AssertionError, so scenarios fail cleanly) after `timeout` seconds,
    with `explain()` (the last observed state) in the message when given.
    """
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        elapsed = time.monotonic() - start
        if elapsed >= timeout:
            detail = ""
            if explain is not None:
                try:
                    detail = f"; last observed: {explain()}"
                except Exception as e:  # the explanation must not hide the timeout
                    detail = f"; (explain failed: {e})"
            raise WaitTimeout(f"timed out after {timeout:.1f}s waiting for {what}{detail}")
        time.sleep(min(interval, max(0.0, timeout - elapsed)))


def hold_for(predicate, duration: float, interval: float = 0.1, what: str = "condition",
             explain=None) -> int:
    """Assert predicate() stays truthy for `duration` seconds; return the number of samples."""
    start = time.monotonic()
    samples = 0
    while True:
        samples += 1
        if not predicate():
            detail = f"; observed: {explain()}" if explain is not None else ""
            raise AssertionError(
                f"{what} stopped holding after {time.monotonic() - start:.2f}s{detail}")
        if time.monotonic() - start >= duration:
            return samples
        time.sleep(interval)
