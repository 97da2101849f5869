"""After a cadence change, the new series' first meeting is due within one interval of the
last meeting held, counted in the manager's own calendar days. A Sydney 1-2-1 at 09:30 is
22:30 UTC the day before: counting from the UTC date makes the deadline a day early, so the
pair's own weekday a month on is refused (and may be booked "late", flagged for a look)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

import service.jobs.series_create as series_create
from service.domain.cadence import add_months
from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW
from tests.integration.test_schedule_job import run as _run

SYDNEY = "AUS Eastern Standard Time"


def test_first_by_counts_from_the_managers_local_date(settings_for, tmp_path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'first-by.db'}"
    settings = settings_for(url, default_cadence=CadenceKind.WEEKLY)
    seen: list[date] = []
    real = series_create.choose_slot

    def spy(**given):
        if given.get("first_by") is not None:
            seen.append(given["first_by"])
        return real(**given)

    monkeypatch.setattr(series_create, "choose_slot", spy)
    t = SandboxTenant(seed="first-by-sydney", now=lambda: NOW)
    t.add_user("Sia Boss", "sia@contoso.example", time_zone=SYDNEY, hire_date=date(2019, 1, 1),
               working_hours={"startTime": "09:00:00.0000000", "endTime": "10:30:00.0000000"})
    # Weekly, until the policy turns monthly (and 45 minutes long). (A new starter's weeks
    # ending is planned when the pair is booked instead: no new series, no deadline.)
    t.add_user("Ben New", "ben@contoso.example", manager="sia@contoso.example",
               time_zone=SYDNEY, hire_date=date(2019, 9, 4))
    for days in (0, 1, 3, 5, 7, 9):
        _run(settings, t, NOW + timedelta(days=days))
    later = NOW + timedelta(days=20)
    # Monthly and 45 minutes: a rarer cadence alone keeps the weekly series to its end (its
    # follow-on booked with no deadline); a new length replaces it now.
    _run(settings_for(url, minutes=45), t, later)
    store = Store(make_engine(settings.database.url))
    (view,) = [v for v in store.views() if v.report.email == "ben@contoso.example"]
    assert view.series is not None and view.series.cadence == "monthly"
    held = [o for o in store.pairing_occurrences(view.pairing.id)
            if o.end <= later and o.status not in ("cancelled", "declined")]
    last = max(o.start for o in held)
    local_last = last.astimezone(ZoneInfo("Australia/Sydney")).date()
    assert local_last != last.date()  # a morning meeting in Sydney: the day before in UTC
    assert seen, "the new series was planned with a deadline"
    assert seen[-1] == add_months(local_last, 1), (seen[-1], last)
