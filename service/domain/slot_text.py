"""The words about a chosen 1-2-1 time: days and hours described, the notes ``slots`` stores
with a time that had to give way (``Slot.notes``), the errors when no time is acceptable,
and the reading of a stored note back as the plain reasons an admin is shown.

The notes and their reading live together so the reading can rely on the wording: a note is
written by ``slots`` and stored as ``series.slot_note`` (the notes joined by "; "), then read
back here, also by a later run that resumes a create.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from service.domain.due_dates import work_week
from service.domain.hours_fit import HOURS_NOTE, HOURS_NOTE_END
from service.domain.model import WorkingHours
from service.domain.policy import SlotPolicy
from service.errors import ServiceError

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LEVEL_TEXT = {
    "window": "time inside the policy window {ws}–{we} and both people's working hours",
    "hours": "time inside both people's working hours",
}
_TAKEN_END = "clashes with other 1-2-1s of one of the two people."
# The code of a time the manager chose that someone's changed working hours left behind.
HOURS_CHANGED = "outside_changed_hours"
OUTSIDE_WINDOW = "The 1-2-1 is outside the policy window but inside both working hours."
_NO_OVERLAP = "The working hours don't overlap"
_CLASH = re.compile(r"(\d+) of (\d+) meetings in the next (\d+) weeks clash with something "
                    r"already in a calendar")
_WINDOW = re.compile(r"policy window (\d\d:\d\d–\d\d:\d\d)")


def describe_days(days: Iterable[int]) -> str:
    """'Mon–Fri', 'Sun–Thu', 'Mon, Wed, Thu', or 'no days'.

    Days are listed from the first of the working week (after the longest run of days
    off), as the people who work them read it: a Sunday-Thursday week is 'Sun–Thu', not
    'Mon, Tue, Wed, Thu, Sun'."""
    found = {d % 7 for d in days}
    if not found:
        return "no days"
    first = work_week(found)[0]
    ds = sorted(found, key=lambda d: (d - first) % 7)
    if len(ds) > 2 and len(ds) == (ds[-1] - ds[0]) % 7 + 1:
        return f"{_DAY_NAMES[ds[0]]}–{_DAY_NAMES[ds[-1]]}"
    return ", ".join(_DAY_NAMES[d] for d in ds)


def describe_hours(hours: WorkingHours) -> str:
    return (f"{describe_days(hours.days)} {hours.start.strftime('%H:%M')}–"
            f"{hours.end.strftime('%H:%M')} {hours.time_zone}")


def for_the_report(first: date, start: time, zone: str, report_zone: str) -> str:
    """' (06:00 Europe/London for the report, first on 2027-01-27)' when the report is in
    another zone than the series (the manager's): a compromise is often a bad hour for the
    report, which the manager's time alone hides. Worked out for the first meeting."""
    if report_zone == zone:
        return ""
    local = datetime.combine(first, start, tzinfo=ZoneInfo(zone)).astimezone(
        ZoneInfo(report_zone))
    return f" ({local:%H:%M} {report_zone} for the report, first on {local:%Y-%m-%d})"


# -- notes and errors (slots) -------------------------------------------------------------


def level_failed(level: str, policy: SlotPolicy, blocked: bool) -> str:
    """Why a level ("window" or "hours") gave no time: other 1-2-1s, or none fits at all."""
    what = _LEVEL_TEXT[level].format(ws=policy.window_start.strftime("%H:%M"),
                                     we=policy.window_end.strftime("%H:%M"))
    return (f"Every {what} {_TAKEN_END}" if blocked
            else f"No {what} exists all year round.")


def no_overlap_note(manager: WorkingHours, report: WorkingHours, outside: int) -> str:
    return (f"{_NO_OVERLAP} (manager {describe_hours(manager)}; report "
            f"{describe_hours(report)}); chose the time with the least time outside them "
            f"(at worst {outside} minutes outside). Agree a time and move the series if "
            "needed.")


def no_day_error(manager: WorkingHours, report: WorkingHours, policy: SlotPolicy) -> ServiceError:
    return ServiceError(
        "No weekday suits this 1-2-1: the manager works "
        f"{describe_hours(manager)}, the report works {describe_hours(report)}, and the "
        f"slot policy allows {describe_days(policy.weekdays)}. Add a day both people work "
        "to the slot policy's weekdays, or correct the working days in their Outlook "
        "settings (Settings > Calendar > Work hours)."
    )


def no_free_time_error(manager: WorkingHours, report: WorkingHours, weekdays: Iterable[int],
                       allowed: Iterable[int], full: Sequence[str] = ()) -> ServiceError:
    """Working hours overlap but other 1-2-1s fill them: a wider window would not help
    (it has given way already), more days or fewer 1-2-1s would.

    ``weekdays``: the days looked at (allowed and worked by the manager); ``allowed``: the
    slot policy's. ``full``: "manager" and/or "report", whose other 1-2-1s fill that time
    on their own (neither: only the two people's together do), said first, since those
    are the 1-2-1s to change. By role, not name: the run's line names the pair before it,
    and this text is logged (``schedule.failed``), which names no one. More weekdays are
    suggested only where the policy leaves out a day both people work: to a part-time
    manager whose days it allows already, that advice could never help."""
    hours = (f"inside both people's working hours (manager {describe_hours(manager)}; report "
             f"{describe_hours(report)}) on {describe_days(weekdays)} in the coming year")
    if len(full) == 1:
        what = f"The {full[0]}'s other 1-2-1s (as manager or as report) fill every time {hours}"
        whose = f"the {full[0]}'s other 1-2-1s"
    elif full:
        what = (f"The {full[0]}'s other 1-2-1s (as manager or as report) fill every time "
                f"{hours}, and so do the {full[1]}'s on their own")
        whose = f"the {full[0]}'s and the {full[1]}'s other 1-2-1s"
    else:
        what = ("No time is free of both people's other 1-2-1s (as manager or as report) "
                f"{hours}")
        whose = "their 1-2-1s"
    spare = (frozenset(manager.days) & frozenset(report.days)) - frozenset(allowed)
    days = (f", or allow {describe_days(spare)} in the slot policy's weekdays (both people "
            "work then)" if spare else "")
    return ServiceError(
        f"{what}, and a 1-2-1 is never booked outside working hours to make room. Reduce "
        f"the number or length of {whose}{days}.")


# -- reading a stored note back (the admin's "needs a look") --------------------------------


@dataclass(frozen=True)
class Compromise:
    """One way a booked time falls short of the rules: ``code`` for logs, ``words`` for
    the admin (what was given up and the true cause)."""

    code: str  # "outside_window", "outside_working_hours", HOURS_CHANGED, "busy"...
    words: str


def compromises(note: str) -> tuple[Compromise, ...]:
    """The compromises a series' stored slot note records, in the order of the rules; ()
    for a time that keeps them all (or a note of another kind: adopted, follow-on)."""
    out: list[Compromise] = []
    if OUTSIDE_WINDOW in note:
        found = _WINDOW.search(note)
        window = f"the policy window {found.group(1)}" if found else "the policy window"
        # The window level's own note, before this one, says why it gave no time.
        why = ("other 1-2-1s of the manager or the report already fill every time in it on "
               "the allowed days" if _TAKEN_END in note.split(OUTSIDE_WINDOW, 1)[0]
               else "no time in it is inside both people's working hours all year round "
               "(the window holds in each person's own zone; zones far apart may share none of it)")
        out.append(Compromise("outside_window", f"outside {window} (still inside both "
                                                f"people's working hours): {why}"))
    start = note.find(_NO_OVERLAP)
    if start >= 0:
        text = note[start:].split(" Agree a time", 1)[0].rstrip(".")
        out.append(Compromise(
            "outside_working_hours",
            f"outside working hours: {text[:1].lower()}{text[1:]}. The manager should agree "
            "a time with the report and move the series"))
    clash = _CLASH.search(note)
    if clash is not None:
        hits, total, weeks = clash.groups()
        out.append(Compromise(
            "busy", "over time already busy in one of the two calendars (all-day events "
            f"and leave count) at {hits} of its {total} meetings in the next {weeks} weeks: "
            "no acceptable time was free at all of them"))
    at = note.find(HOURS_NOTE)
    if at >= 0:
        names = note[at + len(HOURS_NOTE):].split(HOURS_NOTE_END, 1)[0]
        out.append(Compromise(
            HOURS_CHANGED, f"outside the working hours of {names} since they changed in "
            "Outlook (a new time zone or work week); its manager chose this time in Outlook, "
            "so onetoone leaves it there: the manager should agree a new time with the "
            "report and move the series"))
    late = _LATE_FIRST.search(note)
    if late is not None:
        out.append(Compromise("late_first", f"the first meeting at the new cadence is later "
                                            f"than {late.group(1)}, one interval after the "
                                            "last one: no time by then suits both people"))
    return tuple(out)


_LATE_FIRST_TAIL = ("suits both people, so the first meeting at the new cadence is later than "
                    "one interval after the last one.")
_LATE_FIRST = re.compile(r"No time on or before (.+?) " + re.escape(_LATE_FIRST_TAIL))


def late_first_note(first_by: date) -> str:
    """After a cadence change: the new series starts later than it should have."""
    return f"No time on or before {first_by:%a %d %b %Y} {_LATE_FIRST_TAIL}"


# A follow-on's own note (see jobs/schedule.py ``follow_on``), before what it carries.
_FOLLOWS = re.compile(r"follows on from series \d+(?: \([^)]*\))?(?:; )?")


# Notes of the booking, not of the time: which meetings clashed with what was in the
# calendars then, a calendar unread, a first meeting later than due. A follow-on (other
# meetings, booked later) does not carry them.
_OF_THE_BOOKING = re.compile(
    "|".join((_CLASH.pattern + r"; no time was free for all of them\.",
              r"Free/busy was unavailable, so calendars were not checked; the time still "
              r"avoids both people's other 1-2-1s\.",
              r"The (?:manager|report)'s free/busy was unavailable, so only the other "
              r"calendar was checked\.",
              _LATE_FIRST.pattern)))


def carried_note(note: str) -> str:
    """What a follow-on series (the same time, booked on) keeps of the note of the series it
    follows: the compromises of the time itself (outside the window, or someone's working
    hours), so that they stay flagged once the older series ends, and are not taken for a
    time that broke the rules afresh; "" when the time kept every rule."""
    rest = _FOLLOWS.sub("", note, count=1) if _FOLLOWS.match(note) else note
    rest = "; ".join(p for p in (part.strip() for part in _OF_THE_BOOKING.sub(
        "", rest).split("; ")) if p)
    return rest if compromises(rest) else ""
