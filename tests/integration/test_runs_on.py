"""A pair's own weekly 1-2-1 with no end date in Outlook, adopted, outlives the pair: onetoone
cannot end it without changing its recurrence (which drops what was typed into its
meetings), so it cancels its meetings a stretch at a time, always at least months_ahead
ahead, and asks the manager once, by mail from her own mailbox, to end it in Outlook. Before,
only the next year's meetings were cancelled, and a year on they were back in both
calendars, weekly, for good (review "year", finding 2)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant, SandboxTransport
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_adoption_search import BASE, Crash, _run
from tests.integration.test_own_series import _own
from tests.integration.test_schedule_job import NOW, org

MIA, ROB, MAX = "mia@contoso.example", "rob@contoso.example", "max@contoso.example"
SIX_MONTHS = timedelta(days=183)  # [policy] months_ahead, the default
NOTICE = "Please end your old 1-2-1 series with Rob Report in Outlook"


def _masters(tenant: SandboxTenant, mailbox: str, uid: str) -> list[dict[str, Any]]:
    return [e for e in tenant.events(mailbox)
            if e.get("type") == "seriesMaster" and e.get("iCalUId") == uid]


def _coming(tenant: SandboxTenant, mailbox: str, uid: str, start: datetime,
            end: datetime) -> list[str]:
    """The meetings of the series (by iCalUId) in ``mailbox`` between two instants that are
    not cancelled: what Outlook shows there."""
    return [o["originalStart"] for m in _masters(tenant, mailbox, uid)
            for o in sandbox_occurrences(m, start, end) if not o.get("isCancelled")]


def _outlook(tenant: SandboxTenant, method: str, path: str, body: Any = None) -> None:
    """What the manager does in Outlook, sent as Outlook sends it."""
    async def go() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            r = await c.request(method, path, json=body)
            assert r.status_code < 300, r.text

    asyncio.run(go())


def _notices(tenant: SandboxTenant) -> list[dict[str, Any]]:
    return [m for m in tenant.messages(MIA, "sentitems") if m["subject"] == NOTICE]


def _ended(settings: Any, tenant: SandboxTenant) -> tuple[str, str, datetime, list[str]]:
    """Mia's own weekly series with Rob (no end date) adopted and met on, then Rob moves to
    Max: the series' id and iCalUId, when the move was read, and that run's warnings."""
    own_id = _own(tenant, MIA, [ROB], interval=1)
    for step in range(4):
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.schedule.failed == []
    uid = next(e["iCalUId"] for e in tenant.events(MIA) if e["id"] == own_id)
    tenant.set_manager(ROB, MAX)
    moved = NOW + timedelta(days=3)
    result = _run(settings, tenant, moved)
    assert result.failed_steps == [] and result.schedule.failed == []
    return own_id, uid, moved, result.schedule.warnings


def test_an_adopted_series_with_no_end_stays_cancelled_ahead_after_the_pair_ends(
        db_url: str, settings_for: Any, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the 14 months after Rob moves, no meeting of the old series shows within six
    months ahead in Mia's or Rob's calendar; each is cancelled once, a quarter's at a time
    after the first nine months; Mia is mailed once; `onetoone status` lists it."""
    tenant = org()
    settings = settings_for(db_url)
    _own_id, uid, moved, warnings = _ended(settings, tenant)
    results, at = [], moved
    while at < moved + timedelta(days=430):
        at += timedelta(days=7)
        results.append(_run(settings, tenant, at))
        assert results[-1].failed_steps == [] and results[-1].schedule.failed == []
        for mailbox in (MIA, ROB):
            assert _coming(tenant, mailbox, uid, at, at + SIX_MONTHS) == [], (mailbox, at)
    assert any(w.startswith("Mia Manager & Rob Report: the 1-2-1 series has no end date")
               and "until Mia Manager ends the series in Outlook" in w for w in warnings)
    # A stretch a quarter: about 13 weekly meetings each, never the year at once.
    stretches = [line for r in results for line in r.schedule.runs_on]
    assert len(stretches) in (4, 5), stretches
    assert all("Mia Manager & Rob Report" in line and "cancelled" in line
               for line in stretches)
    cancels = [m["startDateTime"]["dateTime"] for m in tenant.meeting_messages(ROB, "cancel")
               if "Rob / Mia catch-up" in m["subject"]]
    assert len(cancels) == len(set(cancels)) > 39 + 3 * 12  # each meeting once
    (notice,) = _notices(tenant)
    text = notice["body"]["content"]
    assert "no end date" in text and "end today or earlier" in text
    assert "Rob Report (moved to Max Lead)" in text and "Thursdays at 14:00" in text

    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    status = CliRunner().invoke(cli, ["status", "--now", at.isoformat()])
    assert status.exit_code == 0, status.output
    assert "no end date in Outlook" in status.output
    assert "every week, Thursdays at 14:00" in status.output and "asked by mail on" in status.output


