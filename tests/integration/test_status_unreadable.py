"""A manager's mailbox blocked after their 1-2-1s were booked: the worker backs off from
listing the series (its log lines thin out to a few a day), so `onetoone status` is where an
admin sees which pairs get no agendas, since when and why, until the mailbox answers again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.status import SeriesStatus
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_status_display import details_of, row_of

BOOKED = "2026-11-23T09:00:00Z"  # Monday: both series booked, first meetings from next week
MIA = "mia@contoso.example"
ROB = "rob@contoso.example"  # Mia's report
SAL = "sal@contoso.example"  # Nia's report; Nia's mailbox is never blocked


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 220)
    tenant = SandboxTenant(seed="unreadable", domain="contoso.example")
    tenant.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=MIA, hire_date=date(2021, 1, 1))
    tenant.add_user("Nia Manager", "nia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Sal Report", SAL, manager="nia@contoso.example",
                    hire_date=date(2021, 1, 1))
    tenant.save(tmp_path / "onetoone-sandbox.json")
    return CliRunner()


def _block(blocked: bool) -> None:
    state = SandboxTenant.load("onetoone-sandbox.json")
    state.block_mailbox(MIA, blocked)
    state.save("onetoone-sandbox.json")


def followed_on(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Booked a month ahead (weekly) and extended a month at a time: by 2 January the
    pair's live series is a follow-on from February, its January meetings on the old one."""
    monkeypatch.setenv("ONETOONE_POLICY_MONTHS_AHEAD", "1")
    monkeypatch.setenv("ONETOONE_POLICY_EXTEND_MONTHS", "1")
    monkeypatch.setenv("ONETOONE_POLICY_DEFAULT_CADENCE", "weekly")
    for now in (BOOKED, "2027-01-02T09:00:00Z"):
        ticked = runner.invoke(cli, ["tick", "--now", now])
        assert ticked.exit_code == 0, ticked.output


def _status(runner: CliRunner, now: str) -> str:
    shown = runner.invoke(cli, ["status", "--now", now])
    assert shown.exit_code == 0, shown.output
    return shown.output


def test_status_names_pairs_whose_calendar_cannot_be_read(runner: CliRunner) -> None:
    booked = runner.invoke(cli, ["tick", "--now", BOOKED])
    assert booked.exit_code == 0, booked.output
    assert "calendar unreadable" not in _status(runner, BOOKED)

    # The app is kept out of Mia's mailbox; runs go on through the week, her agendas due.
    _block(True)
    said_by_tick = ""
    for now in ("2026-11-25T09:00:00Z", "2026-11-26T09:00:00Z", "2026-11-27T09:00:00Z"):
        said_by_tick += runner.invoke(cli, ["tick", "--now", now]).output
    # tick names the pair and the mailbox by name, not by a series number and directory id.
    assert f"Mia Manager & Rob Report ({MIA}'s calendar):" in said_by_tick, said_by_tick
    assert "failed: series " not in said_by_tick, said_by_tick
    shown = _status(runner, "2026-11-27T09:05:00Z")
    assert "calendar unreadable" in row_of(shown, ROB), shown
    said = " ".join(details_of(shown, ROB).split())
    assert f"{MIA}'s calendar could not be read since" in said, said
    assert "no agenda is written there" in said and "tried again" in said, said
    assert "calendar unreadable" not in row_of(shown, SAL), shown
    # Its retry instant passed with no run since: not promised for "the next run" (one with
    # nothing to list in it leaves it be), but for its next listing.
    later = " ".join(details_of(_status(runner, "2026-12-20T09:00:00Z"), ROB).split())
    assert "read again when its next agenda falls due" in later, later

    # Back in the policy's scope: the next listing succeeds and status stops saying so.
    _block(False)
    for now in ("2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z"):
        runner.invoke(cli, ["tick", "--now", now])
    assert "calendar unreadable" not in _status(runner, "2026-11-29T09:05:00Z")


def test_status_names_the_pair_while_its_meetings_are_on_a_series_followed_on(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a pair's series is extended, the meetings of the coming months are on the
    superseded series (the follow-on starts after its end): that is the one listed, and
    failing, while the pair's live series is not due for months. Status still says so."""
    followed_on(runner, monkeypatch)
    store = Store(make_engine(f"sqlite:///{Path('onetoone.db').resolve()}"))
    assert [s.status for s in store.pairing_series(_pair_of(store, ROB))] == [
        SeriesStatus.SUPERSEDED, SeriesStatus.ACTIVE]
    store.engine.dispose()
    _block(True)
    for now in ("2027-01-08T09:00:00Z", "2027-01-11T09:00:00Z", "2027-01-11T12:00:00Z"):
        runner.invoke(cli, ["tick", "--now", now])
    shown = _status(runner, "2027-01-11T12:05:00Z")
    assert "calendar unreadable" in row_of(shown, ROB), shown
    said = " ".join(details_of(shown, ROB).split())
    assert f"{MIA}'s calendar could not be read since" in said, said


def _pair_of(store: Store, report: str) -> int:
    return next(v.pairing.id for v in store.views() if v.report.email == report)


def test_a_series_followed_on_and_over_does_not_keep_the_pair_unreadable(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The superseded series' listing failed while the mailbox was blocked; by the time it
    answers again that series' meetings are all past, so it is never listed again and keeps
    its failure mark. The live series is read: status no longer says the pair's calendar is
    unreadable (it did, for good, before)."""
    followed_on(runner, monkeypatch)
    _block(True)
    day = 8
    while day <= 28:
        runner.invoke(cli, ["tick", "--now", f"2027-01-{day:02d}T09:00:00Z"])
        day += 4
    assert "calendar unreadable" in row_of(_status(runner, "2027-01-28T09:05:00Z"), ROB)
    for now in ("2027-02-03T09:00:00Z", "2027-02-07T09:00:00Z", "2027-02-11T09:00:00Z"):
        runner.invoke(cli, ["tick", "--now", now])
    _block(False)
    for day in range(12, 20):
        runner.invoke(cli, ["tick", "--now", f"2027-02-{day:02d}T09:00:00Z"])
    store = Store(make_engine(f"sqlite:///{Path('onetoone.db').resolve()}"))
    series = store.pairing_series(_pair_of(store, ROB))
    store.engine.dispose()
    old = [s for s in series if s.status == SeriesStatus.SUPERSEDED]
    live = [s for s in series if s.status == SeriesStatus.ACTIVE]
    # (The case: the old series over and still marked, the live one read since.)
    assert old and all(s.range_end < date(2027, 2, 19) for s in old), series
    assert any(s.listing_failed_at is not None for s in old), series
    assert live and all(s.listing_failed_at is None for s in live), series
    assert "calendar unreadable" not in row_of(_status(runner, "2027-02-19T09:05:00Z"), ROB)
