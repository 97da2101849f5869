"""A leaver whose account was deleted (soft-deleted: restorable for 30 days), not disabled,
and whose line is still in the pairs file: the whole file was refused as naming "not a user
in the directory ... Fix the address", so every joiner and mover in it waited and the
leaver's own 1-2-1s carried on. Their line is skipped, as a disabled leaver's is."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.errors import PairsFileError
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, key, kinds, sync

MIA, ROB, LEE, NED = (f"{n}@contoso.example" for n in ("mia", "rob", "lee", "ned"))


def _setup(db_url: str, settings_for: Any, tmp_path: Path) -> tuple[SandboxTenant, Path, Any]:
    tenant = SandboxTenant(seed="file-deleted-leaver", now=lambda: NOW)
    for email in (MIA, ROB, LEE, NED):
        tenant.add_user(email.split("@")[0].title() + " X", email, hire_date=date(2015, 1, 1))
    path = tmp_path / "pairs.csv"
    path.write_text(f"manager,report\n{MIA},{ROB}\n{MIA},{LEE}\n")
    base = settings_for(db_url)
    return tenant, path, dataclasses.replace(base, pairs=dataclasses.replace(
        base.pairs, source="file", file=path))


def test_a_deleted_leavers_line_is_skipped_and_their_pair_ends(
        db_url: str, settings_for: Any, tmp_path: Path) -> None:
    """Lee's account is deleted and HR adds the joiner Ned the same day: Ned is paired, Lee's
    pair ends as a leaver's, and the warning says to remove the line (not fix it)."""
    tenant, path, settings = _setup(db_url, settings_for, tmp_path)
    first, _ = sync(settings, tenant)
    assert first.counts() == {"join": 2}
    lee_pair = key(tenant, MIA, LEE)
    tenant.remove_user(LEE)
    path.write_text(path.read_text() + f"{MIA},{NED}\n")
    plan, _ = sync(settings, tenant)
    assert [kind for kind, _ in kinds(plan)] == ["join", "leave"]
    [join] = [a for a in plan.actions if a.kind == "join"]
    [leave] = [a for a in plan.actions if a.kind == "leave"]
    assert join.key == key(tenant, MIA, NED)
    assert leave.key == lee_pair and leave.reason == "Lee X left or was disabled"
    assert plan.warnings == [f"{path}:3: {LEE}'s account was deleted, so this line is "
                             "skipped (a leaver: their 1-2-1s end). Remove the line."]
    again, _ = sync(settings, tenant)  # (nothing left to do: the same warning, said again)
    assert kinds(again) == [] and again.warnings == plan.warnings


def test_an_address_onetoone_never_knew_is_still_refused(
        db_url: str, settings_for: Any, tmp_path: Path) -> None:
    """Someone deleted before onetoone ever paired them may be a typo as well as a leaver:
    the file is refused, naming the line, as before."""
    tenant, path, settings = _setup(db_url, settings_for, tmp_path)
    tenant.remove_user(NED)
    sync(settings, tenant)
    path.write_text(path.read_text() + f"{MIA},{NED}\n")
    with pytest.raises(PairsFileError, match=rf"pairs\.csv:4: {NED} is not a user in the "):
        sync(settings, tenant)


def test_doctor_judges_a_deleted_leavers_line_as_the_sync_does(
        db_url: str, settings_for: Any, tmp_path: Path) -> None:
    """`onetoone doctor`'s pairs-file line failed such a file as naming "not a user" while
    every run skipped the line: it says the line is skipped, as for a disabled leaver."""
    import asyncio

    from service.app import graph_for
    from service.doctor.pairs import pairs_people

    tenant, _path, settings = _setup(db_url, settings_for, tmp_path)
    sync(settings, tenant)
    tenant.remove_user(LEE)

    async def check() -> Any:
        graph = graph_for(settings, sandbox=tenant, max_retries=1)
        try:
            return await pairs_people(graph, settings)
        finally:
            await graph.aclose()

    checked = asyncio.run(check())
    assert checked.ok, checked.detail
    assert "each run skips line 3, naming a deleted account" in checked.detail