@pytest.mark.parametrize("how", ["end_date", "deleted"])
def test_once_the_manager_ends_it_in_outlook_it_is_let_go(
        db_url: str, settings_for: Any, how: str) -> None:
    """Mia sets the series to end today, as the mail asks (or deletes it): the next stretch
    finds nothing to cancel and the series is let go; nothing reads it again."""
    tenant = org()
    settings = settings_for(db_url)
    own_id, uid, moved, _warnings = _ended(settings, tenant)
    ends = moved + timedelta(days=20)
    tenant.now = lambda: ends
    if how == "deleted":
        _outlook(tenant, "DELETE", f"/users/{MIA}/events/{own_id}")
    else:
        master = next(e for e in tenant.events(MIA) if e["id"] == own_id)
        rng = {**master["recurrence"]["range"], "type": "endDate",
               "endDate": ends.date().isoformat()}
        _outlook(tenant, "PATCH", f"/users/{MIA}/events/{own_id}",
                 {"recurrence": {"pattern": master["recurrence"]["pattern"], "range": rng}})
    at, let_go = ends, []
    while at < moved + timedelta(days=200):
        at += timedelta(days=14)
        result = _run(settings, tenant, at)
        assert result.failed_steps == [] and result.schedule.failed == []
        let_go += result.schedule.runs_on
    assert len(let_go) == 1 and "no more of its meetings to cancel" in let_go[0], let_go
    assert ("deleted in Outlook" if how == "deleted" else "ended in Outlook") in let_go[0]
    store = Store(make_engine(db_url))
    assert store.running_on() == []
    before = len(tenant.requests)
    _run(settings, tenant, moved + timedelta(days=400))
    assert not [p for _m, p, _ in tenant.requests[before:] if own_id in p]
    assert _coming(tenant, MIA, uid, at, at + timedelta(days=800)) == []
    assert len(_notices(tenant)) == 1


def test_a_run_killed_after_its_cancels_neither_cancels_twice_nor_mails_twice(
        db_url: str, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed after the cancels went out and before how far was stored, as the series ended
    and again at its next stretch: the rerun cancels none again, takes the stretch done for
    cancelled (not for the series ended in Outlook), and mails Mia once."""
    tenant = org()
    settings = settings_for(db_url)
    own_id = _own(tenant, MIA, [ROB], interval=1)
    for step in range(2):
        assert _run(settings, tenant, NOW + timedelta(hours=12 * step)).failed_steps == []
    uid = next(e["iCalUId"] for e in tenant.events(MIA) if e["id"] == own_id)
    tenant.set_manager(ROB, MAX)
    real = Store.cancelled_further

    def dying(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise Crash

    moved = NOW + timedelta(days=3)
    for at in (moved, moved + timedelta(days=100)):
        monkeypatch.setattr(Store, "cancelled_further", dying)
        with pytest.raises(Crash):
            _run(settings, tenant, at)
        monkeypatch.setattr(Store, "cancelled_further", real)
        again = _run(settings, tenant, at + timedelta(minutes=15))
        assert again.failed_steps == [] and again.schedule.failed == []
        assert _coming(tenant, MIA, uid, at, at + timedelta(days=270)) == []
    (series,) = Store(make_engine(db_url)).running_on()
    assert series.cancelled_to is not None and series.cancelled_to >= date(2027, 11, 1)
    cancels = [m["startDateTime"]["dateTime"] for m in tenant.meeting_messages(ROB, "cancel")
               if "Rob / Mia catch-up" in m["subject"]]
    assert len(cancels) == len(set(cancels))
    for later in range(1, 4):
        assert _run(settings, tenant, moved + timedelta(days=100 + later)).failed_steps == []
    assert len(_notices(tenant)) == 1


def test_series_ended_before_the_upgrade_are_each_looked_at_once(
        db_url: str, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As migration 0030 leaves them: every ended series due from the day it ended. Rob's
    own series with no end date (which an earlier version ended without a trace) is found
    running on: kept, its manager mailed; Nia's, booked by onetoone with an end date, is let
    go at the first look, with no mail, and never read again."""
    tenant = org()
    settings = settings_for(db_url)
    _own(tenant, MIA, [ROB], interval=1)
    for step in range(2):
        assert _run(settings, tenant, NOW + timedelta(hours=12 * step)).failed_steps == []
    tenant.set_manager(ROB, MAX)
    tenant.set_manager("nia@contoso.example", MAX)
    moved = NOW + timedelta(days=3)
    monkeypatch.setattr(Store, "cancelled_further", lambda *_a, **_k: False)  # (kept none)
    assert _run(settings, tenant, moved).failed_steps == []
    monkeypatch.undo()
    store = Store(make_engine(db_url))
    ended = [s for v in store.views(["ended"]) for s in store.pairing_series(v.pairing.id)
             if s.status == "ended"]
    assert len(ended) == 2 and not _notices(tenant)
    for series in ended:  # what the migration does
        assert series.ended_at is not None
        store.cancelled_further(series.id, moved, series.ended_at.date())
    first = _run(settings, tenant, moved + timedelta(days=1))
    assert first.failed_steps == [] and first.schedule.failed == []
    assert sorted(line.split(":")[0] for line in first.schedule.runs_on) == [
        "Mia Manager & Nia York", "Mia Manager & Rob Report"]
    (robs,) = store.running_on()
    assert store.view_of_pairing(robs.pairing_id).report.email == ROB  # type: ignore[union-attr]
    assert len(_notices(tenant)) == 1 and not [
        m for m in tenant.messages(MIA, "sentitems") if "Nia York" in m["subject"]]
    later = _run(settings, tenant, moved + timedelta(days=2))
    assert later.schedule.runs_on == [] and len(_notices(tenant)) == 1
