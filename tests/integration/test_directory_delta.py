"""The pairs job reads the directory with users/delta: a tick with nothing changed costs one
request, a joiner, mover or leaver is picked up in the next tick, an expired token means a
full read, and the sandbox answers users/delta as Graph documents it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.app import job_context
from service.domain.model import pairing_key
from service.errors import GraphError
from service.jobs.pairs import PairsPlan, sync_pairs
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.directory import expire_delta_tokens
from service.store.db import make_engine, upgrade
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DIRECTORY = r"^/(users|groups)(/|$)"


def org() -> SandboxTenant:
    t = SandboxTenant(seed="delta-org", now=lambda: NOW)
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", "mia@contoso.example", manager="ceo@contoso.example",
                     hire_date=date(2020, 1, 1), groups=["Sales"])
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1),
               groups=["Sales"])
    t.add_user("Nia York", "nia@contoso.example", manager=mia, hire_date=date(2022, 5, 1),
               groups=["Sales"])
    t.add_user("Gus Guest", "gus@partner.example", manager=mia, user_type="Guest")
    return t


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def sync(settings: Any, tenant: SandboxTenant, *, dry_run: bool = False
         ) -> tuple[PairsPlan, int]:
    """One pairs sync; the plan and how many directory requests it made."""
    before = tenant.count(path_regex=DIRECTORY)

    async def go() -> PairsPlan:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await sync_pairs(ctx, NOW, dry_run=dry_run)

    plan = asyncio.run(go())
    return plan, tenant.count(path_regex=DIRECTORY) - before


def kinds(plan: PairsPlan) -> list[tuple[str, str]]:
    return sorted((a.kind, a.key) for a in plan.actions if a.kind != "keep")


def key(tenant: SandboxTenant, manager: str, report: str) -> str:
    return pairing_key(tenant.user(manager)["id"], tenant.user(report)["id"])


def test_nothing_changed_costs_one_request_and_changes_arrive_next_tick(settings) -> None:
    tenant = org()
    first, _ = sync(settings, tenant)
    assert len(kinds(first)) == 3  # ceo-mia, mia-rob, mia-nia (the guest is no report)

    # (The first sync read what the mailbox of each of the three with a manager is for,
    # once: a shared mailbox is never paired, test_shared_mailbox.py.)
    assert tenant.count("GET", r"/mailboxSettings$") == 3
    again, requests = sync(settings, tenant)
    assert requests == 1 and kinds(again) == []
    assert tenant.count("GET", r"/mailboxSettings$") == 3

    # A joiner, a mover (Nia to Ceo) and a leaver (Rob) in one tick.
    tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2026, 9, 4))
    tenant.set_manager("nia@contoso.example", "ceo@contoso.example")
    rob = key(tenant, "mia@contoso.example", "rob@contoso.example")
    tenant.remove_user("rob@contoso.example")
    changed, requests = sync(settings, tenant)
    assert requests == 3  # and what Ben's and Nia's (changed) mailboxes are for
    assert {(k, a) for k, a in kinds(changed)} == {
        ("join", key(tenant, "mia@contoso.example", "ben@contoso.example")),
        ("move", key(tenant, "ceo@contoso.example", "nia@contoso.example")),
        ("leave", rob),
    }
    # A disabled account leaves too; nothing else moves.
    tenant.disable_user("ben@contoso.example")
    disabled, _ = sync(settings, tenant)
    assert [k for k, _ in kinds(disabled)] == ["leave"]
    assert kinds(sync(settings, tenant)[0]) == []


def test_dry_run_reads_changes_but_stores_nothing(settings) -> None:
    tenant = org()
    sync(settings, tenant)
    tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example")
    dry, _ = sync(settings, tenant, dry_run=True)
    assert [k for k, _ in kinds(dry)] == ["join"]
    real, _ = sync(settings, tenant)
    assert kinds(real) == kinds(dry)


def test_expired_token_means_a_full_read(settings) -> None:
    tenant = org()
    sync(settings, tenant)
    tenant.set_manager("nia@contoso.example", "ceo@contoso.example")
    expire_delta_tokens(tenant)
    plan, requests = sync(settings, tenant)
    assert requests == 3  # 410 Gone, one full page; Nia's mailbox (she changed) read again
    assert [k for k, _ in kinds(plan)] == ["move"]
    assert kinds(sync(settings, tenant)[0]) == []


def test_a_refused_directory_read_names_the_directory_not_a_mailbox(settings) -> None:
    """users/delta is the directory, not a user's mailbox: a 403 said "for mailbox delta"
    and told the admin to add "delta" to the mailbox scope's group or remove the pair."""
    tenant = org()
    sync(settings, tenant)
    for status in (403, 500):
        tenant.inject_fault("GET", r"^/users/delta", status)
        with pytest.raises(GraphError) as raised:
            sync(settings, tenant)
        said = str(raised.value)
        assert "/users/delta for the directory" in said, said
        assert "mailbox delta" not in said and "remove the pair" not in said
        assert raised.value.mailbox == ""


