"""Whether a booked series still sits inside both people's working hours, after one of them
changed theirs in Outlook (a move abroad: London to Sydney; a new work week).

A series keeps the instant it was booked at, so a London 10:30 becomes 21:30 for a manager
now in Sydney. Looked at only when someone's stored hours or zone change (no request of its
own): a series now outside them is booked again once at a time inside both (the end and
rebook a change of policy takes), one inside them all year stays put, and one whose time its
manager chose by hand in Outlook keeps it, with a note `onetoone status` shows (see
``slot_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.model import HORIZON_DAYS, WorkingHours
from service.domain.series import StoredSeries, occurrences

# How far ahead a series' meetings are held against the hours: the year a booking holds a
# time to (``HORIZON_DAYS``). A shorter look (a quarter) can miss every DST change: a time
# inside a report's India hours in May leaves them when the UK clocks go back in October.
LOOK = timedelta(days=HORIZON_DAYS)
# The reason a series ends to be booked again (its cancelled meetings say it to the report).
HOURS_REASON = ("its time fell outside working hours that changed in Outlook; a new series "
                "at a time inside both people's working hours replaces it")
# The "New time:" sentence of the series booked in its place (also known to the read-back,
# which must not take it for the manager's words when the agenda's end line is gone).
HOURS_MOVED_WHY = ("the old time fell outside working hours that changed in Outlook (a new "
                   "time zone or work week), so onetoone moved this series to a time inside "
                   "both people's working hours.")
# The slot-note sentence of a series its manager chose, left where it is (see slot_text).
HOURS_NOTE = "Outside the working hours of "
HOURS_NOTE_END = " since they changed in Outlook."


def _inside(start: datetime, end: datetime, hours: WorkingHours) -> bool:
    zone = ZoneInfo(hours.time_zone)
    ls, le = start.astimezone(zone), (end - timedelta(seconds=1)).astimezone(zone)
    if ls.weekday() not in hours.days or ls.date() != le.date():
        return False
    after = ls.time() >= hours.start
    # An end of 00:00 is "until midnight" (overnight shifts are not modelled; as slots.py).
    # The meeting's last second is held against the end, not its end's clock time: one
    # ending at midnight (London 12:30 is 23:30-00:00 in Sydney) ends at "00:00", which is
    # before any end of the working day.
    before = hours.end <= hours.start or le.time() < hours.end
    return after and before


def outside_whom(series: StoredSeries, hours: Sequence[tuple[str, WorkingHours]],
                 now: datetime, *, open_ended: bool = True) -> list[str]:
    """The names (of ``hours``: name and working hours) for whom any meeting of ``series``
    in the coming ``LOOK`` falls outside their working hours, in their own zone.

    ``open_ended``: as if the series ran past its range end (a live one is extended); not
    for one that ends where it does (superseded by its follow-on, which is checked itself):
    a year of meetings it never has would judge it.
    """
    times = occurrences(series, now, now + LOOK, open_ended=open_ended)
    return [name for name, h in hours if any(not _inside(s, e, h) for s, e in times)]


def hours_note(names: Sequence[str]) -> str:
    return f"{HOURS_NOTE}{' and '.join(names)}{HOURS_NOTE_END}"


def without_hours_note(note: str) -> str:
    """``note`` less a ``hours_note`` appended to it."""
    at = note.find(HOURS_NOTE)
    if at < 0:
        return note
    end = note.find(HOURS_NOTE_END, at)
    rest = note[end + len(HOURS_NOTE_END):] if end >= 0 else ""
    return (note[:at].rstrip("; ") + rest).strip()
