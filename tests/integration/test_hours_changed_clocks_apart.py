"""Working hours that changed in Outlook in the weeks the US and UK clocks change on
different dates. A London manager and a New York report whose days meet only while New York
is four hours behind (not five) share no time the rest of the year: their 1-2-1 is booked
at a compromise, and when one of them changes their hours in those weeks (no better time
either way) it stays, flagged as it was. Judged on the coming week alone, the hours looked
as if they met: the series was ended, each meeting to come cancelled, and booked again at
another compromise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.model import CadenceKind
from service.domain.slot_text import compromises
from service.domain.status import SeriesStatus
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_schedule_job import run

MIA, NIA = "mia@contoso.example", "nia@contoso.example"
BOOKED = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # London and New York five hours apart
CHANGED = datetime(2027, 3, 16, 6, 0, tzinfo=UTC)  # four: the US changed on 14 March


def test_a_compromise_stays_when_hours_change_while_the_clocks_are_apart(tmp_path,
                                                                         db_url) -> None:
    tenant = SandboxTenant(seed="clocks", now=lambda: BOOKED)
    mia = tenant.add_user("Mia Boss", MIA, hire_date=date(2020, 1, 1))
    # New York from noon: London's 17:00 the year round but for those weeks.
    tenant.add_user("Nia Report", NIA, manager=mia, hire_date=date(2021, 1, 1),
                    time_zone="Eastern Standard Time",
                    working_hours={"startTime": "12:00:00.0000000"})
    settings = make_settings(tmp_path, db_url, default_cadence=CadenceKind.WEEKLY)
    run(settings, tenant, BOOKED)
    store = Store(make_engine(db_url))
    (view,) = store.views()
    booked = store.live_series(view.pairing.id)
    assert booked is not None
    assert any(c.code == "outside_working_hours" for c in compromises(booked.slot_note))
    # Nia's day now ends at 18:00: still no time in common but in those weeks.
    tenant.user(NIA)["mailboxSettings"]["workingHours"]["endTime"] = "18:00:00.0000000"
    for step in range(8):
        result = run(settings, tenant, CHANGED + timedelta(hours=12 * step))
        assert result.schedule.ended == [] and result.schedule.created == [], step
    assert tenant.meeting_messages(NIA, "cancel") == []
    series = store.pairing_series(view.pairing.id)
    assert [(s.id, s.status) for s in series] == [(booked.id, SeriesStatus.ACTIVE)]
    # (The change was seen: the stored hours are Nia's new ones.)
    (view,) = store.views()
    assert str(view.report.working_end).startswith("18:00")
