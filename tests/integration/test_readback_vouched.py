"""A read of the manager's calendar (made as their next meeting comes near) vouches for the
notes of meetings already read back, so their later re-reads cost nothing; an edit that read
lists is read back at once, from that read's listing (its body comes with it). The same
holds for a whole re-read (by etag)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.domain.readback import LAST_WAIT, RECHECK, SUMMARY_OUT_WAIT
from service.store.calendar_delta import DeltaRepository
from tests.integration.test_capture_edits import edit
from tests.integration.test_mail import Scenario

HOUR = timedelta(hours=1)
# Hours after Rob's meeting ends that a re-read can wait no longer (no calendar read came).
DAY_AFTER_OWED = (RECHECK + SUMMARY_OUT_WAIT) // HOUR
LAST_OWED = (timedelta(days=7) + LAST_WAIT) // HOUR


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    s = Scenario(settings_for(f"sqlite:///{tmp_path / 'vouch.db'}"))
    s.type_notes()
    s.after_meeting()  # the first read
    # Past the day-after read's fixed wait: his 1-2-1 is monthly and his summary is out, so
    # it waits on for a calendar read, up to the last re-read's deadline (domain.readback).
    s.after_meeting(hours=DAY_AFTER_OWED + 1)
    return s


def until_calendar_read(s: Scenario) -> datetime:
    """Ticks every three hours from a week after Rob's meeting (Nia's comes the day after)
    until one reads Mia's calendar: the one made as Nia's meeting comes near. Its time."""
    now = s.occ.end + timedelta(days=6)
    for _ in range(40):
        now += 3 * HOUR
        s.at(now)
        if s.tenant.count("GET", r"/calendarView/delta$"):
            assert now < s.occ.end + timedelta(days=7) + LAST_WAIT  # within its wait
            return now
    pytest.fail("Mia's calendar was never read")


def forget_mias_link(s: Scenario) -> None:
    """Graph forgot the link (or it was never made): the window is read whole."""
    repo = DeltaRepository(s.store.engine)
    (mailbox,) = repo.delta_links()  # Mia's calendar (her series' mailbox: her id)
    repo.forget_delta_link(mailbox)
    assert repo.delta_links() == {}


def reads_of_rob(s: Scenario) -> int:
    return s.tenant.count("GET", rf"/events/{s.occ.event_id}$")


@pytest.mark.parametrize("whole", [False, True], ids=["delta", "whole-re-read"])
def test_a_calendar_read_after_the_last_mark_vouches_for_unchanged_notes(
        scenario: Scenario, whole: bool) -> None:
    s = scenario
    if whole:
        forget_mias_link(s)
    s.tenant.reset_counters()
    read_at = until_calendar_read(s)
    assert reads_of_rob(s) == 0
    # That read, made after both marks, vouched for both, as of its time (the waiting
    # meeting is looked at daily, and was in that run): nothing is left to read.
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and (occ.captured_at, occ.read_back_at) == (read_at, None)
    s.after_meeting(hours=LAST_OWED + 1)
    assert reads_of_rob(s) == 0
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.captured_at is not None
    assert occ.captured_at >= s.occ.end + timedelta(days=s.settings.agenda.recapture_days)
    assert occ.read_back_at is None
    s.tenant.reset_counters()
    s.after_meeting(hours=24 * 10)  # past the last read's wait: nothing left to read
    assert reads_of_rob(s) == 0


@pytest.mark.parametrize("whole", [False, True], ids=["delta", "whole-re-read"])
def test_an_edit_the_calendar_read_lists_is_read_back_then(scenario: Scenario,
                                                           whole: bool) -> None:
    s = scenario
    edit(s, "Confidential-ish but shared: went well", "Shared: went very well")
    if whole:
        forget_mias_link(s)
    s.tenant.reset_counters()
    until_calendar_read(s)
    assert reads_of_rob(s) == 0  # read back from the calendar read's listing of it
    assert [n.text for n in s.store.notes(s.occ.id)] == [
        "Shared: went very well"]


def test_without_a_calendar_read_the_last_read_is_made_then(scenario: Scenario) -> None:
    s = scenario
    edit(s, "Confidential-ish but shared: went well", "Shared: went very well")
    s.tenant.reset_counters()
    s.after_meeting(hours=24 * 7 + 1)  # the mark: it waits for a calendar read
    assert reads_of_rob(s) == 0
    s.after_meeting(hours=LAST_OWED + 1)  # it can wait no longer: the calendar lists the edit
    assert reads_of_rob(s) == 0 and s.tenant.count("GET", r"/calendarView/delta$") == 1
    assert [n.text for n in s.store.notes(s.occ.id)] == [
        "Shared: went very well"]


def test_an_overdue_re_read_reads_the_calendar_once_instead(scenario: Scenario) -> None:
    """No calendar read came to vouch for Rob's last re-read: when it can wait no longer,
    Mia's calendar is read (one request, whatever the number of her meetings owed), and it
    vouches for the unchanged meeting without reading it."""
    s = scenario
    s.tenant.reset_counters()
    s.after_meeting(hours=LAST_OWED + 1)
    assert reads_of_rob(s) == 0
    assert s.tenant.count("GET", r"/calendarView/delta$") == 1
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.captured_at == s.occ.end + timedelta(hours=LAST_OWED + 1)
    assert occ.read_back_at is None  # nothing left to read
    s.tenant.reset_counters()
    s.after_meeting(hours=LAST_OWED + 2)
    assert reads_of_rob(s) == 0 and not s.tenant.count("GET", r"/calendarView/delta$")


def test_only_the_meetings_due_are_looked_at(scenario: Scenario) -> None:
    """A tick finds the meetings to read back by their next look, not by going through every
    meeting of the last weeks; one whose re-read waits for a calendar read stays found until
    it is made."""
    s = scenario
    now = s.occ.end + (DAY_AFTER_OWED + 2) * HOUR
    assert s.store.read_backs_due(now, now - timedelta(days=10), now) == []
    occ = s.store.occurrence(s.occ.id)
    # Waiting for a calendar read: looked at again a day on (or when it can wait no longer,
    # if sooner), not each run.
    assert occ is not None and occ.read_back_at == s.occ.end + (DAY_AFTER_OWED + 1) * HOUR + (
        RECHECK)
    (due,) = s.store.read_backs_due(occ.read_back_at, now - timedelta(days=10), now)
    assert due[0].id == s.occ.id
    s.after_meeting(hours=LAST_OWED + 1)  # then made (Mia's calendar is read for it)
    later = s.occ.end + (LAST_OWED + 2) * HOUR
    assert s.store.read_backs_due(later, later - timedelta(days=10), later) == []
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.read_back_at is None


def test_a_monthly_meetings_day_after_read_waits_to_be_made_with_the_last(
        tmp_path, settings_for) -> None:
    """Rob's 1-2-1 is monthly and his summary is out: the day-after re-read only feeds his
    next agenda, weeks away, so it does not read Mia's calendar when its fixed wait ends; no
    calendar read came meanwhile, so one read, when the last re-read can wait no longer,
    serves both."""
    s = Scenario(settings_for(f"sqlite:///{tmp_path / 'monthly.db'}"))
    s.type_notes()
    s.after_meeting()
    s.tenant.reset_counters()
    s.after_meeting(hours=DAY_AFTER_OWED + 1)
    s.after_meeting(hours=DAY_AFTER_OWED + 24)
    assert s.tenant.count("GET", r"/calendarView/delta$") == 0 and reads_of_rob(s) == 0
    s.after_meeting(hours=LAST_OWED + 1)
    assert s.tenant.count("GET", r"/calendarView/delta$") == 1 and reads_of_rob(s) == 0
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.read_back_at is None  # both re-reads made
    assert occ.captured_at == s.occ.end + timedelta(hours=LAST_OWED + 1)


def test_a_weekly_meetings_day_after_read_is_made_before_the_next_agenda(
        tmp_path, settings_for) -> None:
    """A weekly 1-2-1's next agenda comes within days: its day-after re-read waits only
    until shortly before it, and is then made (Mia's calendar is read for it)."""
    from tests.integration.test_capture_edits import next_read, weekly

    s = weekly(settings_for, f"sqlite:///{tmp_path / 'weekly.db'}")
    s.type_notes()
    s.after_meeting()
    hours = next_read(s)
    assert hours <= DAY_AFTER_OWED + 1 + 24  # at most a day longer than the fixed wait
    s.tenant.reset_counters()
    s.after_meeting(hours=hours)
    assert s.tenant.count("GET", r"/calendarView/delta$") >= 1 and reads_of_rob(s) == 0
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.read_back_at == s.occ.end + timedelta(
        days=s.settings.agenda.recapture_days)
