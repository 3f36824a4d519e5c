#!/usr/bin/env python3
"""The heap over time from the massif file heaptrack_print writes (--print-massif), for
bench/heap_profile.sh: the heap (bytes requested and not yet freed, as heaptrack counts them,
without malloc's own overhead) in the minute before minutes 1, 5 and 10 and before the end:
its median, least and most. A minute, because the load swings with a period of one: the
flapping responder (30 s up, 30 s down) and the reloads every 30 s, each of which rebuilds the
probes.

Only the totals: heaptrack 1.4's detailed massif trees put every byte "below threshold", so the
sites that grow come from heaptrack_print's leak report on a run that ends in SIGKILL, diffed
against a shorter run (heap_profile.sh --baseline).

Usage: heap_profile_report.py massif.out
       heap_profile_report.py --growth growth.txt   (heaptrack_print -d ... --print-leaks: one
           line per site, the live bytes it gained or lost, named by its first vipd:: frame)
"""

from __future__ import annotations

import re
import sys


def snapshots(path: str) -> list[tuple[float, int]]:
    """[(time in s, heap bytes)] in file order."""
    out = []
    time = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("time="):
                time = float(line[5:])
            elif line.startswith("mem_heap_B=") and time is not None:
                out.append((time, int(line[11:])))
                time = None
    return out


def growth(path: str) -> list[tuple[str, str, str]]:
    """(bytes, calls, site) per entry of a heaptrack_print leak diff, in its order (by size)."""
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    entries = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(-?[\d.]+[KMG]?B?) leaked over (-?\d+) calls from$", lines[i])
        i += 1
        if not m:
            continue
        # The allocating function and its callers, then (heaptrack's merged backtraces) a
        # "... calls from:" block with the rest of the stack.
        frames = []
        while i < len(lines) and lines[i].strip() and not re.search(r"calls from$", lines[i]):
            frame = lines[i].strip()
            if "leaked over" not in frame and not frame.startswith(("at ", "in ")):
                frames.append(frame)
            i += 1
        site = next((f for f in frames if "vipd::" in f), frames[0] if frames else "?")
        entries.append((m.group(1), m.group(2), site))
    return entries


def mib(n: float) -> str:
    return f"{n / 1048576:.2f} MiB"


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--growth":
        for size, calls, site in growth(sys.argv[2]):
            print(f"{size:>9} {calls:>8} calls  {site[:140]}")
        return 0
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    snaps = snapshots(sys.argv[1])
    if not snaps:
        print("no snapshots", file=sys.stderr)
        return 1
    end = snaps[-1][0]
    print(f"run: {end:.0f} s, {len(snaps)} snapshots")
    for label, t in (("minute 1", 60.0), ("minute 5", 300.0), ("minute 10", 600.0),
                     ("the end", end)):
        window = sorted(h for when, h in snaps if t - 60.0 <= when < t)
        if t <= end + 1 and window:
            print(f"heap in the minute before {label:9}: median {mib(window[len(window) // 2])}"
                  f" (least {mib(window[0])}, most {mib(window[-1])})")
    peak = max(snaps, key=lambda s: s[1])
    print(f"peak heap: {mib(peak[1])} at t={peak[0]:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
