"""When a manager's Sent Items is read for rebooking picks (pure: the clock is an argument)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.rebook import (
    OpenOffer,
    ReaderDay,
    sent_items_due,
    sent_items_read_closed,
    sent_items_since,
)

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # the offer went out (a Tuesday)
RUN = timedelta(minutes=15)
WAIT = timedelta(days=3)
WED = datetime(2026, 12, 2, tzinfo=UTC)
THU = WED + timedelta(days=1)


def day(start: datetime, working: bool = True) -> ReaderDay:
    return ReaderDay(start, start + timedelta(hours=12), working)


def due(read_through: datetime | None, now: datetime, *offers: OpenOffer) -> str | None:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return sent_items_due(read_through, offers, now, last_call=RUN, day=day(start),
                          close_wait=WAIT)


# Times on Thursday: nothing to pick on Wednesday.
LATER = OpenOffer(T0, (THU + timedelta(hours=10), THU + timedelta(hours=15)))
# Times on Wednesday afternoon and Thursday morning.
SOON = OpenOffer(T0, (WED + timedelta(hours=14), THU + timedelta(hours=9)))


def test_without_a_deadline_today_the_read_is_at_midday_once() -> None:
    assert due(None, T0 + timedelta(hours=1), LATER) is None
    assert due(None, WED + timedelta(hours=11), LATER) is None
    assert due(None, WED + timedelta(hours=12), LATER) == "daily"
    assert due(WED + timedelta(hours=12), WED + timedelta(hours=18), LATER) is None
    # An offer sent after midday waits for the next day's read.
    late = OpenOffer(WED + timedelta(hours=13), LATER.deadlines)
    assert due(None, WED + timedelta(hours=14), late) is None


def test_with_a_deadline_today_the_read_is_the_last_run_before_the_first() -> None:
    first = SOON.deadlines[0]
    assert due(None, WED + timedelta(hours=12), SOON) is None  # not midday: later is better
    assert due(None, first - RUN, SOON) == "last call"
    assert due(first - RUN, first + RUN, SOON) is None  # once a day
    # The next day: the second time's last call, then the close the day after.
    second = SOON.deadlines[1]
    assert due(first - RUN, THU + timedelta(hours=1), SOON) is None
    assert due(first - RUN, second - RUN, SOON) == "last call"
    assert due(second - RUN, second + RUN, SOON) is None
    # Its close waits for another read, or three days (from a midday).
    assert due(second - RUN, THU + timedelta(days=1, hours=12), SOON) is None
    assert due(second - RUN, THU + timedelta(days=3, hours=8), SOON) is None
    assert due(second - RUN, THU + timedelta(days=3, hours=12), SOON) == "closing"
    assert due(THU + timedelta(days=3, hours=12), THU + timedelta(days=3, hours=14),
               SOON) is None
    # An offer whose meeting was not missed after all closes at the next midday.
    ends = OpenOffer(T0, (WED + timedelta(hours=9),), ends_now=True)
    assert due(None, WED + timedelta(hours=9), ends) is None
    assert due(None, WED + timedelta(hours=12), ends) == "closing"


def test_a_missed_run_still_reads_late_and_non_working_days_only_close() -> None:
    assert due(None, THU + timedelta(days=3, hours=20), SOON) == "closing"
    sat = datetime(2026, 12, 5, tzinfo=UTC)
    weekend = OpenOffer(T0, (sat + timedelta(days=2, hours=10),))
    assert sent_items_due(None, [weekend], sat + timedelta(hours=13), last_call=RUN,
                          day=day(sat, working=False), close_wait=WAIT) is None
    ended = OpenOffer(T0, (WED + timedelta(hours=10),))
    assert sent_items_due(None, [ended], sat + timedelta(hours=1), last_call=RUN,
                          day=day(sat, working=False), close_wait=WAIT) is None
    assert sent_items_due(None, [ended], sat + timedelta(hours=13), last_call=RUN,
                          day=day(sat, working=False), close_wait=WAIT) == "closing"
    # Offers whose times have all passed don't make a daily read; one ahead does, and that
    # read also closes the others (they only need a read after their last deadline).
    mon = ReaderDay(sat + timedelta(days=2), sat + timedelta(days=2, hours=12), True)
    recent = OpenOffer(T0, (sat + timedelta(hours=10),))
    assert sent_items_due(None, [recent], mon.midday, last_call=RUN, day=mon,
                          close_wait=WAIT) is None
    ahead = OpenOffer(T0, (sat + timedelta(days=3, hours=15),))
    assert sent_items_due(None, [recent, ahead], mon.midday, last_call=RUN, day=mon,
                          close_wait=WAIT) == "daily"
    assert sent_items_read_closed(mon.midday, recent)


def test_reads_start_where_the_last_one_ended() -> None:
    skew = timedelta(minutes=10)
    assert sent_items_since(None, [LATER], skew) == T0 - skew
    assert sent_items_since(WED, [LATER], skew) == WED - skew
    assert sent_items_since(T0 - timedelta(days=3), [LATER], skew) == T0 - skew


def test_an_offer_closes_only_after_a_read_covered_its_last_deadline() -> None:
    assert not sent_items_read_closed(None, SOON)
    assert not sent_items_read_closed(SOON.deadlines[0], SOON)
    assert sent_items_read_closed(SOON.deadlines[1], SOON)
