"""The soak's judgement (bench/soak.py), pure: holder intervals, fault windows, client requests
and memory samples in; verdicts and figures out. Every time is time.monotonic() of the guest.

The VRRP promises it checks (issue 13, "The soak"):
- outside partition and SIGSTOP windows, no VIP is on two directors for longer than its
  master-down interval (two holders are correct VRRP while a director cannot hear its peers,
  or while a stopped Master cannot speak);
- after a heal or SIGCONT, one holder remains within master-down + one advert interval.
A SIGKILL window runs from the kill until the restarted vipd has loaded its configuration: a
dead vipd cannot remove its VIPs, and a new one cannot before it runs (a second or more of
exec and configuration loading under emulation); from then on the SIGCONT bound applies.
"""

from __future__ import annotations

import dataclasses
import datetime

# Faults during which two holders are correct VRRP, or (SIGKILL) no vipd can act on them.
EXEMPT_KINDS = ("partition", "sigstop", "sigkill")


@dataclasses.dataclass
class Fault:
    number: int
    kind: str
    target: str
    start: float
    end: float | None = None  # None until undone; instant faults end where they start
    detail: str = ""


@dataclasses.dataclass
class DualHolding:
    """One stretch with two or more holders of a VIP, judged."""
    vip: str
    start: float
    end: float
    holders: list[str]
    outside: float  # longest part outside the exempt windows and their grace
    after_release: float | None  # end minus the latest heal/SIGCONT it overlaps, if any
    broken: str | None = None

    @property
    def length(self) -> float:
        return self.end - self.start


def dual_periods(holders: dict[str, list[tuple[float, float]]]
                 ) -> list[tuple[float, float, list[str]]]:
    """Maximal stretches during which two or more directors hold one address, from each
    director's (up, down) intervals for it: (start, end, every director involved)."""
    events = sorted((t, delta, director) for director, spans in holders.items()
                    for up, down in spans for t, delta in ((up, 1), (down, -1)))
    # Sorting puts a removal (-1) before an addition (+1) at the same instant: a handover.
    result = []
    start: float | None = None
    involved: set[str] = set()
    current: set[str] = set()
    for t, delta, director in events:
        (current.add if delta > 0 else current.discard)(director)
        if len(current) >= 2:
            start = t if start is None else start
            involved |= current
        elif start is not None:
            if t > start:
                result.append((start, t, sorted(involved)))
            start, involved = None, set()
    return result


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _uncovered(start: float, end: float, cover: list[tuple[float, float]]) -> list[float]:
    """Lengths of the pieces of [start, end] outside the merged spans of `cover`."""
    pieces, at = [], start
    for a, b in cover:
        if b <= at or a >= end:
            continue
        if a > at:
            pieces.append(a - at)
        at = max(at, b)
    if at < end:
        pieces.append(end - at)
    return pieces


def judge_dual(vip: str, period: tuple[float, float, list[str]], windows: list[tuple[float, float]],
               master_down: float, advert: float) -> DualHolding:
    """Judge one stretch of two holders against the exempt windows (start, end) of partitions
    and SIGSTOPs. A window covers its own span plus master-down + one advert interval after it
    (the time VRRP needs to settle once the peers hear each other again)."""
    start, end, who = period
    grace = master_down + advert
    cover = _merge([(a, b + grace) for a, b in windows])
    outside = max(_uncovered(start, end, cover), default=0.0)
    released = [b for a, b in windows if a < end and b + grace > start]
    after = end - max(released) if released else None
    verdict = DualHolding(vip, start, end, who, outside, after)
    if after is not None and after > grace:
        verdict.broken = (f"{vip} on {'+'.join(who)} still {after:.2f}s after the heal, SIGCONT "
                          f"or restart (bound master-down + advert = {grace:.2f}s)")
    elif outside > master_down:
        verdict.broken = (f"{vip} on {'+'.join(who)} for {outside:.2f}s outside partition and "
                          f"SIGSTOP windows (bound master-down = {master_down:.2f}s)")
    return verdict


def exempt_windows(faults: list[Fault], end: float) -> list[tuple[float, float]]:
    return [(f.start, f.end if f.end is not None else end)
            for f in faults if f.kind in EXEMPT_KINDS]


# ----- the client -------------------------------------------------------------------------------
@dataclasses.dataclass
class Gap:
    length: float
    vip: str
    start: float  # the last success before it
    first_failure: float | None  # None: no request failed, the client only came round late


def client_gaps(requests: list[tuple[float, str, bool]], begin: float, end: float) -> list[Gap]:
    """Per VIP, the stretches between consecutive successful answers within [begin, end]."""
    per_vip: dict[str, list[tuple[float, bool]]] = {}
    for t, vip, ok in requests:
        if begin <= t <= end:
            per_vip.setdefault(vip, []).append((t, ok))
    gaps = []
    for vip, answers in per_vip.items():
        last_ok, failed = None, None
        for t, ok in sorted(answers):
            if not ok:
                failed = t if failed is None else failed
                continue
            if last_ok is not None:
                gaps.append(Gap(t - last_ok, vip, last_ok, failed))
            last_ok, failed = t, None
    return gaps


def gap_causes(gap: Gap, faults: list[Fault]) -> list[Fault]:
    """The faults a gap is blamed on: those that began between the VIP's last answer and its
    first failure, else those in progress at that failure. A gap without a failure (the client
    came round late, held up by timeouts elsewhere) is blamed on nothing."""
    if gap.first_failure is None:
        return []
    began = [f for f in faults if gap.start <= f.start <= gap.first_failure]
    if began:
        return began
    return [f for f in faults if f.end is not None and f.start <= gap.first_failure <= f.end]


def longest_gap_per_kind(gaps: list[Gap], faults: list[Fault]) -> dict[str, Gap]:
    """For each fault kind, the longest gap blamed on a fault of that kind (a gap of one VIP:
    the longest stretch in which that VIP gave no answer)."""
    result: dict[str, Gap] = {}
    for gap in gaps:
        for kind in {f.kind for f in gap_causes(gap, faults)}:
            if kind not in result or gap.length > result[kind].length:
                result[kind] = gap
    return result


# ----- memory -----------------------------------------------------------------------------------
def rss_growth(series: list[tuple[float, int]], settle: float = 60.0) -> int | None:
    """KiB from the first sample at or after `settle` seconds of the process's life to its last
    sample; None when the series does not reach past `settle`."""
    later = [(age, kib) for age, kib in series if age >= settle]
    if len(later) < 2:
        return None
    return later[-1][1] - later[0][1]


# ----- logs -------------------------------------------------------------------------------------
def log_time(line: str, wall_minus_mono: float) -> float | None:
    """The monotonic time of a vipd log line from its local wall-clock stamp, or None."""
    try:
        stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        return None
    return stamp.timestamp() - wall_minus_mono


def stall_windows(lines, wall_minus_mono: float) -> list[tuple[float, float]]:
    """(start, end) of every event-loop stall a vipd log reports ("a timer ran X s late"): its
    loop, adverts included, stood still for that long before the line."""
    windows = []
    for line in lines:
        at = line.find("timer ran ")
        t = log_time(line, wall_minus_mono) if at >= 0 else None
        if t is not None:
            late = float(line[at + len("timer ran "):].split()[0])
            windows.append((t - late, t))
    return windows
