"""A manager whose only report is a hire yet to start, counted as managing others by the
release before (her own 1-2-1 already fortnightly), stays so through the upgrade until that
report's first day: not flipped back to monthly (her meetings to come cancelled) and then
fortnightly again. Simulated: the release before's rule is the new one with nobody "yet to
start" (pairs_managing.yet_to_start patched to find none)."""

from __future__ import annotations

from datetime import date, timedelta

import service.jobs.pairs_managing as pm
from service.sandbox import SandboxTenant
from tests.integration.test_future_report_manager_cadence import CEO, IVY, JO, _pair
from tests.integration.test_schedule_job import NOW, run


def test_upgrade_does_not_flip_a_manager_already_recadenced(settings_for, tmp_path,
                                                            monkeypatch) -> None:
    db = f"sqlite:///{tmp_path / 'flip.db'}"
    settings = settings_for(db)
    t = SandboxTenant(seed="flip", now=lambda: NOW)
    t.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    t.add_user("Ivy Ic", IVY, manager=CEO, hire_date=date(2018, 1, 1))
    run(settings, t, NOW)
    assert _pair(db).cadence == "monthly"
    first_day = (NOW + timedelta(days=30)).date()
    t.add_user("Jo Joiner", JO, manager=IVY, hire_date=first_day)
    with monkeypatch.context() as m:  # the release before
        m.setattr(pm, "yet_to_start", lambda people, now: frozenset())
        run(settings, t, NOW + timedelta(days=1))
        assert _pair(db).cadence == "fortnightly"
    cancels_before = len(t.meeting_messages(IVY, "cancel"))
    # upgraded: the next syncs before Jo's first day
    for day in (2, 3):
        run(settings, t, NOW + timedelta(days=day))
    pairing = _pair(db)
    cancels_after = len(t.meeting_messages(IVY, "cancel"))
    assert (pairing.cadence, cancels_after) == ("fortnightly", cancels_before), (
        pairing.cadence, pairing.cadence_reason, cancels_before, cancels_after)
