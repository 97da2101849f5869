"""A series booked at a compromise time is said where an admin looks, with the true reason.

Before: the time was booked silently (the reason only in ``series.slot_note``), a full day
was papered over by booking before or after work, and that was called "working hours don't
overlap". Now: ``schedule``/``tick`` list it under "needs a look" (pair, time, why), the
worker logs ``schedule.slot_compromise`` (pairing key and reason codes, no names), and a day
full of other 1-2-1s is refused with the documented error instead of leaving working hours.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.app import job_context
from service.cli.output import print_schedule
from service.graph.wire import parse_graph_datetime
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from tests.cli_env import cli_env

NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # a Monday
LONG_AGO = date(2020, 1, 1)
LONDON = ZoneInfo("Europe/London")


async def _no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def _tick(settings, tenant: SandboxTenant, *, dry_run: bool = False):
    async def go():
        async with job_context(settings, NOW, sandbox=tenant,
                               graph_options={"sleep": _no_sleep}) as ctx:
            return await tick(ctx, NOW, dry_run=dry_run)

    return asyncio.run(go())


def _compromise_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "schedule.slot_compromise"]


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def sydney_and_london() -> SandboxTenant:
    """Sam (Sydney) manages Lou (London): 09:00-17:00 each, no hour in common."""
    t = SandboxTenant(seed="fallback-visible", now=lambda: NOW)
    sam = t.add_user("Sam Sydney", "sam@contoso.example",
                     time_zone="AUS Eastern Standard Time", hire_date=LONG_AGO)
    t.add_user("Lou London", "lou@contoso.example", manager=sam, hire_date=LONG_AGO)
    return t


def test_no_common_hours_is_booked_and_reported_where_an_admin_looks(
        settings, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """The pair still gets a series (no setting could do better), and the run says so: the
    pair, the time for both people, and the reason; a WARNING log without names."""
    caplog.set_level(logging.INFO)
    result = _tick(settings, sydney_and_london())
    assert result.schedule.created == ["Sam Sydney & Lou London"]
    assert result.schedule.failed == []
    [line] = result.schedule.needs_a_look
    assert line.startswith("Sam Sydney & Lou London: once a month, ")
    assert "Australia/Sydney" in line and "Europe/London for the report" in line
    assert "outside working hours: the working hours don't overlap" in line
    assert "agree a time" in line
    [record] = _compromise_logs(caplog)
    assert record.levelno == logging.WARNING
    assert record.reasons == "outside_working_hours"  # type: ignore[attr-defined]
    assert record.pairing.startswith("p-")  # type: ignore[attr-defined]
    assert "Sam" not in str(record.__dict__) and "Lou" not in str(record.__dict__)

    print_schedule(result.schedule, dry_run=False)
    out = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert "needs a look (booked at a compromise time): Sam Sydney & Lou London" in out
    assert "don't overlap" in out


def test_dry_run_lists_the_same_compromise(settings) -> None:
    """`schedule --dry-run` warns before anything is booked, with the same line."""
    tenant = sydney_and_london()
    dry = _tick(settings, tenant, dry_run=True)
    real = _tick(settings, tenant)
    assert dry.schedule.needs_a_look == real.schedule.needs_a_look
    assert len(real.schedule.needs_a_look) == 1


def short_mondays(reports: int) -> SandboxTenant:
    """One manager working 09:00-11:00 with ``reports`` weekly new starters (09:00-17:00)."""
    t = SandboxTenant(seed="full-day", now=lambda: NOW)
    max_ = t.add_user("Max Manager", "max@contoso.example", hire_date=LONG_AGO,
                      working_hours={"startTime": "09:00:00.0000000",
                                     "endTime": "11:00:00.0000000"})
    for i in range(1, reports + 1):
        t.add_user(f"New R{i}", f"r{i}@contoso.example", manager=max_,
                   hire_date=NOW.date() - timedelta(days=7))
    return t


def test_a_full_day_is_refused_not_booked_outside_working_hours(
        db_url, settings_for, caplog: pytest.LogCaptureFixture) -> None:
    """Mondays only, window 09:30-10:30, the manager's day 09:00-11:00: two weekly 1-2-1s
    fit the window, two more the working hours (reported: outside the window because other
    1-2-1s fill it), and the fifth is refused with what to change. Nothing is booked before
    or after work, and nothing claims the working hours don't overlap."""
    caplog.set_level(logging.INFO)
    cfg = settings_for(db_url, weekdays=("monday",), window_start=time(9, 30),
                       window_end=time(10, 30))
    tenant = short_mondays(5)
    result = _tick(cfg, tenant)
    assert len(result.schedule.created) == 4
    [failed] = result.schedule.failed
    # Whose time is full (the manager's: the new starters have no other 1-2-1s), and the
    # weekdays both work that the policy (Mondays) leaves out.
    assert failed.startswith("Max Manager & New R") and (
        ": The manager's other 1-2-1s (as manager or as report) fill every time inside both "
        "people's working hours") in failed, failed
    assert "never booked outside working hours" in failed
    assert failed.endswith("Reduce the number or length of the manager's other 1-2-1s, or "
                           "allow Tue–Fri in the slot policy's weekdays (both people work "
                           "then)."), failed
    starts = []
    for e in tenant.events("max@contoso.example"):
        # (Each new starter's weekly series; its follow-on, monthly from when their weeks
        # end, is on the same slot.)
        if e.get("type") == "seriesMaster" and e["recurrence"]["pattern"]["type"] == "weekly":
            starts.append(parse_graph_datetime(e["start"]).astimezone(LONDON).time())
    assert len(starts) == 4
    assert all(time(9) <= s and s <= time(10, 30) for s in starts), starts
    looks = result.schedule.needs_a_look
    assert len(looks) == 2
    for line in looks:
        assert "outside the policy window 09:30–10:30" in line
        assert "other 1-2-1s of the manager or the report already fill" in line
        assert "don't overlap" not in line
    assert sorted(r.reasons for r in _compromise_logs(caplog)) == [  # type: ignore[attr-defined]
        "outside_window", "outside_window"]


