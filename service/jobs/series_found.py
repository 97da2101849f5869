"""Series already in a manager's calendar when a pair is to be booked: onetoone's own, found
by its tag (a run that died after its POST, a lost database), and the pair's own 1-2-1 made
by hand before onetoone came, found by who attends it (see ``domain.own_series``). Either is
taken on, never booked beside. A pair left to its own series is looked at again once that
series may be over (``_look_at_own``)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from service.domain.adoption import PAIRING_KEY_PREFIX, by_pairing, series_from_event
from service.domain.events import CalendarEvent
from service.domain.own_series import (
    ADOPT,
    OWN_PREFIX,
    OwnSeries,
    check_again_at,
    find_own_series,
)
from service.domain.records import PairingView, PersonRecord, SeriesRecord
from service.domain.retime import followable
from service.domain.series import occurrences as series_occurrences
from service.domain.status import PairingStatus, SeriesStatus
from service.errors import GraphError, ServiceError
from service.graph.wire import PAIRING_PROPERTY, sensitivity_patch
from service.jobs.series_plan import (
    ADOPT_SELECT,
    MANAGERS_AT_ONCE,
    TAKEN_HORIZON,
    SchedulerBase,
    local_today,
    working_hours,
)

log = logging.getLogger(__name__)

# The slot note of a pair's own series adopted (then its subject, quoted).
OWN_NOTE = "the pair's own series in Outlook"
# Who is in each series too: the pair's own is known by its people (and its rooms by its
# locations); whether the manager declined it, and whether its attendees are hidden from her
# copy (see ``domain.own_series.find_own_series``); whether it is private (its subject is
# then not quoted: ``domain.own_series.OwnSeries.named``).
OWN_SELECT = (ADOPT_SELECT + ",subject,attendees,organizer,isOrganizer,locations,"
              "responseStatus,hideAttendees,sensitivity")


class SeriesFound(SchedulerBase):
    """The schedule run's reads of what a manager's calendar already holds, and taking a
    series found there on as the pair's."""

    async def _find_tagged(self, manager: PersonRecord, keys: list[str]
                           ) -> dict[str, list[CalendarEvent]]:
        """Every series already in the manager's calendar for the pairings ``keys``, found by
        one search of the mailbox (one request a page, however many pairs): any event whose
        pairing tag starts as every pairing key does. It finds what a run that died after
        its POST left (the intent is stored before the POST, but not the event's id), what
        a lost database forgot, and series any earlier version made (all carry the tag),
        never an ended one (its tag was rewritten). Done for every manager with a series to
        create, a first rollout included: a fresh store cannot tell a new tenant from a lost
        database. Should Graph refuse the prefix filter, the pairs are searched one by one
        (one $batch sub-request each), as before."""
        graph = self.ctx.graph
        try:
            found = await graph.find_tagged_events_by_prefix(
                manager.id, PAIRING_PROPERTY, PAIRING_KEY_PREFIX, ADOPT_SELECT)
        except GraphError as exc:
            if exc.status not in (400, 501):  # throttled, no access, server trouble
                raise
            log.warning("schedule.tag_search_refused",
                        extra={"mailbox": manager.email, "error": str(exc)})
            return await graph.find_tagged_events_many(manager.id, PAIRING_PROPERTY, keys,
                                                       ADOPT_SELECT)
        return by_pairing(found, PAIRING_PROPERTY, keys)

    async def _find_series(self, manager: PersonRecord, views: list[PairingView]
                           ) -> tuple[dict[str, list[CalendarEvent]], list[CalendarEvent]]:
        """The series of these pairs already in the manager's calendar (by pairing key, as
        ``_find_tagged``), and the manager's series masters when one of the pairs may hold
        a series of its own: it has none yet (a first rollout, a joiner, a new manager) and
        the policy adopts such series. Then the masters, each with our tag expanded, are
        read instead of the tag search (one request a page either way): the live series
        onetoone made are among them, so the search costs nothing more than before."""
        keys = [v.pairing.key for v in views]
        if self.series_policy.own_series == ADOPT and any(v.series is None for v in views):
            try:
                # (Read already this run when it looked at pairs left to their own series.)
                masters = self._masters.get(manager.id)
                if masters is None:
                    masters = await self.ctx.graph.series_masters(manager.id, PAIRING_PROPERTY,
                                                                  OWN_SELECT)
            except GraphError as exc:
                if exc.status not in (400, 501):  # throttled, no access, server trouble
                    raise
                # A filter this mailbox refuses: the tag search alone, and said (a pair's own
                # series, if any, gets one booked beside it).
                log.warning("schedule.own_series_search_refused",
                            extra={"mailbox": manager.email, "error": str(exc)})
                self.report.warnings.append(
                    f"{manager.name} <{manager.email}>: Graph refused the read of their "
                    f"series ({exc}), so a 1-2-1 series they already hold with a report was "
                    "not looked for")
            else:
                await self._own_made_private(manager, views, masters)
                return by_pairing(masters, PAIRING_PROPERTY, keys), masters
        return await self._find_tagged(manager, keys), []

    async def _own_made_private(self, manager: PersonRecord, views: list[PairingView],
                                masters: list[CalendarEvent]) -> None:
        """Make each pair's own series among ``masters`` that this run adopts
        (``_take_own``) private first ([policy] sensitivity), as the series onetoone books
        are. Outlook makes a meeting "normal", and a delegate or a colleague the manager
        shares her calendar with reads the body of any meeting not marked private: the
        agendas written into it recall the pair's notes, open actions and the report's
        topics. Exchange keeps sensitivity per series, so its master is updated, once (the
        report gets it as a meeting update). Should Graph refuse, the error fails this
        manager's pairs for the run (the next adopts them): adopted unmarked, the notes
        would go where others read them, and left out of ``masters`` the pair would be
        booked beside its own. (``masters`` stay as read: a subject the pair left unmarked
        is named as before, see ``OwnSeries.named``.)"""
        if self.dry_run or self.ctx.settings.policy.sensitivity != "private":
            return
        fresh = [v for v in views if v.series is None]
        history = self.ctx.store.pairings_with_series(
            [v.pairing.id for v in fresh if v.pairing.id > 0])
        today = local_today(self.now, working_hours(
            manager, self.slot_policy.fallback_time_zone).time_zone)
        made: set[str] = set()
        for view in fresh:
            if view.pairing.id in history and not self._deleted_last(view.pairing.id):
                continue  # (booked before: its own series is not looked for, see _prepare_one)
            own = find_own_series(masters, manager.email, view.report.email,
                                  PAIRING_PROPERTY, today)
            if (own is None or not own.adoptable or own.event.id in made
                    or own.event.sensitivity in ("private", "confidential")):
                continue
            await self.ctx.graph.update_event(manager.id, own.event.id,
                                              sensitivity_patch("private"))
            made.add(own.event.id)
            log.info("schedule.own_series_made_private", extra={"pairing": view.pairing.key})

    def _adopt(self, view: PairingView, found: CalendarEvent, zone: str, label: str,
               note: str, *, own: bool = False) -> list[tuple[datetime, datetime]]:
        """Record ``found`` as the pair's live series (no Graph call); returns its meetings
        in the look-ahead, which the manager's later pairs must avoid."""
        store, pairing = self.ctx.store, view.pairing
        fields = series_from_event(found, zone)
        # A series timed otherwise than the policy says, on a pattern onetoone can carry
        # on, stands as it is: its manager chose (or re-timed) it in Outlook, or the policy
        # changed meanwhile, which the pairing's next change of cadence applies. Re-booking
        # it now would cancel every meeting its manager chose. (One of ours onetoone cannot
        # carry on, such as every three weeks, is re-booked: extending it as read would book
        # a pattern nobody chose.)
        as_timed = followable(found) and (
            (fields["cadence"], fields["minutes"]) != (pairing.cadence, pairing.minutes))
        if as_timed or own:
            # (A pair's own is always recorded as chosen in Outlook: the overlap repair
            # moves the other series, never theirs.)
            fields.update(policy_cadence=pairing.cadence, policy_minutes=pairing.minutes)
        self.report.adopted.append(label)
        if self.dry_run:
            return []
        if as_timed:
            log.info("schedule.adopted_as_timed", extra={
                "pairing": pairing.key, "cadence": fields["cadence"],
                "minutes": fields["minutes"], "policy_cadence": pairing.cadence,
                "policy_minutes": pairing.minutes})
        if view.series is not None:  # the intent of a create that landed: it is this one
            adopted = view.series
            store.activate_series(adopted.id, event_id=found.id, ical_uid=found.ical_uid,
                                  now=self.now, **fields)
        else:
            # Recorded live at once (one transaction): nothing is written to Graph, so
            # there is no intent to keep, and a run killed before this finds it again.
            adopted = store.begin_series(SeriesRecord(
                pairing_id=pairing.id, mailbox=view.manager.id,
                transaction_id=f"{OWN_PREFIX if own else 'adopted-'}{found.id[-60:]}",
                status=SeriesStatus.ACTIVE,
                event_id=found.id, ical_uid=found.ical_uid, online=found.online,
                slot_note=note, created_at=self.now, updated_at=self.now,
                checked_at=self.now, **fields))
        log.info("schedule.adopted", extra={"pairing": pairing.key})
        return series_occurrences(store.live_series(pairing.id) or adopted, self.now,
                                  self.now + TAKEN_HORIZON, open_ended=True)

    def _deleted_last(self, pairing_id: int) -> bool:
        """Whether the pairing's latest series is one its manager deleted in Outlook: the
        pair is back from `pairs reset`. She may have deleted it for the 1-2-1 of her own
        it was booked beside (by a release before own series were looked for, or with
        own_series = "ignore"): that one is looked for as at a first booking, not booked
        beside again. (A series onetoone ended itself, for a new cadence, is followed on as
        before.)"""
        several = self.ctx.store.pairing_series(pairing_id)
        return bool(several) and several[-1].status == SeriesStatus.DELETED

    def _take_own(self, view: PairingView, report: PersonRecord,
                  masters: list[CalendarEvent], zone: str, label: str
                  ) -> list[tuple[datetime, datetime]] | None:
        """The pair's own series among the manager's ``masters``: adopted when onetoone can
        carry it on, else the pair is left to it (not booked, and said). Returns the
        meetings the manager's later pairs must avoid, or None when the pair has none of
        its own (it is booked as usual)."""
        own = find_own_series(masters, view.manager.email, report.email, PAIRING_PROPERTY,
                              local_today(self.now, zone))
        if own is None:
            return None
        if own.adoptable:
            return self._adopt(view, own.event, zone, label,
                               f"{OWN_NOTE} ({own.named()}), adopted", own=True)
        self._leave(view, own, label, zone)
        return []  # (its meetings are busy time in both calendars' free/busy already)

    def _leave(self, view: PairingView, own: OwnSeries, label: str, zone: str) -> None:
        self.report.own_series.append(f"{label}: {own.why_left()}")
        if self.dry_run:
            return
        check_at = check_again_at(own, self.now, zone)
        if self.ctx.store.leave_to_own_series(view.pairing.id, _left_note(view, own, check_at,
                                                                          zone),
                                              self.now, event_id=own.event.id,
                                              check_at=check_at):
            log.info("schedule.left_to_own_series", extra={"pairing": view.pairing.key})

    async def _look_at_own(self, due: list[PairingView]) -> list[PairingView]:
        """Look again at the pairs left to a series of their own that are ``due`` (the day
        after its last meeting, else weekly: ``check_again_at``; with them, the manager's
        other pairs left so); no request while none is due. One read of each such manager's
        series masters serves all those pairs, and is kept for booking those it brings back
        this run. A pair whose series is over or gone (ended, deleted, cancelled), or is now
        one onetoone takes on (the manager made it fortnightly), is active again: this run
        books or adopts it. One still holding a series it cannot take on stays left, its
        note and next look brought up to date. Returns the pairs brought back, as active (a
        dry run stores nothing). With ``own_series = "ignore"`` no series is read: they wait
        for `pairs reset`, as before."""
        if not due or self.series_policy.own_series != ADOPT:
            return []
        by_manager: defaultdict[str, list[PairingView]] = defaultdict(list)
        for view in due:
            by_manager[view.manager.id].append(view)
        gate = asyncio.Semaphore(MANAGERS_AT_ONCE)

        async def look(views: list[PairingView]) -> list[PairingView]:
            async with gate:
                try:
                    return await self._look_at_manager(views)
                except Exception as exc:
                    # A defect, or data no one foresaw: this manager's pairs wait on as
                    # they were (looked at again next run), not every manager's, nor the run.
                    log.exception("schedule.own_series_unread",
                                  extra={"mailbox": views[0].manager.email})
                    self._unread(views[0].manager, f"unexpected error, logged: {exc!r}")
                    return []

        back = [view for found in await asyncio.gather(
            *(look(views) for _, views in sorted(by_manager.items()))) for view in found]
        if back and not self.dry_run:
            self.ctx.store.back_from_own_series([v.pairing.id for v in back], self.now)
        return [PairingView(replace(v.pairing, status=PairingStatus.ACTIVE, note="",
                                    own_event_id=None, own_check_at=None),
                            v.manager, v.report, None) for v in back]

    async def _look_at_manager(self, views: list[PairingView]) -> list[PairingView]:
        """``_look_at_own`` for one manager's pairs due: those to book again."""
        manager = views[0].manager
        try:
            masters = await self.ctx.graph.series_masters(manager.id, PAIRING_PROPERTY,
                                                          OWN_SELECT)
        except ServiceError as exc:
            # The pairs stay as they were, and are looked at again on the next run.
            log.warning("schedule.own_series_unread",
                        extra={"mailbox": manager.email, "error": str(exc)})
            self._unread(manager, str(exc))
            return []
        self._masters[manager.id] = masters
        zone = working_hours(manager, self.slot_policy.fallback_time_zone).time_zone
        back: list[PairingView] = []
        for view in views:
            label = f"{view.manager.name} & {view.report.name}"
            own = find_own_series(masters, manager.email, view.report.email, PAIRING_PROPERTY,
                                  local_today(self.now, zone))
            if own is None or own.adoptable:
                back.append(view)
                self.report.own_series_over.append(label + (
                    ": their own series is over or gone" if own is None else
                    ": their own series now repeats in a way onetoone follows"))
                log.info("schedule.own_series_over", extra={"pairing": view.pairing.key})
            elif not self.dry_run:
                check_at = check_again_at(own, self.now, zone)
                self.ctx.store.still_own_series(
                    view.pairing.id, _left_note(view, own, check_at, zone), self.now,
                    event_id=own.event.id, check_at=check_at)
        return back

    def _unread(self, manager: PersonRecord, error: str) -> None:
        self.report.warnings.append(
            f"{manager.name} <{manager.email}>: their series could not be read ({error}), so "
            "whether their pairs left to their own series can be booked was not looked at")


def _left_note(view: PairingView, own: OwnSeries, check_at: datetime, zone: str) -> str:
    """A pair's note while it is left to ``own`` (shown by `onetoone status`)."""
    return (f"{own.why_left()}. onetoone looks again on "
            f"{local_today(check_at, zone):%d %b %Y} (weekly, and the day after its last "
            "meeting) and books the pair once it is over or gone; `onetoone pairs reset "
            f"{view.report.email}` has the next run look at once.")
