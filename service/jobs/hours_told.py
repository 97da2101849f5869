"""People's working hours and zone as Outlook holds them now, from getSchedule answers a
step reads anyway (each schedule in the answer carries its mailbox's working hours).

Mailbox settings are otherwise read only when a pair's series is planned, so a work week or
zone changed in Outlook since then (a compressed week, an office whose weekend moved, a
joiner who set up Outlook after their series was booked, a move abroad) would never reach
the absence check: it would move meetings onto a day the person no longer works. The check
uses these instead, and stores what changed, so the agenda's and the prep mail's lead times
and the rebooking offers that read the stored rows follow too. No request of its own.

What changed is also held against the series of those people (``retime_outside_hours``): one
now outside someone's hours is booked again, once, at a time inside both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from service.domain.common_hours import hours_meet
from service.domain.events import MailboxInfo
from service.domain.hours_fit import (
    HOURS_REASON,
    hours_note,
    outside_whom,
    without_hours_note,
)
from service.domain.model import Cadence, CadenceKind
from service.domain.policy import SlotPolicy
from service.domain.records import PairingView, PersonRecord
from service.domain.slot_text import compromises
from service.domain.status import ENDING, SeriesStatus
from service.jobs.series_plan import (
    MOVING,
    mailbox_fields,
    report_working_hours,
    stored_differs,
    working_hours,
    zone_known,
)
from service.store.repo import Store


class HoursTold:
    """The working hours ``told`` (by lower-cased address, as ``GraphClient.free_busy``'s
    ``hours`` gathers them), applied to people as they are met."""

    def __init__(self, told: Mapping[str, MailboxInfo]) -> None:
        self._told = told
        self._people: dict[str, PersonRecord] = {}
        self._changed: dict[str, dict[str, Any]] = {}

    def person(self, person: PersonRecord) -> PersonRecord:
        """``person`` with the hours and zone the answers gave for them, where they gave
        ones onetoone can use (a custom zone it cannot map keeps what is stored)."""
        known = self._people.get(person.id)
        if known is not None:
            return known
        info = self._told.get(person.email.lower())
        if info is not None and zone_known(info):
            fields = mailbox_fields(info)
            if stored_differs(person, fields):
                self._changed[person.id] = fields
                zone, days, start, end = fields.values()
                person = replace(person, time_zone=zone, working_days=days,
                                 working_start=start, working_end=end)
        self._people[person.id] = person
        return person

    def view(self, view: PairingView) -> PairingView:
        return replace(view, manager=self.person(view.manager),
                       report=self.person(view.report))

    def store(self, store: Store, now: datetime, policy: SlotPolicy) -> None:
        """Keep what changed (nothing is written when nothing did), and re-time the series
        now outside someone's hours (see ``retime_outside_hours``)."""
        if self._changed:
            changed = store.set_mailbox_infos(self._changed, now)
            self._changed = {}
            retime_outside_hours(store, changed, policy, now)


def retime_outside_hours(store: Store, people: Collection[str], policy: SlotPolicy,
                         now: datetime, skip: Collection[int] = ()) -> None:
    """The live series of ``people`` (whose zone or working hours just changed) that now
    fall outside either person's working hours at any meeting of the coming year (as a
    booking is judged: the clocks change on different dates): each is marked to end (the
    next schedule run ends it, keeping the meetings held and their notes, and books the pair
    anew at a time inside both, the report told by the new invite, as for a change of
    cadence). One inside both all year stays put. One whose time the manager chose by hand
    in Outlook (re-timed there, or the pair's own series adopted) keeps it: a note says
    whose hours it is outside, for `onetoone status`. Store reads only; ``skip``: pairings
    just booked."""
    if not people:
        return
    pairings = {b.pairing_id for b in store.booked_series(list(people), [SeriesStatus.ACTIVE])}
    for view in store.active_views(sorted(pairings - set(skip))).values():
        series = view.series
        if (series is None or series.status != SeriesStatus.ACTIVE
                or series.slot_note.startswith((ENDING, MOVING))):
            continue
        manager_hours = working_hours(view.manager, policy.fallback_time_zone)
        report_hours = report_working_hours(view.report, manager_hours.time_zone)
        # With an extension booked, the series before it still holds the meetings up to it.
        holding = [s for s in store.pairing_series(view.pairing.id)
                   if s.status == SeriesStatus.SUPERSEDED] + [series]
        names = list(dict.fromkeys(name for s in holding for name in outside_whom(
            s, [(view.manager.name, manager_hours), (view.report.name, report_hours)], now,
            open_ended=s.status != SeriesStatus.SUPERSEDED)))
        kept = without_hours_note(series.slot_note)
        if series.policy_cadence is not None:  # chosen by hand: flagged, not moved
            note = "; ".join(filter(None, (kept, hours_note(names) if names else "")))
            if note != series.slot_note:
                store.update_series(series.id, now, slot_note=note)
        elif names and (not any(c.code == "outside_working_hours"
                                for c in compromises(series.slot_note))
                        or hours_meet(manager_hours, report_hours,
                                      Cadence(CadenceKind(series.cadence), series.minutes, ""),
                                      policy, now)):
            # (One booked outside working hours that have no time in common, and still have
            # none, would only be booked at another compromise: it stays, flagged as it was.)
            store.update_series(series.id, now, slot_note=ENDING + HOURS_REASON)
