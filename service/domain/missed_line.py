"""The agenda's line saying the pair's last 1-2-1 didn't happen as planned (pure).

It sits under the agenda's header, in words both people read: a meeting cancelled or
declined was missed; one that ended with nothing typed may well have taken place (only the
notes are missing), so it is not called missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.domain.status import MissedReason
from service.domain.wording import format_day, format_when

__all__ = ["MISSED_OPENINGS", "MISSED_REASONS", "MissedMeeting"]

MISSED_REASONS = (MissedReason.CANCELLED, MissedReason.DECLINED, MissedReason.NOT_HELD)


@dataclass(frozen=True)
class MissedMeeting:
    """The pair's last 1-2-1 didn't happen as planned (cancelled, declined, or ended with no
    notes), and whether a single meeting was booked to replace it.

    ``start`` and ``rebooked_start`` are aware, in the meeting's zone. ``this_meeting``: the
    agenda being built is the replacement itself.
    """

    start: datetime
    reason: str  # a MissedReason
    rebooked_start: datetime | None = None
    this_meeting: bool = False

    def __post_init__(self) -> None:
        if self.reason not in MISSED_REASONS:
            words = tuple(str(r) for r in MISSED_REASONS)
            raise ValueError(f"MissedMeeting.reason must be one of {words}")
        if self.start.tzinfo is None:
            raise ValueError("MissedMeeting.start must be timezone-aware")

    def line(self, report_first: str) -> str:
        """One sentence under the header, beginning with words the notes parser knows
        (``MISSED_OPENINGS``) so it never keeps it as a note: 'The last 1-2-1, on Tuesday 8
        December 2026, was missed (cancelled) and not rebooked.' One that ended with no
        notes may well have taken place (only the notes are missing): it is not called
        missed, 'No notes were recorded for the last 1-2-1, on Tuesday 8 December 2026.'"""
        day = format_day(self.start)
        rebooked = ("" if self.rebooked_start is None
                    else f" for {format_when(self.rebooked_start)}")
        if self.reason == MissedReason.NOT_HELD:
            if self.this_meeting:
                return f"This 1-2-1 replaces the last one, on {day}, which has no notes recorded."
            if rebooked:
                return (f"No notes were recorded for the last 1-2-1, on {day}; it was "
                        f"rebooked{rebooked}.")
            return f"No notes were recorded for the last 1-2-1, on {day}."
        why = ("cancelled" if self.reason == MissedReason.CANCELLED
               else f"declined by {report_first}")
        if self.this_meeting:
            return f"This 1-2-1 replaces the last one, on {day}, missed ({why})."
        if rebooked:
            return f"The last 1-2-1, on {day}, was missed ({why}) and rebooked{rebooked}."
        return f"The last 1-2-1, on {day}, was missed ({why}) and not rebooked."


# How MissedMeeting.line begins, for the notes parser (earlier versions wrote a line shaped
# like the header instead, which it knows by that shape).
MISSED_OPENINGS = ("The last 1-2-1, on ", "No notes were recorded for the last 1-2-1, on ",
                   "This 1-2-1 replaces the last one, on ")
