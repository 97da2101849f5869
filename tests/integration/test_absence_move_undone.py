"""A meeting onetoone moved off the report's leave, put back on it by the manager's edit of
the whole series in Outlook (a new end date: Exchange drops every exception, so the moved
meeting returns to its slot), is moved off the leave again: it was left on the leave day,
marked moved for good, and the report had a 1-2-1 on a day off (soak seed 19)."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from service.app import job_context
from service.domain.records import OccurrenceRecord
from service.jobs.capture import capture_notes
from service.sandbox import SandboxTenant
from service.store.calendar_delta import DeltaRepository
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    MIA,
    ROB,
    START,
    YAN,
    ZED,
    rob_booked,
    run_tick,
)


def test_a_move_the_manager_undid_is_made_again(tmp_path: Path) -> None:
    settings, tenant, store, rob = rob_booked(tmp_path, "undone.db")
    series = rob.series
    friday = date(2026, 12, 18)
    tenant.add_absence(ROB, friday, friday)

    def meeting() -> OccurrenceRecord | None:
        return next((o for o in store.pairing_occurrences(rob.pairing.id)
                     if o.original_start.astimezone(LONDON).date() == friday), None)

    now = START
    while (occ := meeting()) is None or occ.absence_state != "moved":
        now += timedelta(hours=12)
        assert now < datetime(2026, 12, 17, tzinfo=UTC)
        run_tick(settings, tenant, now)
    assert occ.start.astimezone(LONDON).date() != friday

    # Mia gives the series an end date in Outlook's series form (its time kept).
    async def master() -> dict:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            found = await ctx.graph.get_event(series.mailbox, series.event_id or "",
                                              "start,end,recurrence")
        assert found is not None and found.start is not None and found.end is not None
        return {"start": found.start, "end": found.end}

    times = asyncio.run(master())
    raw = tenant.state["events"][tenant.user(MIA)["id"]][series.event_id]
    recurrence = copy.deepcopy(raw["recurrence"])
    recurrence["range"] = {**recurrence["range"], "type": "endDate", "endDate": "2027-03-26"}
    tenant.person_retime_series(MIA, series.event_id or "", times["start"], times["end"],
                                recurrence)
    while now < datetime(2026, 12, 17, 12, tzinfo=UTC):
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    occ = meeting()
    assert occ is not None and occ.start.astimezone(LONDON).date() != friday, occ
    assert occ.absence_state == "moved"


def _undone_once_over(tmp_path: Path, name: str) -> tuple[Any, SandboxTenant, Store, Any,
                                                           datetime]:
    """(settings, tenant, store, Rob's Friday meeting, the next run's instant): the meeting
    onetoone moved off Rob's leave to an earlier day is over, its notes due, when Mia gives
    the series an end date in Outlook, and the next run is the last before its own slot."""
    settings, tenant, store, rob = rob_booked(tmp_path, name)
    series = rob.series
    friday = date(2026, 12, 18)
    tenant.add_absence(ROB, friday, friday)

    def meeting() -> OccurrenceRecord | None:
        return next((o for o in store.pairing_occurrences(rob.pairing.id)
                     if o.original_start.astimezone(LONDON).date() == friday), None)

    now = START
    while (occ := meeting()) is None or occ.absence_state != "moved":
        now += timedelta(hours=12)
        assert now < datetime(2026, 12, 17, tzinfo=UTC)
        run_tick(settings, tenant, now)
    moved = occ
    assert moved.start < moved.original_start
    while now + timedelta(hours=12) < moved.end + timedelta(minutes=30):
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    now += timedelta(hours=12)
    assert moved.end + timedelta(minutes=30) <= now < moved.original_start, now

    raw = tenant.state["events"][tenant.user(MIA)["id"]][series.event_id]
    recurrence = copy.deepcopy(raw["recurrence"])
    recurrence["range"] = {**recurrence["range"], "type": "endDate", "endDate": "2027-03-26"}
    first = datetime.fromisoformat(raw["start"]["dateTime"][:19]).replace(tzinfo=LONDON)
    tenant.person_retime_series(MIA, series.event_id or "", first,
                                first + timedelta(minutes=series.minutes), recurrence)
    return settings, tenant, store, moved, now


def _checked_again(store: Store, moved: OccurrenceRecord, now: datetime) -> None:
    occ = store.occurrence(moved.id)
    assert occ is not None and occ.absence_checked_at == now, occ  # looked at again now
    assert occ.start != occ.original_start or occ.absence_state in ("no_slot", "skipped"), occ
    assert occ.captured_at is None  # not read back as a meeting held without notes


def test_a_move_undone_after_the_moved_meeting_time_is_checked_again_before_the_slot(
        tmp_path: Path) -> None:
    """The store says the moved meeting is over (its notes due), and only the read of the
    calendar made for its notes shows it at its slot again, on the leave. It is followed as
    a meeting to come, and its absence check made again in that same run (soak seed 30,
    24-hour ticks: the next run would come after it)."""
    settings, tenant, store, moved, now = _undone_once_over(tmp_path, "undone-late.db")
    run_tick(settings, tenant, now)
    _checked_again(store, moved, now)


def test_a_move_undone_found_by_reading_the_meeting_for_its_notes_is_checked_again(
        tmp_path: Path) -> None:
    """Read on its own for its notes (no calendar read of this run listed it), the meeting is
    found back on its own slot, not yet held: it is scheduled there and its absence check is
    due again (it was marked moved, at its slot, and never checked again)."""
    settings, tenant, store, moved, now = _undone_once_over(tmp_path, "undone-read.db")
    tenant.now = lambda: now

    async def notes_only() -> None:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            await capture_notes(ctx, now)

    asyncio.run(notes_only())
    occ = store.occurrence(moved.id)
    assert occ is not None and occ.start == occ.original_start, occ
    assert occ.status == "scheduled" and occ.absence_state is None and occ.captured_at is None
    run_tick(settings, tenant, now + timedelta(minutes=5))
    _checked_again(store, moved, now + timedelta(minutes=5))


def test_a_move_to_a_later_day_undone_is_seen_before_the_meeting_s_own_slot(
        tmp_path: Path) -> None:
    """Moved off Yan's leave to the Monday after, the Friday meeting is recorded at its new,
    later time; the manager's edit of the whole series puts it back on the Friday. Zed's
    calendar is read once a meeting of his is a day away, and the meeting counts by its own
    slot for that: his calendar is read before the Friday, the meeting found there, and
    moved off the leave again. (By its recorded Monday, nothing read his calendar before
    the Friday: Yan had a 1-2-1 on his day off.)"""
    settings, tenant, store, _rob = rob_booked(tmp_path, "undone-later.db")
    yan = next(v for v in store.views() if v.report.email == YAN)
    series = yan.series
    assert series is not None and series.event_id
    friday = date(2026, 12, 18)
    tenant.add_absence(YAN, date(2026, 12, 15), friday)  # Tuesday to Friday

    def meeting() -> OccurrenceRecord | None:
        return next((o for o in store.pairing_occurrences(yan.pairing.id)
                     if o.original_start.astimezone(LONDON).date() == friday), None)

    now = START
    while (occ := meeting()) is None or occ.absence_state != "moved":
        now += timedelta(hours=12)
        assert now < datetime(2026, 12, 18, tzinfo=UTC)
        run_tick(settings, tenant, now)
    assert occ.start > occ.original_start, occ  # moved to the Monday after
    raw = tenant.state["events"][tenant.user(ZED)["id"]][series.event_id]
    recurrence = copy.deepcopy(raw["recurrence"])
    recurrence["range"] = {**recurrence["range"], "type": "endDate", "endDate": "2027-03-26"}
    first = datetime.fromisoformat(raw["start"]["dateTime"][:19]).replace(tzinfo=LONDON)
    # The edit comes after the Monday meeting's agenda went in (its series listed then), and
    # before the first run less than a day ahead of the Friday.
    while now + timedelta(hours=12) <= occ.original_start - timedelta(hours=24):
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    before = meeting()
    assert before is not None and before.agenda_state == "injected", before
    assert before.start == occ.start, before
    tenant.person_retime_series(ZED, series.event_id, first,
                                first + timedelta(minutes=series.minutes), recurrence)
    now += timedelta(hours=12)
    run_tick(settings, tenant, now)
    after = meeting()
    assert after is not None and after.absence_checked_at == now, after  # looked at again

    async def in_outlook() -> datetime | None:  # where the meeting is, as Zed's calendar says
        async with job_context(settings, now, sandbox=tenant) as ctx:
            found = await ctx.graph.get_event(series.mailbox, occ.event_id, "start,end")
        return found.start if found is not None else None

    held_at = asyncio.run(in_outlook())
    assert held_at is not None and held_at == after.start, (held_at, after)
    assert held_at.astimezone(LONDON).date() != friday or after.absence_state == "no_slot"
    # Watched by its new time as well: read again on the eve of it.
    box = series.mailbox.lower()
    while now + timedelta(hours=12) < held_at:
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    link = DeltaRepository(store.engine).delta_links({box}).get(box)
    assert link is not None and link.read_at is not None
    assert held_at - timedelta(hours=24) <= link.read_at < held_at, (link, held_at)
