"""Value objects shared by the domain, the jobs and the adapters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum


class CadenceKind(StrEnum):
    """How often a pair meets."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_INDEXES = ("first", "second", "third", "fourth", "last")
# How far ahead a series' time is held against both people's working hours, when it is
# booked (``slots``) and when someone's hours or zone change later (``hours_fit``): 53 weeks,
# a whole DST cycle in every zone. Zones change their clocks on different dates (or not at
# all), so a time inside both people's hours for a quarter can leave them for the winter.
HORIZON_DAYS = 371


@dataclass(frozen=True)
class Person:
    """A directory user (or a person named in the pairs file).

    ``id`` is the Entra object id (or, for a file-only person, the lower-cased email).
    """

    id: str
    email: str
    name: str
    hire_date: date | None = None  # their first day, where they work
    groups: frozenset[str] = frozenset()
    # Their mailbox's zone (IANA), where known and needed: a new starter's days are theirs.
    time_zone: str | None = None


@dataclass(frozen=True)
class WorkingHours:
    """When a person works, in their own IANA time zone (from mailboxSettings)."""

    time_zone: str
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # 0 = Monday
    start: time = time(9, 0)
    end: time = time(17, 0)


@dataclass(frozen=True)
class PairSpec:
    """A manager-report pair as the source (directory or file) describes it now."""

    manager: Person
    report: Person
    report_manages_others: bool = False
    # Set when the report counts as managing others only because their last report went on
    # that day, lately (see cadence.vacancy_until): the reason says so.
    report_vacant_since: date | None = None
    cadence: CadenceKind | None = None  # per-pair override
    minutes: int | None = None  # per-pair override
    source: str = "directory"

    @property
    def key(self) -> str:
        return pairing_key(self.manager.id, self.report.id)


def pairing_key(manager_id: str, report_id: str) -> str:
    """The stable identity of a pairing, derivable again after a lost database.

    It tags the Outlook series (extended property), so it must depend only on the two
    directory ids, never on anything stored locally.
    """
    digest = hashlib.sha256(f"{manager_id.lower()}|{report_id.lower()}".encode()).hexdigest()
    return f"p-{digest[:24]}"


@dataclass(frozen=True)
class Cadence:
    """The chosen cadence for a pair, with the rule that chose it (shown to admins)."""

    kind: CadenceKind
    minutes: int
    reason: str


@dataclass(frozen=True)
class Slot:
    """A recurring meeting time: weekday and local start time in ``time_zone``.

    For monthly cadence ``week_index`` says which weekday of the month ("second" Tuesday).
    ``first_date`` is the date of the first occurrence (in ``time_zone``).
    """

    weekday: int  # 0 = Monday
    start: time
    time_zone: str
    first_date: date
    week_index: str | None = None
    free_busy_used: bool = True
    conflicts: int = 0
    notes: tuple[str, ...] = field(default=())
