"""Busy and taken time as merged, sorted intervals (epoch seconds), searched with bisect:
the slot chooser's test of whether a series' meetings fall on any of them."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime


class Intervals:
    """Merged, sorted intervals (epoch seconds) with an O(log n) overlap test."""

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]]) -> None:
        raw = sorted((s.timestamp(), e.timestamp()) for s, e in intervals if e > s)
        starts: list[float] = []
        ends: list[float] = []
        for s, e in raw:
            if starts and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        self.starts, self.ends = starts, ends

    def overlaps(self, start: float, end: float) -> bool:
        j = bisect_left(self.starts, end)  # intervals from j on start at/after our end
        return j > 0 and self.ends[j - 1] > start


def hits(starts: tuple[int, ...], seconds: int, iv: Intervals) -> int:
    """How many of the meetings starting at ``starts`` overlap ``iv``."""
    if not iv.starts:
        return 0
    ivs, ive, n = iv.starts, iv.ends, 0
    for s in starts:
        j = bisect_left(ivs, s + seconds)
        if j and ive[j - 1] > s:
            n += 1
    return n


def clear(starts: tuple[int, ...], seconds: int, iv: Intervals) -> bool:
    """Whether none of the meetings starting at ``starts`` overlaps ``iv``."""
    if not iv.starts:
        return True
    ivs, ive = iv.starts, iv.ends
    for s in starts:
        j = bisect_left(ivs, s + seconds)
        if j and ive[j - 1] > s:
            return False
    return True
