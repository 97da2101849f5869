"""Meeting changes are read with one calendarView/delta request per manager mailbox (issue
11): the sandbox's delta as Graph documents it, a nothing-due tick's calendar requests, each
kind of change found within one tick, and an expired token recovered by a whole re-read."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from service.sandbox.delta import forget_tokens
from service.store.calendar_delta import DeltaRepository
from tests.integration.test_meeting_changes import HOUR, MIA, ROB, Org, decline
from tests.integration.test_sandbox import client, run, series_body
from tests.integration.test_sandbox import tenant as tenant  # the fixture

# A request that reads or writes a calendar (not mail, not the directory).
CALENDAR = re.compile(r"^/users/[^/]+/(calendar|calendarView|events)\b", re.I)
DELTA = "/users/ann@contoso.example/calendarView/delta"
WINDOW = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-04-30T00:00:00Z"}


def calendar_requests(org_: Org) -> list[str]:
    return [p for _m, p, _k in org_.tenant.requests if CALENDAR.match(p)]


# -- the sandbox's delta ------------------------------------------------------------------


def test_sandbox_delta_pages_then_reports_only_changes(tenant: Any) -> None:
    async def go() -> None:
        async with client(tenant) as c:
            master = (await c.post("/users/ann@contoso.example/events",
                                   json=series_body())).json()
            small = {"Prefer": "odata.maxpagesize=2"}
            first = (await c.get(DELTA, params=WINDOW, headers=small)).json()
            assert len(first["value"]) == 2 and "@odata.deltaLink" not in first
            items, page = list(first["value"]), first
            while "@odata.nextLink" in page:
                page = (await c.get(page["@odata.nextLink"], headers=small)).json()
                items += page["value"]
            assert len(items) == 5 and {i["seriesMasterId"] for i in items} == {master["id"]}
            # Untouched occurrences, as Graph lists them: identity and times, no body.
            assert all(set(i) == {"@odata.type", "@odata.etag", "id", "seriesMasterId", "type",
                                  "start", "end"} and i["type"] == "occurrence" for i in items)
            link = page["@odata.deltaLink"]
            assert "$deltatoken=" in link and "startDateTime" not in link

            again = (await c.get(link)).json()
            assert again["value"] == []
            moved, gone = items[1]["id"], items[2]["id"]
            await c.patch(f"/users/ann@contoso.example/events/{moved}", json={
                "start": {"dateTime": "2024-03-26T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2024-03-26T09:30:00", "timeZone": "UTC"}})
            await c.delete(f"/users/ann@contoso.example/events/{gone}")
            typed = items[3]["id"]
            await c.patch(f"/users/ann@contoso.example/events/{typed}", json={
                "body": {"contentType": "html", "content": "<p>Notes: roadmap</p>"}})
            changes = (await c.get(again["@odata.deltaLink"])).json()["value"]
            by_id = {i["id"]: i for i in changes}
            # Changed ones are exceptions: listed in full (no $select), body included.
            assert "roadmap" in by_id[typed]["body"]["content"]
            assert by_id[typed]["type"] == "exception" and "attendees" in by_id[typed]
            assert by_id[moved]["start"]["dateTime"].startswith("2024-03-26T09:00")
            # An occurrence deleted on its own: no sign of it, its series listed again (as
            # people found Graph does; the @removed form, as documented, on request).
            assert gone not in by_id
            assert by_id[items[4]["id"]]["type"] == "occurrence"
            tenant.delta_removes_occurrences = True
            await c.delete(f"/users/ann@contoso.example/events/{items[4]['id']}")
            link2 = (await c.get(again["@odata.deltaLink"])).json()
            assert {"id": items[4]["id"], "@removed": {"reason": "deleted"},
                    "@odata.type": "#microsoft.graph.event"} in link2["value"]
            # A token is replayable until it expires; an unknown one is 410 Gone.
            assert (await c.get(link)).status_code == 200
            bad = await c.get(DELTA, params={"$deltatoken": "nope"})
            assert bad.status_code == 410
            assert bad.json()["error"]["code"] == "SyncStateNotFound"
            forget_tokens(tenant)
            assert (await c.get(link)).status_code == 410
            refused = await c.get(DELTA, params={**WINDOW, "$select": "id"})
            assert refused.status_code == 400
            assert (await c.get(DELTA)).status_code == 400  # the first needs a window

    run(go())


# -- the occurrence sync ------------------------------------------------------------------


def _agenda_in(org_: Org) -> Any:
    """Tick three-hourly until Rob's first meeting has its agenda in; return it."""
    now = org_.start
    while org_.first(ROB) is None:
        org_.tick(now)
        now += 3 * HOUR
    org_.now = now
    return org_.first(ROB)


