"""Directory shapes a real organisation has: two people each recorded as the other's
manager, someone recorded as their own manager, and a report whose manager left. Each is
said (tick output, a log warning) rather than silently scheduled twice or skipped, and a
reason the pair may be mailed names people, never a directory id or a server path."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.app import job_context
from service.jobs.pairs import PairsPlan, sync_pairs
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, key, kinds

CEO, ANN, BOB = "ceo@contoso.example", "ann@contoso.example", "bob@contoso.example"


def sync(settings: Any, tenant: SandboxTenant) -> PairsPlan:
    async def go() -> PairsPlan:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await sync_pairs(ctx, NOW)

    return asyncio.run(go())


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_two_people_managing_each_other_get_one_series_and_a_warning(
        settings, caplog: pytest.LogCaptureFixture) -> None:
    tenant = SandboxTenant(seed="shapes-org", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=ANN, hire_date=date(2020, 1, 1))
    tenant.set_manager(ANN, BOB)  # the directory now says each manages the other
    tenant.add_user("Sue Self", "sue@contoso.example", manager=CEO, hire_date=date(2020, 1, 1))
    tenant.set_manager("sue@contoso.example", "sue@contoso.example")
    with caplog.at_level(logging.WARNING, logger="service.jobs.pairs"):
        plan = sync(settings, tenant)
    joins = [k for kind, k in kinds(plan) if kind == "join"]
    between = {key(tenant, ANN, BOB), key(tenant, BOB, ANN)}
    assert len(between & set(joins)) == 1, joins  # one series between them, not two
    cycle = next(w for w in plan.warnings if "management cycle" in w)
    assert "Until then only" in cycle and "(one series, not two)" in cycle
    assert any("sue@contoso.example is their own manager in the directory" in w
               for w in plan.warnings)
    logged = [r.warning for r in caplog.records if r.getMessage() == "pairs.warning"]
    assert logged == plan.warnings

    # Fixed in the directory: the pair that was kept stays; nothing is doubled.
    tenant.set_manager(ANN, CEO)
    fixed = sync(settings, tenant)
    assert not any("management cycle" in w for w in fixed.warnings)


def test_a_report_left_without_a_manager_is_named_not_an_id(settings) -> None:
    tenant = SandboxTenant(seed="shapes-org", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Max Mid", "max@contoso.example", manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", "rob@contoso.example", manager="max@contoso.example",
                    hire_date=date(2021, 1, 1))
    sync(settings, tenant)
    rob_id = tenant.user("rob@contoso.example")["id"]
    tenant.disable_user("max@contoso.example")
    plan = sync(settings, tenant)
    reasons = [a.reason for a in plan.actions if a.kind != "keep"]
    assert "manager Max Mid left and Rob Report has no new manager" in reasons, reasons
    assert not any(rob_id in r for r in reasons)


def test_a_pairs_file_reason_names_the_file_not_its_path(settings, tmp_path: Path) -> None:
    import dataclasses

    tenant = SandboxTenant(seed="shapes-org", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Ira Report", "ira@contoso.example", hire_date=date(2021, 1, 1))
    tenant.add_user("Ned Other", "ned@contoso.example", hire_date=date(2021, 1, 1))
    folder = tmp_path / "srv" / "hr"
    folder.mkdir(parents=True)
    pairs = folder / "pairs.csv"
    pairs.write_text("manager,report\nmia@contoso.example,ira@contoso.example\n")
    filed = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    sync(filed, tenant)
    pairs.write_text("manager,report\nmia@contoso.example,ned@contoso.example\n")
    plan = sync(filed, tenant)
    [reason] = [a.reason for a in plan.actions if a.kind == "unpaired"]
    assert reason == "Mia Manager and Ira Report are no longer paired in pairs.csv"
    assert str(folder) not in reason


def test_a_pairs_file_emptied_by_mistake_ends_nothing(settings, tmp_path: Path) -> None:
    """A truncated export, or the file saved with only its header, would end every 1-2-1
    the file listed: refused, naming the file, and every pairing stays."""
    import dataclasses

    from service.errors import PairsFileError

    tenant = SandboxTenant(seed="shapes-org", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Ira Report", "ira@contoso.example", hire_date=date(2021, 1, 1))
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\n")  # a new deployment's file: fine while nothing is
    filed = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    assert sync(filed, tenant).actions == []
    pairs.write_text("manager,report\nmia@contoso.example,ira@contoso.example\n")
    sync(filed, tenant)
    for emptied in ("", "manager,report\n", "\ufeff", "# later\n\n", ",,,\n"):
        pairs.write_text(emptied)
        with pytest.raises(PairsFileError, match=r"pairs\.csv: the file lists no pairs"):
            sync(filed, tenant)
    pairs.write_text("manager,report\nmia@contoso.example,ira@contoso.example\n")
    assert all(a.kind == "keep" for a in sync(filed, tenant).actions)
    # On purpose: the file says so, and the pair ends.
    pairs.write_text("manager,report\n# No  pairs\n")
    assert [a.kind for a in sync(filed, tenant).actions] == ["unpaired"]


def test_switching_to_a_pairs_file_that_lists_none_ends_nothing(settings,
                                                                 tmp_path: Path) -> None:
    """The directory's pairs are scheduled; the admin sets source = "file" with a file that
    lists no pairs yet (a placeholder, a truncated export). The file alone now says who is
    paired, so a run would end every 1-2-1 (each report mailed a cancellation): refused as
    for a file emptied by mistake, and every pairing stays."""
    import dataclasses

    from service.errors import PairsFileError

    tenant = SandboxTenant(seed="shapes-org", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Ira Report", "ira@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1))
    assert [a.kind for a in sync(settings, tenant).actions] == ["join"]
    pairs = tmp_path / "pairs.csv"
    filed = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    for empty in ("manager,report\n", ""):
        pairs.write_text(empty)
        with pytest.raises(PairsFileError, match=r"pairs\.csv: the file lists no pairs"):
            sync(filed, tenant)
    assert all(a.kind == "keep" for a in sync(settings, tenant).actions)
    # On purpose: the file says so, and the pair ends.
    pairs.write_text("manager,report\n# no pairs\n")
    assert [a.kind for a in sync(filed, tenant).actions] == ["unpaired"]


def test_a_name_longer_than_entra_allows_is_cut_and_fails_nobody(settings) -> None:
    """Entra caps a display name at 256 characters, and so does the store: a longer one (a
    directory that isn't Entra's, a sandbox) is kept to its first 256, rather than failing
    the whole pairs step on PostgreSQL (SQLite would take it whole)."""
    from sqlalchemy import create_engine, select

    from service.store.models import PersonRow

    tenant = SandboxTenant(seed="shapes-long", now=lambda: NOW)
    long = "Ann " + "Longname-" * 40  # 364 characters
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user(long, ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=CEO, hire_date=date(2020, 1, 1))
    plan = sync(settings, tenant)
    assert sorted(k for kind, k in kinds(plan) if kind == "join") == sorted(
        [key(tenant, CEO, ANN), key(tenant, CEO, BOB)])
    engine = create_engine(settings.database.url)
    with engine.connect() as conn:
        names = dict(conn.execute(select(PersonRow.email, PersonRow.name)).all())
    engine.dispose()
    assert names[ANN] == long[:256] and names[BOB] == "Bob Baker"


def test_with_both_sources_a_report_the_file_pairs_is_not_warned_of(settings,
                                                                     tmp_path: Path) -> None:
    """With source = "both", a file line covering a report whose directory manager is a
    leaver (or who is their own manager there) gives them a 1-2-1: the warning that they
    have none, which sends the admin to fix the directory, leaves them out."""
    import dataclasses

    tenant = SandboxTenant(seed="shapes-both", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Lee Leaver", "lee@contoso.example", manager=CEO, enabled=False)
    for name in ("rob", "sue"):
        tenant.add_user(f"{name.title()} Report", f"{name}@contoso.example",
                        manager="lee@contoso.example", hire_date=date(2016, 1, 1))
    tenant.add_user("Mia Manager", "mia@contoso.example", manager=CEO, hire_date=date(2016, 1, 1))
    tenant.add_user("Sal Self", "sal@contoso.example", hire_date=date(2016, 1, 1))
    tenant.set_manager("sal@contoso.example", "sal@contoso.example")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\nmia@contoso.example,rob@contoso.example\n"
                     "mia@contoso.example,sal@contoso.example\n")
    both = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="both", file=pairs))
    plan = sync(both, tenant)
    assert {(a.spec.manager.email, a.spec.report.email) for a in plan.actions
            if a.kind == "join" and a.spec is not None} >= {
        ("mia@contoso.example", "rob@contoso.example"),
        ("mia@contoso.example", "sal@contoso.example")}
    [stranded] = [w for w in plan.warnings if "lee@contoso.example" in w]
    assert "manager of 1 person (sue@contoso.example)" in stranded, stranded
    assert "rob@contoso.example" not in stranded
    assert not any("their own manager" in w for w in plan.warnings), plan.warnings
