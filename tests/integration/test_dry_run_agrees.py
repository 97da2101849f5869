"""`schedule --dry-run` reports what the real run then does, scenario by scenario
(rollout, joiner, mover, leaver, a cadence change), and a cadence change leaves no gap."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest

import service.jobs.series_create as series_create
from service.app import job_context
from service.errors import ServiceError
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, no_sleep, org


def _run(settings, tenant: SandboxTenant, now: datetime, *, dry_run: bool):
    tenant.now = lambda: now

    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now, dry_run=dry_run)

    return asyncio.run(go())


def _labels(lines: list[str]) -> list[str]:
    return sorted(line.split(":")[0] for line in lines)


def _agree(settings, tenant: SandboxTenant, now: datetime):
    """Dry run, then the real run at the same instant: same creations, same slots, same
    endings. Returns the real run's report."""
    def writes() -> int:
        return (tenant.count("POST", r"/events$") + tenant.count("PATCH")
                + tenant.count("DELETE") + tenant.count("POST", r"/(cancel|sendMail)$"))

    before = writes()
    dry = _run(settings, tenant, now, dry_run=True).schedule
    assert writes() == before, "a dry run changed a calendar"
    real = _run(settings, tenant, now, dry_run=False).schedule
    assert sorted(dry.created) == sorted(real.created)
    assert sorted(dry.planned) == sorted(real.planned)
    assert _labels(dry.ended) == _labels(real.ended)
    # The same follow-ons (a series the dry run only plans has no id yet to name).
    assert sorted(x.split(" to ", 1)[1] for x in dry.extended) == sorted(
        x.split(" to ", 1)[1] for x in real.extended)
    return real


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_dry_run_agrees_on_rollout_joiner_mover_leaver_and_recadence(settings) -> None:
    """Across a rollout, a joiner, a mover, a leaver and a new starter passing 90 days, each
    dry run lists exactly the series and slots the real run then creates and ends."""
    tenant = org()
    first = _agree(settings, tenant, NOW)
    assert len(first.created) == 6
    # A joiner, a mover (Rob now reports to Max) and a leaver (Nia disabled).
    tenant.add_user("Jo Joiner", "jo@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2024, 1, 1))
    tenant.set_manager("rob@contoso.example", "max@contoso.example")
    tenant.disable_user("nia@contoso.example")
    second = _agree(settings, tenant, NOW + timedelta(days=1))
    assert "Mia Manager & Jo Joiner" in second.created
    assert "Max Lead & Rob Report" in second.created
    assert {"Mia Manager & Rob Report", "Mia Manager & Nia York"} <= set(
        _labels(second.ended))
    # Jo gets a report: monthly becomes fortnightly. (Ben, hired 2026-09-04, passes 90
    # days by then: planned when he was booked, so his series change without an end.)
    tenant.add_user("Kit Kid", "kit@contoso.example", manager="jo@contoso.example",
                    hire_date=date(2024, 1, 1))
    third = _agree(settings, tenant, NOW + timedelta(days=20))
    assert "Mia Manager & Jo Joiner" in _labels(third.ended)
    assert "Mia Manager & Jo Joiner" in third.created
    assert "Mia Manager & Ben New" not in _labels(third.ended) + third.created


def test_cadence_change_leaves_no_gap_and_keeps_history(settings) -> None:
    """A report who comes to manage others turns fortnightly: the fortnightly series' first
    meeting is within a fortnight of the last monthly one held, and the monthly series'
    stored history is untouched. (A change to a rarer cadence keeps the series it meets on:
    test_step_down.)"""
    tenant = org()
    _run(settings, tenant, NOW, dry_run=False)
    for days in range(1, 12, 2):  # mirrored as the days pass
        _run(settings, tenant, NOW + timedelta(days=days), dry_run=False)
    store = Store(make_engine(settings.database.url))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    old = rob.series
    assert old is not None and old.cadence == "monthly"
    before = [(o.id, o.status, o.start) for o in store.occurrences(old.id)]
    tenant.set_manager("zed@contoso.example", "rob@contoso.example")
    later = NOW + timedelta(days=12)
    _run(settings, tenant, later, dry_run=False)
    held = [o for o in store.occurrences(old.id) if o.end <= later
            and o.status not in ("cancelled", "declined")]
    assert held, "the monthly series met before the change"
    last = max(o.start for o in held)
    new = store.live_series(rob.pairing.id)
    assert new is not None and new.cadence == "fortnightly" and new.id != old.id
    assert new.first_date <= (last + timedelta(days=14)).date()
    after = {o.id: (o.id, o.status, o.start) for o in store.occurrences(old.id)}
    for row in before:
        # What had happened by the last run before the change stays recorded as it was (a
        # meeting held since is read back, as any other).
        if row[2] <= NOW + timedelta(days=11):
            assert after[row[0]] == row


def test_a_cadence_change_with_no_time_by_its_deadline_is_booked_later(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline for the new series' first meeting is a preference: when no time before
    it suits both people (their few shared days all fall after it), the pair is booked at
    the best later time with a note, not refused (its old series has ended)."""
    real = series_create.choose_slot

    def nothing_by_the_deadline(**given):
        if given.get("first_by") is not None:
            raise ServiceError("No weekday suits this 1-2-1 before the deadline.")
        return real(**given)

    monkeypatch.setattr(series_create, "choose_slot", nothing_by_the_deadline)
    tenant = org()
    # Rob, monthly, turns fortnightly when Zed comes to report to him after they met.
    for days in (0, 1, 3, 5, 7, 9, 12):
        if days == 12:
            tenant.set_manager("zed@contoso.example", "rob@contoso.example")
        result = _run(settings, tenant, NOW + timedelta(days=days), dry_run=False)
        assert not result.schedule.failed
    # Where an admin sees it: the run's "needs a look" list.
    assert [line for line in result.schedule.needs_a_look
            if line.startswith("Mia Manager & Rob Report") and "one interval after" in line]
    store = Store(make_engine(settings.database.url))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    new = store.live_series(rob.pairing.id)
    assert new is not None and new.cadence == "fortnightly"
    assert "later than one interval after the last one" in new.slot_note
