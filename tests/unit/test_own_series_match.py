"""Telling the pair's own 1-2-1 series, made by hand in Outlook, among a manager's series."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from service.domain.events import Attendee, CalendarEvent, Recurrence
from service.domain.own_series import CHECK_EVERY, check_again_at, find_own_series

TODAY = date(2026, 12, 7)
OURS = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name onetoonePairing"
MIA, ROB, NIA = "mia@contoso.example", "rob@contoso.example", "nia@contoso.example"


def _master(*, organizer: str = MIA, attendees: tuple[str, ...] = (ROB,), minutes: int = 30,
            pattern: str = "weekly", interval: int = 2, days: tuple[str, ...] = ("monday",),
            range_type: str = "noEnd", end: date | None = None, count: int | None = None,
            start: date = date(2026, 3, 2), tags: tuple[tuple[str, str], ...] = (),
            cancelled: bool = False, rooms: tuple[str, ...] = (), subject: str = "Catch-up",
            index: str | None = None) -> CalendarEvent:
    at = datetime(start.year, start.month, start.day, 10, 0, tzinfo=UTC)
    people = tuple(Attendee(email=a, kind="required") for a in attendees if a != organizer)
    people += tuple(Attendee(email=r, kind="resource") for r in rooms)
    if organizer != MIA:
        people += (Attendee(email=MIA, kind="required"),)
    return CalendarEvent(
        id=f"m-{subject}-{organizer}-{start}", type="seriesMaster", start=at,
        end=at + timedelta(minutes=minutes), subject=subject, cancelled=cancelled,
        attendees=people, organizer=Attendee(email=organizer), is_organizer=organizer == MIA,
        recurrence=Recurrence(pattern=pattern, interval=interval, days=days, index=index,
                              range_type=range_type, start_date=start, end_date=end,
                              count=count),
        tags=tags)


def _find(*masters: CalendarEvent, report: str = ROB):
    return find_own_series(list(masters), MIA, report, OURS, TODAY)


def test_a_fortnightly_meeting_of_just_the_two_is_adopted_whatever_its_name() -> None:
    for subject in ("Rob / Mia", "Einzelgespräch", "1:1", "", "<b>sync</b>"):
        own = _find(_master(subject=subject))
        assert own is not None and own.adoptable and not own.by_report


def test_case_and_rooms_do_not_matter_but_a_third_person_does() -> None:
    assert _find(_master(attendees=("ROB@Contoso.Example",), rooms=("room1@contoso.example",)))
    assert _find(_master(attendees=(ROB, NIA))) is None
    assert _find(_master(attendees=(NIA,))) is None  # another report's
    assert _find(_master(attendees=())) is None  # the manager's own block of time


def test_ours_ended_over_long_or_cancelled_are_not_the_pairs_own() -> None:
    assert _find(_master(tags=((OURS.upper(), "ended 2026-01-01 p-x"),))) is None
    assert _find(_master(minutes=120)) is None
    assert _find(_master(cancelled=True)) is None
    assert _find(_master(range_type="endDate", end=TODAY - timedelta(days=1))) is None
    assert _find(_master(range_type="endDate", end=TODAY)) is not None
    # Numbered: 10 fortnightly meetings from March are over by December; 40 are not.
    assert _find(_master(range_type="numbered", count=10)) is None
    assert _find(_master(range_type="numbered", count=40)) is not None


def test_a_copy_of_a_series_onetoone_booked_is_never_the_pairs_own() -> None:
    """The manager's attendee copy of onetoone's series (no tag: Graph gives an attendee's
    copy none of the organizer's extended properties), known by its iCalUId, is not taken
    for the report's own; one with another iCalUId still is."""
    theirs = replace(_master(organizer=ROB, attendees=(MIA,)), ical_uid="040000008200E0-rob")
    assert find_own_series([theirs], MIA, ROB, OURS, TODAY,
                           booked=frozenset({"040000008200E0-rob"})) is None
    own = find_own_series([theirs], MIA, ROB, OURS, TODAY,
                          booked=frozenset({"040000008200E0-old"}))
    assert own is not None and own.by_report


def test_one_the_report_organises_or_that_cannot_be_carried_on_is_left() -> None:
    by_rob = _find(_master(organizer=ROB))
    assert by_rob is not None and by_rob.by_report and not by_rob.adoptable
    assert "the report organises" in by_rob.why_left()
    three_weekly = _find(_master(interval=3, subject="Rob\n1:1 " + "x" * 200))
    assert three_weekly is not None and not three_weekly.adoptable
    assert "cannot follow" in three_weekly.why_left()
    assert "\n" not in three_weekly.why_left() and len(three_weekly.why_left()) < 300
    day_of_month = _find(_master(pattern="absoluteMonthly", interval=1, days=()))
    assert day_of_month is not None and not day_of_month.adoptable


def test_a_private_series_is_named_only_as_private() -> None:
    """Graph gives application access a private event's subject; Outlook shows it to no
    one but its people, so neither does the note that says why the pair is left."""
    for sensitivity in ("private", "confidential"):
        own = _find(replace(_master(organizer=ROB, subject="Sick leave: return to work"),
                            sensitivity=sensitivity))
        assert own is not None and "Sick leave" not in own.why_left()
        assert "marked private" in own.why_left() and "marked private" in own.named()
    named = _find(replace(_master(organizer=ROB, subject="Rob / Mia"), sensitivity="normal"))
    assert named is not None and "('Rob / Mia')" in named.why_left()
    assert _find(_master(subject=" ")).named() == "no subject"


def test_of_several_the_adoptable_then_the_latest_wins() -> None:
    old = _master(start=date(2025, 1, 6), subject="old")
    new = _master(start=date(2026, 6, 1), subject="new")
    odd = _master(start=date(2026, 9, 1), interval=3, subject="odd")
    own = _find(old, odd, new)
    assert own is not None and own.event.subject == "new"


def test_the_managers_own_series_is_hers_whatever_address_graph_gives_its_organizer() -> None:
    """Graph may give an organizer's address in its legacy X500 form (a mailbox migrated
    from another Exchange organisation, say) rather than as SMTP. In the manager's own
    calendar, isOrganizer says whose series it is: hers, not a meeting of three."""
    x500 = ("/o=exchangelabs/ou=exchange administrative group (fydibohf23spdlt)"
            "/cn=recipients/cn=3f2a9c41d0e84b6f9a3c1b2d4e5f6a7b-mia")
    own = _find(replace(_master(), organizer=Attendee(email=x500, name="Mia Manager")))
    assert own is not None and own.adoptable and not own.by_report


def test_a_series_the_report_declined_is_not_the_pairs_1_2_1() -> None:
    base = _master()
    declined = dataclasses.replace(base, attendees=(
        Attendee(email=ROB, kind="required", response="declined"),))
    assert _find(declined) is None
    accepted = dataclasses.replace(base, attendees=(
        Attendee(email=ROB, kind="required", response="accepted"),))
    assert _find(accepted) is not None


def test_a_series_the_manager_declined_and_outlook_kept_is_not_the_pairs_1_2_1() -> None:
    """Outlook's "Save declined events" keeps a meeting the manager declined in her calendar
    (shown as free, responseStatus "declined"): Rob's series she turned down is not theirs."""
    by_rob = _master(organizer=ROB)
    assert _find(replace(by_rob, response="declined")) is None
    assert _find(replace(by_rob, response="tentativelyaccepted")) is not None


def test_hidden_attendees_on_her_copy_tell_nothing_of_who_attends() -> None:
    """A series Rob runs with hideAttendees lists Mia alone on her copy, however many are
    invited: not taken for their 1-2-1. Her own such series lists everyone to her."""
    assert _find(replace(_master(organizer=ROB), hide_attendees=True)) is None
    own = _find(replace(_master(), hide_attendees=True))
    assert own is not None and own.adoptable


def test_a_pair_left_is_looked_at_weekly_and_the_day_after_its_series_last_meeting() -> None:
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    by_rob = _master(organizer=ROB)
    endless = _find(by_rob)
    assert endless is not None and check_again_at(endless, now, "Europe/London") == (
        now + CHECK_EVERY)
    # Its last meeting on Thursday 10 Dec: looked at from the start of Friday, London time.
    ending = _find(replace(by_rob, recurrence=replace(
        by_rob.recurrence, range_type="endDate", end_date=date(2026, 12, 10))))
    assert ending is not None
    assert check_again_at(ending, now, "Europe/London") == datetime(2026, 12, 11, tzinfo=UTC)
    # A far end (or Graph's 9999-12-31) is the weekly look, not a date past the calendar.
    far = _find(replace(by_rob, recurrence=replace(
        by_rob.recurrence, range_type="endDate", end_date=date.max)))
    assert far is not None and check_again_at(far, now, "Europe/London") == now + CHECK_EVERY
