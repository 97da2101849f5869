"""Whether two people's working hours share a time a series can be booked at, the year
round (``hours_meet``): what tells a series booked at a compromise, outside someone's hours,
that a rebooking could do better (see ``hours_fit``, ``jobs/hours_told.py``)."""

from __future__ import annotations

from datetime import datetime

from service.domain.model import Cadence, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slot_text import compromises
from service.domain.slots import choose_slot
from service.errors import ServiceError


def hours_meet(a: WorkingHours, b: WorkingHours, cadence: Cadence, policy: SlotPolicy,
               now: datetime) -> bool:
    """Whether a series of ``cadence`` booked now would be inside both people's working
    hours (each in their own zone) at every meeting, as ``choose_slot`` books one: else any
    time is a compromise (London and Sydney). Over a whole year, not the coming week: London
    and New York are an hour closer for a few weeks each March and October/November, so a
    New York day from noon meets a London day to 17:00 only then, and a London day from
    14:30 meets a New York 06:00-10:00 all year but then (a monthly series keeps out of those
    weeks; a weekly one cannot)."""
    try:
        slot = choose_slot(cadence=cadence, manager_hours=a, report_hours=b, manager_busy=(),
                           report_busy=(), taken=(), policy=policy, now=now, seed="")
    except ServiceError:  # no weekday both work
        return False
    return not any(c.code == "outside_working_hours"
                   for c in compromises("; ".join(slot.notes)))
