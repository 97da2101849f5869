"""The manager cuts onetoone's series short in Outlook and makes a recurring 1-2-1 with the
report herself (Outlook makes a new meeting "normal"). Taken on as the pair's series once
the cut one is over, it is made private before its first agenda, as a pair's own series
adopted at a first booking is: the agendas recall the pair's notes, open actions and the
report's topics, and a delegate or a colleague the manager shares her calendar with reads
the body of any meeting not marked private (sandbox, SQLite: weeks of ticks)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.cadence import CadenceKind
from service.domain.status import AgendaState
from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import MIA, ROB, Org


def _rob(org_: Org) -> Any:
    return next((v for v in org_.store.views() if v.report.email == ROB), None)


def test_her_own_series_taken_on_after_a_cut_is_made_private(tmp_path: Any,
                                                             settings_for: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'cut-private.db'}"
    org_ = Org(db_url, settings_for)
    org_.settings = settings_for(db_url, default_cadence=CadenceKind.WEEKLY)
    cut: list[date] = []
    made: list[str] = []

    def each(now: datetime) -> None:
        view = _rob(org_)
        if cut or now < START + timedelta(days=16) or view is None or view.series is None:
            return
        series = view.series
        mia = org_.tenant.user(MIA)["id"]
        master = org_.tenant.state["events"][mia][series.event_id]
        zone = ZoneInfo(series.time_zone)
        nxt = [start_of(e) for e in calendar_items(
            org_.tenant, mia, now + timedelta(days=20), now + timedelta(days=28))
            if e.get("seriesMasterId") == series.event_id]
        split = nxt[0]
        before = copy.deepcopy(master["recurrence"])
        # The series form in Outlook: an earlier end date, before that meeting.
        recurrence = copy.deepcopy(master["recurrence"])
        recurrence["range"]["endDate"] = (split.astimezone(zone).date()
                                          - timedelta(days=1)).isoformat()
        first = start_of(master)
        org_.tenant.person_retime_series(MIA, series.event_id, first,
                                         first + timedelta(minutes=series.minutes), recurrence)
        # Then she makes a weekly 1-2-1 with Rob herself from that day on (not private).
        new_rec = before
        new_rec["range"]["startDate"] = split.astimezone(zone).date().isoformat()
        start = split.astimezone(zone)
        made.append(org_.tenant.add_event(
            MIA, "Rob / Mia", start, start + timedelta(minutes=series.minutes), new_rec,
            attendees=[ROB])["id"])
        cut.append(split.astimezone(zone).date())

    # A tick a day (the service runs every 12 to 24 hours): cut on day 16 before the
    # meeting of day 36; her series is taken on three days ahead of it, and its agenda goes
    # in before it; the ticks go on past that meeting's day.
    org_.hourly(START + timedelta(days=38), each, step=timedelta(days=1))
    assert cut and made
    view = _rob(org_)
    assert view is not None and view.series is not None
    assert view.series.event_id == made[0], "her new series was not taken on"
    mia = org_.tenant.user(MIA)["id"]
    assert org_.tenant.state["events"][mia][made[0]]["sensitivity"] == "private", (
        "her own series was taken on and written into without being made private")
    written = [o for o in org_.store.occurrences(view.series.id)
               if o.agenda_state == AgendaState.INJECTED]
    assert written, "no agenda went into her series"
