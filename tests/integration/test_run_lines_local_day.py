"""The lines a run prints name a meeting by its day where the pair meets (the series' zone),
as `status` and the `moved:` lines do. A Sydney 1-2-1 at 09:00 is on the day before in UTC:
named by the UTC date, "agenda written: Mia & Rob 2026-12-09" was a meeting of the 10th."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from service.app import job_context
from service.jobs.tick import TickReport, tick
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absence_moved_line_zone import _sydney_pair
from tests.integration.test_absences import START, no_sleep, settings_at


def _ticks(settings: Any, days: int) -> list[TickReport]:
    """The reports of a tick every 12 hours for ``days`` days on the Sydney pair."""
    tenant = _sydney_pair()

    async def run(now: datetime) -> TickReport:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now, sync=now == START)

    reports = []
    for step in range(2 * days):
        now = START + timedelta(hours=12 * step)
        tenant.now = lambda now=now: now
        reports.append(asyncio.run(run(now)))
    return reports

def test_agenda_and_read_back_lines_give_the_meetings_day_in_sydney(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sydney.db'}"
    settings = settings_at(tmp_path, db)
    lines = [line for report in _ticks(settings, days=20)
             for line in ((report.agenda.injected if report.agenda else [])
                          + (report.capture.held + report.capture.without_notes
                             if report.capture else []))]
    store = Store(make_engine(db))
    (view,) = store.views()
    starts = [occ.start for occ in store.pairing_occurrences(view.pairing.id)]
    sydney = {f"{s.astimezone(ZoneInfo('Australia/Sydney')):%Y-%m-%d}" for s in starts}
    utc = {f"{s:%Y-%m-%d}" for s in starts}
    assert sydney.isdisjoint(utc)  # (09:00-10:30 there: every meeting the day before in UTC)
    assert len(lines) >= 2, lines  # an agenda written, a meeting read back
    for line in lines:
        assert line.startswith("Mia Boss & Rob Report "), line
        assert line.rsplit(" ", 1)[1] in sydney, (line, sorted(sydney))


def test_prep_mail_lines_give_the_meetings_day_in_sydney(tmp_path: Path) -> None:
    """"mail queued: prep Rob Report 2026-12-09" was the prep mail for the 10th's meeting."""
    db = f"sqlite:///{tmp_path / 'sydney.db'}"
    settings = settings_at(tmp_path, db)
    settings = dataclasses.replace(settings, mail=dataclasses.replace(
        settings.mail, prep_email=True), origins=(("mail.prep_email", "test"),))
    assert settings.sends_prep_mail
    lines = [line for report in _ticks(settings, days=14) if report.mail
             for line in report.mail.queued if line.startswith("prep ")]
    assert lines, "no prep mail queued"
    for line in lines:  # (the pair meets on Fridays at 09:00 in Sydney: Thursdays in UTC)
        assert line.startswith("prep Rob Report "), line
        assert date.fromisoformat(line.rsplit(" ", 1)[1]).strftime("%A") == "Friday", line
