"""Finding the series already in a manager's calendar before creating any: one search of the
mailbox for every pairing tag (not one per pair), and never a second series for a pair, after a
crash between the POST and its record, a lost database, older series, or a Graph that refuses
the prefix filter."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from service.app import job_context
from service.domain.adoption import PAIRING_KEY_PREFIX, by_pairing, ended_tag
from service.domain.events import CalendarEvent
from service.domain.model import pairing_key
from service.errors import GraphError
from service.graph.client import GraphClient
from service.graph.payloads import PAIRING_PROPERTY
from service.jobs.tick import tick
from service.sandbox import SandboxTenant, SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, org, series_in

BASE = "https://graph.sandbox.invalid/v1.0"
MANAGERS = ("ceo@contoso.example", "mia@contoso.example", "max@contoso.example")
SEARCH = r"^/users/[^/]+/events$"  # a tag search (list of masters and single events)


class Crash(BaseException):
    """The process dying: not an error the run could catch and report."""


async def _no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def _run(settings: Any, tenant: SandboxTenant, now: datetime) -> Any:
    tenant.now = lambda: now

    async def go() -> Any:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": _no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


def _live_series(tenant: SandboxTenant) -> list[str]:
    """The pairing tag of every live series in the managers' calendars, once for a series
    and the follow-ons booked after it (a new starter's weekly series and the one at their
    role's cadence from when their weeks end): a duplicate overlaps it."""
    ranges: dict[str, list[tuple[str, str]]] = {}
    for s in (s for m in MANAGERS for s in series_in(tenant, m)):
        tag = next(p["value"] for p in s["singleValueExtendedProperties"]
                   if p["id"] == PAIRING_PROPERTY)
        rng = s["recurrence"]["range"]
        ranges.setdefault(tag, []).append((rng["startDate"], rng["endDate"]))
    out = []
    for tag, found in ranges.items():
        found.sort()
        out += [tag] * (1 + sum(b[0] <= a[1] for a, b in pairwise(found)))
    return sorted(out)


def _seed_tagged(tenant: SandboxTenant, mailbox: str, values: list[str]) -> None:
    """Single events in ``mailbox`` carrying the pairing tag with ``values`` (history such as
    rebooked meetings of pairs long gone), created as Graph would create them."""
    async def go() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            for n, value in enumerate(values):
                day = datetime(2025, 1, 6, 10, 0) + timedelta(days=n)
                r = await c.post(f"/users/{mailbox}/events", json={
                    "subject": f"Old 1-2-1 {n}",
                    "start": {"dateTime": day.isoformat(), "timeZone": "UTC"},
                    "end": {"dateTime": (day + timedelta(minutes=30)).isoformat(),
                            "timeZone": "UTC"},
                    "singleValueExtendedProperties": [{"id": PAIRING_PROPERTY,
                                                       "value": value}]})
                assert r.status_code == 201, r.text

    asyncio.run(go())


@pytest.fixture
def settings(db_url: str, settings_for: Any) -> Any:
    return settings_for(db_url)


def test_first_rollout_searches_each_manager_mailbox_once(settings) -> None:
    """Six pairs under three managers: three tag searches, not six, and six series."""
    tenant = org()
    result = _run(settings, tenant, NOW)
    assert len(result.schedule.created) == 6 and result.schedule.failed == []
    searches = [(m, p) for m, p, _ in tenant.requests
                if m == "GET" and re.search(SEARCH, p)]
    assert len(searches) == 3
    assert len({p for _m, p in searches}) == 3  # one per manager mailbox


def test_a_crash_between_post_and_record_is_adopted_not_duplicated(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run dies right after Exchange created a series, before the store recorded it
    (the intent row was stored first): the next run adopts what exists and creates the rest
    with the same transactionId, never a second series for a pair."""
    tenant = org()
    real, real_many = Store.activate_series, Store.activate_series_many

    def dying(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise Crash

    monkeypatch.setattr(Store, "activate_series", dying)
    monkeypatch.setattr(Store, "activate_series_many", dying)
    with pytest.raises(Crash):
        _run(settings, tenant, NOW)
    in_outlook = _live_series(tenant)
    assert in_outlook and len(in_outlook) == len(set(in_outlook))
    monkeypatch.setattr(Store, "activate_series", real)
    monkeypatch.setattr(Store, "activate_series_many", real_many)
    later = NOW + timedelta(minutes=15)
    again = _run(settings, tenant, later)
    assert again.schedule.failed == []
    assert len(again.schedule.adopted) == len(in_outlook)
    assert len(again.schedule.adopted) + len(again.schedule.created) == 6
    assert len(_live_series(tenant)) == 6 == len(set(_live_series(tenant)))
    third = _run(settings, tenant, later + timedelta(minutes=15))
    assert third.schedule.created == [] and third.schedule.adopted == []


@pytest.mark.parametrize("own_series", ["adopt", "ignore"])
def test_lost_database_with_pages_of_tagged_history_adopts_every_pair(
        db_url: str, settings_for: Any, tmp_path: Any, own_series: str) -> None:
    """A mailbox holding more tagged events than one page (history of pairs long gone, in
    any case, an ended series) still yields each pair's live series: every page is read and
    events are matched to pairs by their tag value. (Where the pairs' own series are looked
    for, the manager's series masters are read instead, tags expanded: single events are
    not among them.)"""
    tenant = org()
    _run(settings_for(db_url), tenant, NOW)
    before = _live_series(tenant)
    history = [f"p-gone{n:03d}" for n in range(130)] + ["P-SHOUTED", ended_tag("p-x", NOW.date())]
    _seed_tagged(tenant, "mia@contoso.example", history)
    tenant.reset_counters()
    fresh = settings_for(f"sqlite:///{tmp_path / 'replacement.db'}", own_series=own_series)
    result = _run(fresh, tenant, NOW + timedelta(hours=1))
    assert result.schedule.created == [] and len(result.schedule.adopted) == 6
    assert _live_series(tenant) == before
    mia = tenant.user("mia@contoso.example")["id"]
    # Mia's 4 series and 131 matching events (the ended tag does not match): two pages; her
    # series masters (hers and her Ops review): one.
    assert tenant.count("GET", rf"^/users/{mia}/events$") == (
        2 if own_series == "ignore" else 1)


def test_older_series_tagged_only_by_pairing_are_adopted(
        db_url: str, settings_for: Any, tmp_path: Any) -> None:
    """A series an earlier version made (tagged with the pairing key alone, as every version
    does) is found by the mailbox search after a lost database, and adopted."""
    from tests.integration.test_adopted_no_end_series import AS_POSTED, _seed

    tenant = _seed(AS_POSTED)
    result = _run(settings_for(db_url), tenant, NOW)
    assert result.schedule.adopted == ["Mia Manager & Rob Report"]
    assert len(result.schedule.created) == 5
    rob_series = [s for s in series_in(tenant, "mia@contoso.example")
                  if s["attendees"][0]["emailAddress"]["address"] == "rob@contoso.example"]
    assert [s["transactionId"] for s in rob_series] == ["made-by-an-older-version"]


def test_two_replicas_rolling_out_at_once_make_one_series_per_pair(settings) -> None:
    """Two replicas (own engines, as two processes) run the first rollout side by side: each
    searches before planning, the planning lock and claims order them, and every pair ends
    with exactly one series; a third run finds nothing to do."""
    tenant = org()
    asyncio.run(_open(settings, tenant))  # the schema, as `onetoone db upgrade` makes it
    results: list[Any] = []
    errors: list[BaseException] = []

    def replica(name: str) -> None:
        async def go() -> Any:
            store = Store(make_engine(settings.database.url))
            async with job_context(settings, NOW, sandbox=tenant, store=store,
                                   graph_options={"sleep": _no_sleep}) as ctx:
                ctx.worker_id = name
                return await tick(ctx, NOW)
        try:
            results.append(asyncio.run(go()))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(f"replica-{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(_live_series(tenant)) == 6 == len(set(_live_series(tenant)))
    assert sum(len(r.schedule.created) for r in results) == 6
    again = _run(settings, tenant, NOW + timedelta(minutes=15))
    assert again.schedule.created == [] and again.schedule.adopted == []


async def _open(settings: Any, tenant: SandboxTenant) -> None:
    async with job_context(settings, NOW, sandbox=tenant):
        pass


def test_a_refused_prefix_filter_falls_back_to_one_search_per_pair(
        db_url: str, settings_for: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should Graph answer the prefix filter with 400, each pair is searched by its own tag
    (as before): a lost database still adopts every series, none is created twice."""
    tenant = org()
    _run(settings_for(db_url), tenant, NOW)

    async def refused(self: GraphClient, *args: Any, **kwargs: Any) -> Any:
        raise GraphError("The filter is not supported.", status=400, code="BadRequest")

    monkeypatch.setattr(GraphClient, "find_tagged_events_by_prefix", refused)
    monkeypatch.setattr(GraphClient, "series_masters", refused)  # (the same filter family)
    tenant.reset_counters()
    fresh = settings_for(f"sqlite:///{tmp_path / 'replacement.db'}")
    result = _run(fresh, tenant, NOW + timedelta(hours=1))
    assert result.schedule.created == [] and len(result.schedule.adopted) == 6
    assert tenant.count("GET", SEARCH) == 6


def test_a_failed_search_creates_nothing_for_that_manager(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search that fails otherwise (throttled, server error) leaves the manager's pairs to
    the next run: creating without knowing what exists could duplicate."""
    tenant = org()

    async def failing(self: GraphClient, *args: Any, **kwargs: Any) -> Any:
        raise GraphError("Service unavailable", status=503)

    monkeypatch.setattr(GraphClient, "find_tagged_events_by_prefix", failing)
    monkeypatch.setattr(GraphClient, "series_masters", failing)
    result = _run(settings, tenant, NOW)
    assert result.schedule.created == [] and len(result.schedule.failed) == 6
    assert _live_series(tenant) == []


# -- the grouping (pure) ------------------------------------------------------------------


def _event(event_id: str, *tags: tuple[str, str]) -> CalendarEvent:
    return CalendarEvent(id=event_id, type="seriesMaster", tags=tags)


def test_events_are_grouped_by_pairing_tag_and_foreign_ones_dropped() -> None:
    other = "String {00000000-0000-0000-0000-000000000000} Name other"
    events = [
        _event("a", (PAIRING_PROPERTY, "p-abc")),
        _event("b", (PAIRING_PROPERTY.upper().replace("NAME", "Name"), "P-ABC")),
        _event("c", (PAIRING_PROPERTY, "p-someone-else")),
        _event("d", (other, "p-abc")),
        _event("e", (PAIRING_PROPERTY, ended_tag("p-abc", date(2026, 1, 5)))),
    ]
    found = by_pairing(events, PAIRING_PROPERTY, ["p-abc", "p-new"])
    assert [e.id for e in found["p-abc"]] == ["a", "b"]
    assert found["p-new"] == []
    assert set(found) == {"p-abc", "p-new"}


def test_every_pairing_key_has_the_searched_prefix_and_no_ended_tag_does() -> None:
    for manager, report in (("M", "r"), ("00000000-aaaa", "ffff-1111"), ("é", "ü")):
        assert pairing_key(manager, report).startswith(PAIRING_KEY_PREFIX)
    assert not ended_tag(pairing_key("m", "r"), date(2026, 1, 1)).lower().startswith(
        PAIRING_KEY_PREFIX)


# -- the sandbox answers the documented filter forms as Graph does ------------------------


def _list(tenant: SandboxTenant, flt: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            return await c.get("/users/ann@contoso.example/events", params={
                "$filter": flt, "$select": "subject",
                "$expand": f"singleValueExtendedProperties($filter=id eq '{PAIRING_PROPERTY}')"})

    return asyncio.run(go())


@pytest.fixture
def tagged_tenant() -> SandboxTenant:
    t = SandboxTenant(now=lambda: datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    t.add_user("Ann Boss", "ann@contoso.example")
    _seed_tagged(t, "ann@contoso.example", ["p-one", "P-Two", "ended 2024-01-01 p-one"])
    return t


@pytest.mark.parametrize(("condition", "expected"), [
    ("ep/value eq 'P-ONE'", ["Old 1-2-1 0"]),  # values compare ignoring case
    ("ep/value ne 'p-one'", ["Old 1-2-1 1", "Old 1-2-1 2"]),
    ("startswith(ep/value, 'p-')", ["Old 1-2-1 0", "Old 1-2-1 1"]),
    ("startswith(ep/value, 'ended')", ["Old 1-2-1 2"]),
    ("contains(ep/value, 'ONE')", ["Old 1-2-1 0", "Old 1-2-1 2"]),
])
def test_sandbox_extended_property_value_filters(tagged_tenant, condition, expected) -> None:
    r = _list(tagged_tenant, f"singleValueExtendedProperties/Any(ep: ep/id eq "
                             f"'{PAIRING_PROPERTY}' and {condition})")
    assert r.status_code == 200, r.text
    assert sorted(e["subject"] for e in r.json()["value"]) == expected
    for e in r.json()["value"]:
        assert [p["id"] for p in e["singleValueExtendedProperties"]] == [PAIRING_PROPERTY]


def test_sandbox_property_name_is_case_sensitive_and_unknown_forms_refused(
        tagged_tenant) -> None:
    renamed = PAIRING_PROPERTY.replace("onetoone.pairing", "ONETOONE.PAIRING")
    r = _list(tagged_tenant, f"singleValueExtendedProperties/Any(ep: ep/id eq '{renamed}' "
                             "and startswith(ep/value, 'p-'))")
    assert r.status_code == 200 and r.json()["value"] == []
    bad = _list(tagged_tenant, f"singleValueExtendedProperties/Any(ep: ep/id eq "
                               f"'{PAIRING_PROPERTY}' and endswith(ep/value, 'one'))")
    assert bad.status_code == 400
