"""What people do to a meeting after its agenda went in (issue 9, item 8): the report
declines it, the manager moves it a day earlier, or a run dies right after writing the
agenda and the manager types into it before the rerun. Read-back, reminders and agendas
follow what the meeting is now (sandbox, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

import pytest

from service.app import job_context
from service.domain.records import OccurrenceRecord
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.wire import iso_utc
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

MIA, ROB, NIA = "mia@contoso.example", "rob@contoso.example", "nia@contoso.example"
HOUR = timedelta(hours=1)


class Org:
    """Mia, Rob and Nia in the sandbox, ticked hourly by the test."""

    def __init__(self, db_url: str, settings_for: Any) -> None:
        self.settings = settings_for(db_url)
        self.tenant: SandboxTenant = org()
        self.store = Store(make_engine(db_url))
        upgrade(self.store.engine)  # a SQLite file is otherwise made by the first run

    def tick(self, now: datetime, sync: bool = True) -> Any:
        self.tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now, sync=sync)

        return asyncio.run(go())

    def first(self, email: str) -> OccurrenceRecord | None:
        """The report's first stored meeting, if its agenda is in."""
        view = next((v for v in self.store.views() if v.report.email == email), None)
        if view is None:
            return None
        stored = [o for o in self.store.pairing_occurrences(view.pairing.id)
                  if o.agenda_state == "injected"]
        return stored[0] if stored else None

    def hourly(self, until: datetime, each: Callable[[datetime], None],
               step: timedelta = HOUR) -> None:
        """Tick every ``step`` from START to ``until``, calling ``each(now)`` before each."""
        now = START
        while now <= until:
            each(now)
            report = self.tick(now)
            assert report.agenda.failed == [] and report.capture.failed == []
            now += step

    def mail(self, kind: str, email: str) -> list[Any]:
        return [m for m in self.store.outbox() if m.kind == kind
                and any(r.address == email for r in m.to + m.cc)
                and m.status == "sent"]

    def type_note(self, occ: OccurrenceRecord, line: str) -> None:
        """Mia types a note into the meeting's block in Outlook (no update sent)."""
        html = self.tenant.person_body(MIA, occ.event_id)
        html = re.sub(r'(id="onetoone-notes"[^>]*>)', rf"\g<1><p>{escape(line)}</p>", html)
        self.tenant.person_edit_body(MIA, occ.event_id, html)


def decline(tenant: SandboxTenant, series_event_id: str, slot: datetime, email: str) -> None:
    """The report declines one occurrence in Outlook (the organizer's copy shows it)."""
    master = tenant.state["events"][tenant.user(MIA)["id"]][series_event_id]
    master.setdefault("_exceptions", {}).setdefault(iso_utc(slot), {})["attendees"] = [
        {"emailAddress": {"address": email, "name": email}, "type": "required",
         "status": {"response": "declined", "time": "2026-11-24T09:00:00Z"}}]


def test_declined_after_the_agenda_gets_no_reminder(db_url: str, settings_for: Any) -> None:
    """Rob declines his first meeting on its day, long after its agenda went in, and nobody
    types into it: it is recorded as declined at read-back, and Mia gets no reminder."""
    org_ = Org(db_url, settings_for)
    declined: list[OccurrenceRecord] = []

    def each(now: datetime) -> None:
        occ = org_.first(ROB)
        if occ is not None and not declined and now >= occ.start - 3 * HOUR:
            series = org_.store.series(occ.series_id)
            assert series is not None
            decline(org_.tenant, series.event_id or "", occ.original_start, ROB)
            declined.append(occ)

    until = START + timedelta(days=10)
    org_.hourly(until, each, step=3 * HOUR)
    rob = org_.first(ROB)
    assert declined and rob is not None
    assert rob.end + timedelta(hours=org_.settings.mail.reminder_hours + 6) < until
    assert rob.status == "declined" and rob.captured_at is not None
    assert org_.mail("reminder", MIA) == []


