"""Running commands, in the root namespace or inside one of ours, with captured output."""

from __future__ import annotations

import shutil
import subprocess


class CommandError(AssertionError):
    pass


def run(argv: list[str], check: bool = True, timeout: float = 30.0, input: str | None = None) -> str:
    """Run argv, return stdout. Raises CommandError (an AssertionError) with stderr on failure."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    except subprocess.TimeoutExpired as e:
        raise CommandError(f"command timed out after {timeout}s: {' '.join(argv)}") from e
    if check and p.returncode != 0:
        raise CommandError(
            f"command failed ({p.returncode}): {' '.join(argv)}\n{p.stderr.strip()}")
    return p.stdout


def missing_tools(tools: list[str]) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]
