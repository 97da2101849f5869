"""The agenda after a meeting onetoone skipped for an absence (a long one, or both away over a
shutdown) does not tell the pair that meeting was "missed … and not rebooked": the read-back
stores it as held without notes, like any other, but nobody could hold it, the manager was
told it is left alone, and no rebooking was ever offered. It is passed over, as the missed
count passes over it: the line speaks of the meeting before it, if that one was missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.status import AbsenceState, OccurrenceStatus
from service.jobs.missed import missed_meeting
from service.store.db import make_engine, upgrade
from service.store.repo import Store

CREATED = datetime(2026, 12, 1, tzinfo=UTC)


def tuesday(n: int) -> datetime:
    """The n-th Tuesday 14:30 (London, UTC in winter) from 15 Dec 2026 (n=0)."""
    return datetime(2026, 12, 15, 14, 30, tzinfo=UTC) + timedelta(weeks=n)


def pair(db_url: str, statuses: list[str], skipped: set[int]) -> tuple[Store, int]:
    """A weekly pair whose n-th meeting has ``statuses[n]``, skipped for an absence when n is
    in ``skipped``."""
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "mia@x.example", "Mia Boss",
                                      datetime(2020, 1, 1, tzinfo=UTC), True),
                         PersonUpdate("r", "rob@x.example", "Rob Report",
                                      datetime(2021, 1, 1, tzinfo=UTC),
                                      False)], CREATED)
    p = store.upsert_pairing(key="m|r", manager_id="m", report_id="r", cadence="weekly",
                             minutes=30, reason="", source="directory", now=CREATED)
    series = store.begin_series(SeriesRecord(
        pairing_id=p.id, mailbox="m", transaction_id="t", cadence="weekly", minutes=30,
        weekday=1, start_time="14:30", time_zone="Europe/London", first_date=date(2026, 12, 15),
        range_end=date(2027, 12, 28), created_at=CREATED, updated_at=CREATED))
    store.activate_series(series.id, event_id="ev", ical_uid=None, now=CREATED)
    store.upsert_occurrences(series.id, [
        {"event_id": f"ev-{n}", "original_start": tuesday(n), "start": tuesday(n),
         "end": tuesday(n) + timedelta(minutes=30), "status": status}
        for n, status in enumerate(statuses)], CREATED)
    for n, occ in enumerate(store.pairing_occurrences(p.id)):
        store.update_occurrence(occ.id, CREATED, absence_state=(
            AbsenceState.SKIPPED if n in skipped else AbsenceState.CLEAR))
    return store, p.id


HELD, NO_NOTES = OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES


def test_the_agenda_after_a_skipped_meeting_does_not_call_it_missed(db_url: str) -> None:
    """15 and 22 Dec held; 29 Dec skipped (both away) and passed without notes: the agenda
    of 5 Jan has no "missed" line."""
    store, pairing_id = pair(db_url, [HELD, HELD, NO_NOTES, OccurrenceStatus.SCHEDULED], {2})
    following = store.pairing_occurrences(pairing_id)[3]
    got = missed_meeting(store, pairing_id, following, "Europe/London")
    assert got is None, got


def test_a_missed_meeting_before_the_skipped_one_is_still_told(db_url: str) -> None:
    """22 Dec passed without notes (not skipped): that is the one the line is about."""
    store, pairing_id = pair(db_url, [HELD, NO_NOTES, NO_NOTES, OccurrenceStatus.SCHEDULED],
                             {2})
    following = store.pairing_occurrences(pairing_id)[3]
    got = missed_meeting(store, pairing_id, following, "Europe/London")
    assert got is not None and got.start.date() == date(2026, 12, 22), got
