"""When no time keeps every rule: what is relaxed, what is refused, and the reason given."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.model import Cadence, CadenceKind, Slot, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slot_text import carried_note, compromises, late_first_note
from service.domain.slots import choose_slot
from service.errors import ServiceError

NOW = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # a Monday
WEEKLY = Cadence(CadenceKind.WEEKLY, 30, "test")
LONDON = "Europe/London"
MONDAYS = SlotPolicy(weekdays=frozenset({0}), window_start=time(9, 30), window_end=time(10, 30))


def hours(zone: str = LONDON, start: str = "09:00", end: str = "17:00") -> WorkingHours:
    return WorkingHours(time_zone=zone, days=frozenset(range(5)),
                        start=time.fromisoformat(start), end=time.fromisoformat(end))


def pick(**kw: object) -> Slot:
    args: dict[str, object] = dict(cadence=WEEKLY, manager_hours=hours(), report_hours=hours(),
                                   manager_busy=[], report_busy=[], taken=[], policy=MONDAYS,
                                   now=NOW, seed="pair")
    args.update(kw)
    return choose_slot(**args)  # type: ignore[arg-type]


def mondays(start: str, end: str) -> list[tuple[datetime, datetime]]:
    """Other 1-2-1s every Monday for a year, London time."""
    tz, out = ZoneInfo(LONDON), []
    d = date(2026, 10, 5)
    for _ in range(60):
        out.append((datetime.combine(d, time.fromisoformat(start), tzinfo=tz).astimezone(UTC),
                    datetime.combine(d, time.fromisoformat(end), tzinfo=tz).astimezone(UTC)))
        d += timedelta(weeks=1)
    return out


def test_working_hours_full_of_other_one_to_ones_is_refused() -> None:
    """Both work 09:00-17:00 and other 1-2-1s fill Monday: no 08:30 or 17:00 meeting (the
    old fallback, called "working hours don't overlap"), but the documented error, which
    names the hours and what to change."""
    with pytest.raises(ServiceError) as caught:
        pick(taken=mondays("09:00", "17:00"))
    text = str(caught.value)
    assert text.startswith("No time is free of both people's other 1-2-1s")
    assert "Mon–Fri 09:00–17:00 Europe/London" in text and "on Mon" in text
    # Both work Tue-Fri too, which the policy (Mondays) leaves out: that is said.
    assert text.endswith("Reduce the number or length of their 1-2-1s, or allow Tue–Fri in "
                         "the slot policy's weekdays (both people work then).")
    assert "wider window" not in text


def _refusal(manager: list, report: list, **kw: object) -> str:
    with pytest.raises(ServiceError) as caught:
        pick(taken=[*manager, *report], taken_apart=(manager, report), **kw)
    return str(caught.value)


def test_the_refusal_says_whose_other_one_to_ones_fill_the_time() -> None:
    """The manager's other 1-2-1s alone fill Monday: said first, and they are the 1-2-1s to
    change; the report's alone; each person's alone; and only the two together (the
    manager's mornings, the report's afternoons), which names neither. By role: the text
    is logged, and the run's line names the pair before it."""
    full, morning, afternoon = (mondays("09:00", "17:00"), mondays("09:00", "13:00"),
                                mondays("13:00", "17:00"))
    text = _refusal(full, [])
    assert text.startswith("The manager's other 1-2-1s (as manager or as report) fill every "
                           "time inside both people's working hours (manager Mon–Fri "), text
    assert "Reduce the number or length of the manager's other 1-2-1s, or allow" in text
    assert _refusal([], full).startswith("The report's other 1-2-1s ")
    both = _refusal(full, full)
    assert both.startswith("The manager's other 1-2-1s ") and (
        ", and so do the report's on their own, and a 1-2-1 is never booked") in both
    assert "of the manager's and the report's other 1-2-1s" in both
    together = _refusal(morning, afternoon)
    assert together.startswith("No time is free of both people's other 1-2-1s")
    assert "manager's other" not in together and "report's other" not in together


def test_more_weekdays_are_suggested_only_where_both_people_work_one_left_out() -> None:
    """The policy allows Mon-Fri: a manager who works Mondays only (or the report) gains
    nothing from more weekdays, so none are suggested; with Mondays allowed and both
    working Mon and Wed, Wednesday is."""
    mondays_only = WorkingHours(time_zone=LONDON, days=frozenset({0}), start=time(9),
                                end=time(17))
    every_day = SlotPolicy(window_start=time(9, 30), window_end=time(10, 30))
    full = mondays("09:00", "17:00")
    text = _refusal(full, [], manager_hours=mondays_only, policy=every_day)
    assert text.endswith("Reduce the number or length of the manager's other 1-2-1s."), text
    assert "weekdays" not in text
    assert "weekdays" not in _refusal([], full, report_hours=mondays_only, policy=every_day)
    mon_wed = WorkingHours(time_zone=LONDON, days=frozenset({0, 2}), start=time(9),
                           end=time(17))
    text = _refusal(full, [], manager_hours=mon_wed, report_hours=mon_wed)
    assert text.endswith(", or allow Wed in the slot policy's weekdays (both people work "
                         "then)."), text


