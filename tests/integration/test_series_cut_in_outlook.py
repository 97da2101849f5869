"""The manager cuts onetoone's series short in Outlook: an earlier end date in the series
form, or *this and all following events* (Outlook ends the series before the meeting picked
and starts a new series of its own there). The meetings after the cut were not cancelled
by anyone: they are withdrawn (no rebooking offer, no reminder, not counted as missed). A
new recurring series of the pair's in the manager's calendar is taken on, not booked beside;
with none, the pair is shown as ended in Outlook by the manager once the cut series is over,
and not booked again (sandbox and SQLite: weeks of ticks)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.cadence import CadenceKind
from service.domain.status import OccurrenceStatus, PairingStatus
from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import MIA, ROB, Org


def _rob(org_: Org) -> Any:
    return next((v for v in org_.store.views() if v.report.email == ROB), None)


@pytest.mark.slow
@pytest.mark.parametrize(("following", "superseded"),
                         [(False, False), (True, False), (False, True)])
def test_a_series_cut_short_in_outlook_is_followed_not_missed(
        tmp_path: Any, settings_for: Any, following: bool, superseded: bool) -> None:
    db_url = f"sqlite:///{tmp_path / 'cut.db'}"
    org_ = Org(db_url, settings_for)
    # superseded: booked a month ahead and extended a month at a time, so the meetings of
    # the coming weeks are on a series already followed by a follow-on booked after it.
    org_.settings = settings_for(db_url, default_cadence=CadenceKind.WEEKLY,
                                 **({"months_ahead": 1, "extend_months": 1} if superseded
                                    else {}))
    cut: list[date] = []
    made: list[str] = []

    def each(now: datetime) -> None:
        view = _rob(org_)
        if cut or now < START + timedelta(days=16) or view is None or view.series is None:
            return
        series = view.series
        if superseded:
            old = [s for s in org_.store.pairing_series(view.pairing.id)
                   if s.status == "superseded"
                   and s.range_end > (now + timedelta(days=15)).date()]
            if not old:
                return
            series = old[-1]
        master = org_.tenant.state["events"][org_.tenant.user(MIA)["id"]][series.event_id]
        # Outlook's series form (or "this and all following events" on the meeting three
        # weeks on): the range ends before that meeting.
        zone = ZoneInfo(series.time_zone)
        ahead = timedelta(days=6 if superseded else 20)
        nxt = [start_of(e) for e in calendar_items(
            org_.tenant, org_.tenant.user(MIA)["id"], now + ahead,
            now + ahead + timedelta(days=8)) if e.get("seriesMasterId") == series.event_id]
        split = nxt[0]
        before = copy.deepcopy(master["recurrence"])
        recurrence = copy.deepcopy(master["recurrence"])
        recurrence["range"]["endDate"] = (split.astimezone(zone).date()
                                          - timedelta(days=1)).isoformat()
        first = start_of(master)
        org_.tenant.person_retime_series(MIA, series.event_id, first,
                                         first + timedelta(minutes=series.minutes), recurrence)
        if following:
            # The new series Outlook makes from the meeting picked on: the same slot, the
            # same people, the old end.
            new_rec = before
            new_rec["range"]["startDate"] = split.astimezone(zone).date().isoformat()
            start = split.astimezone(zone)
            made.append(org_.tenant.add_event(
                MIA, master["subject"], start, start + timedelta(minutes=series.minutes),
                new_rec, attendees=[ROB])["id"])
        cut.append(split.astimezone(zone).date())

    # A tick a day (the service runs every 12 to 24 hours): cut on day 16 before the
    # meeting of day 36 (on day 41 before that of day 50 when superseded), which the sync
    # sees four days ahead; the ticks go on past that meeting's day, and the calendars are
    # read as far as before.
    org_.hourly(START + timedelta(days=54 if superseded else 40), each,
                step=timedelta(days=1))
    until = START + timedelta(days=70)
    assert cut
    view = _rob(org_)
    assert view is not None
    after = [o for o in org_.store.pairing_occurrences(view.pairing.id)
             if o.start.date() >= cut[0] and o.status == OccurrenceStatus.CANCELLED]
    assert after == [], (f"meetings after the cut recorded as cancelled by the manager: "
                         f"{[o.start.isoformat() for o in after][:3]}")
    offers = [m for m in org_.store.outbox() if "rebook" in m.kind]
    assert offers == [], f"rebooking offers sent for the cut: {[m.kind for m in offers]}"
    weeks = Counter(start_of(e).isocalendar()[:2] for e in calendar_items(
        org_.tenant, org_.tenant.user(ROB)["id"], START, until + timedelta(days=200))
        if "Rob" in e["subject"] and not e.get("isCancelled"))
    twice = sorted(week for week, n in weeks.items() if n > 1)
    assert twice == [], f"two 1-2-1s with Rob in weeks {twice[:4]}"
    if following:
        assert view.pairing.status == PairingStatus.ACTIVE
        assert view.series is not None and view.series.event_id == made[0], (
            "the pair's new series in Outlook was not taken on")
    else:
        assert view.pairing.status == PairingStatus.SERIES_DELETED, (
            f"pair still {view.pairing.status!r} after its series was ended in Outlook")
        assert view.pairing.note.startswith("Ended in Outlook by the manager"), view.pairing.note
        later = [w for w in weeks if w > cut[0].isocalendar()[:2]]
        assert later == [], f"the pair was booked again after the cut: weeks {later[:4]}"
