"""Overlap repair: one series of every two that book a person twice is moved, to a slot
chosen as for a new series. A move is safe to kill half-way: its intent is stored first and
the next run finishes it from what the calendar shows."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from service.domain.adoption import series_from_event
from service.domain.cadence import (
    recurrence_for,
)
from service.domain.events import CalendarEvent
from service.domain.htmltext import html_to_text
from service.domain.model import Cadence, CadenceKind
from service.domain.records import PairingView, PersonRecord, SeriesRecord
from service.domain.series import WindowOccurrences, held_before, listed_until, slot_of
from service.domain.series import occurrences as series_occurrences
from service.domain.slot_text import late_first_note
from service.domain.slots import choose_slot
from service.domain.status import MEETING_SERIES, SeriesStatus
from service.errors import GraphError, ServiceError
from service.graph.wire import (
    series_move_patch,
)
from service.jobs.series_plan import (
    MOVING,
    PLAN_LOCK,
    TAKEN_HORIZON,
    SchedulerBase,
    describe_slot,
    first_meeting_due,
    local_today,
    not_before,
    passing,
    report_working_hours,
    with_note_first,
    working_hours,
)
from service.render import render

log = logging.getLogger(__name__)
# A look that finds the series clear holds while no series or pairing changes and the
# look-ahead stays short of the first clash it saw (or of this far past it: the look is
# then repeated about this often).
CLEAR_AHEAD = timedelta(days=14)
CLEAR_MARK = "overlaps.clear_until"
# People whose 1-2-1s are looked at together: memory holds the series booking them (and
# their meetings in the look-ahead), not every series at once.
PEOPLE_PER_LOOK = 2_000


def _clear(mark: str | None, state: str, look_end: datetime) -> bool:
    """Whether a stored look still holds: the series and pairings are as they were, and
    no clash it saw reaches into the look-ahead."""
    if not mark:
        return False
    until, _, seen = mark.partition(" ")
    return seen == state and look_end <= datetime.fromisoformat(until)


def _first_clash(items: list[tuple[datetime, datetime, int]], pairing_of: dict[int, int],
                 default: datetime) -> datetime:
    """The earliest start of a meeting that overlaps an earlier one of another pairing, in
    one person's meetings sorted by start (every pair compared, so no clash is missed)."""
    under_way: list[tuple[datetime, datetime, int]] = []
    for item in items:
        under_way = [o for o in under_way if o[1] > item[0]]
        if any(pairing_of[o[2]] != pairing_of[item[2]] for o in under_way):
            return item[0]
        under_way.append(item)
    return default


class _Look:
    """What one look over everyone's series found: the series to move (by id, with the
    series each clashes with), the pairings whose move a killed run left half-done, and
    until when nothing clashes."""

    def __init__(self, clear_until: datetime) -> None:
        self.to_move: dict[int, int] = {}
        self.pairing_of: dict[int, int] = {}  # of the series in to_move, both sides
        self.moving: set[int] = set()
        self.clear_until = clear_until
        self.seen = False

    def person(self, items: list[tuple[datetime, datetime, int]], pairing_of: dict[int, int],
               live: set[int], look_end: datetime) -> None:
        """One person's meetings (every series booking them): a clash in the look-ahead
        moves the later-created series of the two of those in ``live`` (the movable ones:
        never a superseded one, nor one whose slot its manager chose in Outlook)."""
        items.sort()
        self.clear_until = min(self.clear_until,
                               _first_clash(items, pairing_of, self.clear_until))
        under_way: list[tuple[datetime, datetime, int]] = []
        for item in items:
            if item[0] >= look_end:
                break  # past the look-ahead: not acted on yet
            # Every meeting still under way, not only the one ending last: that one may be
            # of this same pairing while another of a third pairing clashes.
            under_way = [o for o in under_way if o[1] > item[0]]
            for other in under_way:
                if pairing_of[other[2]] == pairing_of[item[2]]:
                    continue
                a, b = sorted((other[2], item[2]))
                if b not in live:  # superseded: the other one moves, if it can
                    a, b = b, a
                if b in live and a not in self.to_move:
                    self.to_move.setdefault(b, a)
                    self.pairing_of.update({a: pairing_of[a], b: pairing_of[b]})
            under_way.append(item)


