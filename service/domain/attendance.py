"""Whether a pair's 1-2-1s are actually happening: runs of missed meetings.

Pure: the caller passes each meeting's start and status (as stored on the occurrence) and
``now``. The guidance asks that 1-2-1s are not cancelled habitually (seed 001); two missed
in a row is the point at which ``onetoone status`` flags a pair.

A meeting onetoone itself left alone because one of the two was on a long absence (the
absences job's ``skipped``) is neither held nor missed: the caller passes it with the
status :func:`outcome` gives it, :data:`ABSENT`, and runs pass over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, OccurrenceStatus

# Occurrence statuses that mean the meeting did not happen: cancelled by the manager,
# declined by the report, or ended without notes (nobody recorded that it took place).
MISSED = frozenset({OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED,
                    OccurrenceStatus.HELD_NO_NOTES})
# Not a stored status: what :func:`outcome` calls a meeting skipped for a long absence.
ABSENT = "absent"

# From this many missed in a row a pair is flagged.
FLAG_AFTER = 2


def skipped_for_absence(status: str, absence_state: str | None) -> bool:
    """onetoone skipped it for either person's long absence and no notes were recorded.

    The manager was told the meetings in a long absence are left alone (and that they may
    cancel them), and the read-back stores such a meeting as held without notes, cancelled
    or declined like any other: none of that is a 1-2-1 the manager failed to hold. Notes
    typed into it anyway still make it held: what the manager recorded is never discounted.
    """
    return absence_state == AbsenceState.SKIPPED and status != OccurrenceStatus.HELD


def outcome(status: str, absence_state: str | None) -> str:
    """The status to count a meeting by: :data:`ABSENT` when skipped for an absence."""
    return ABSENT if skipped_for_absence(status, absence_state) else status


def run_history(occurrences: Iterable[OccurrenceRecord]) -> list[tuple[datetime, str]]:
    """``(start, outcome)`` of each meeting, for :func:`missed_in_a_row`. A missed meeting
    that was rebooked is left out: its replacement, at its own time (before the missed
    slot or after it), stands for it. Held, it ends the run as a later meeting does; missed
    too, it is one 1-2-1 missed, not two; to come, the pair has a meeting booked."""
    occs = list(occurrences)
    replaced = {o.rebook_of for o in occs if o.rebook_of is not None}
    return [(o.start, outcome(o.status, o.absence_state)) for o in occs if o.id not in replaced]


def missed_in_a_row(occurrences: Sequence[tuple[datetime, str]], now: datetime) -> int:
    """How many of the pair's most recent past meetings, in a row, were missed.

    ``occurrences`` are ``(start, status)`` pairs in any order: every stored meeting of the
    pair, rebooked single meetings included, each status as :func:`outcome` gives it.
    Meetings starting after ``now`` are ignored.
    Counting goes back from the latest past meeting while its status is in :data:`MISSED`;
    any other status ends the run, so a rebooked meeting that was held breaks it, and so
    does a past meeting whose outcome is not read back yet (``scheduled``, ``moved``).
    A meeting skipped for an absence (:data:`ABSENT`) is passed over: it neither adds to
    the run nor ends it, as the pair could not meet then.
    """
    past = sorted((start, status) for start, status in occurrences if start <= now)
    run = 0
    for _start, status in reversed(past):
        if status == ABSENT:
            continue
        if status not in MISSED:
            break
        run += 1
    return run


def missed_flag(occurrences: Sequence[tuple[datetime, str]], now: datetime) -> str:
    """``"missed N in a row"`` when at least :data:`FLAG_AFTER` were missed, else ``""``."""
    run = missed_in_a_row(occurrences, now)
    return f"missed {run} in a row" if run >= FLAG_AFTER else ""
