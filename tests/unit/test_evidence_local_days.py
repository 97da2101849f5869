"""`onetoone evidence` --from/--to are the days its times are shown in (the pair's zone),
not UTC days: a Sydney 1-2-1 at 09:30 on 1 January is 22:30 on 31 December in UTC. A
record "from 2026-01-01 up to (not including) 2026-07-01" must hold that meeting, and must
not hold one it dates 2026-07-01 (which the next record holds): a subject-access record
that drops a meeting, or shows one outside its own dates, misleads whoever relies on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.insight import Period
from service.domain.records import (
    NoteRecord,
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    PersonRecord,
    SeriesRecord,
)
from service.domain.status import OccurrenceStatus
from service.insight.evidence import PairInput, pair_record

SYDNEY = ZoneInfo("Australia/Sydney")
H1 = Period(date(2026, 1, 1), date(2026, 7, 1), datetime(2026, 8, 1, tzinfo=UTC))


def local(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SYDNEY).astimezone(UTC)


def meeting(n: int, start: datetime) -> OccurrenceRecord:
    return OccurrenceRecord(id=n, series_id=1, event_id=f"e{n}", original_start=start,
                            start=start, end=start + timedelta(minutes=30),
                            status=OccurrenceStatus.HELD)


def sydney_pair(*occurrences: OccurrenceRecord, notes: tuple[NoteRecord, ...] = ()
                ) -> PairInput:
    made = datetime(2025, 6, 1, tzinfo=UTC)
    series = SeriesRecord(id=1, pairing_id=1, mailbox="m@x", transaction_id="t",
                          status="active", cadence="monthly", minutes=30, weekday=3,
                          start_time="09:30", time_zone="Australia/Sydney",
                          first_date=date(2025, 7, 1), range_end=date(2026, 12, 31),
                          created_at=made, updated_at=made)
    view = PairingView(PairingRecord(id=1, key="k", manager_id="m", report_id="r"),
                       PersonRecord(id="m", email="m@x", name="Mia"),
                       PersonRecord(id="r", email="r@x", name="Rob"), series)
    return PairInput(view, occurrences, (), (), notes, ())


def test_a_meeting_on_the_first_local_day_is_in_the_record() -> None:
    first = meeting(1, local(2026, 1, 1, 9, 30))  # 2025-12-31 22:30 UTC
    middle = meeting(2, local(2026, 3, 4, 14, 0))
    record = pair_record(sydney_pair(first, middle), "as report", H1, None)
    assert [m.when for m in record.meetings] == ["2026-01-01 09:30 AEDT",
                                                 "2026-03-04 14:00 AEDT"]


def test_a_meeting_dated_after_the_record_is_not_in_it() -> None:
    after = meeting(3, local(2026, 7, 1, 9, 30))  # 2026-06-30 23:30 UTC
    inside = meeting(2, local(2026, 6, 30, 9, 30))
    record = pair_record(sydney_pair(inside, after), "as report", H1, None)
    assert [m.when for m in record.meetings] == ["2026-06-30 09:30 AEST"]


def test_notes_of_no_meeting_are_in_by_their_local_day() -> None:
    added = local(2026, 1, 1, 8, 0)  # 2025-12-31 21:00 UTC
    note = NoteRecord(id=1, pairing_id=1, occurrence_id=None, text="PAIR-LEVEL",
                      private=False, created_at=added, source="cli")
    record = pair_record(sydney_pair(notes=(note,)), "as report", H1, None)
    assert [n.text for n in record.unattached_notes] == ["PAIR-LEVEL"]
