"""A move off a bank holiday whose PATCH got no answer (the connection dropped: outcome
unknown) is left "moving" for the next run to finish. The same run must not write the
meeting's agenda meanwhile: the agenda step would write it for the new time while Outlook
may still hold the old one, and a written agenda takes the meeting out of the absence
step's hands, so the move would never be finished or tried again (the meeting stays on
Christmas Day, its invite naming the day it was to move to)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from service.domain.body import block_text
from service.domain.htmltext import html_to_text
from service.sandbox.routing import strip_version
from service.sandbox.transport import SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    MIA,
    ROB,
    Sim,
    before_christmas_check,
    graph_start,
    org,
    run_tick,
    settings_at,
)


def drop_connection(monkeypatch: pytest.MonkeyPatch, method: str, path: str, *,
                    applied: bool) -> list[int]:
    """The next ``method`` request to a path matching ``path`` loses its connection with no
    answer (httpx.RemoteProtocolError), after the tenant acted on it (``applied``) or before
    it arrived. Returns a one-item list counting the drops made."""
    real = SandboxTransport.handle_async_request
    made = [0]

    async def handle(self: SandboxTransport, request: httpx.Request) -> httpx.Response:
        raw = strip_version(request.url.raw_path.decode("ascii").split("?")[0])
        if not made[0] and request.method == method and re.search(path, raw):
            made[0] += 1
            if applied:
                await real(self, request)
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return await real(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_async_request", handle)
    return made


@pytest.mark.parametrize("applied", [False, True], ids=["not-applied", "applied"])
def test_a_move_with_no_answer_is_finished_before_the_agenda_goes_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applied: bool) -> None:
    db = f"sqlite:///{tmp_path / 'drop.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    now = before_christmas_check(settings, tenant)  # the run that moves Christmas Day
    store = Store(make_engine(db))
    made = drop_connection(monkeypatch, "PATCH", r"/events/[^/]+$", applied=applied)
    run_tick(settings, tenant, now)
    assert made == [1]
    rob = next(v for v in store.views() if v.report.email == ROB)
    (occ,) = [o for o in store.pairing_occurrences(rob.pairing.id)
              if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25)]
    for hours in range(12, 24 * 6, 12):  # the next runs, up to Tuesday 29 December
        run_tick(settings, tenant, now + timedelta(hours=hours))
    occ = store.occurrence(occ.id)
    sim = Sim.__new__(Sim)
    sim.store, sim.tenant = store, tenant
    in_outlook = graph_start(sim, occ).astimezone(LONDON)
    assert in_outlook.date() != date(2026, 12, 25), (
        "the meeting is still on Christmas Day in Outlook: the move whose answer was lost "
        f"was never finished (absence state {occ.absence_state!r}, agenda "
        f"{occ.agenda_state!r})")
    assert occ.absence_state == "moved" and occ.start == graph_start(sim, occ)
    # Its agenda went in, for the time Outlook shows.
    agenda = block_text(html_to_text(tenant.person_body(MIA, occ.event_id))) or ""
    assert occ.agenda_state == "injected"
    assert f"{in_outlook:%A} {in_outlook.day} {in_outlook:%B %Y}" in agenda, agenda[:300]
    moves = sum(1 for m, p, _ in tenant.requests
                if m == "PATCH" and p.endswith("/events/" + occ.event_id))
    assert moves == 2  # one move that reached Outlook, then the agenda
