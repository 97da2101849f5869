"""Series sharing a pattern are expanded once (a tick looks at thousands): the kept answers
must be exactly the expansion of each series, whatever else differs between them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.cadence import recurrence_for
from service.domain.model import CadenceKind
from service.domain.records import SeriesRecord
from service.domain.recurrence import expand
from service.domain.series import WindowOccurrences, occurrences, slot_of

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)


def _series(**fields) -> SeriesRecord:
    base = dict(id=1, pairing_id=1, mailbox="m@x.example", transaction_id="t", status="active",
                cadence="fortnightly", minutes=30, weekday=1, week_index=None,
                start_time="10:00", time_zone="Europe/London", first_date=date(2026, 3, 24),
                range_end=date(2026, 9, 30), created_at=NOW, updated_at=NOW)
    base.update(fields)
    return SeriesRecord(**base)


def _uncached(series: SeriesRecord, start: datetime, end: datetime, open_ended: bool = False):
    range_end = max(series.range_end, end.date() + timedelta(days=1)) if open_ended else (
        series.range_end)
    slot = slot_of(series)
    first = datetime.combine(series.first_date, slot.start, tzinfo=ZoneInfo(series.time_zone))
    return expand(recurrence_for(CadenceKind(series.cadence), slot, range_end), first,
                  first + timedelta(minutes=series.minutes), start, end)


def test_each_series_gets_its_own_patterns_expansion():
    """Across DST (London's clocks change on 29 March), zones, cadences, lengths and range
    ends: the kept answer of every series is its own expansion, never a neighbour's."""
    variants = [_series()]
    for change in ({"time_zone": "America/New_York"}, {"minutes": 45}, {"weekday": 3},
                   {"start_time": "10:30"}, {"first_date": date(2026, 3, 31)},
                   {"range_end": date(2026, 4, 20)}, {"cadence": "weekly"},
                   {"cadence": "monthly", "week_index": "last"},
                   {"cadence": "monthly", "week_index": "first"}, {"id": 2, "pairing_id": 9}):
        variants.append(replace(variants[0], **change))
    window = WindowOccurrences(NOW, NOW + timedelta(weeks=10), limit=3)
    seen = set()
    for _ in range(2):  # the second time round from what was kept (or expanded again)
        for series in variants:
            for open_ended in (False, True):
                want = _uncached(series, NOW, NOW + timedelta(weeks=10), open_ended)
                assert list(window(series, open_ended=open_ended)) == want
                assert occurrences(series, NOW, NOW + timedelta(weeks=10),
                                   open_ended=open_ended) == want
                seen.add(tuple(want))
    assert len(seen) >= 10  # the variants really differ
