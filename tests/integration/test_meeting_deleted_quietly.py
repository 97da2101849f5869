"""A meeting the manager deletes or cancels in Outlook on its own, which a read of the
calendar's changes may show with no @removed at all: deleting one occurrence changes only
its series' master, and people who tried it found Graph then lists the series' other
instances again and says nothing of the deleted one (microsoftgraph/microsoft-graph-docs
#4501, #5520). The sandbox does that by default (``delta_removes_occurrences``); the notes
test runs both ways. The meeting must be found cancelled, never taken for one held without
notes (which would remind the manager about it, and count it held)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from service.domain.events import CalendarEvent
from service.domain.readback import CalendarRead
from service.graph.client import GraphClient
from service.jobs import occurrences
from tests.integration.test_calendar_delta import _agenda_in, _eve
from tests.integration.test_calendar_delta import org_ as org_  # the fixture
from tests.integration.test_meeting_changes import HOUR, MIA, ROB, Org

UTC = __import__("datetime").timezone.utc


def _stored(org_: Org, occ: Any) -> Any:
    return next(o for o in org_.store.occurrences(occ.series_id) if o.id == occ.id)


def _notes_due(org_: Org, occ: Any) -> datetime:
    return occ.end + timedelta(minutes=org_.settings.agenda.grace_minutes, seconds=1)


@pytest.mark.parametrize("removes", [False, True], ids=["relisted", "removed"])
def test_a_meeting_cancelled_after_its_eve_read_is_found_cancelled_at_its_notes(
        org_: Org, removes: bool) -> None:
    """Mia's calendar is read on the meeting's eve (its delta link kept); she then cancels
    the meeting. The read made when its notes fall due is one of the changes since: the
    meeting is read on its own and found gone, not taken to be as its agenda was written."""
    org_.tenant.delta_removes_occurrences = removes
    occ = _agenda_in(org_)
    org_.tick(org_.now)  # type: ignore[attr-defined]
    org_.tick(_eve(occ))
    assert org_.tenant.count("GET", r"/calendarView/delta$") >= 1
    org_.tenant.person_cancel(MIA, occ.event_id, "Off sick")
    org_.tenant.reset_counters()
    report = org_.tick(_notes_due(org_, occ))
    assert org_.tenant.count("GET", r"/calendarView/delta$") == 1  # of the changes only
    after = _stored(org_, occ)
    assert after.status == "cancelled", after.status
    assert report.capture.without_notes == []
    org_.tick(after.end + timedelta(hours=org_.settings.mail.reminder_hours + 2))
    assert org_.mail("reminder", MIA) == []


def test_a_meeting_deleted_days_ahead_is_found_by_a_read_of_the_changes_on_its_eve(
        org_: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rob's second meeting is deleted in Outlook days ahead, after its agenda went in; the
    read on its eve is one of the changes since the read for the first meeting: the series is
    listed again with that meeting missing (no @removed: the documented form is the one the
    sync always followed), and it is recorded cancelled in that tick."""
    # Mia's first read reaches past Rob's second (monthly) meeting: the eve read of that one
    # is then one of the changes (else the look-ahead outgrows the window, read whole).
    monkeypatch.setattr(occurrences, "DELTA_SLACK", timedelta(days=45))
    first = _agenda_in(org_)
    now = _notes_due(org_, first)
    org_.tick(_eve(first))
    org_.tick(now)  # the first is read back; Mia's calendar has a delta link
    view = next(v for v in org_.store.views() if v.report.email == ROB)
    second = None
    while second is None:
        now += 12 * HOUR
        org_.tick(now)
        second = next((o for o in org_.store.pairing_occurrences(view.pairing.id)
                       if o.start > first.start and o.agenda_state == "injected"), None)
    assert now < _eve(second)
    org_.tenant.person_cancel(MIA, second.event_id, "Away that week")
    reads: list[Any] = []
    read_changes = GraphClient.calendar_changes

    async def seen(self: GraphClient, *args: Any) -> Any:
        reads.append(await read_changes(self, *args))
        return reads[-1]

    monkeypatch.setattr(GraphClient, "calendar_changes", seen)
    report = org_.tick(_eve(second))
    assert [r.full for r in reads] == [False]  # one read, of the changes only
    assert _stored(org_, second).status == "cancelled"
    assert report.occurrences.cancelled


# -- what a read says is gone -------------------------------------------------------------

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _event(event_id: str, master: str | None, kind: str = "occurrence") -> CalendarEvent:
    return CalendarEvent(id=event_id, subject="", body="", start=T0, end=T0 + HOUR,
                         type=kind, series_master_id=master)


def _read(events: list[CalendarEvent], removed: tuple[str, ...] = (), full: bool = False
          ) -> CalendarRead:
    return CalendarRead({e.id: e for e in events}, frozenset(removed), full,
                        T0 - timedelta(days=30), T0 + timedelta(days=30))


def test_a_read_of_the_changes_says_gone_only_what_its_listing_leaves_out() -> None:
    relisted = _read([_event("s1-a", "s1"), _event("s1-c", "s1", "exception")])
    assert relisted.gone("s1-b", "s1", T0)  # the series listed again without it
    assert not relisted.gone("s1-a", "s1", T0)  # listed
    assert not relisted.gone("s2-a", "s2", T0)  # another series, not listed: unchanged
    assert not relisted.gone("single", None, T0)  # a single meeting: only @removed tells
    assert not relisted.gone("s1-b", "s1", T0 + timedelta(days=40))  # outside the window
    assert _read([], removed=("single",)).gone("single", None, T0)
    whole = _read([_event("s1-a", "s1")], full=True)
    assert whole.gone("s2-a", "s2", T0) and whole.gone("single", None, T0)
    assert not whole.relisted  # a whole read lists every series: nothing to tell
    # The series' master listed on its own (as some find Graph does when it changed).
    assert _read([_event("s3", None, "seriesMaster")]).gone("s3-a", "s3", T0)
