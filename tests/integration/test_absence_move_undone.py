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

FRIDAY = date(2026, 12, 18)


def _moved_off(settings: Any, tenant: SandboxTenant, store: Store, pairing_id: int,
               by: datetime) -> tuple[OccurrenceRecord, datetime]:
    """Runs every 12 hours until onetoone has moved the pair's Friday meeting off the
    absence (before ``by``): (the meeting as moved, that run's instant)."""
    now = START
    while (occ := _friday(store, pairing_id)) is None or occ.absence_state != "moved":
        now += timedelta(hours=12)
        assert now < by
        run_tick(settings, tenant, now)
    return occ, now


def _friday(store: Store, pairing_id: int) -> OccurrenceRecord | None:
    return next((o for o in store.pairing_occurrences(pairing_id)
                 if o.original_start.astimezone(LONDON).date() == FRIDAY), None)


def _end_date_in_outlook(tenant: SandboxTenant, manager: str, series: Any) -> None:
    """The manager gives the series an end date in Outlook's series form (its time kept):
    Exchange drops every exception of it, onetoone's move too."""
    raw = tenant.state["events"][tenant.user(manager)["id"]][series.event_id]
    recurrence = copy.deepcopy(raw["recurrence"])
    recurrence["range"] = {**recurrence["range"], "type": "endDate", "endDate": "2027-03-26"}
    first = datetime.fromisoformat(raw["start"]["dateTime"][:19]).replace(tzinfo=LONDON)
    tenant.person_retime_series(manager, series.event_id, first,
                                first + timedelta(minutes=series.minutes), recurrence)


def _runs_until(settings: Any, tenant: SandboxTenant, now: datetime, last: datetime
                ) -> datetime:
    """Runs every 12 hours from ``now`` as long as they come by ``last``: the last one's
    instant."""
    while now + timedelta(hours=12) <= last:
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    return now


def test_a_move_the_manager_undid_is_made_again(tmp_path: Path) -> None:
    settings, tenant, store, rob = rob_booked(tmp_path, "undone.db")
    tenant.add_absence(ROB, FRIDAY, FRIDAY)
    occ, now = _moved_off(settings, tenant, store, rob.pairing.id,
                          datetime(2026, 12, 17, tzinfo=UTC))
    assert occ.start.astimezone(LONDON).date() != FRIDAY
    _end_date_in_outlook(tenant, MIA, rob.series)
    _runs_until(settings, tenant, now, datetime(2026, 12, 17, 18, tzinfo=UTC))
    occ = _friday(store, rob.pairing.id)
    assert occ is not None and occ.start.astimezone(LONDON).date() != FRIDAY, occ
    assert occ.absence_state == "moved"


def _undone_once_over(tmp_path: Path, name: str) -> tuple[Any, SandboxTenant, Store, Any,
                                                           datetime]:
    """(settings, tenant, store, Rob's Friday meeting, the next run's instant): the meeting
    onetoone moved off Rob's leave to an earlier day is over, its notes due, when Mia gives
    the series an end date in Outlook, and the next run is the last before its own slot."""
    settings, tenant, store, rob = rob_booked(tmp_path, name)
    tenant.add_absence(ROB, FRIDAY, FRIDAY)
    moved, now = _moved_off(settings, tenant, store, rob.pairing.id,
                            datetime(2026, 12, 17, tzinfo=UTC))
    assert moved.start < moved.original_start
    due = moved.end + timedelta(minutes=30)  # its notes fall due
    while now + timedelta(hours=12) < due:
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    now += timedelta(hours=12)
    assert moved.end + timedelta(minutes=30) <= now < moved.original_start, now
    _end_date_in_outlook(tenant, MIA, rob.series)
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
    tenant.add_absence(YAN, date(2026, 12, 15), FRIDAY)  # Tuesday to Friday
    occ, now = _moved_off(settings, tenant, store, yan.pairing.id,
                          datetime(2026, 12, 18, tzinfo=UTC))
    assert occ.start > occ.original_start, occ  # moved to the Monday after
    # The edit comes after the Monday meeting's agenda went in (its series listed then), and
    # before the first run less than a day ahead of the Friday.
    now = _runs_until(settings, tenant, now, occ.original_start - timedelta(hours=24))
    before = _friday(store, yan.pairing.id)
    assert before is not None and before.agenda_state == "injected", before
    assert before.start == occ.start, before
    _end_date_in_outlook(tenant, ZED, series)
    now += timedelta(hours=12)
    run_tick(settings, tenant, now)
    after = _friday(store, yan.pairing.id)
    assert after is not None and after.absence_checked_at == now, after  # looked at again

    async def in_outlook() -> datetime | None:  # where the meeting is, as Zed's calendar says
        async with job_context(settings, now, sandbox=tenant) as ctx:
            found = await ctx.graph.get_event(series.mailbox, occ.event_id, "start,end")
        return found.start if found is not None else None

    held_at = asyncio.run(in_outlook())
    assert held_at is not None and held_at == after.start, (held_at, after)
    assert held_at.astimezone(LONDON).date() != FRIDAY or after.absence_state == "no_slot"
    # Watched by its new time as well: read again on the eve of it.
    box = series.mailbox.lower()
    _runs_until(settings, tenant, now, held_at - timedelta(seconds=1))
    link = DeltaRepository(store.engine).delta_links({box}).get(box)
    assert link is not None and link.read_at is not None
    assert held_at - timedelta(hours=24) <= link.read_at < held_at, (link, held_at)