def test_time_over_an_all_day_block_is_reported(settings) -> None:
    """A manager blocked all day every day for weeks: the series is booked (busy time is
    soft), and the run says its meetings fall on busy time."""
    t = SandboxTenant(seed="blocked", now=lambda: NOW)
    bee = t.add_user("Busy Bee", "bee@contoso.example", hire_date=LONG_AGO)
    t.add_user("Rae One", "rae@contoso.example", manager=bee, hire_date=LONG_AGO)
    first = NOW.date()
    t.add_event(bee, "Blocked", datetime.combine(first, time(0), tzinfo=LONDON),
                datetime.combine(first + timedelta(days=1), time(0), tzinfo=LONDON),
                recurrence={"pattern": {"type": "daily", "interval": 1},
                            "range": {"type": "endDate", "startDate": first.isoformat(),
                                      "endDate": (first + timedelta(weeks=10)).isoformat()}})
    result = _tick(settings, t)
    assert result.schedule.created == ["Busy Bee & Rae One"]
    [line] = result.schedule.needs_a_look
    assert "over time already busy in one of the two calendars" in line
    assert "outside" not in line  # still inside the window and both working hours


def test_a_good_time_needs_no_look(settings, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing is listed or logged for a time that keeps every rule."""
    caplog.set_level(logging.INFO)
    t = SandboxTenant(seed="fine", now=lambda: NOW)
    ann = t.add_user("Ann Lead", "ann@contoso.example", hire_date=LONG_AGO)
    t.add_user("Bo Report", "bo@contoso.example", manager=ann, hire_date=LONG_AGO)
    result = _tick(settings, t)
    assert result.schedule.created == ["Ann Lead & Bo Report"]
    assert result.schedule.needs_a_look == [] and _compromise_logs(caplog) == []


def test_status_keeps_flagging_a_compromise_time(db_url, settings_for,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule run says it once; `status` says it every time, with the reason, until
    the series is moved."""

    from click.testing import CliRunner

    from service.cli import cli

    _tick(settings_for(db_url), sydney_and_london())
    cli_env(monkeypatch, None, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["status", "--now", NOW.isoformat()],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "compromise time" in out
    assert ("Sam Sydney & Lou London <lou@contoso.example>: booked at a compromise time: "
            "outside working hours: the working hours don't overlap") in out


def test_a_new_starters_compromise_time_stays_flagged_on_both_series(
        db_url, settings_for, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new starter's weekly series ends when their weeks do, its monthly follow-on booked
    on the same time at once. `status` read the note of the follow-on (the pair's series as
    stored), so the weekly one's compromise, which holds the meetings for months, went
    unflagged; and the follow-on, which keeps that time, carries its compromise (not the
    booking's own notes), so it stays flagged once the weekly series is over."""
    from click.testing import CliRunner

    from service.cli import cli
    from service.store.db import make_engine
    from service.store.repo import Store

    t = SandboxTenant(seed="fallback-new-starter", now=lambda: NOW)
    sam = t.add_user("Sam Sydney", "sam@contoso.example",
                     time_zone="AUS Eastern Standard Time", hire_date=LONG_AGO)
    t.add_user("Lou London", "lou@contoso.example", manager=sam,
               hire_date=NOW.date() - timedelta(days=10))
    result = _tick(settings_for(db_url), t)
    assert result.schedule.created == ["Sam Sydney & Lou London"], result.schedule
    series = sorted(Store(make_engine(db_url)).pairing_series(
        Store(make_engine(db_url)).views()[0].pairing.id), key=lambda s: s.id)
    assert [s.cadence for s in series] == ["weekly", "monthly"], series
    weekly, monthly = series
    assert monthly.slot_note.startswith(f"follows on from series {weekly.id}; ")
    assert "don't overlap" in monthly.slot_note
    cli_env(monkeypatch, None, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    for at in (NOW, datetime.combine(weekly.range_end + timedelta(days=1), time(9),
                                     tzinfo=UTC)):
        shown = CliRunner().invoke(cli, ["status", "--now", at.isoformat()],
                                   catch_exceptions=False)
        out = " ".join(shown.output.split())
        assert ("Sam Sydney & Lou London <lou@contoso.example>: booked at a compromise time: "
                "outside working hours: the working hours don't overlap") in out, (at, out)
        assert out.count("the working hours don't overlap") == 1, out
    # A compromise the follow-on does not carry (one of the booking's, or a follow-on booked
    # before it carried any) is still said while the weekly series holds the meetings.
    Store(make_engine(db_url)).update_series(monthly.id, NOW,
                                             slot_note=f"follows on from series {weekly.id}")
    out = " ".join(CliRunner().invoke(cli, ["status", "--now", NOW.isoformat()],
                                      catch_exceptions=False).output.split())
    assert "booked at a compromise time: outside working hours" in out, out
