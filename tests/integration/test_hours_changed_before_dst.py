"""Working hours or a zone that changed in Outlook months before the next clock change. A
report moves from London to India in May: their Thursday 11:30 London 1-2-1 is 16:00 IST all
summer, inside their new 09:00-17:00, but 17:00-17:30 IST from 26 October, when the UK clocks
go back, until March. Held against the new hours for 13 weeks only, the series was kept, and
met outside the report's hours all winter, with no flag; it is held against them for the
year a booking looks at, as a new series is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.model import CadenceKind
from service.domain.series import occurrences
from service.domain.status import SeriesStatus
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.conftest import make_settings
from tests.integration.test_schedule_job import run

MIA, ROB = "mia@contoso.example", "rob@contoso.example"
BOOKED = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
IST, LONDON = ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London")
YEAR = timedelta(days=365)


def _booked(tmp_path: Path, db: str):
    """(settings, tenant, store, series): Mia and Rob in London, a weekly 1-2-1 booked at
    11:30 London (the policy window narrowed to 11:30-12:30 to pin the time), then Rob's
    Outlook set to India Standard Time, 09:00-17:00."""
    tenant = SandboxTenant(seed="beforedst", now=lambda: BOOKED)
    mia = tenant.add_user("Mia Boss", MIA, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 1, 1))
    settings = make_settings(tmp_path, db, default_cadence=CadenceKind.WEEKLY,
                             window_start=time(11, 30), window_end=time(12, 30))
    run(settings, tenant, BOOKED)
    store = Store(make_engine(db))
    (view,) = store.views()
    (series,) = store.pairing_series(view.pairing.id)
    assert series.start_time == "11:30" and series.time_zone == "Europe/London"
    mailbox = tenant.user(ROB)["mailboxSettings"]
    mailbox["timeZone"] = "India Standard Time"
    mailbox["workingHours"]["timeZone"] = {"name": "India Standard Time"}
    return settings, tenant, store, series


def _ist_ends(series, start: datetime, end: datetime) -> list[time]:
    return [e.astimezone(IST).time() for _s, e in occurrences(series, start, end,
                                                               open_ended=True)]


def _ticks(settings, tenant, first: datetime, days: int) -> None:
    for step in range(days * 2):
        run(settings, tenant, first + timedelta(hours=12 * step))


def test_a_time_inside_the_new_hours_until_the_clocks_change_is_booked_again(
        tmp_path: Path, db_url: str) -> None:
    """The series is ended and booked again at a time inside both people's hours the year
    round: London 09:00-11:30 is 13:30-17:00 IST in winter and 14:30-17:00 in summer."""
    settings, tenant, store, old = _booked(tmp_path, db_url)
    changed = BOOKED + timedelta(hours=12)
    # Inside Rob's new hours for the coming 13 weeks, outside them from 26 October.
    assert max(_ist_ends(old, changed, changed + timedelta(weeks=13))) <= time(17, 0)
    assert time(17, 30) in _ist_ends(old, changed, changed + YEAR)
    _ticks(settings, tenant, changed, 7)

    (view,) = store.views()
    assert view.report.time_zone == "Asia/Kolkata"
    series = store.pairing_series(view.pairing.id)
    live = [s for s in series if s.status == SeriesStatus.ACTIVE]
    assert len(live) == 1 and live[0].id != old.id, (
        "the series was kept at 11:30 London, 17:00-17:30 IST every week of the winter")
    assert next(s for s in series if s.id == old.id).status == SeriesStatus.ENDED
    later = changed + timedelta(days=7)
    for start, end in occurrences(live[0], later, later + YEAR, open_ended=True):
        for zone in (IST, LONDON):
            s, e = start.astimezone(zone), end.astimezone(zone)
            assert time(9, 0) <= s.time() and e.time() <= time(17, 0), (start, live[0])
    body = tenant.person_body(MIA, live[0].event_id or "")
    assert "working hours that changed in Outlook" in body


def test_a_time_the_manager_chose_is_flagged_when_it_leaves_the_hours_in_winter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A series the manager re-timed in Outlook is not moved, but `status` says whose hours
    it leaves, though its next 13 weeks are inside them."""
    db = f"sqlite:///{tmp_path / 'chosen.db'}"
    settings, tenant, store, old = _booked(tmp_path, db)
    # As the occurrence sync records a series the manager re-timed in Outlook.
    store.update_series(old.id, BOOKED, slot_note="re-timed in Outlook by the manager, seen "
                        "2026-05-01", policy_cadence=old.cadence, policy_minutes=old.minutes)
    _ticks(settings, tenant, BOOKED + timedelta(hours=12), 7)

    (found,) = store.pairing_series(old.pairing_id)
    assert found.id == old.id and found.status == SeriesStatus.ACTIVE
    assert "Outside the working hours of Rob Report" in found.slot_note, found.slot_note
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db)
    out = CliRunner().invoke(cli, ["status", "--now", "2026-05-09T06:00:00Z"])
    assert out.exit_code == 0, out.output
    assert "outside someone's hours" in out.output, out.output
    assert "outside the working hours of Rob Report" in out.output, out.output