def test_moved_a_day_earlier_is_read_and_reminded_at_its_new_time(
        db_url: str, settings_for: Any) -> None:
    """Mia moves Rob's first meeting a day earlier after its agenda went in, and types
    nothing: it is read back at its new end and the reminder goes a reminder period after
    the new end, not the old one."""
    org_ = Org(db_url, settings_for)
    old: list[OccurrenceRecord] = []
    reminded: list[datetime] = []
    read: list[datetime] = []

    def each(now: datetime) -> None:
        occ = org_.first(ROB)
        if occ is not None and not old and now >= (occ.agenda_at or now) + HOUR:
            old.append(occ)
            org_.tenant.person_move(MIA, occ.event_id, occ.start - timedelta(days=1),
                                    occ.end - timedelta(days=1))
        if not reminded and org_.mail("reminder", MIA):
            reminded.append(now)
        stored = org_.store.occurrence(old[0].id) if old else None
        if not read and stored is not None and stored.captured_at is not None:
            read.append(stored.captured_at)

    org_.hourly(START + timedelta(days=9), each)
    rob, day = old[0], timedelta(days=1)
    grace = timedelta(minutes=org_.settings.agenda.grace_minutes)
    remind = timedelta(hours=org_.settings.mail.reminder_hours)
    now_rob = org_.store.occurrence(rob.id)
    assert now_rob is not None
    assert (now_rob.start, now_rob.status) == (rob.start - day, "held_no_notes")
    # Read at the first hourly tick after the new end (+ grace), never a day late.
    assert read and read[0] <= rob.end - day + grace + HOUR
    assert reminded and reminded[0] <= rob.end - day + remind + 2 * HOUR < rob.end + remind


class Killed(BaseException):
    """The process dies here (nothing after it runs, nothing is recorded)."""


def test_rerun_after_a_killed_agenda_write_keeps_what_was_typed(
        db_url: str, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick dies right after writing Rob's agenda; Mia types into it; the tick is run again
    at the same instant: no second update, her line stays, and it is read back as a note."""
    from service.graph.client import GraphClient

    org_ = Org(db_url, settings_for)
    org_.tick(START)
    view = next(v for v in org_.store.views() if v.report.email == ROB)
    write = GraphClient.update_event

    async def dies_after_writing(self: Any, mailbox: str, event_id: str,
                                 patch: dict[str, Any]) -> Any:
        answer = await write(self, mailbox, event_id, patch)
        if "body" in patch:  # an agenda write (a move patches times only)
            raise Killed
        return answer

    now = START
    with monkeypatch.context() as patched:
        patched.setattr(GraphClient, "update_event", dies_after_writing)
        while True:  # hourly until the first agenda write, which kills the run
            now += HOUR
            try:
                org_.tick(now)
            except Killed:
                break
            assert now < START + timedelta(days=8)
    occ = next(o for o in org_.store.pairing_occurrences(view.pairing.id)
               if o.agenda_state == "pending" and o.agenda_fingerprint)
    org_.type_note(occ, "Typed before the rerun")
    org_.tenant.reset_counters()
    org_.tick(now)  # the same instant, later
    patches = [p for m, p, _ in org_.tenant.requests
               if m == "PATCH" and p.endswith("/events/" + occ.event_id)]
    assert patches == []
    assert "Typed before the rerun" in org_.tenant.person_body(MIA, occ.event_id)
    stored = org_.store.occurrence(occ.id)
    assert stored is not None and stored.agenda_state == "injected"
    updates = [m for m in org_.tenant.meeting_messages(view.report.email, "update")
               if m.get("originalStart") == iso_utc(occ.original_start)]
    assert len(updates) == 1
    org_.tick(occ.end + timedelta(hours=1))
    notes = [line for note in org_.store.notes(occ.id) for line in note.text.splitlines()]
    assert "Typed before the rerun" in notes
