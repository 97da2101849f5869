"""A series moved off a clash keeps what its invite already says: the manager's own words
in the series (a room, a link to their notes doc) and anything an add-in put there (a Zoom
or Webex join block) stay, with the "New time" line added above them - for a series without
Teams too. Replacing the whole body with onetoone's intro would silently drop them."""

from __future__ import annotations

import asyncio
from datetime import date

from service.app import job_context
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_no_double_booking import NOW, _collide, _tick

TYPED = "Zoom: https://contoso.zoom.us/j/81234567890 (passcode 4411)"


def _org_without_teams() -> SandboxTenant:
    tenant = SandboxTenant(seed="repair", now=lambda: NOW)
    tenant.add_user("Top Boss", "top@org.example", hire_date=date(2015, 1, 1), teams=False)
    tenant.add_user("Mid Manager", "mid@org.example", manager="top@org.example",
                    hire_date=date(2018, 1, 1), teams=False)
    tenant.add_user("Rae Report", "rae@org.example", manager="mid@org.example",
                    hire_date=date(2020, 1, 1))
    return tenant


def test_a_moved_series_keeps_what_its_invite_already_says(db_url, settings_for) -> None:
    tenant = _org_without_teams()
    cfg = settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    _collide(cfg, tenant, NOW)
    store = Store(make_engine(cfg.database.url))
    masters = [v.series for v in store.views(["active"]) if v.series is not None]
    assert len(masters) == 2 and not any(s.online for s in masters)

    async def manager_adds_to_each_series() -> None:
        # The manager opens the whole series in Outlook and adds a line (or an add-in's
        # join block) to its text: only the text changes, so no exception is made.
        async with job_context(cfg, NOW, sandbox=tenant) as ctx:
            for series in masters:
                event = await ctx.graph.get_event(series.mailbox, series.event_id, "body")
                assert event is not None
                await ctx.graph.update_event(series.mailbox, series.event_id, {"body": {
                    "contentType": "html",
                    "content": f"<p>{TYPED}</p>{event.body}"}})

    asyncio.run(manager_adds_to_each_series())
    result = _tick(cfg, tenant, NOW, "w")
    assert len(result.schedule.moved) == 1 and not result.schedule.ended
    for series in masters:
        body = tenant.person_body(series.mailbox, series.event_id)
        assert TYPED in body, "the move replaced the invite text the series already had"
    moved = next(s for s in masters if store.series(s.id).slot_note.startswith("moved: "))
    assert "clashed with another" in tenant.person_body(moved.mailbox, moved.event_id)


def test_a_series_moved_twice_says_new_time_once(db_url, settings_for) -> None:
    """A second move replaces the first one's "New time" line instead of stacking another
    above it: the invite says why it is where it is now, once."""
    tenant = _org_without_teams()
    cfg = settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    store = Store(make_engine(cfg.database.url))
    masters = [v.series for v in store.views(["active"]) if v.series is not None]
    for _ in range(2):
        _collide(cfg, tenant, NOW)
        assert len(_tick(cfg, tenant, NOW, "w").schedule.moved) == 1
    notes = {s.id: tenant.person_body(s.mailbox, s.event_id).count("New time:")
             for s in masters}
    assert max(notes.values()) == 1, notes


def test_only_onetoones_own_new_time_note_is_taken_out() -> None:
    """Whatever markup Exchange gave the note, it goes; the manager's own "New time" words
    and everything else stay."""
    from service.domain.records import PersonRecord
    from service.jobs.overlaps import moved_why, without_moved_note

    boss = PersonRecord(id="b", email="b@org.example", name="Ann <O'Neil> & Co")
    ours = (f'<div class="x_note" style="margin:0"><span style="font-weight:bold">New time:'
            f'</span>&nbsp;{moved_why(boss, True).replace("&", "&amp;").replace("<", "&lt;")}'
            f"</div>")
    theirs = "<p>New time: Thursdays from March, as agreed.</p>"
    html = f"<html><body>{ours}{theirs}<p>{TYPED}</p></body></html>"
    assert without_moved_note(html) == f"<html><body>{theirs}<p>{TYPED}</p></body></html>"
