"""Pairs-file rules across lines: no cycles, nobody their own manager, and who manages others
in the file gets the managers' cadence (pure parser, then the real sync through the sandbox)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from service.app import job_context
from service.domain.pairs_csv import (
    FilePair,
    management_cycles,
    parse_pairs_csv,
)
from service.errors import PairsFileError
from service.jobs.pairs import gather
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def errors_of(text: str, filename: str = "pairs.csv") -> list[str]:
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(text, filename)
    return str(caught.value).splitlines()


# -- the parser (pure) ------------------------------------------------------------------------


def test_two_cycle_is_refused_naming_both_lines() -> None:
    """A manages B and B manages A: one message at the first line naming both lines."""
    [message] = errors_of("manager,report\na@x.com,b@x.com\n# note\nb@x.com,a@x.com\n")
    assert message.startswith("pairs.csv:2: management cycle over lines 2, 4:")
    assert "a@x.com manages b@x.com (pairs.csv:2)" in message
    assert "b@x.com manages a@x.com (pairs.csv:4)" in message
    assert "Fix the manager on one of these lines." in message


def test_three_cycle_is_refused_naming_every_line_in_order() -> None:
    """A -> B -> C -> A is one cycle, listed in the manages direction from its first line."""
    text = "z@x.com,y@x.com\nc@x.com,a@x.com\na@x.com,b@x.com\nb@x.com,c@x.com\n"
    [message] = errors_of(text)
    assert message.startswith("pairs.csv:2: management cycle over lines 2, 3, 4:")
    chain = ["c@x.com manages a@x.com (pairs.csv:2)", "a@x.com manages b@x.com (pairs.csv:3)",
             "b@x.com manages c@x.com (pairs.csv:4)"]
    positions = [message.index(link) for link in chain]
    assert positions == sorted(positions)
    assert "pairs.csv:1" not in message  # z -> y is not part of it


def test_people_hanging_off_a_cycle_are_not_blamed() -> None:
    """Reports below a cycle are not a second cycle; two separate cycles give two messages."""
    text = ("a@x.com,b@x.com\nb@x.com,a@x.com\nb@x.com,d@x.com\nd@x.com,e@x.com\n"
            "p@x.com,q@x.com\nq@x.com,r@x.com\nr@x.com,p@x.com\n")
    messages = errors_of(text)
    assert [m.split(" management cycle")[0] for m in messages] == ["pairs.csv:1:",
                                                                   "pairs.csv:5:"]
    assert "lines 1, 2:" in messages[0] and "lines 5, 6, 7:" in messages[1]


def test_a_deep_chain_without_a_cycle_parses() -> None:
    """A long chain of command (no loop) is fine."""
    text = "".join(f"p{i}@x.com,p{i + 1}@x.com\n" for i in range(200))
    assert len(parse_pairs_csv(text, "pairs.csv")) == 200


def test_self_manager_is_refused_with_its_line() -> None:
    """A person listed as their own manager is refused at that line, any capitalisation."""
    [message] = errors_of("a@x.com,b@x.com\nSam@x.com,sam@X.com\n")
    assert message.startswith("pairs.csv:2: sam@x.com is paired with themself")
    assert "own manager" in message and "manager in the first column" in message


def test_cycle_is_reported_alongside_other_bad_lines_in_file_order() -> None:
    """Row problems and a cycle are all reported in one go, by line (a cycle at its first)."""
    messages = errors_of("c@x.com,d@x.com,daily\na@x.com,b@x.com\nb@x.com,a@x.com\n"
                         "e@x.com,E@x.com\n")
    assert [m.split(": ", 1)[0] for m in messages] == ["pairs.csv:1", "pairs.csv:2",
                                                       "pairs.csv:4"]
    assert "'daily'" in messages[0] and "management cycle" in messages[1]
    assert "themself" in messages[2]


def test_management_cycles_is_usable_on_its_own() -> None:
    """The cycle check takes parsed pairs (as another source of pairs could give them)."""
    pairs = [FilePair("a@x.com", "b@x.com", None, None, 7),
             FilePair("b@x.com", "a@x.com", None, None, 9)]
    assert management_cycles(pairs, "f.csv") == [
        "f.csv:7: management cycle over lines 7, 9: a@x.com manages b@x.com (f.csv:7), "
        "b@x.com manages a@x.com (f.csv:9); so each of them would be above their own "
        "manager. Fix the manager on one of these lines."]
    assert management_cycles(pairs[:1], "f.csv") == []


# -- through the real sync (sandbox tenant, both databases) ---------------------------------


def org() -> SandboxTenant:
    """Directory: Ceo -> Mia -> {Rob, Max}; Max -> Zed. Hire dates long past."""
    t = SandboxTenant(seed="pairs-file-rules", now=lambda: NOW)
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", "mia@contoso.example", manager="ceo@contoso.example",
                     hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1))
    max_ = t.add_user("Max Lead", "max@contoso.example", manager=mia, hire_date=date(2019, 1, 1))
    t.add_user("Zed Junior", "zed@contoso.example", manager=max_, hire_date=date(2023, 1, 1))
    t.add_user("Una Other", "una@contoso.example", hire_date=date(2018, 1, 1))
    return t


@pytest.fixture
def file_settings(db_url, settings_for, tmp_path: Path):
    """Settings reading pairs from tmp_path/pairs.csv; call with the source."""
    csv = tmp_path / "pairs.csv"

    def make(text: str, source: str = "file"):
        csv.write_text(text)
        base = settings_for(db_url)
        return dataclasses.replace(base, pairs=dataclasses.replace(base.pairs, source=source,
                                                                    file=csv))
    return make


def run_tick(settings, tenant: SandboxTenant, now: datetime = NOW):
    async def go():
        async with job_context(settings, now, sandbox=tenant) as ctx:
            return await tick(ctx, now)
    tenant.now = lambda: now
    return asyncio.run(go())


def cadences(settings) -> dict[str, tuple[str, str]]:
    """report email -> (cadence, reason) of the live pairings."""
    store = Store(make_engine(settings.database.url))
    return {v.report.email: (v.pairing.cadence, v.pairing.cadence_reason)
            for v in store.views(["active"])}


def test_report_managing_others_in_the_file_gets_the_managers_cadence(file_settings) -> None:
    """source=file: Rob manages Una in the file, so Mia meets Rob fortnightly (not monthly)."""
    settings = file_settings("manager,report\nmia@contoso.example,rob@contoso.example\n"
                             "rob@contoso.example,una@contoso.example\n"
                             "mia@contoso.example,zed@contoso.example\n")
    tenant = org()
    result = run_tick(settings, tenant)
    assert result.schedule.failed == []
    got = cadences(settings)
    assert got["rob@contoso.example"] == ("fortnightly", "manages others")
    assert got["una@contoso.example"][0] == "monthly"
    assert got["zed@contoso.example"][0] == "monthly"  # manages nobody in the file
    series = {s["attendees"][0]["emailAddress"]["address"]: s
              for s in tenant.events("mia@contoso.example") if s.get("type") == "seriesMaster"}
    assert series["rob@contoso.example"]["recurrence"]["pattern"]["interval"] == 2


def test_with_both_sources_a_manager_in_either_counts(file_settings) -> None:
    """source=both: Rob manages Una in the file only, Max manages Zed in the directory only;
    both get the managers' cadence."""
    settings = file_settings("rob@contoso.example,una@contoso.example\n", source="both")
    run_tick(settings, org())
    got = cadences(settings)
    assert got["rob@contoso.example"][0] == "fortnightly"
    assert got["max@contoso.example"][0] == "fortnightly"
    assert got["zed@contoso.example"][0] == "monthly"