class OverlapRepair(SchedulerBase):
    """The overlap-repair step of a schedule run."""

    async def _repair_overlaps(self) -> None:
        """Move one series of every two that book a person twice in the look-ahead.

        The later-created series moves: to a slot chosen as for a new series (against all
        of both people's other 1-2-1s). A series that has not started yet (and whose
        occurrences onetoone has not mirrored yet) is moved with one PATCH whose invite text
        says why, once its instances were read and none is an exception; any other is ended
        (its meetings to come cancelled one by one, its history as it was) and created anew
        from the next free slot, its invite saying why, because re-timing a series drops
        every exception: each meeting someone moved, deleted or typed into (an agenda too)
        snaps back to the pattern with the master's text (MS-OXOCAL 3.1.4.7.3.5).
        """
        look_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)
        store = self.ctx.store
        state = store.series_state() if not self.dry_run else ""
        if not self.dry_run and _clear(store.due_mark(CLEAR_MARK), state, look_end):
            return  # nothing changed since a look that found them clear past look_end
        look = self._look(look_end)
        if not look.seen:
            return
        views = store.active_views(look.pairing_of.values())
        moves = [(sid, views[look.pairing_of[sid]], views[look.pairing_of[other]])
                 for sid, other in sorted(look.to_move.items())
                 if look.pairing_of[sid] in views and look.pairing_of[other] in views]
        if self.dry_run:
            for _sid, view, clash in moves:
                self.report.warnings.append(f"{view.manager.name} & {view.report.name}: "
                                            f"would move ({self._why_moved(view, clash)})")
            return
        if not look.to_move and not look.moving:
            store.set_due_mark(CLEAR_MARK, f"{look.clear_until.isoformat()} {state}")
            return
        # Moves choose slots too: one worker at a time, as for new series.
        if not await self._take_planning_lock():
            self.report.busy.extend(f"{view.manager.name} & {view.report.name}"
                                    for _sid, view, _clash in moves)
            return
        try:
            for view in store.active_views(sorted(look.moving)).values():
                # a move a killed run left half-done
                await self._claimed(view, self._finish_move)
            for _sid, view, clash in moves:
                why = self._why_moved(view, clash)
                label = f"{view.manager.name} & {view.report.name}"
                if await self._claimed(view, partial(self._move_series, why=why)):
                    self.report.moved.append(f"{label}: {why}")
        finally:
            self.ctx.store.drop_lock(PLAN_LOCK, self.ctx.worker_id)

    def _look(self, look_end: datetime) -> _Look:
        """Every person's 1-2-1s in the look-ahead (and past it, so that a look that finds
        nothing holds for a while), a slice of the people at a time: each slice reads the
        series booking its people (as manager or as report), so every person's meetings are
        complete within their own slice, and memory holds one slice, not the organisation.
        The series are those of active pairings with an active series, and the superseded
        ones those still hold: taken time too, but never moved (they end by themselves); a
        clash with one moves the other series."""
        store = self.ctx.store
        look = _Look(look_end + CLEAR_AHEAD)
        expand = WindowOccurrences(self.now, look_end + CLEAR_AHEAD)
        after: str | None = None
        while True:
            people = store.booked_people(after, PEOPLE_PER_LOOK)
            if not people:
                return look
            after = people[-1]
            found = store.booked_series(people, MEETING_SERIES, noted=MOVING)
            live = {s.id for s in found if s.status == SeriesStatus.ACTIVE}
            # A slot the manager chose in Outlook is theirs: the other series moves.
            movable = {s.id for s in found if s.id in live and not s.chosen}
            with_live = {s.pairing_id for s in found if s.id in live}
            wanted = set(people)
            items: defaultdict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
            pairing_of: dict[int, int] = {}
            for series in found:
                if series.pairing_id not in with_live:
                    continue  # being created, or ended: nothing of it is looked at
                look.seen = True
                pairing_of[series.id] = series.pairing_id
                if series.noted and series.id in live:
                    look.moving.add(series.pairing_id)
                times = expand(series)
                for person in {series.manager_id, series.report_id} & wanted:
                    items[person].extend((start, end, series.id) for start, end in times)
            for person_items in items.values():
                look.person(person_items, pairing_of, movable, look_end)
            if len(people) < PEOPLE_PER_LOOK:
                return look

    def _why_moved(self, view: PairingView, clash: PairingView) -> str:
        """The sentence the report reads in the moved series' invite."""
        shared = {view.manager.id, view.report.id} & {clash.manager.id, clash.report.id}
        return moved_why(view.manager, shared == {view.manager.id})

    async def _move_series(self, view: PairingView, why: str) -> bool:
        """Move one series to a free slot (see _repair_overlaps); False if nothing moved."""
        store = self.ctx.store
        series = store.live_series(view.pairing.id)
        if series is None or series.status != SeriesStatus.ACTIVE or series.event_id is None:
            return False  # changed by another replica since we looked
        people = store.people([view.manager.id, view.report.id])
        manager = people.get(view.manager.id, view.manager)
        report = people.get(view.report.id, view.report)
        manager_hours = working_hours(manager, self.slot_policy.fallback_time_zone)
        window_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)
        try:
            busy = await self.ctx.graph.free_busy(manager.id, [manager.email, report.email],
                                                  self.now, window_end)
        except GraphError as exc:
            if passing(exc):
                raise  # throttled, a 5xx, no answer: moved next run, not blind now
            busy = {}
        booked = self.booked_by_person(skip_series=series.id,
                                       people=[manager.id, report.id])
        cadence = Cadence(CadenceKind(series.cadence), series.minutes, "")
        # A follow-on starts where the series it follows ends, as when it was booked: moved
        # to start sooner, the pair would meet on both (and a new starter's, at the role's
        # cadence, would read as a cadence change: both ended and booked anew).
        held = held_before(store.pairing_series(series.pairing_id),
                           local_today(self.now, series.time_zone))
        after = (held[0], first_meeting_due(cadence.kind, held[1])) if held else None
        first_day = not_before(manager, report)
        if after is not None:
            first_day = max(after[0], first_day or after[0])
        # A slot first: a series is never ended or touched unless there is somewhere to go
        # (choose_slot raises when nothing is free, and the clash is then only reported).
        choose = partial(
            choose_slot,
            cadence=cadence, manager_hours=manager_hours,
            report_hours=report_working_hours(report, manager_hours.time_zone),
            manager_busy=busy.get(manager.email.lower()) or [],
            report_busy=busy.get(report.email.lower()) or [],
            taken=booked[manager.id] + booked[report.id], policy=self.slot_policy,
            now=self.now, seed=view.pairing.key,
            # One calendar Graph could not tell about doesn't hide the other's busy time.
            free_busy_known=any(found is not None for found in busy.values()),
            taken_until=self.now + TAKEN_HORIZON, not_before=first_day)
        try:
            slot = choose(first_by=after[1] if after else None)
        except ServiceError:
            if after is None:
                raise
            # No gap is a preference: a later start beats leaving the clash.
            slot = choose()
            slot = replace(slot, notes=(*slot.notes, late_first_note(after[1])))
        if (series.first_date < local_today(self.now, series.time_zone)
                or store.occurrences(series.id) or await self._has_exceptions(series)):
            # A past, occurrences already mirrored (an agenda may be in one), or an exception:
            # re-timing the series would drop them, and their stored rows would look
            # cancelled.
            await self._end_to_rebook(view, series, why)
            return True  # the new series is created by this run's _create_missing
        # The intent first: a run killed (or failed) around the PATCH leaves it "moving",
        # and the next run looks at the calendar and finishes the move, never redoes it.
        store.update_series(series.id, self.now, weekday=slot.weekday,
                            week_index=slot.week_index, start_time=slot.start.strftime("%H:%M"),
                            first_date=slot.first_date, slot_note=f"{MOVING}{why}")
        await self._patch_move(store.series(series.id) or series, manager, report, why)
        store.update_series(series.id, self.now,
                            slot_note="; ".join((*slot.notes, f"moved: {why}")))
        log.info("schedule.moved", extra={"series": series.id, "slot": describe_slot(
            store.series(series.id) or series)})
        return True

    async def _end_to_rebook(self, view: PairingView, series: SeriesRecord, why: str) -> None:
        self._why[view.pairing.id] = why
        # Only this series ends (today's meeting clashes too: it goes with the rest). One it
        # follows on from clashes with nothing and keeps its meetings: the new series is
        # booked from its last day on (_create_missing), so the pair never meets on both.
        await self._end_one(series, "moved to a time free of other 1-2-1s")
        self.report.ended.append(f"{view.manager.name} & {view.report.name}: moved to a "
                                 "time free of other 1-2-1s (booked anew)")

    async def _has_exceptions(self, series: SeriesRecord,
                              master: CalendarEvent | None = None) -> bool:
        """Whether any meeting of the series is an exception in Outlook: moved, typed into
        (each is then of type "exception") or deleted (missing from its pattern). One
        instances read. ``master``: the series as Outlook has it, when the store may already
        hold another slot (a move a killed run left half-done)."""
        pattern = series
        if master is not None and master.start is not None and master.end is not None:
            pattern = replace(series, **series_from_event(master, series.time_zone))
        zone = ZoneInfo(pattern.time_zone)
        lo = datetime.combine(pattern.first_date, time(0), tzinfo=zone)
        last = listed_until(pattern.range_end, self.now.astimezone(zone).date())
        hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=zone)
        items = await self.ctx.graph.instances(
            series.mailbox, series.event_id or "", lo, hi,
            "id,start,end,type,isCancelled,originalStart")
        if any(i.type == "exception" or i.cancelled for i in items):
            return True
        listed = {i.slot or i.start for i in items}
        return any(start not in listed for start, _ in series_occurrences(pattern, lo, hi))

    async def _patch_move(self, series: SeriesRecord, manager: PersonRecord, report: PersonRecord,
                          why: str) -> None:
        """One PATCH putting the series on its stored slot, the invite saying why."""
        slot = slot_of(series)
        # The body as it is keeps what it holds besides our intro, which must survive the
        # PATCH: Exchange's Teams join block, an add-in's (Zoom, Webex: a series booked
        # without Teams has them too), the manager's own words in the series. Say why at its
        # top; only a body with nothing in it gets the intro afresh.
        current = await self.ctx.graph.get_event(series.mailbox, series.event_id or "", "body")
        html = current.body if current else ""
        body = (with_note_first(without_moved_note(html),
                                render("moved_note.html.j2", moved_why=why))
                if html.strip() else self._intro(series, manager, report, why))
        recurrence = recurrence_for(CadenceKind(series.cadence), slot, series.range_end)
        await self.ctx.graph.update_event(series.mailbox, series.event_id or "",
                                          series_move_patch(slot=slot, minutes=series.minutes,
                                                            recurrence=recurrence,
                                                            body_html=body))

    async def _finish_move(self, view: PairingView) -> bool:
        """A move whose run was killed: PATCH only if the calendar doesn't show it yet."""
        store = self.ctx.store
        series = store.live_series(view.pairing.id)
        if series is None or not series.slot_note.startswith(MOVING) or not series.event_id:
            return False
        why = series.slot_note.removeprefix(MOVING)
        event = await self.ctx.graph.get_event(
            series.mailbox, series.event_id, "start,end,recurrence,originalStartTimeZone")
        zone = ZoneInfo(series.time_zone)
        wanted = datetime.combine(series.first_date, time.fromisoformat(series.start_time),
                                  tzinfo=zone)
        if event is None or event.start != wanted:
            # Never re-time a series whose exceptions were not read: with any, it is ended
            # and booked anew instead.
            if event is not None and await self._has_exceptions(series, event):
                await self._end_to_rebook(view, series, why)
                return True
            people = store.people([view.manager.id, view.report.id])
            await self._patch_move(series, people.get(view.manager.id, view.manager),
                                   people.get(view.report.id, view.report), why)
        store.update_series(series.id, self.now, slot_note=f"moved: {why}")
        return True