def test_group_scope_reads_members_and_managers_from_the_delta(settings) -> None:
    tenant = org()
    sales = tenant.add_group("Sales")["id"]
    scoped = dataclasses.replace(settings, pairs=dataclasses.replace(settings.pairs,
                                                                     group_id=sales))
    plan, _ = sync(scoped, tenant)
    # Mia is in scope; her manager Ceo is not, but is still her organizer.
    assert sorted(k for k, _ in kinds(plan)) == ["join", "join", "join"]
    assert plan.people == []  # an applied plan keeps its changes and counts only
    ids = [tenant.user(e)["id"] for e in ("mia@contoso.example", "rob@contoso.example",
                                           "ceo@contoso.example")]
    people = {p.email: p for p in Store(make_engine(scoped.database.url)).people(ids).values()}
    assert people["ceo@contoso.example"].active  # stored as the organizer
    assert people["mia@contoso.example"].manages_others
    assert not people["rob@contoso.example"].manages_others
    _, requests = sync(scoped, tenant)
    assert requests == 2  # the delta and the group's member ids


def run_graph(tenant: SandboxTenant, settings: Any, fn: Any) -> Any:
    async def go() -> Any:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await fn(ctx.graph)

    return asyncio.run(go())


def test_sandbox_users_delta_pages_tokens_and_removals(settings) -> None:
    """users/delta as Graph documents it: pages, a deltaLink, @removed, manager@delta, 410."""
    tenant = org()
    for n in range(250):
        tenant.add_user(f"User {n}", f"u{n}@contoso.example", manager="mia@contoso.example")

    async def rounds(graph: Any) -> Any:
        first = await graph.request("GET", "/users/delta",  # $top: ignored, as by Graph
                                    query={"$select": "id,displayName,manager", "$top": "5"})
        assert len(first["value"]) == 200 and "@odata.nextLink" in first
        rest = await graph.request("GET", "/users/delta", url=first["@odata.nextLink"])
        assert "@odata.deltaLink" in rest and "@odata.nextLink" not in rest
        assert len(first["value"]) + len(rest["value"]) == 255
        rob = next(u for u in first["value"] + rest["value"]
                   if u["displayName"] == "Rob Report")
        assert rob["manager@delta"] == [{"@odata.type": "#microsoft.graph.user",
                                         "id": tenant.user("mia@contoso.example")["id"]}]
        quiet = await graph.request("GET", "/users/delta", url=rest["@odata.deltaLink"])
        assert quiet["value"] == []
        tenant.remove_user("u3@contoso.example")
        tenant.set_manager("u4@contoso.example", None)
        changed = await graph.request("GET", "/users/delta", url=quiet["@odata.deltaLink"])
        by_id = {u["id"]: u for u in changed["value"]}
        assert {"reason": "changed"} in [u.get("@removed") for u in by_id.values()]
        assert [u["manager@delta"] for u in by_id.values() if "manager@delta" in u] == [[]]
        with pytest.raises(GraphError) as gone:
            await graph.request("GET", "/users/delta",
                                url=rest["@odata.deltaLink"].replace("deltatoken=", "deltatoken=x"))
        assert gone.value.status == 410

    run_graph(tenant, settings, rounds)



def test_a_whole_tick_with_nothing_changed_reads_the_directory_once(settings) -> None:
    """After the rollout, a tick re-reads neither the directory nor mailbox settings."""
    tenant = org()

    def one_tick() -> tuple[int, int]:
        before = (tenant.count("GET", r"^/users/delta"), tenant.count("GET", r"/mailboxSettings$"))

        async def go() -> None:
            async with job_context(settings, NOW, sandbox=tenant) as ctx:
                await tick(ctx, NOW)

        asyncio.run(go())
        return (tenant.count("GET", r"^/users/delta") - before[0],
                tenant.count("GET", r"/mailboxSettings$") - before[1])

    one_tick()
    assert one_tick() == (1, 0)