@pytest.fixture
def org_(db_url: str, settings_for: Any) -> Org:
    from tests.integration.test_agenda_loop import START

    made = Org(db_url, settings_for)
    made.start = START  # type: ignore[attr-defined]
    return made


def _eve(occ: Any) -> Any:
    """The instant a meeting comes within a day of its start: its calendar is read then."""
    from service.jobs.occurrences import WATCH_CLOSE

    return occ.start - WATCH_CLOSE


def test_a_tick_reads_only_the_calendars_of_managers_with_a_meeting_near(org_: Org) -> None:
    occ = _agenda_in(org_)
    now = org_.now  # type: ignore[attr-defined]
    org_.tick(now)  # settle whatever the last tick left (mail, read-back)
    assert _eve(occ) > now + HOUR  # the agenda goes in days ahead
    org_.tenant.reset_counters()
    org_.tick(now + HOUR)  # nothing near: no calendar read at all
    assert calendar_requests(org_) == []
    org_.tenant.reset_counters()
    report = org_.tick(_eve(occ))  # Rob's meeting is a day away: Mia's calendar, once
    managers = {s.mailbox.lower() for s in org_.store.all_live_series()}
    calls = calendar_requests(org_)
    assert report.occurrences.series == 0
    assert 0 < len(calls) <= len(managers), calls
    assert all(p.endswith("/calendarView/delta") for p in calls)
    org_.tenant.reset_counters()
    org_.tick(_eve(occ) + HOUR)  # read since it came near: not again
    assert calendar_requests(org_) == []


def _change(org_: Org, occ: Any, change: str) -> None:
    series = org_.store.series(occ.series_id)
    assert series is not None
    if change == "moved":
        org_.tenant.person_move(MIA, occ.event_id, occ.start - timedelta(hours=3),
                                occ.end - timedelta(hours=3))
    elif change == "cancelled":
        org_.tenant.person_cancel(MIA, occ.event_id, "Off sick")
    elif change == "deleted":
        async def delete() -> None:
            async with client(org_.tenant) as c:
                r = await c.delete(f"/users/{MIA}/events/{occ.event_id}")
                assert r.status_code == 204
        run(delete())
    elif change == "declined":
        decline(org_.tenant, series.event_id or "", occ.original_start, ROB)
    else:
        org_.type_note(occ, "Talk about the roadmap")


@pytest.mark.parametrize("change", ["moved", "cancelled", "deleted", "declined", "notes"])
def test_each_change_is_found_by_the_read_on_the_meetings_eve(org_: Org, change: str) -> None:
    """A change made days ahead is found by the first tick within a day of the meeting,
    with that one calendar request (typed notes move nothing, so nothing is listed)."""
    occ = _agenda_in(org_)
    now = org_.now  # type: ignore[attr-defined]
    org_.tick(now)
    _change(org_, occ, change)
    org_.tenant.reset_counters()
    report = org_.tick(_eve(occ))
    after = next(o for o in org_.store.occurrences(occ.series_id) if o.id == occ.id)
    if change == "moved":
        assert after.start == occ.start - timedelta(hours=3) and after.status == "moved"
        assert report.occurrences.moved
    elif change in ("cancelled", "deleted"):
        assert after.status == "cancelled" and report.occurrences.cancelled
    elif change == "declined":
        assert after.status == "declined" and report.occurrences.declined
    else:
        assert (after.status, after.start) == (occ.status, occ.start)
        assert report.occurrences.series == 0
        assert "Talk about the roadmap" in org_.tenant.person_body(MIA, occ.event_id)
    assert sum(p.endswith("/calendarView/delta") for p in calendar_requests(org_)) == 1


