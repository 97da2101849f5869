"""A person who moves to another time zone (or changes their working hours) after their
series was booked. The series keeps its instant, so a London 10:30 became 05:30 for a report
now in New York, week after week: only the absence check followed the new zone. The hours
the absence check's getSchedule answers carry (no request of their own) are held against
the person's series: one now outside someone's hours is booked again once, at a time inside
both (meetings held and their notes kept, the report told by the new invite); one still
inside both stays put; one the manager chose in Outlook is flagged, not moved."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.hours_fit import HOURS_MOVED_WHY
from service.domain.status import SeriesStatus
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_absences import MIA, OLA, ROB, START, YAN, org, run_tick, settings_at

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _move(tenant, email: str, windows_zone: str) -> None:
    """``email`` now works 09:00-17:00 in ``windows_zone`` (as Outlook's settings say)."""
    settings = tenant.user(email)["mailboxSettings"]
    settings["timeZone"] = windows_zone
    settings["workingHours"]["timeZone"] = {"name": windows_zone}


def _series(store: Store, email: str):
    view = next(v for v in store.views() if v.report.email == email)
    return view, store.pairing_series(view.pairing.id)


def _ticks(settings, tenant, first: datetime, days: int) -> None:
    for step in range(days * 2):
        run_tick(settings, tenant, first + timedelta(hours=12 * step))


def test_a_report_moved_abroad_gets_a_time_inside_their_new_hours(tmp_path: Path,
                                                                   db_url: str) -> None:
    db = db_url
    tenant = org()
    settings = settings_at(tmp_path, db)
    _ticks(settings, tenant, START, 10)  # booked, and a meeting or so held
    store = Store(make_engine(db))
    _view, (old,) = _series(store, ROB)
    _view, (ola_before,) = _series(store, OLA)
    start = datetime.combine(old.first_date, time.fromisoformat(old.start_time), tzinfo=LONDON)
    assert start.astimezone(NEW_YORK).hour < 9  # a London morning: before dawn in New York
    # Rob moves to New York; Yan only starts an hour earlier (the slot still fits).
    _move(tenant, ROB, "Eastern Standard Time")
    tenant.user(YAN)["mailboxSettings"]["workingHours"]["startTime"] = "08:00:00.0000000"
    _view, (yan_before,) = _series(store, YAN)
    _ticks(settings, tenant, START + timedelta(days=10), 7)

    view, rob_series = _series(store, ROB)
    assert view.report.time_zone == "America/New_York"
    live = [s for s in rob_series if s.status == SeriesStatus.ACTIVE]
    assert len(live) == 1 and live[0].id != old.id, (
        f"Rob's series still at {old.start_time} London, {start.astimezone(NEW_YORK):%H:%M} "
        "in New York")
    assert next(s for s in rob_series if s.id == old.id).status == SeriesStatus.ENDED
    new = live[0]
    first = datetime.combine(new.first_date, time.fromisoformat(new.start_time),
                             tzinfo=ZoneInfo(new.time_zone))
    end = first + timedelta(minutes=new.minutes)
    assert first.astimezone(NEW_YORK).time() >= time(9, 0), new
    assert end.astimezone(LONDON).time() <= time(17, 0), new
    # The meetings held before stay as they were (with whatever was typed into them).
    held = [o for o in store.occurrences(old.id) if o.start < START + timedelta(days=10)]
    assert held and all(o.status not in ("withdrawn", "cancelled") for o in held), held
    # The report is told why by the new invite.
    body = tenant.person_body(MIA, new.event_id or "")
    assert "New time:" in body and "working hours that changed in Outlook" in body
    assert HOURS_MOVED_WHY.split(" (")[0] in body
    # The others stay put: Ola changed nothing, and Yan's slot still fits his hours.
    for email, before in ((OLA, ola_before), (YAN, yan_before)):
        _view, found = _series(store, email)
        assert [s.id for s in found] == [before.id], email
        assert found[0].start_time == before.start_time


def test_a_series_the_manager_chose_is_flagged_not_moved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'chosen.db'}"
    tenant = org()
    settings = settings_at(tmp_path, db)
    _ticks(settings, tenant, START, 3)
    store = Store(make_engine(db))
    _view, (old,) = _series(store, ROB)
    # As the occurrence sync records a series the manager re-timed in Outlook.
    store.update_series(old.id, START, slot_note="re-timed in Outlook by the manager, seen "
                        "2026-12-01", policy_cadence=old.cadence, policy_minutes=old.minutes)
    _move(tenant, ROB, "Eastern Standard Time")
    _ticks(settings, tenant, START + timedelta(days=3), 7)

    _view, found = _series(store, ROB)
    assert [s.id for s in found] == [old.id] and found[0].status == SeriesStatus.ACTIVE
    assert found[0].slot_note.startswith("re-timed in Outlook")
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db)
    out = CliRunner().invoke(cli, ["status", "--now", "2026-12-11T06:00:00Z"])
    assert out.exit_code == 0, out.output
    assert "outside someone's hours" in out.output, out.output
    assert "outside the working hours of Rob Report" in out.output, out.output

