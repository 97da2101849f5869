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
from datetime import date, datetime, timedelta
from functools import partial

from service.domain.adoption import (
    PAIRING_KEY_PREFIX,
    adoptable,
    by_pairing,
    series_from_event,
)
from service.domain.events import CalendarEvent
from service.domain.own_series import (
    ADOPT,
    OWN_PREFIX,
    OwnSeries,
    check_again_at,
    find_own_series,
)
from service.domain.records import PairingView, PersonRecord, SeriesRecord
from service.domain.retime import followable, is_cut
from service.domain.series import occurrences as series_occurrences
from service.domain.status import ENDED_IN_OUTLOOK, PairingStatus, SeriesStatus
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
# How far ahead the cut-short step looks for series ending: a month and a half, past the last
# meeting of any cadence before its range end.
CUT_LISTED = timedelta(days=45)


def retimed_from(now: datetime) -> date:
    """The day a follow-on of a series re-timed in Outlook must not start before to be
    looked at: local today is at most a day behind the UTC date (each is judged in its own
    zone)."""
    return now.date() - timedelta(days=1)
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
            own = self._own_of(masters, manager, view.report.email, today)
            if own is None or not own.adoptable or own.event.id in made:
                continue
            await self._make_private(manager, view, own)
            made.add(own.event.id)

    async def _make_private(self, manager: PersonRecord, view: PairingView,
                            own: OwnSeries) -> None:
        """Mark the pair's own series ``own`` private on its master, unless it is already
        (or [policy] sensitivity asks for none): see ``_own_made_private``. Raises as Graph
        refuses, before anything about the pair is stored."""
        if (self.dry_run or self.ctx.settings.policy.sensitivity != "private"
                or own.event.sensitivity in ("private", "confidential")):
            return
        await self.ctx.graph.update_event(manager.id, own.event.id,
                                          sensitivity_patch("private"))
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
        # (Or cut short in Outlook just before its follow-on was ended: see _cut_over.)
        return bool(several) and (several[-1].status == SeriesStatus.DELETED or (
            len(several) > 1 and is_cut(several[-2])
            and several[-1].status == SeriesStatus.ENDED))

    def _own_of(self, masters: list[CalendarEvent], manager: PersonRecord, report_email: str,
                today: date) -> OwnSeries | None:
        """``find_own_series`` among ``manager``'s ``masters``, never taking a series
        onetoone booked with her for the pair's own: a copy of one she attends carries no
        tag (the iCalUIds are read from the store once a run for each manager)."""
        booked = self._booked_uids.get(manager.id)
        if booked is None:
            booked = self._booked_uids[manager.id] = self.ctx.store.booked_ical_uids(manager.id)
        return find_own_series(masters, manager.email, report_email, PAIRING_PROPERTY, today,
                               booked=booked)

    def _take_own(self, view: PairingView, report: PersonRecord,
                  masters: list[CalendarEvent], zone: str, label: str
                  ) -> list[tuple[datetime, datetime]] | None:
        """The pair's own series among the manager's ``masters``: adopted when onetoone can
        carry it on, else the pair is left to it (not booked, and said). Returns the
        meetings the manager's later pairs must avoid, or None when the pair has none of
        its own (it is booked as usual)."""
        own = self._own_of(masters, view.manager, report.email, local_today(self.now, zone))
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
            own = self._own_of(masters, manager, view.report.email, local_today(self.now, zone))
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

    async def _follow_cut(self, ending: list[SeriesRecord] | None = None
                          ) -> list[tuple[SeriesRecord, SeriesRecord]] | None:
        """Pairs whose series the manager cut short in Outlook (the occurrence sync took its
        earlier end), once its last meeting is over: the series the pair holds in Outlook
        from the cut on ("this and all following events" makes one, carrying our tag or
        not; or the manager made one) is taken on as the pair's, as at a first booking;
        with none, the pair is shown as ended in Outlook by the manager, like a deleted
        series (not booked again until `onetoone pairs reset`). Never extended meanwhile:
        that would book the pair beside the new series, or against the manager's end; and a
        follow-on booked before the cut (it holds the months after the old end) is ended
        with it, as with a deleted series. One read of the manager's series masters per
        such pair, once. ``ending``: ``series_ending_before`` as read just before, up to a
        day at least ``CUT_LISTED`` away (None: read here). Returns the re-timed series it
        read, for the next step, unless it changed some (None)."""
        store = self.ctx.store
        day = self.now.date() + CUT_LISTED
        found = [(s, s) for s in (store.series_ending_before(day) if ending is None else ending)
                 if is_cut(s) and s.range_end < day]
        retimed = store.retimed_before_follow_on(retimed_from(self.now))
        found += [(old, live) for old, live in retimed if is_cut(old)]
        changed = False
        for cut, live in found:
            if series_occurrences(cut, self.now, self.now + timedelta(days=46)):
                continue  # meetings of it still to come
            view = store.view_of_pairing(cut.pairing_id)
            if view is None or view.pairing.status != PairingStatus.ACTIVE:
                continue
            if self.dry_run:
                continue  # (what it finds is known only by reading the manager's calendar)
            changed = True
            await self._claimed(view, partial(self._cut_over, cut=cut, live_id=live.id))
        return None if changed else retimed

    async def _cut_over(self, view: PairingView, *, cut: SeriesRecord, live_id: int) -> bool:
        """``_follow_cut`` for one pair, holding its claim."""
        store, pairing, manager = self.ctx.store, view.pairing, view.manager
        live = store.live_series(pairing.id)
        if live is None or live.id != live_id:
            return False  # done by another run meanwhile
        zone = working_hours(manager, self.slot_policy.fallback_time_zone).time_zone
        today = local_today(self.now, zone)
        masters = (await self.ctx.graph.series_masters(manager.id, PAIRING_PROPERTY, OWN_SELECT)
                   if self.series_policy.own_series == ADOPT else [])
        # (Not the cut series itself, nor the follow-on: a pair's own series adopted before
        # carries no tag, and its range may end days after its last meeting.)
        masters = [e for e in masters if e.id not in (cut.event_id, live.event_id)]
        tagged = by_pairing(masters, PAIRING_PROPERTY, [pairing.key]).get(pairing.key, [])
        found = adoptable(self.not_ours(pairing.id, tagged), today) if tagged else None
        own = None if found is not None else self._own_of(masters, manager, view.report.email,
                                                          today)
        label = f"{manager.name} & {view.report.name}"
        if found is None and own is not None and own.adoptable:
            # Taken on "as at a first booking", so made private first as one is there: the
            # agendas it gets recall the pair's notes, open actions and the report's topics,
            # and a series the manager made herself is "normal" (anyone she shares her
            # calendar with reads its body). Before anything is ended or stored: a refusal
            # leaves the pair to the next run.
            await self._make_private(manager, view, own)
        if live.id != cut.id:
            # The follow-on waiting after the old end goes with the cut (cancelled in
            # Outlook: it has not begun), or the pair would meet again months on.
            await self._end_one(live, "the manager ended the series before it in Outlook")
        if found is None and own is None:
            store.mark_series_deleted(cut.id, self.now, note=(
                f"{ENDED_IN_OUTLOOK}: the series was given an earlier end in Outlook, its "
                f"last meeting on or before {cut.range_end:%Y-%m-%d}. Run `onetoone pairs "
                "reset` for this pair to schedule it again."))
            self.report.ended_in_outlook.append(label)
            log.warning("schedule.series_ended_in_outlook", extra={"series": cut.id})
            return True
        # Gone as the pair's series (a run killed next looks for theirs again: see
        # _deleted_last), then theirs is taken on.
        store.mark_series_deleted(cut.id, self.now, pairing_too=False)
        bare = PairingView(pairing, manager, view.report, None)
        if found is not None:
            self._adopt(bare, found, zone, label, "adopted from the calendar")
        elif own is not None and own.adoptable:
            self._adopt(bare, own.event, zone, label, f"{OWN_NOTE} ({own.named()}), adopted",
                        own=True)
        elif own is not None:
            self._leave(bare, own, label, zone)
        return True

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