def test_an_expired_token_is_recovered_by_a_whole_re_read(org_: Org) -> None:
    """Graph forgot the sync state (410 Gone, syncStateNotFound): the client reads the whole
    window again, says so, and hands back a new link; the tick carries on unharmed."""
    from service.app import job_context

    occ = _agenda_in(org_)
    now = _eve(occ)
    org_.tick(now)  # Mia's calendar is read: a delta link is kept
    (saved,) = DeltaRepository(org_.store.engine).delta_links().values()
    forget_tokens(org_.tenant)
    org_.tenant.person_move(MIA, occ.event_id, occ.start + 2 * HOUR, occ.end + 2 * HOUR)

    async def read() -> Any:
        async with job_context(org_.settings, now, sandbox=org_.tenant) as ctx:
            return await ctx.graph.calendar_changes(MIA, saved.link, saved.start, saved.end)

    org_.tenant.reset_counters()
    changes = run(read())
    assert org_.tenant.count("GET", r"/calendarView/delta$") == 2  # refused, then whole
    assert changes.full and changes.link and changes.link != saved.link
    moved = next(e for e in changes.events if e.id == occ.event_id)
    assert moved.start == occ.start + 2 * HOUR


def test_a_whole_re_read_notices_a_meeting_gone_meanwhile(org_: Org) -> None:
    """A full read has no @removed: a recorded meeting it no longer lists is looked up."""
    occ = _agenda_in(org_)
    now = org_.now  # type: ignore[attr-defined]
    org_.tick(now)
    forget_tokens(org_.tenant)
    org_.tenant.person_cancel(MIA, occ.event_id, "")
    org_.tick(_eve(occ))
    after = next(o for o in org_.store.occurrences(occ.series_id) if o.id == occ.id)
    assert after.status == "cancelled"


@pytest.mark.slow
def test_the_window_is_re_read_when_the_look_ahead_outgrows_it(org_: Org) -> None:
    """The delta link's window is fixed when it is made; once the agenda look-ahead reaches
    past it, the next tick reads a new window whole (one request), then follows it."""
    from service.domain.readback import reach
    from service.jobs.occurrences import window

    occ = _agenda_in(org_)
    org_.tick(_eve(occ))
    repo = DeltaRepository(org_.store.engine)
    (first,) = repo.delta_links().values()  # Mia's, the one manager
    later = first.end - timedelta(days=1)

    class Ctx:
        settings = org_.settings

    assert window(Ctx(), later)[1] > first.end  # type: ignore[arg-type]
    # The next read of Mia's calendar (the first tick from `later` with a meeting of hers
    # to follow) is a whole read of a new window that reaches past the look-ahead.
    now = later
    for _ in range(2 * 30):  # a month of twice-daily ticks at most (the worker's cadence)
        org_.tenant.reset_counters()
        org_.tick(now)
        if org_.tenant.count("GET", r"/calendarView/delta$"):
            break
        now += 12 * HOUR
    else:
        pytest.fail("Mia's calendar was never read again")
    (renewed,) = repo.delta_links().values()
    # It reaches back too, over the meetings whose notes may still be read back.
    back = reach(timedelta(days=org_.settings.agenda.recapture_days))
    assert renewed.start == now - back
    assert renewed.end > window(Ctx(), now)[1]  # type: ignore[arg-type]
    assert org_.tenant.count("GET", r"/calendarView/delta$") == 1


def test_upgrading_to_0017_leaves_no_link_so_each_calendar_is_read_whole(empty_db_url: str) -> None:
    """Reads made before 0017 did not mark meetings with something typed in their agenda; a
    link they left could hide such a meeting from the next read, so none is used: the links
    move to a new, empty table, and the old one goes (a run of the earlier version still
    going cannot keep one there for the new version to use)."""
    from datetime import UTC, datetime

    from sqlalchemy import inspect, text

    from service.store.db import make_engine, upgrade
    from tests.support.old_rows import migrate_to

    engine = make_engine(empty_db_url)
    migrate_to(engine, "0016")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO calendar_delta (mailbox, link, window_start, window_end,"
                          " updated_at) VALUES ('mia', 'https://graph/delta?$deltatoken=x',"
                          " :t, :t, :t)"), {"t": now})
    upgrade(engine)
    assert DeltaRepository(engine).delta_links() == {}
    assert "calendar_delta" not in inspect(engine).get_table_names()
