"""People's working hours and zone as Outlook holds them now, from getSchedule answers a
step reads anyway (each schedule in the answer carries its mailbox's working hours).

Mailbox settings are otherwise read only when a pair's series is planned, so a work week or
zone changed in Outlook since then (a compressed week, an office whose weekend moved, a
joiner who set up Outlook after their series was booked, a move abroad) would never reach
the absence check: it would move meetings onto a day the person no longer works. The check
uses these instead, and stores what changed, so the agenda's and the prep mail's lead times
and the rebooking offers that read the stored rows follow too. No request of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from service.domain.events import MailboxInfo
from service.domain.records import PairingView, PersonRecord
from service.jobs.series_plan import mailbox_fields, stored_differs, zone_known
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

    def store(self, store: Store, now: datetime) -> None:
        """Keep what changed (nothing is written when nothing did)."""
        if self._changed:
            store.set_mailbox_infos(self._changed, now)
            self._changed = {}
