"""A pairs file saved while a sync runs, after the sync read it: the sync's "nothing to do"
mark recorded a digest of the file as it was once the sync ended (the new file), beside a
plan made from the old one, so the next syncs skipped gathering and the new line waited
for the next UTC day. The mark records the bytes the plan was made from."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.app import job_context
from service.jobs import pairs_file as pairs_job
from service.jobs.pairs import PairsPlan, sync_pairs
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW

CEO, MIA, ROB = "ceo@contoso.example", "mia@contoso.example", "rob@contoso.example"


def test_a_file_saved_during_a_sync_is_read_by_the_next_one(
        db_url: str, settings_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync after the one the file was saved during gathers, and books the new line."""
    tenant = SandboxTenant(seed="file-saved-during-sync", now=lambda: NOW)
    for name, email in (("Ceo Boss", CEO), ("Mia Manager", MIA), ("Rob Report", ROB)):
        tenant.add_user(name, email, hire_date=date(2015, 1, 1))
    path = tmp_path / "pairs.csv"
    old = f"manager,report\n{CEO},{MIA}\n"
    new = old + f"{MIA},{ROB}\n"
    path.write_text(old)
    base = settings_for(db_url)
    settings = dataclasses.replace(base, pairs=dataclasses.replace(
        base.pairs, source="file", file=path))

    def sync(now: Any) -> PairsPlan:
        async def go() -> PairsPlan:
            async with job_context(settings, now, sandbox=tenant) as ctx:
                return await sync_pairs(ctx, now)
        return asyncio.run(go())

    assert sync(NOW).counts() == {"join": 1}
    parse = pairs_job.read_pairs_csv

    def saved_meanwhile(text: str, name: str) -> Any:
        path.write_text(new)  # HR saves the file just after the worker read the old one
        return parse(text, name)

    monkeypatch.setattr(pairs_job, "read_pairs_csv", saved_meanwhile)
    assert sync(NOW + timedelta(hours=1)).counts() == {"keep": 1}  # (made from the old file)
    monkeypatch.setattr(pairs_job, "read_pairs_csv", parse)
    later = sync(NOW + timedelta(hours=2))
    # (Mia now manages someone: her own 1-2-1 becomes fortnightly.)
    assert later.counts() == {"join": 1, "recadence": 1}, later.counts()
    assert [(a.spec.manager.email, a.spec.report.email) for a in later.actions
            if a.kind == "join" and a.spec is not None] == [(MIA, ROB)]
