"""`onetoone doctor` reads one member of each group the settings name ([pairs] group_id,
[policy.groups], [holidays.groups]), as the jobs read them: a group that is gone, or
GroupMember.Read.All not granted, is named with its setting and the fix, before a run fails
on it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

from service.app import graph_for
from service.doctor import group_probes
from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from tests.conftest import make_settings

GONE = "99999999-8888-7777-6666-555555555555"


def test_each_configured_group_is_probed_and_a_failure_names_its_setting(
        tmp_path: Path) -> None:
    tenant = SandboxTenant(seed="doctor-groups")
    boss = tenant.add_user("Mia Boss", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", "rob@contoso.example", manager=boss,
                    hire_date=date(2021, 1, 1))
    pilot = tenant.add_group("Pilot")["id"]
    hidden = tenant.add_group("Northern Ireland office")["id"]
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'd.db'}")
    settings = dataclasses.replace(
        base,
        pairs=dataclasses.replace(base.pairs, source="directory", group_id=pilot),
        policy=dataclasses.replace(base.policy, groups=((pilot, CadenceKind.WEEKLY),)),
        holidays=dataclasses.replace(base.holidays,
                                     groups=((GONE, "GB-SCT"), (hidden, "GB-NIR"))))
    tenant.inject_fault("GET", f"/groups/{hidden}/", 403, times=1)

    async def probe():
        graph = graph_for(settings, sandbox=tenant, max_retries=1)
        try:
            return await group_probes(graph, settings)
        finally:
            await graph.aclose()

    checks = {c.name: c for c in asyncio.run(probe())}
    assert len(checks) == 3  # (the pilot group once, under the first setting naming it)
    ok = checks[f"Graph: members of group {pilot} ([pairs] group_id; GroupMember.Read.All)"]
    assert ok.ok
    gone = checks[f"Graph: members of group {GONE} ([holidays.groups]; GroupMember.Read.All)"]
    assert not gone.ok and "no such group" in gone.detail and "[holidays.groups]" in gone.fix
    denied = checks[
        f"Graph: members of group {hidden} ([holidays.groups]; GroupMember.Read.All)"]
    assert not denied.ok and "GroupMember.Read.All" in denied.fix
    # Nothing configured: nothing probed.
    assert asyncio.run(_none(tmp_path, tenant)) == []


async def _none(tmp_path: Path, tenant: SandboxTenant):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'e.db'}")
    graph = graph_for(settings, sandbox=tenant, max_retries=1)
    try:
        return await group_probes(graph, settings)
    finally:
        await graph.aclose()
