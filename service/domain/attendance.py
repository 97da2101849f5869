"""Whether a pair's 1-2-1s are actually happening: runs of missed meetings.

Pure: the caller passes each meeting's start and status (as stored on the occurrence) and
``now``. The guidance asks that 1-2-1s are not cancelled habitually (seed 001); two missed
in a row is the point at which ``onetoone status`` flags a pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from service.domain.status import OccurrenceStatus

# Occurrence statuses that mean the meeting did not happen: cancelled by the manager,
# declined by the report, or ended without notes (nobody recorded that it took place).
MISSED = frozenset({OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED,
                    OccurrenceStatus.HELD_NO_NOTES})

# From this many missed in a row a pair is flagged.
FLAG_AFTER = 2


def missed_in_a_row(occurrences: Sequence[tuple[datetime, str]], now: datetime) -> int:
    """How many of the pair's most recent past meetings, in a row, were missed.

    ``occurrences`` are ``(start, status)`` pairs in any order: every stored meeting of the
    pair, rebooked single meetings included. Meetings starting after ``now`` are ignored.
    Counting goes back from the latest past meeting while its status is in :data:`MISSED`;
    any other status ends the run, so a rebooked meeting that was held breaks it, and so
    does a past meeting whose outcome is not read back yet (``scheduled``, ``moved``).
    """
    past = sorted((start, status) for start, status in occurrences if start <= now)
    run = 0
    for _start, status in reversed(past):
        if status not in MISSED:
            break
        run += 1
    return run


def missed_flag(occurrences: Sequence[tuple[datetime, str]], now: datetime) -> str:
    """``"missed N in a row"`` when at least :data:`FLAG_AFTER` were missed, else ``""``."""
    run = missed_in_a_row(occurrences, now)
    return f"missed {run} in a row" if run >= FLAG_AFTER else ""
