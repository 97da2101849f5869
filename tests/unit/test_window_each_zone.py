"""The policy window holds in each person's own zone, for the report as for the manager.

``[policy] window_start``/``window_end`` are "HH:MM in each person's own time zone" (config
reference). A pair split between London and New York must not be booked at a time inside
the window in London but before it in New York without a word.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.model import Cadence, CadenceKind, Slot, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slot_text import OUTSIDE_WINDOW, compromises
from service.domain.slots import choose_slot

NOW = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # a Monday
WEEKLY = Cadence(CadenceKind.WEEKLY, 30, "test")
LONDON, NEW_YORK = "Europe/London", "America/New_York"


def hours(zone: str, start: str, end: str) -> WorkingHours:
    return WorkingHours(time_zone=zone, days=frozenset(range(5)),
                        start=time.fromisoformat(start), end=time.fromisoformat(end))


def weekdays(zone: str, start: str, end: str) -> list[tuple[datetime, datetime]]:
    """Something every weekday for a year, local time in ``zone``."""
    tz, out = ZoneInfo(zone), []
    for i in range(380):
        d = date(2026, 10, 5) + timedelta(days=i)
        if d.weekday() < 5:
            s = datetime.combine(d, time.fromisoformat(start), tzinfo=tz)
            e = datetime.combine(d, time.fromisoformat(end), tzinfo=tz)
            out.append((s.astimezone(UTC), e.astimezone(UTC)))
    return out


def pick(**kw: object) -> Slot:
    # A London manager; a New York report who starts early (Outlook: 07:00-17:00).
    args: dict[str, object] = dict(
        cadence=WEEKLY, manager_hours=hours(LONDON, "09:00", "17:30"),
        report_hours=hours(NEW_YORK, "07:00", "17:00"), manager_busy=[], report_busy=[],
        taken=[], policy=SlotPolicy(), now=NOW, seed="pair")
    args.update(kw)
    return choose_slot(**args)  # type: ignore[arg-type]


def report_times(slot: Slot, weeks: int = 60) -> list[tuple[time, time]]:
    """(start, end) of every meeting over the year, in New York."""
    mz, rz, out = ZoneInfo(LONDON), ZoneInfo(NEW_YORK), []
    for k in range(weeks):
        s = datetime.combine(slot.first_date + timedelta(weeks=k), slot.start, tzinfo=mz)
        local = s.astimezone(rz)
        out.append((local.time(), (local + timedelta(minutes=30)).time()))
    return out


def test_a_time_inside_the_window_is_inside_it_for_the_report_too() -> None:
    """The manager's other 1-2-1s fill 14:30-16:30 London (09:30-11:30 New York): the only
    free times left in the manager's window are 08:00-09:30 in New York. Booking one is a
    compromise (outside the window for the report) and says so; it is never passed off as
    a time inside the window."""
    slot = pick(taken=weekdays(LONDON, "14:30", "16:30"))
    inside = all(time(9, 30) <= s and e <= time(16, 30) for s, e in report_times(slot))
    assert inside or OUTSIDE_WINDOW in slot.notes, (
        f"booked {slot.start:%H:%M} London = {report_times(slot)[0][0]:%H:%M} New York, "
        f"notes {slot.notes}")


def test_with_the_window_free_the_time_is_inside_it_in_both_zones() -> None:
    """09:30-16:30 in each zone meet at 14:30-16:30 London: every meeting lands there."""
    slot = pick(policy=SlotPolicy(weekdays=frozenset({2})),
                manager_busy=weekdays(LONDON, "15:00", "16:30"))
    assert slot.notes == () or all("clash" in n for n in slot.notes)
    for s, e in report_times(slot):
        assert time(9, 30) <= s and e <= time(16, 30), (slot.start, s)


def test_windows_with_no_time_in_common_say_so() -> None:
    """A window of 09:30-12:00 in London and in New York shares no minute: the working hours
    (which do overlap) are used, and the reason given is the window, in each zone."""
    slot = pick(policy=SlotPolicy(window_start=time(9, 30), window_end=time(12, 0)))
    [found] = compromises("; ".join(slot.notes))
    assert found.code == "outside_window"
    assert "each person's own zone" in found.words
