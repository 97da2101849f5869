"""Series already in a manager's calendar when a pair is to be booked: onetoone's own, found
by its tag (a run that died after its POST, a lost database), and the pair's own 1-2-1 made
by hand before onetoone came, found by who attends it (see ``domain.own_series``). Either is
taken on, never booked beside."""

from __future__ import annotations

import logging
from datetime import datetime

from service.domain.adoption import PAIRING_KEY_PREFIX, by_pairing, series_from_event
from service.domain.events import CalendarEvent
from service.domain.own_series import ADOPT, OWN_PREFIX, OwnSeries, find_own_series
from service.domain.records import PairingView, PersonRecord, SeriesRecord
from service.domain.retime import followable
from service.domain.series import occurrences as series_occurrences
from service.domain.status import SeriesStatus
from service.errors import GraphError
from service.graph.wire import PAIRING_PROPERTY
from service.jobs.series_plan import ADOPT_SELECT, TAKEN_HORIZON, SchedulerBase, local_today

log = logging.getLogger(__name__)

# The slot note of a pair's own series adopted (then its subject, quoted).
OWN_NOTE = "the pair's own series in Outlook"
# Who is in each series too: the pair's own is known by its people (and its rooms by its
# locations).
OWN_SELECT = ADOPT_SELECT + ",subject,attendees,organizer,isOrganizer,locations"


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
                return by_pairing(masters, PAIRING_PROPERTY, keys), masters
        return await self._find_tagged(manager, keys), []

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
            subject = " ".join(own.event.subject.split())[:80]
            return self._adopt(view, own.event, zone, label,
                               f"{OWN_NOTE} ('{subject}'), adopted", own=True)
        self._leave(view, own, label)
        return []  # (its meetings are busy time in both calendars' free/busy already)

    def _leave(self, view: PairingView, own: OwnSeries, label: str) -> None:
        why = own.why_left()
        self.report.own_series.append(f"{label}: {why}")
        if self.dry_run:
            return
        note = (f"{why}. Once it is gone, run `onetoone pairs reset {view.report.email}` for "
                "onetoone to book one.")
        if self.ctx.store.leave_to_own_series(view.pairing.id, note, self.now):
            log.info("schedule.left_to_own_series", extra={"pairing": view.pairing.key})