def test_a_full_window_is_left_for_working_hours_and_says_why() -> None:
    slot = pick(taken=mondays("09:30", "10:30"))
    assert not time(9, 30) <= slot.start < time(10, 30)
    assert time(9) <= slot.start <= time(16, 30)
    [found] = compromises("; ".join(slot.notes))
    assert found.code == "outside_window"
    assert "09:30–10:30" in found.words and "other 1-2-1s" in found.words


def test_a_window_outside_working_hours_says_so() -> None:
    slot = pick(manager_hours=hours(start="11:00"))
    [found] = compromises("; ".join(slot.notes))
    assert found.code == "outside_window"
    assert "no time in it is inside both people's working hours" in found.words


def test_hours_that_never_overlap_still_get_the_least_bad_time() -> None:
    slot = pick(manager_hours=hours("Australia/Sydney"), policy=SlotPolicy())
    [found] = compromises("; ".join(slot.notes))
    assert found.code == "outside_working_hours"
    assert "don't overlap" in found.words and "agree a time" in found.words


def test_busy_time_is_named_as_the_reason() -> None:
    tz = ZoneInfo(LONDON)
    busy = [(datetime.combine(date(2026, 10, 5) + timedelta(days=i), time(0), tzinfo=tz),
             datetime.combine(date(2026, 10, 6) + timedelta(days=i), time(0), tzinfo=tz))
            for i in range(70)]
    slot = pick(manager_busy=busy, policy=SlotPolicy())
    [found] = compromises("; ".join(slot.notes))
    assert found.code == "busy" and "already busy" in found.words


def test_a_time_that_keeps_every_rule_has_no_compromise() -> None:
    assert compromises("; ".join(pick(policy=SlotPolicy()).notes)) == ()
    for note in ("", "adopted from the calendar", "follows on from series 3",
                 "Free/busy was unavailable, so calendars were not checked; the time still "
                 "avoids both people's other 1-2-1s."):
        assert compromises(note) == ()


@given(st.text())
def test_any_stored_note_reads_without_error(note: str) -> None:
    for found in compromises(note):
        assert found.code in ("outside_window", "outside_working_hours", "busy")


def test_a_follow_on_carries_the_compromises_of_its_time_not_of_its_booking() -> None:
    """A follow-on series keeps the time of the series it follows: a time outside the window
    or someone's working hours stays flagged on it (the older series ends, and with it its
    note), and is not taken for a time that broke the rules afresh (see jobs/hours_told.py).
    What the booking met (meetings that clashed then, an unread calendar, a late first
    meeting) is not the follow-on's."""
    window = "; ".join(pick(taken=mondays("09:30", "10:30")).notes)
    apart = "; ".join(pick(manager_hours=hours("Australia/Sydney"), policy=SlotPolicy()).notes)
    tz = ZoneInfo(LONDON)
    busy = "; ".join(pick(manager_busy=[
        (datetime.combine(date(2026, 10, 5) + timedelta(days=i), time(0), tzinfo=tz),
         datetime.combine(date(2026, 10, 6) + timedelta(days=i), time(0), tzinfo=tz))
        for i in range(70)], policy=SlotPolicy()).notes)
    unread = ("Free/busy was unavailable, so calendars were not checked; the time still "
              "avoids both people's other 1-2-1s.")
    late = late_first_note(date(2027, 1, 4))
    for note, codes in ((window, ["outside_window"]), (apart, ["outside_working_hours"]),
                        (busy, []), (unread, []), (late, []),
                        (f"{apart}; {busy}", ["outside_working_hours"]),
                        (f"{window}; {late}; {unread}", ["outside_window"])):
        for older in (note, f"follows on from series 7; {note}"):
            carried = carried_note(older)
            assert [c.code for c in compromises(carried)] == codes, (older, carried)
            assert (carried == "") == (codes == []), carried
            assert "follows on" not in carried and "clash with something" not in carried
    # The words said of a carried compromise are those said of the time when booked.
    assert compromises(carried_note(window)) == compromises(window)
