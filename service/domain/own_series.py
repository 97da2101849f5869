"""A 1-2-1 series the pair already holds in Outlook, made by hand before onetoone came.

At a first rollout most managers who hold 1-2-1s at all already have a recurring meeting
with each report. Booking onetoone's own beside it would give the pair two series, so the
manager's series masters are read once (one request a page) and matched by who is in them:
a live recurring meeting of at most ``MAX_MINUTES`` whose only people, rooms aside, are the
manager and the report. Its subject is not looked at: "Alice / Bob", "Weekly sync",
"Einzelgespräch" and "1:1" are all named by hand, in any language.

What is then done with it (``own_series_plan``): one the manager organises, on a pattern
onetoone can carry on, is adopted as it stands (its time, day and length are the pair's
own choice; onetoone writes its agendas into it from then on). One the report organises, or
on a pattern onetoone cannot carry on (every three weeks, a day of the month), is left
alone and the pair is not booked: writing into the report's meeting is not the manager's
to do, and a second series beside either is exactly the duplicate this avoids. Such a pair
is looked at again (``check_again_at``) the day after that series' last meeting, and weekly
meanwhile (it may be deleted, or re-made on a pattern onetoone follows): once it is over or
gone, the pair is booked, so no pair is left without 1-2-1s for want of an admin's reset.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.cadence import reason_for_the_pair
from service.domain.events import CalendarEvent
from service.domain.retime import followable
from service.domain.series import last_numbered_day

# Longer than this, a two-person recurring meeting is a working session, not a 1-2-1 (the
# guidance: about 30 minutes, 30-45).
MAX_MINUTES = 90
ADOPT = "adopt"
IGNORE = "ignore"
CHOICES = (ADOPT, IGNORE)
# The transactionId onetoone records for a pair's own series it adopted (then the event's
# id): the mark that it is theirs, which no later change of its slot note undoes.
OWN_PREFIX = "own-"
_RANK = {"weekly": 0, "fortnightly": 1, "monthly": 2}


def is_own(series: Any) -> bool:
    """Whether a stored series is a pair's own, made by hand and adopted."""
    return str(series.transaction_id).startswith(OWN_PREFIX)


def rarer_than(cadence: str, asked: str) -> bool:
    """Whether meeting at ``cadence`` is less often than ``asked`` (the guidance's cadences
    are minimums: weekly meets a monthly policy, monthly does not meet a fortnightly one)."""
    return _RANK.get(str(cadence), 9) > _RANK.get(str(asked), 9)


def below_guidance(cadence: str, pairing: Any) -> str:
    """Words for a pair meeting at ``cadence``, less often than its policy cadence asks (a
    series chosen in Outlook, kept as it stands: adopted, or re-timed there), or ""."""
    if not rarer_than(cadence, pairing.cadence):
        return ""
    return (f"meets {cadence}, less often than the guidance's {pairing.cadence} "
            f"({reason_for_the_pair(pairing.cadence_reason)}), as chosen in Outlook")


def own_still_fits(series: Any, cadence: str) -> bool:
    """Whether a pair's own series still meets the cadence the policy now asks for: at
    least as often (the guidance's cadences are minimums). One that does is left as the pair
    has it when the policy changes (a new starter's weekly window ends, say): cancelling a
    manager's own weekly 1-2-1 to book a monthly one would take away what they chose."""
    return not rarer_than(series.cadence, cadence)

# A pair left to its own series is looked at again at least this often: one read of its
# manager's series masters (shared by all that manager's pairs left so) tells whether it was
# deleted, cancelled or re-made; none in between.
CHECK_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class OwnSeries:
    """The pair's own series found in the manager's calendar, and what to do with it."""

    event: CalendarEvent
    by_report: bool  # the report organises it (the manager's copy is an attendee's)
    adoptable: bool  # the manager's, on a pattern onetoone carries on

    def named(self) -> str:
        """The series as the run's report, the pairing's note and `onetoone status` name it:
        its subject, quoted, on one line and cut short; or, for one marked private (or
        confidential) in Outlook, only that. Outlook shows anyone but its people a private
        meeting as "Private appointment", but onetoone reads calendars with application
        access, which Graph answers whole: its subject ("Return to work after sick leave")
        is the pair's, not the admin's to read."""
        if self.event.sensitivity in ("private", "confidential"):
            return "marked private, so its subject is not shown"
        subject = " ".join(self.event.subject.split())[:80]
        return f"'{subject}'" if subject else "no subject"

    def why_left(self) -> str:
        """Why the pair is left with it and not booked (for status and the run's report)."""
        if self.by_report:
            return (f"the report organises their own recurring 1-2-1 with the manager in "
                    f"Outlook ({self.named()}); onetoone books none beside it")
        return (f"the manager's own recurring 1-2-1 in Outlook ({self.named()}) repeats in a "
                "way onetoone cannot follow (weekly, fortnightly or monthly on one weekday); "
                "onetoone books none beside it")