def test_becoming_a_manager_in_the_file_recadences_the_pair(file_settings) -> None:
    """A line added later that gives Rob a report moves Mia & Rob from monthly to fortnightly."""
    settings = file_settings("mia@contoso.example,rob@contoso.example\n")
    tenant = org()
    run_tick(settings, tenant)
    assert cadences(settings)["rob@contoso.example"][0] == "monthly"
    settings.pairs.file.write_text("mia@contoso.example,rob@contoso.example\n"
                                   "rob@contoso.example,una@contoso.example\n")
    later = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    result = run_tick(settings, tenant, later)
    assert result.pairs.counts().get("recadence") == 1
    assert cadences(settings)["rob@contoso.example"][0] == "fortnightly"


def test_cycle_in_the_file_stops_the_sync_and_changes_nothing(file_settings) -> None:
    """A cycle added to a working file is refused with file:line; existing pairs stay."""
    settings = file_settings("mia@contoso.example,rob@contoso.example\n")
    tenant = org()
    run_tick(settings, tenant)
    before = cadences(settings)
    masters = len(tenant.events("mia@contoso.example"))
    path = settings.pairs.file
    path.write_text("mia@contoso.example,rob@contoso.example\n"
                    "rob@contoso.example,zed@contoso.example\n"
                    "zed@contoso.example,mia@contoso.example\n")
    # The tick reports the refused file and goes on with the pairs as they were.
    (failed,) = run_tick(settings, tenant, datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
                         ).failed_steps
    assert failed.startswith(f"pairs: {path}:1: management cycle over lines 1, 2, 3")
    assert cadences(settings) == before
    assert len(tenant.events("mia@contoso.example")) == masters


def test_gather_refuses_a_self_manager(file_settings) -> None:
    """The dry-run path (`onetoone pairs`) names the self-manager's line and stores nothing."""
    settings = file_settings("mia@contoso.example,rob@contoso.example\n"
                             "rob@contoso.example,rob@contoso.example\n")
    tenant = org()

    async def go():
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await gather(ctx, NOW)

    with pytest.raises(PairsFileError, match=r"pairs.csv:2: rob@contoso.example is paired with"
                                             r" themself"):
        asyncio.run(go())
    assert cadences(settings) == {}


def test_file_line_looping_with_the_directory_is_refused(file_settings) -> None:
    """source=both: the directory has Mia managing Max; a line saying Max manages Mia closes a
    loop and is refused naming the line, before anything is stored."""
    settings = file_settings("manager,report\nmax@contoso.example,mia@contoso.example\n",
                             source="both")
    path = settings.pairs.file
    (failed,) = run_tick(settings, org()).failed_steps
    assert failed == "pairs: " + (
        f"{path}:2: management cycle: max@contoso.example manages mia@contoso.example (file "
        f"{path}:2), mia@contoso.example manages max@contoso.example (directory); so each of "
        "them would be above their own manager. Fix the manager on the pairs-file line, or "
        "the manager in the directory.")
    assert cadences(settings) == {}
