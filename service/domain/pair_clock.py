"""UTC offsets of a pair's two zones over a span of days, for the slot chooser
(``slots``): a per-zone day table read at noon, with exact ``zoneinfo`` arithmetic only on
days near a change (where the noon value may not hold all day), since a choice looks up an
offset for every meeting of a year of candidates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=512)
def offset_table(zone_name: str, start: date, days: int) -> tuple[tuple[int, ...], frozenset[int]]:
    """Offsets (minutes) at 12:00 UTC for days -1..days from ``start``, and the day indexes
    within a day of an offset change (where the noon value may not hold all day)."""
    zone = ZoneInfo(zone_name)
    offsets = []
    for i in range(-1, days + 1):
        d = start + timedelta(days=i)
        instant = datetime(d.year, d.month, d.day, 12, tzinfo=UTC).astimezone(zone)
        offset = instant.utcoffset()
        offsets.append(int(offset.total_seconds()) // 60 if offset is not None else 0)
    unsure: set[int] = set()
    for j in range(1, len(offsets)):
        if offsets[j] != offsets[j - 1]:
            unsure.update((j - 2, j - 1))  # list index j is day j-1
    return tuple(offsets[1:]), frozenset(unsure)


class PairClock:
    """Local manager date + minute → UTC, and → the report's local minute (delta)."""

    def __init__(self, manager_zone: str, report_zone: str, start: date, days: int) -> None:
        self.mz, self.rz = ZoneInfo(manager_zone), ZoneInfo(report_zone)
        self.start, self.days = start, days
        self.m_off, m_unsure = offset_table(manager_zone, start, days)
        self.r_off, r_unsure = offset_table(report_zone, start, days)
        self.unsure = m_unsure | r_unsure

    def _exact(self, d: date, minute: int) -> tuple[int, int]:
        local = datetime.combine(d, time(minute // 60, minute % 60), tzinfo=self.mz)
        m = local.utcoffset() or timedelta(0)
        r = local.astimezone(self.rz).utcoffset() or timedelta(0)
        return int(m.total_seconds()) // 60, int(r.total_seconds()) // 60

    def offsets(self, d: date, minute: int) -> tuple[int, int]:
        """(manager offset, report offset) in minutes at local ``d`` ``minute``."""
        i = (d - self.start).days
        if i in self.unsure or not 0 <= i < self.days:
            return self._exact(d, minute)
        return self.m_off[i], self.r_off[i]

    def is_sure(self, d: date) -> bool:
        i = (d - self.start).days
        return 0 <= i < self.days and i not in self.unsure

    def delta(self, d: date, minute: int) -> int:
        m, r = self.offsets(d, minute)
        return r - m

    def utc_seconds(self, d: date, minute: int) -> int:
        m, _ = self.offsets(d, minute)
        return (d.toordinal() - _EPOCH_ORDINAL) * 86400 + (minute - m) * 60
