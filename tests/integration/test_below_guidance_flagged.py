"""A pair's own series, adopted as it stands, that meets less often than the guidance asks
(a monthly 1-2-1 with a report who manages others, where the guidance asks fortnightly) is
kept, never cancelled for it, and said: `onetoone status` flags it on every call, and the
report lists the pair under needs attention."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_adoption_search import BASE, _run
from tests.integration.test_schedule_job import NOW, org


def test_an_adopted_series_rarer_than_the_guidance_is_kept_and_flagged(
        tmp_path: Path, settings_for, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    settings = settings_for(db)
    tenant = org()

    async def own_monthly() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            start = datetime(2026, 10, 1, 14, 0)
            zone = "GMT Standard Time"
            r = await c.post("/users/mia@contoso.example/events", json={
                "subject": "Max / Mia monthly",
                "start": {"dateTime": start.isoformat(), "timeZone": zone},
                "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(),
                        "timeZone": zone},
                "recurrence": {
                    "pattern": {"type": "relativeMonthly", "interval": 1,
                                "daysOfWeek": ["thursday"], "index": "first",
                                "firstDayOfWeek": "monday"},
                    "range": {"type": "noEnd", "startDate": "2026-10-01"}},
                "attendees": [{"emailAddress": {"address": "max@contoso.example"},
                               "type": "required"}]})
            assert r.status_code == 201, r.text

    asyncio.run(own_monthly())
    _run(settings, tenant, NOW)
    _run(settings, tenant, NOW + timedelta(days=40))
    view = next(v for v in Store(make_engine(db)).views()
                if v.report.email == "max@contoso.example")
    assert view.pairing.cadence == "fortnightly"  # Max manages others
    assert view.series is not None and view.series.cadence == "monthly"  # kept as theirs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db)
    when = (NOW + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = CliRunner().invoke(cli, ["status", "--now", when], terminal_width=250)
    assert shown.exit_code == 0, shown.output
    assert "less often than the guidance" in shown.output
    said = " ".join(shown.output.split())
    assert ("meets monthly, less often than the guidance's fortnightly (manages others), "
            "as chosen in Outlook") in said
    # The other pairs, booked by onetoone at their policy's cadence, are not flagged.
    assert said.count("less often than the guidance's") == 1

    out = tmp_path / "report"
    made = CliRunner().invoke(cli, ["report", "--now", when, "--format", "json",
                                    "--out", str(out)])
    assert made.exit_code == 0, made.output
    report = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    why = {a["report"]: a["why"] for a in report["attention"]}
    assert "less often than the guidance's fortnightly" in why["Max Lead"]