def test_stored_directory_is_read_in_pages_and_written_in_chunks(db_url) -> None:
    """The store's side of a sync of a large directory: written in bulk chunks, read back a
    page at a time in id order, and a later read's changes (changed, gone, new) applied."""
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    assert list(store.directory_rows("users")) == []  # no delta link yet: a full read next
    people = {f"u{n:04d}": {"display_name": f"User {n}", "mail": f"u{n}@contoso.example"}
              for n in range(1203)}  # more than one chunk and a part one
    store.save_directory("users", {}, people, "link-1")
    assert store.directory_link("users") == "link-1"
    assert list(store.directory_rows("users", size=100)) == sorted(people.items())

    before = {"u0001": people["u0001"], "u0002": people["u0002"]}
    after = {"u0001": {**people["u0001"], "manager_id": "u0000"}, "u9999": {"mail": "new@x"}}
    store.save_directory("users", before, after, "link-2")  # u0002 left
    expected = {k: v for k, v in people.items() if k != "u0002"} | after
    assert dict(store.directory_rows("users", size=7)) == expected
    assert store.directory_link("users") == "link-2"


def test_a_pairs_file_is_resolved_from_the_delta_not_a_lookup_per_person(
        settings, tmp_path) -> None:
    """[pairs] source = "file": the people in the file are found in the directory read with
    users/delta, so a sync with nothing changed costs that one request (not one lookup per
    person in the file), a file edited since is read again, and an account disabled since is
    noticed from the delta: its line is skipped, named in a warning, and the pair ends."""
    csv = tmp_path / "pairs.csv"
    csv.write_text("mia@contoso.example,rob@contoso.example\n"
                   "mia@contoso.example,nia@contoso.example\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=csv))
    tenant = org()
    first, _ = sync(settings, tenant)
    assert {k for k, _ in kinds(first)} == {"join"} and len(kinds(first)) == 2
    lookups = tenant.count("GET", r"^/users/(?!delta$)[^/]+$")
    assert lookups == 0  # everyone in the file is in the directory read

    again, requests = sync(settings, tenant)
    assert (requests, kinds(again)) == (1, [])

    csv.write_text("mia@contoso.example,rob@contoso.example\n")
    edited, requests = sync(settings, tenant)
    assert requests == 1
    assert kinds(edited) == [("unpaired", key(tenant, "mia@contoso.example",
                                              "nia@contoso.example"))]

    tenant.disable_user("rob@contoso.example")
    left, requests = sync(settings, tenant)
    assert requests == 1
    # A leaver, as with the directory as the source (his line is still in the file).
    assert kinds(left) == [("leave", key(tenant, "mia@contoso.example",
                                         "rob@contoso.example"))]
    assert [w.split(": ", 1)[0] for w in left.warnings] == [f"{csv}:1"], left.warnings
    assert tenant.count("GET", r"^/users/(?!delta$)[^/]+$") == 0


def test_group_scope_counts_only_enabled_reports_as_managing(settings) -> None:
    """In a group scope, a manager whose only reports left (disabled accounts) manages no
    one: the monthly cadence, as without a scope, not the fortnightly of managers."""
    tenant = org()
    lea = tenant.add_user("Lea Lead", "lea@contoso.example", manager="mia@contoso.example",
                          hire_date=date(2019, 1, 1), groups=["Sales"])
    tenant.add_user("Old Hand", "old@contoso.example", manager=lea,
                    hire_date=date(2018, 1, 1))
    tenant.disable_user("old@contoso.example")
    sales = next(g["id"] for g in tenant.state["groups"].values() if g["displayName"] == "Sales")
    scoped = dataclasses.replace(settings, pairs=dataclasses.replace(settings.pairs,
                                                                     group_id=sales))
    sync(scoped, tenant)
    lea_id = tenant.user("lea@contoso.example")["id"]
    people = Store(make_engine(scoped.database.url)).people([lea_id])
    assert not people[lea_id].manages_others


def test_group_scope_takes_no_guest_as_organizer(settings) -> None:
    """A report in the group whose manager (outside it) is a guest account gets no pair, as
    without a scope: a guest has no mailbox here to organise the series in, and booking it
    would fail on every run."""
    tenant = org()
    guest = tenant.add_user("Gia Guest", "gia@partner.example", user_type="Guest")
    tenant.add_user("Ann Contractor", "ann@contoso.example", manager=guest,
                    hire_date=date(2020, 1, 1), groups=["Sales"])
    sales = next(g["id"] for g in tenant.state["groups"].values() if g["displayName"] == "Sales")
    scoped = dataclasses.replace(settings, pairs=dataclasses.replace(settings.pairs,
                                                                     group_id=sales))
    plan, _ = sync(scoped, tenant)
    assert ("join", key(tenant, "gia@partner.example", "ann@contoso.example")) not in (
        kinds(plan))
    assert sorted(k for k, _ in kinds(plan)) == ["join", "join", "join"]
