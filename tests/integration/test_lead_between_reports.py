"""A team lead whose only report leaves (or moves away) is still a manager while the post is
vacant: their own 1-2-1 with their manager stays fortnightly for ``new_starter_days`` (90)
after the report went, so a replacement arriving meanwhile changes nothing, and only when
none has come by then is it re-cadenced to monthly, once, by the first run of that day
(orgs review: it flipped to monthly at once and back again two weeks later, each time
ending the series with a cancellation per meeting and a new invitation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import holds_meetings, run, series_in

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BEA, LEE, RON = "bea@contoso.example", "lee@contoso.example", "ron@contoso.example"
LEFT = NOW + timedelta(days=22)  # Ron's account is disabled: 2026-12-15
UNTIL = date(2027, 3, 15)  # 90 days after the day Ron went


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org() -> SandboxTenant:
    """Bea manages Lee, who manages Ron alone (all long in post)."""
    t = SandboxTenant(seed="lead-between", now=lambda: NOW)
    t.add_user("Bea Boss", BEA, hire_date=date(2019, 1, 1))
    t.add_user("Lee Lead", LEE, manager=BEA, hire_date=date(2019, 1, 1))
    t.add_user("Ron Report", RON, manager=LEE, hire_date=date(2019, 1, 1))
    return t


def _lees_pairing(settings):
    store = Store(make_engine(settings.database.url))
    (view,) = [v for v in store.views() if v.report.email == LEE]
    return view.pairing


def _lees_series(tenant: SandboxTenant, after: datetime = NOW) -> list[str]:
    """The pattern of each series of Bea and Lee in Bea's calendar with meetings to come
    after ``after``."""
    return [f'{s["recurrence"]["pattern"]["type"]}/{s["recurrence"]["pattern"]["interval"]}'
            for s in series_in(tenant, BEA)
            if "Lee Lead" in s["subject"] and holds_meetings(s, after)]


def _ron_goes(settings, tenant: SandboxTenant, how: str) -> None:
    run(settings, tenant, NOW)
    assert _lees_series(tenant) == ["weekly/2"]  # fortnightly: Lee manages Ron
    if how == "leaves":
        tenant.disable_user(RON)
    else:
        tenant.set_manager(tenant.user(RON), tenant.user(BEA))
    result = run(settings, tenant, LEFT)
    assert result.schedule.failed == []


@pytest.mark.parametrize("how", ["leaves", "moves away"])
def test_a_replacement_within_the_grace_changes_nothing(settings, how: str) -> None:
    """Ron leaves (or moves to Bea); Nia joins Lee's team two weeks later: Lee's own
    1-2-1 stays the fortnightly series it was, with no cancellation and no new invitation."""
    tenant = _org()
    _ron_goes(settings, tenant, how)
    pairing = _lees_pairing(settings)
    assert pairing.cadence == "fortnightly"
    assert pairing.cadence_reason == ("manages others (nobody has reported to them since "
                                      f"2026-12-15; kept until {UNTIL})")
    assert _lees_series(tenant) == ["weekly/2"]
    for days in (1, 7):
        run(settings, tenant, LEFT + timedelta(days=days))
    tenant.add_user("Nia New", "nia@contoso.example", manager=LEE, hire_date=date(2027, 1, 4))
    for days in (14, 15, 60):
        result = run(settings, tenant, LEFT + timedelta(days=days))
        assert result.schedule.failed == [], days
        assert not any("Lee Lead" in line for line in result.schedule.ended), days
    assert len(tenant.meeting_messages(LEE, "invite")) == 1
    assert _lees_series(tenant) == ["weekly/2"]
    assert _lees_pairing(settings).cadence_reason == "manages others"
    # Past the grace (Nia reports to Lee): still fortnightly, only extended as any series.
    result = run(settings, tenant, LEFT + timedelta(days=120))
    assert result.schedule.ended == []
    assert tenant.meeting_messages(LEE, "cancel") == []
    assert set(_lees_series(tenant)) == {"weekly/2"}


def test_with_no_replacement_it_turns_monthly_once_the_grace_is_over(settings) -> None:
    """Nobody replaces Ron: Lee's pair stays fortnightly to the day before UNTIL, and the
    first run on UNTIL (the pairs sync otherwise quiet: nothing changed in the directory)
    re-cadences it to monthly, once; a run killed between writing the people and the
    pairings does it on the next run. The fortnightly series booked before Ron went is
    kept to its end (no cancellation: deeporg review), its follow-on monthly."""
    tenant = _org()
    _ron_goes(settings, tenant, "leaves")
    for day in (LEFT + timedelta(days=7), datetime(2027, 3, 14, 23, 0, tzinfo=UTC)):
        result = run(settings, tenant, day)
        assert result.schedule.ended == [], day
    assert _lees_pairing(settings).cadence == "fortnightly"
    assert tenant.meeting_messages(LEE, "cancel") == []

    first = datetime(2027, 3, 15, 6, 0, tzinfo=UTC)
    killed = pytest.MonkeyPatch()
    killed.setattr(Store, "apply_pairings", _dies)
    try:
        result = run(settings, tenant, first)
    finally:
        killed.undo()
    assert any("killed" in line for line in result.failed_steps), result.failed_steps
    assert _lees_pairing(settings).cadence == "fortnightly"  # nothing of it written

    result = run(settings, tenant, first + timedelta(minutes=15))
    assert result.pairs.counts().get("recadence") == 1
    assert _lees_pairing(settings).cadence == "monthly"
    assert _lees_pairing(settings).cadence_reason == "default"
    assert result.schedule.ended == []
    # The fortnightly series runs to its end; its follow-on, booked the day before (when
    # it had to be: six months ahead), is monthly, as the change was known then.
    assert sorted(_lees_series(tenant, first + timedelta(days=1))) == [
        "relativeMonthly/1", "weekly/2"]
    again = run(settings, tenant, first + timedelta(hours=1))
    assert again.pairs.counts().get("recadence") is None
    assert again.schedule.ended == [] and again.schedule.created == []
    # One invitation for the series, one for the monthly follow-on; nothing cancelled.
    assert len(tenant.meeting_messages(LEE, "invite")) == 2
    assert tenant.meeting_messages(LEE, "cancel") == []


def _dies(*_args, **_kwargs):
    raise RuntimeError("killed")
