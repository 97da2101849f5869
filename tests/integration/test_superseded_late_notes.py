"""A pair meets on a superseded series (its follow-on booked and waiting to start) for months
of every series' life: what the manager types after such a meeting reaches the pair's next
agenda, on that series, as it does on a live one (sandbox, SQLite)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest

from service.domain.model import CadenceKind
from service.domain.records import OccurrenceRecord
from service.sandbox import SandboxTenant
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import HOUR, MIA, ROB, Org


def _type(org_: Org, occ: OccurrenceRecord, area: str, line: str) -> None:
    """Mia types a line into an area of the meeting's block in Outlook."""
    html = org_.tenant.person_body(MIA, occ.event_id)
    html = re.sub(rf'(id="{area}"[^>]*>)', lambda m: m.group(1) + f"<p>{escape(line)}</p>",
                  html)
    org_.tenant.person_edit_body(MIA, occ.event_id, html)


@pytest.mark.slow
def test_an_action_typed_the_day_after_a_meeting_of_a_superseded_series_is_on_the_next_agenda(
        tmp_path: Path, settings_for: Any) -> None:
    """Rob's weekly series is extended a month at a time, so a follow-on waits to start
    within weeks of every meeting. Mia types notes into a meeting of the older, superseded
    series, and the next day (its summary out) an action. The re-read that finds it waits
    at most until shortly before the pair's next agenda: that of the superseded series'
    next meeting, not of the follow-on's first, weeks later. (Mia has no other report: no
    calendar read made anyway comes between.)"""
    db = f"sqlite:///{tmp_path / 'late.db'}"
    org_ = Org(db, settings_for)
    org_.settings = settings_for(db, default_cadence=CadenceKind.WEEKLY, months_ahead=1,
                                 extend_months=1)
    org_.tenant = SandboxTenant(seed="agenda-loop", now=lambda: START)
    mia = org_.tenant.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1))
    org_.tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    step = 3 * HOUR
    meeting: list[OccurrenceRecord] = []
    typed_at: list[datetime] = []
    # Until the series is superseded (its follow-on booked, six weeks in) nothing here is
    # looked at: a tick a day runs those weeks' meetings; every 3 hours from then on.
    waiting = [True]

    def each(now: datetime) -> None:
        view = next((v for v in org_.store.views() if v.report.email == ROB), None)
        if view is None or typed_at:
            return
        if not meeting:
            older = [s for s in org_.store.pairing_series(view.pairing.id)
                     if s.status == "superseded"]
            if not older:
                return
            waiting.clear()
            last = datetime.combine(older[0].range_end, time(0), tzinfo=UTC)
            found = [o for o in org_.store.occurrences(older[0].id)
                     if o.agenda_state == "injected" and o.start - step <= now < o.end
                     and o.start + timedelta(days=8) < last]  # its next is on it too
            if found:
                meeting.append(found[0])
                _type(org_, found[0], "onetoone-notes", "We went over the roadmap.")
            return
        occ = org_.store.occurrence(meeting[0].id)
        assert occ is not None
        if occ.captured_at is not None and now >= occ.end + 20 * HOUR:
            assert occ.status == "held"  # (its summary goes out)
            _type(org_, occ, "onetoone-actions", "Rob: send the plan")
            typed_at.append(now)

    now = START
    after: list[OccurrenceRecord] = []
    while now <= START + timedelta(days=90) and not after:
        each(now)
        report = org_.tick(now)
        assert report.agenda.failed == [] and report.capture.failed == []
        if typed_at:
            after = [o for o in org_.store.pairing_occurrences(_pairing(org_))
                     if o.start > meeting[0].end and o.agenda_state == "injected"]
        now += timedelta(days=1) if waiting else step
    assert typed_at, "no meeting of a superseded series was held"
    nxt = after[0]
    assert nxt.series_id == meeting[0].series_id  # (on the superseded series still)
    assert "send the plan" in org_.tenant.person_body(MIA, nxt.event_id)


def _pairing(org_: Org) -> int:
    return next(v for v in org_.store.views() if v.report.email == ROB).pairing.id
