"""A sync that would end a mass of pairs at once is refused ([pairs] max_ends), as Entra
Connect's "prevent accidental deletes" is: a pairs file truncated to half its rows, or
[pairs] group_id switched to the wrong (small) group, would otherwise end every pair it no
longer lists in one run, each report mailed a cancellation. Nothing changes, the pairs step
fails saying how many of how many and what to do, and the rest of the run goes on;
`onetoone schedule --allow-ends N` lets a real reorganisation through once.

Sandbox, SQLite and PostgreSQL; the command line as an admin runs it."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_schedule_job import NOW, run

CEO = "ceo@contoso.example"
MANAGERS = [f"m{m}@contoso.example" for m in range(4)]
REPORTS = [f"r{r:02}@contoso.example" for r in range(24)]


def big_org() -> SandboxTenant:
    """A CEO, four managers and 24 reports, six each; a small group holds two of them."""
    t = SandboxTenant(seed="mass-end", now=lambda: NOW)
    t.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    for m, email in enumerate(MANAGERS):
        t.add_user(f"Manager {m}", email, manager=CEO, hire_date=date(2019, 1, 1))
    for r, email in enumerate(REPORTS):
        t.add_user(f"Report {r:02}", email, manager=MANAGERS[r // 6],
                   hire_date=date(2021, 1, 1), groups=["Pilot"] if r < 2 else [])
    return t


def lines(reports: list[str]) -> str:
    return "manager,report\n" + "".join(
        f"{MANAGERS[REPORTS.index(r) // 6]},{r}\n" for r in reports)


def live(db_url: str) -> int:
    return len(Store(make_engine(db_url)).live_pairings(["active"]))


def cancellations(tenant: SandboxTenant) -> int:
    return sum(len(tenant.meeting_messages(r, "cancel")) for r in REPORTS)


def schedule(*args: str) -> Any:
    return CliRunner().invoke(cli, ["schedule", "--now", NOW.isoformat(), *args])


def test_a_pairs_file_cut_to_half_its_rows_ends_nothing_until_allowed(
        db_url: str, settings_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_for(db_url)  # (a server database upgraded, as `onetoone db upgrade` does)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(lines(REPORTS))
    (tmp_path / "onetoone.toml").write_text(
        '[pairs]\nsource = "file"\nfile = "pairs.csv"\n'
        '[microsoft]\nsandbox_state = "sandbox.json"\n')
    big_org().save(tmp_path / "sandbox.json")
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    first = schedule()
    assert first.exit_code == 0, first.output
    assert live(db_url) == 24

    pairs.write_text(lines(REPORTS[:12]))  # an export cut off half-way
    refused = schedule()
    assert live(db_url) == 24, "the cut-off file ended pairs"
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.output.split())
    assert (f"step pairs: {pairs}: this sync would end 12 of the 24 pairs now scheduled, "
            "more than [pairs] max_ends allows (10: a fifth of the pairs, at least 10)") in said
    assert ("Manager 2 and Report 12 are no longer paired in pairs.csv; Manager 2 and "
            "Report 13 are no longer paired in pairs.csv") in said
    assert "and 7 more" in said and "Nothing was changed" in said
    assert "--allow-ends 12" in said
    tenant = SandboxTenant.load(tmp_path / "sandbox.json")
    assert cancellations(tenant) == 0

    # A dry run lists the ends, and says a real run refuses them.
    dry = schedule("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "warning: " in dry.output and "would end 12 of the 24" in " ".join(dry.output.split())
    assert live(db_url) == 24
    # Fewer allowed than would end: still refused.
    assert schedule("--allow-ends", "11").exit_code == 1
    assert live(db_url) == 24

    allowed = schedule("--allow-ends", "12")
    assert allowed.exit_code == 0, allowed.output
    assert "ended 12" in allowed.output
    assert live(db_url) == 12
    tenant = SandboxTenant.load(tmp_path / "sandbox.json")
    assert cancellations(tenant) == 12

    # Once: a later accident (all but one row gone) is caught again.
    pairs.write_text(lines(REPORTS[:1]))
    again = schedule()
    assert again.exit_code == 1 and "would end 11 of the 12 pairs" in " ".join(
        again.output.split())
    assert live(db_url) == 12


def test_a_group_id_switched_to_a_small_group_ends_nothing(db_url: str, settings_for: Any
                                                           ) -> None:
    """The directory as the source, and [pairs] group_id set to the wrong group: two of the
    28 pairs are in it. The run goes on for the pairs already booked."""
    settings = settings_for(db_url)
    tenant = big_org()
    first = run(settings, tenant, NOW)
    assert first.failed_steps == [] and live(db_url) == 28
    pilot = tenant.add_group("Pilot")["id"]
    scoped = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, group_id=pilot))
    result = run(scoped, tenant, NOW + timedelta(hours=1))
    assert live(db_url) == 28, "the wrong group ended pairs"
    assert len(result.failed_steps) == 1, result.failed_steps
    failed = result.failed_steps[0]
    assert failed.startswith(f"pairs: the directory (group {pilot}): this sync would end 26 "
                             "of the 28 pairs now scheduled"), failed
    assert "is no longer in scope for automatic 1-2-1s" in failed
    assert cancellations(tenant) == 0
    assert result.schedule.ended == []  # the rest of the run went on, ending nothing
    assert result.agenda is not None and result.mail is not None
    # The setting set to no limit: it goes through.
    unlimited = dataclasses.replace(scoped, pairs=dataclasses.replace(
        scoped.pairs, max_ends=0))
    run(unlimited, tenant, NOW + timedelta(hours=2))
    assert live(db_url) == 2