def _people(event: CalendarEvent, manager: str) -> set[str]:
    """Everyone in the meeting but rooms and equipment, by address (lower case). Where the
    manager's calendar says she organises it (isOrganizer), the organizer is the manager:
    Graph may give an organizer's address in its legacy X500 form ("/o=ExchangeLabs/...",
    a mailbox moved from another Exchange organisation) or as it was when the series was
    made, and her own 1-2-1 would read as a meeting of three and be booked beside."""
    people = {a.email.lower() for a in event.attendees if a.kind != "resource" and a.email}
    # A room booked as its place may be listed as a "required" attendee all the same (the
    # type Graph gives an attendee created without one, as tools booking rooms leave it).
    people -= set(event.rooms)
    if event.is_organizer:
        people.add(manager)
    elif event.organizer is not None and event.organizer.email:
        people.add(event.organizer.email.lower())
    return people


def last_day(event: CalendarEvent) -> date | None:
    """The day of the series' last meeting as far as its range tells (None: no end;
    ``date.min``: none at all, a range Graph gave without its end)."""
    rec = event.recurrence
    if rec is None:
        return date.min
    if rec.range_type == "endDate":
        return rec.end_date if rec.end_date is not None else date.min
    if (last := last_numbered_day(rec)) is not None:
        return last
    if rec.range_type == "numbered" and rec.count and rec.start_date is not None:
        # The last meeting's date, near enough (a day of the month, not kept): a count of
        # meetings at the pattern's pace.
        if rec.pattern in ("daily", "weekly"):
            per_week = max(len(rec.days), 1) if rec.pattern == "weekly" else 7
            days = 7 * rec.interval * -(-rec.count // per_week)
        else:
            days = 31 * rec.interval * rec.count
        return rec.start_date + timedelta(days=days)
    return None  # noEnd


def _still_running(event: CalendarEvent, today: date) -> bool:
    """Whether the series has meetings from ``today`` on, as far as its range tells."""
    last = last_day(event)
    return last is None or last >= today


def check_again_at(own: OwnSeries, now: datetime, zone: str) -> datetime:
    """When a pair left to ``own`` is next looked at: a week from ``now``, or the start of
    the day after its last meeting (in ``zone``, the day ``find_own_series`` stops taking
    it as running) when that comes sooner."""
    weekly = now + CHECK_EVERY
    last = last_day(own.event)
    if last is None or last >= (weekly + timedelta(days=1)).date():
        return weekly
    return max(now, min(weekly, datetime.combine(last + timedelta(days=1), time(0),
                                                 tzinfo=ZoneInfo(zone))))


def find_own_series(masters: Iterable[CalendarEvent], manager_email: str, report_email: str,
                    our_property: str, today: date, *, booked: Collection[str] = ()
                    ) -> OwnSeries | None:
    """The pair's own 1-2-1 series among the manager's series ``masters``, if any.

    Events carrying ``our_property`` are onetoone's (live, or ended and tagged so), never
    the pair's own; so are those whose iCalUId is in ``booked`` (the series onetoone booked
    with the manager, as manager or as report). The manager's copy of a series someone else
    organised carries no tag: Graph gives an attendee's copy none of the organizer's
    extended properties. Someone made their former manager's manager holds onetoone's old
    series of the two as such a copy, organised by the one who now reports to them, its
    meetings to come cancelled but its range running for months: taken for the report's
    own 1-2-1, the new pair would go unbooked until then. Its iCalUId is the organizer's
    (the same in every calendar), so the store's tells it. Of several, the manager's on a
    followable pattern comes first, then the one starting last (a series re-made by hand
    replaces the one before)."""
    pair = {manager_email.lower(), report_email.lower()}
    ours = our_property.lower()
    found: list[OwnSeries] = []
    for event in masters:
        if (event.type not in (None, "seriesMaster") or event.cancelled
                or event.start is None or event.end is None
                or any(tag_id.lower() == ours for tag_id, _ in event.tags)
                or (event.ical_uid is not None and event.ical_uid in booked)):
            continue
        if event.response == "declined":
            # The manager turned it down, and Outlook kept it in her calendar ("Save
            # declined events" keeps a declined meeting, shown as free): they don't meet in it.
            continue
        if event.hide_attendees and event.is_organizer is not True:
            # Its organizer hid the attendees: her copy lists her alone, however many are
            # invited (a report's drop-in for the team), so who attends cannot be told.
            continue
        if not timedelta(0) < event.end - event.start <= timedelta(minutes=MAX_MINUTES):
            continue
        if _people(event, manager_email.lower()) != pair or not _still_running(event, today):
            continue
        if event.response_of(report_email.lower()) == "declined":
            continue  # (a series the report turned down is not the pair's 1-2-1)
        organizer = event.organizer.email.lower() if event.organizer else ""
        by_report = event.is_organizer is False or organizer == report_email.lower()
        found.append(OwnSeries(event=event, by_report=by_report,
                               adoptable=not by_report and followable(event)))
    if not found:
        return None
    found.sort(key=lambda o: (o.adoptable, o.event.start))
    return found[-1]
