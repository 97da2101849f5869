"""The organisation's 1-2-1 policy as value objects (built from config, used by pure logic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from service.domain.model import CadenceKind


@dataclass(frozen=True)
class CadencePolicy:
    """Which cadence each kind of report gets (the guidance's rules, configurable)."""

    minutes: int = 30
    new_starter_days: int = 90
    new_starter: CadenceKind = CadenceKind.WEEKLY
    manager_of_others: CadenceKind = CadenceKind.FORTNIGHTLY
    default: CadenceKind = CadenceKind.MONTHLY
    # group id -> cadence; the first matching group in this order wins
    group_overrides: tuple[tuple[str, CadenceKind], ...] = ()


@dataclass(frozen=True)
class SlotPolicy:
    """Where a recurring 1-2-1 may be placed (times are local to each person)."""

    window_start: time = time(9, 30)
    window_end: time = time(16, 30)
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset({0, 1, 2, 3, 4}))
    step_minutes: int = 30
    free_busy_weeks: int = 6
    fallback_time_zone: str = "Europe/London"


@dataclass(frozen=True)
class SeriesPolicy:
    """How series are kept in Outlook."""

    months_ahead: int = 6
    extend_months: int = 3
    teams_meeting: bool = True
    subject: str = "1-2-1: {manager} & {report}"
    # What to do with a 1-2-1 series the pair already holds in Outlook (domain.own_series).
    own_series: str = "adopt"
