"""A pair left to a 1-2-1 series of its own (the report organises it, or it repeats in a way
onetoone cannot follow) is booked once that series is over or gone, without `pairs reset`:
it is looked at again the day after its last meeting, and weekly meanwhile, with one read of
the manager's series masters for all her pairs left so and none in between."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant, SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_adoption_search import BASE, _run
from tests.integration.test_dry_run_agrees import _run as dry_run
from tests.integration.test_own_series import MIA, NIA, ROB, _delete, _masters_with, _own, _view
from tests.integration.test_schedule_job import NOW, org

ROB_PAIR, NIA_PAIR = "Mia Manager & Rob Report", "Mia Manager & Nia York"
MASTERS = r"^/users/[^/]+/events$"  # the masters read (and the tag search, none here)


def _days(settings: Any, tenant: SandboxTenant, first: int, last: int
          ) -> list[tuple[datetime, Any, int]]:
    """A run each morning from NOW + ``first`` days to NOW + ``last`` days: each run's
    instant, result and how many series-masters reads it made."""
    out = []
    for day in range(first, last + 1):
        now = NOW + timedelta(days=day)
        before = tenant.count("GET", MASTERS)
        result = _run(settings, tenant, now)
        assert result.failed_steps == [] and result.schedule.failed == [], now
        out.append((now, result, tenant.count("GET", MASTERS) - before))
    return out


def _patch_interval(tenant: SandboxTenant, organizer: str, event_id: str,
                    interval: int) -> None:
    """The organizer changes the whole series' pattern in Outlook (every ``interval`` weeks)."""
    master = next(e for e in tenant.events(organizer) if e["id"] == event_id)
    recurrence = {"pattern": {**master["recurrence"]["pattern"], "interval": interval},
                  "range": {"type": "noEnd",
                            "startDate": master["recurrence"]["range"]["startDate"]}}

    async def go() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            r = await c.patch(f"/users/{organizer}/events/{event_id}",
                              json={"recurrence": recurrence})
            assert r.status_code == 200, r.text

    asyncio.run(go())


@pytest.mark.parametrize("case", ["ends", "deleted"])
def test_a_pair_left_to_its_own_series_is_booked_once_it_is_over_or_gone(
        db_url: str, settings_for: Any, case: str, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rob organises his own weekly 1-2-1 with Mia (ending by 17 Dec, or with no end and
    deleted by him on 1 Dec); Mia's every-three-weeks one with Nia runs on. Both pairs are
    left. Mia's series are read once a week for both, and the morning after Rob's last
    meeting (or at the weekly look after he deleted it) his pair is booked; Nia's stays left."""
    tenant = org()
    rob_own = _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia",
                   end=date(2026, 12, 17) if case == "ends" else None)
    _own(tenant, MIA, [NIA], interval=3, subject="Nia / Mia")
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert sorted(line.split(":")[0] for line in first.schedule.own_series) == [
        NIA_PAIR, ROB_PAIR]

    runs = _days(settings, tenant, 1, 8)  # to Tue 1 Dec
    if case == "deleted":
        _delete(tenant, ROB, rob_own)
    runs += _days(settings, tenant, 9, 26)  # to Sat 19 Dec
    booked = [now for now, result, _reads in runs if ROB_PAIR in result.schedule.created]
    due = (datetime(2026, 12, 18, 8, 0, tzinfo=NOW.tzinfo) if case == "ends"
           else datetime(2026, 12, 7, 8, 0, tzinfo=NOW.tzinfo))
    assert booked == [due], f"Rob's pair booked on {booked}, not on {due}"
    assert _view(db_url, ROB).pairing.status == "active"
    assert _view(db_url, ROB).series is not None
    assert next(result for now, result, _ in runs if now == due).schedule.own_series_over == [
        f"{ROB_PAIR}: their own series is over or gone"]

    # One read of Mia's series a look (both pairs' at once, and the booking's too), weekly,
    # and on the morning Rob's series was over; no read on any other day (not even 4 Dec's,
    # when Ben leaves the new starters' window: his monthly follow-on was booked with him).
    reads = {now.date(): n for now, result, n in runs if n}
    assert all(r.schedule.created == [] for now, r, _ in runs if now.date() == date(2026, 12, 4))
    weekly = {date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)}
    assert reads == dict.fromkeys(weekly | {due.date()}, 1), reads

    # Nia's pair stays left to the series that runs on, with nothing booked beside it.
    nia = _view(db_url, NIA)
    assert nia.pairing.status == "own_series" and nia.series is None
    assert len(_masters_with(tenant, MIA, NIA)) == 1
    assert all(NIA_PAIR not in result.schedule.created for _n, result, _r in runs)

    # `onetoone status` says it waits for that series to end, and when it looks next.
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0, status.output
    assert "their own series" in status.output
    # (On 18 Dec the read for Rob's pair looked at Nia's too: her next look is a week on.)
    nia_next = "25 Dec 2026" if case == "ends" else "21 Dec 2026"
    assert f"looks again on {nia_next}" in " ".join(status.output.split())
    assert "books the pair once it is over or gone" in " ".join(status.output.split())


