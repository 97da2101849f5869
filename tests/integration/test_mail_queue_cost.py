"""Queuing mail reads what is due, not every meeting: the held meetings that still lack their
summary or reminder are found by the outbox key in one statement, and the prep mails already
queued in bulk, so a run with nothing to queue costs the same however many meetings there
are. (What the mails say, and that each goes once, is tests/integration/test_mail.py's and
test_mail_replies.py's.)"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from service.app import job_context
from service.domain.records import MailRecord, Recipient
from service.domain.status import OccurrenceStatus
from service.jobs.absences import check_absences
from service.jobs.outbox import queue_mail, send_outbox
from tests.integration.test_agenda_loop import no_sleep
from tests.integration.test_mail import Scenario
from tests.integration.test_mail_replies import PREP_DAY, World


def _mail(occ: Any, view: Any, kind: str, key: str | None = None) -> MailRecord:
    return MailRecord(key=key or f"{occ.id}:{kind}", kind=kind, pairing_id=view.pairing.id,
                      occurrence_id=occ.id, mailbox=view.manager.id,
                      to=(Recipient(view.report.name, view.report.email),), cc=(),
                      subject="s", body_html="<p>b</p>", tag=uuid.uuid4().hex,
                      created_at=occ.end)


def test_held_meetings_lacking_their_mail_are_found_by_the_outbox_key(db_url, settings_for
                                                                      ) -> None:
    scenario = Scenario(settings_for(db_url))
    store, occ, view = scenario.store, scenario.occ, scenario.rob
    lo, later = occ.end - timedelta(hours=1), occ.end + timedelta(days=2)

    def wanting(summaries: bool = True, reminders_by: Any = later) -> list[int]:
        return [o.id for o in store.held_without_mail(lo, later, summaries=summaries,
                                                      reminders_by=reminders_by)]

    assert wanting() == []  # not read back yet
    store.update_occurrence(occ.id, later, status=OccurrenceStatus.HELD,
                            captured_at=occ.end + timedelta(hours=1))
    assert wanting() == [occ.id]
    assert wanting(summaries=False) == []  # a held meeting wants a summary, not a reminder
    # Keys that merely look alike hide nothing; its own does.
    assert store.enqueue(_mail(occ, view, "summary", key=f"1{occ.id}:summary"))
    assert store.enqueue(_mail(occ, view, "reminder"))
    assert wanting() == [occ.id]
    assert store.enqueue(_mail(occ, view, "summary"))
    assert wanting() == []
    assert store.mail_keys([f"{occ.id}:summary", "nope", f"{occ.id}:summary"]) == {
        f"{occ.id}:summary"}



def test_reminder_wanted_once_due_and_until_queued(db_url, settings_for) -> None:
    scenario = Scenario(settings_for(db_url))
    store, occ, view = scenario.store, scenario.occ, scenario.rob
    lo, later = occ.end - timedelta(hours=1), occ.end + timedelta(days=2)
    store.update_occurrence(occ.id, later, status=OccurrenceStatus.HELD_NO_NOTES,
                            captured_at=occ.end + timedelta(hours=1))

    def wanting(reminders_by: Any) -> list[int]:
        return [o.id for o in store.held_without_mail(lo, later, summaries=True,
                                                      reminders_by=reminders_by)]

    assert wanting(occ.end - timedelta(minutes=1)) == []
    assert wanting(occ.end) == [occ.id]
    assert store.enqueue(_mail(occ, view, "summary"))  # not its kind: still wanted
    assert wanting(later) == [occ.id]
    assert store.enqueue(_mail(occ, view, "reminder"))
    assert wanting(later) == []


@contextmanager
def _statements(store: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def _queue(settings: Any, tenant: Any, store: Any, now: Any) -> tuple[list[str], list[str]]:
    """The mail queue step's queued mails and statements, after the absence step of the same
    run (as in a tick: a prep mail waits for its meeting's absence decision)."""
    async def go() -> Any:
        async with job_context(settings, now, sandbox=tenant, store=store,
                               graph_options={"sleep": no_sleep}) as ctx:
            await check_absences(ctx, now)
            with _statements(store) as seen:
                return await queue_mail(ctx, now), seen

    report, seen = asyncio.run(go())
    return report.queued, seen


def test_nothing_to_queue_reads_no_meeting_whatever_was_held(tmp_path, settings_for) -> None:
    """Every stored meeting held and mailed: the next run is one statement (before, two per
    held meeting), and a newly held one is queued by it."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'q.db'}"))
    store = scenario.store
    occ = scenario.occ
    store.upsert_occurrences(occ.series_id, [  # as if earlier meetings had been kept too
        {"event_id": f"{occ.event_id}-{n}", "original_start": occ.start - timedelta(days=n),
         "start": occ.start - timedelta(days=n), "end": occ.end - timedelta(days=n)}
        for n in (1, 2, 3, 4)], occ.start)
    held = store.pairing_occurrences(scenario.rob.pairing.id)
    assert len(held) == 5
    first, rest = held[0], held[1:]
    now = max(o.end for o in held) + timedelta(hours=2)
    for occ in rest:
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.HELD,
                                captured_at=occ.end + timedelta(minutes=30))
    _queue(scenario.settings, scenario.tenant, store, now)
    assert all(store.has_mail(f"{o.id}:summary") for o in rest)
    assert not store.has_mail(f"{first.id}:summary")

    queued, seen = _queue(scenario.settings, scenario.tenant, store, now + timedelta(hours=1))
    assert queued == [] and len(seen) == 1

    occ = first
    store.update_occurrence(occ.id, now, status=OccurrenceStatus.HELD,
                            captured_at=occ.end + timedelta(minutes=30))
    queued, _ = _queue(scenario.settings, scenario.tenant, store, now + timedelta(hours=2))
    assert len(queued) == 1 and queued[0].startswith("summary ")
    assert store.has_mail(f"{occ.id}:summary")


def test_prep_mails_already_queued_are_checked_in_bulk(tmp_path, settings_for) -> None:
    """Prep mails go once per meeting; a later run finds them queued without a look-up per
    meeting, and without reading every pair's people."""
    world = World(settings_for(f"sqlite:///{tmp_path / 'p.db'}"))
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, prep_email=True))
    queued, _ = _queue(world.settings, world.tenant, world.store, PREP_DAY)
    assert any(q.startswith("prep ") for q in queued)
    keys = {m.key for m in world.store.outbox() if m.kind == "prep"}
    assert keys

    queued, seen = _queue(world.settings, world.tenant, world.store,
                          PREP_DAY + timedelta(minutes=15))
    assert queued == []
    assert len(seen) <= 4, seen  # series, meetings, queued keys, held meetings
    assert not any("FROM people" in s and "pairings" in s and "JOIN people" in s
                   for s in seen if "outbox" not in s), seen
    assert {m.key for m in world.store.outbox() if m.kind == "prep"} == keys