def moved_why(manager: PersonRecord, managers_clash: bool) -> str:
    """The "New time:" sentence of a series moved off a clash (also known to the read-back,
    which must not take it for the manager's words when the agenda's end line is gone)."""
    whose = f"{manager.name}'s" if managers_clash else "your"
    return (f"the old time clashed with another of {whose} 1-2-1s, so onetoone moved "
            "this series to a time that is free for both of you.")


# One paragraph (or div) holding no other: where a "New time" note of an earlier move sits.
_PARAGRAPH = re.compile(r"<(p|div)\b[^>]*>(?:(?!<(?:p|div)\b).)*?</\1\s*>",
                        re.IGNORECASE | re.DOTALL)
_MOVED_NOTE = re.compile(r"New time:\s*the old time clashed with another of .{1,400}? 1-2-1s, "
                         r"so onetoone moved this series to a time that is free for both of "
                         r"you\.", re.DOTALL)


def without_moved_note(html: str) -> str:
    """``html`` less the "New time" note of an earlier move (by its words, whatever markup
    Exchange gave it), so a series moved again says why once, not once per move."""
    return _PARAGRAPH.sub(
        lambda m: "" if _MOVED_NOTE.fullmatch(html_to_text(m.group(0)).strip()) else m.group(0),
        html)