def test_the_managers_series_made_fortnightly_in_outlook_is_then_adopted(
        db_url: str, settings_for: Any) -> None:
    """Mia's every-three-weeks 1-2-1 with Rob is left alone; she changes it to fortnightly
    in Outlook, and the next weekly look adopts it as it stands (nothing booked beside it),
    with one read of her series for the look and the adoption both."""
    tenant = org()
    own_id = _own(tenant, MIA, [ROB], interval=3)
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert [line.split(":")[0] for line in first.schedule.own_series] == [ROB_PAIR]
    pairing = _view(db_url, ROB).pairing
    assert pairing.status == "own_series"

    runs = _days(settings, tenant, 1, 2)
    _patch_interval(tenant, MIA, own_id, 2)
    runs += _days(settings, tenant, 3, 10)
    adopted = [(now, n) for now, result, n in runs if ROB_PAIR in result.schedule.adopted]
    assert adopted == [(datetime(2026, 11, 30, 8, 0, tzinfo=NOW.tzinfo), 1)], adopted
    assert next(r for now, r, _ in runs if now == adopted[0][0]).schedule.own_series_over == [
        f"{ROB_PAIR}: their own series now repeats in a way onetoone follows"]
    assert all(ROB_PAIR not in result.schedule.created for _n, result, _r in runs)
    view = _view(db_url, ROB)
    assert view.pairing.status == "active"
    assert view.series is not None and view.series.event_id == own_id
    assert view.series.cadence == "fortnightly"
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]
    assert Store(make_engine(db_url)).live_series(pairing.id) is not None


def test_a_dry_run_says_the_pair_is_booked_again_and_changes_nothing(
        db_url: str, settings_for: Any) -> None:
    """At the weekly look after Rob deleted his own series, `schedule --dry-run` lists the
    booking the real run then makes (same slot), and leaves the pair waiting meanwhile."""
    tenant = org()
    rob_own = _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia")
    settings = settings_for(db_url)
    _run(settings, tenant, NOW)
    _delete(tenant, ROB, rob_own)
    look = NOW + timedelta(days=7)
    before = _view(db_url, ROB).pairing
    dry_report = dry_run(settings, tenant, look, dry_run=True).schedule
    assert ROB_PAIR in dry_report.created
    assert dry_report.own_series_over == [f"{ROB_PAIR}: their own series is over or gone"]
    assert _view(db_url, ROB).pairing == before  # nothing stored
    real = _run(settings, tenant, look).schedule
    assert ROB_PAIR in real.created
    assert sorted(dry_report.planned) == sorted(real.planned)


def test_a_refused_read_at_the_look_leaves_the_pair_waiting_and_is_tried_again(
        db_url: str, settings_for: Any) -> None:
    """Graph refuses the weekly read of Mia's series (403): the run goes on and says so,
    the pair stays as it was, and the next run reads again and books it."""
    tenant = org()
    rob_own = _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia")
    settings = settings_for(db_url)
    _run(settings, tenant, NOW)
    _delete(tenant, ROB, rob_own)
    mia = tenant.user(MIA)["id"]
    tenant.inject_fault("GET", rf"^/users/{mia}/events$", 403, times=1)
    look = NOW + timedelta(days=7)
    refused = _run(settings, tenant, look)
    assert refused.failed_steps == [] and refused.schedule.failed == []
    assert ROB_PAIR not in refused.schedule.created
    assert any(w.startswith("Mia Manager <mia@contoso.example>: their series could not be read")
               for w in refused.schedule.warnings), refused.schedule.warnings
    assert _view(db_url, ROB).pairing.status == "own_series"
    again = _run(settings, tenant, look + timedelta(minutes=15))
    assert ROB_PAIR in again.schedule.created