def test_a_mailbox_sends_no_more_than_its_rate_per_minute(tmp_path, settings_for) -> None:
    """[mail] per_minute holds per mailbox within one run, counting what it claimed in the
    last minute; enqueueing in bulk adds each key once."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'r.db'}"))
    settings = dataclasses.replace(scenario.settings, mail=dataclasses.replace(
        scenario.settings.mail, per_minute=2))
    store, occ, view = scenario.store, scenario.occ, scenario.rob
    mails = [_mail(occ, view, "test", key=f"rate:{n}") for n in range(3)]
    assert store.enqueue_many([*mails, mails[0]]) == {"rate:0", "rate:1", "rate:2"}
    assert store.enqueue_many(mails) == set()
    now = occ.end + timedelta(days=1)

    async def send(at: Any) -> Any:
        async with job_context(settings, at, sandbox=scenario.tenant, store=store,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await send_outbox(ctx, at)

    first = asyncio.run(send(now))
    assert len([k for k in first.sent if k.startswith("rate:")]) == 2 and first.deferred >= 1
    assert asyncio.run(send(now + timedelta(seconds=30))).sent == []  # same minute
    later = asyncio.run(send(now + timedelta(minutes=2)))
    assert [k for k in later.sent if k.startswith("rate:")] == ["rate:2"]
