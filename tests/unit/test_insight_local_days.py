"""`onetoone report` counts a pair's meetings by the day where the pair meets (its series'
zone), as it counts the actions agreed at them (an action's day is its meeting's local
day). By the UTC day, a Sydney 1-2-1 at 09:30 on 1 June (23:30 on 31 May in UTC) was a May
meeting while the actions agreed at it were June's: June's report showed two actions
agreed at one meeting held, and May's a meeting held with none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.insight import Period, pair_figures, through_today
from service.domain.records import (
    ActionRecord,
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    PersonRecord,
    SeriesRecord,
)
from service.domain.status import ActionStatus, OccurrenceStatus
from service.insight.report import History, build

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 7, 20, tzinfo=UTC)
MAY = Period(date(2026, 5, 1), date(2026, 6, 1), NOW)
JUNE = Period(date(2026, 6, 1), date(2026, 7, 1), NOW)


def sydney(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=SYDNEY).astimezone(UTC)


def meeting(n: int, start: datetime) -> OccurrenceRecord:
    return OccurrenceRecord(id=n, series_id=1, event_id=f"e{n}", original_start=start,
                            start=start, end=start + timedelta(minutes=30),
                            status=OccurrenceStatus.HELD)


def action(n: int, at: OccurrenceRecord, closed: datetime | None = None) -> ActionRecord:
    read = at.end + timedelta(minutes=30)
    return ActionRecord(id=n, pairing_id=1, owner="Rob", text=f"action {n}", due=None,
                        status=ActionStatus.DONE if closed else ActionStatus.OPEN,
                        carried=0, raised_on=at.start.astimezone(SYDNEY).date(),
                        raised_occurrence_id=at.id, closed_occurrence_id=None,
                        fingerprint=f"f{n}", created_at=read, closed_at=closed)


def sydney_history() -> History:
    made = datetime(2026, 1, 5, tzinfo=UTC)
    series = SeriesRecord(id=1, pairing_id=1, mailbox="m", transaction_id="t",
                          status="active", cadence="fortnightly", minutes=30, weekday=0,
                          start_time="09:30", time_zone="Australia/Sydney",
                          first_date=date(2026, 1, 5), range_end=date(2026, 12, 28),
                          created_at=made, updated_at=made)
    view = PairingView(PairingRecord(id=1, key="k", manager_id="m", report_id="r",
                                     cadence="fortnightly", created_at=made),
                       PersonRecord(id="m", email="m@x", name="Mia",
                                    time_zone="Australia/Sydney"),
                       PersonRecord(id="r", email="r@x", name="Rob"), series)
    first = meeting(1, sydney(6, 1, 9, 30))  # 31 May 23:30 UTC
    second = meeting(2, sydney(6, 15, 9, 30))
    third = meeting(3, sydney(6, 29, 8, 30))
    fourth = meeting(4, sydney(7, 1, 8, 30))  # 30 June 22:30 UTC
    # The action of 29 June is ticked at the 1 July meeting: read back at 09:30 there,
    # 23:30 on 30 June in UTC.
    done_at = fourth.end + timedelta(minutes=30)
    actions = (action(1, first), action(2, first), action(3, second),
               action(4, third, closed=done_at))
    return History(view, (first, second, third, fourth), actions, (),
                   cadences={1: "fortnightly"})


def test_a_sydney_pairs_meetings_count_on_their_local_day_as_their_actions_do() -> None:
    (may,) = build([sydney_history()], MAY, 1).pairs
    assert (may.figures.planned, may.figures.held, may.figures.actions_opened) == (0, 0, 0)
    assert may.figures.held_by_month == {}
    (june,) = build([sydney_history()], JUNE, 1).pairs
    f = june.figures
    # 1, 15 and 29 June; not 1 July (30 June in UTC).
    assert (f.planned, f.held, f.actions_opened) == (3, 3, 4)
    assert f.held_by_month == {"2026-06": 3}
    assert f.actions_closed == 0  # ticked on 1 July, where the pair meets


LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1), datetime(2026, 12, 20, tzinfo=UTC))
DECEMBER = Period(date(2026, 12, 1), date(2027, 1, 1), datetime(2026, 12, 20, tzinfo=UTC))


def test_a_missed_meeting_late_on_a_periods_last_local_day_counts_in_that_period() -> None:
    """A Los Angeles 1-2-1 at 17:00 on 30 November (1 December in UTC), cancelled, is
    November's: it was counted as one not missed yet (after the period's UTC end) in
    November's report and left out of December's, so no report counted it."""
    start = datetime(2026, 11, 30, 17, tzinfo=LOS_ANGELES).astimezone(UTC)
    cancelled = OccurrenceRecord(id=1, series_id=1, event_id="e1", original_start=start,
                                 start=start, end=start + timedelta(minutes=30),
                                 status=OccurrenceStatus.CANCELLED)
    zone = "America/Los_Angeles"
    november = pair_figures([cancelled], [], [], NOVEMBER, zone=zone)
    december = pair_figures([cancelled], [], [], DECEMBER, zone=zone)
    assert (november.planned, november.cancelled) == (1, 1)
    assert november.missed_by_month == {"2026-11": 1}
    assert (december.planned, december.cancelled) == (0, 0)


def test_the_default_period_ends_after_today_where_it_is_latest() -> None:
    """`report`'s default --to: 10:45 on Tuesday in Sydney is 23:45 on Monday in UTC and
    15:45 on Monday in Los Angeles: with a Sydney pair the period runs through Tuesday."""
    now = datetime(2027, 1, 11, 23, 45, tzinfo=UTC)
    assert through_today(now, ["Australia/Sydney", "America/Los_Angeles"]) == date(2027, 1, 13)
    assert through_today(now, ["America/Los_Angeles"]) == date(2027, 1, 12)
    assert through_today(now, []) == date(2027, 1, 12)
