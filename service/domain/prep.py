"""Whether a prep mail (asking the report for topics, jobs/outbox.py) fits its meeting:
pure, with the time passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, AgendaState, OccurrenceStatus


def wants_prep(occ: OccurrenceRecord) -> bool:
    """A stored meeting that is on, and whose people are not away for it."""
    return (occ.status in (OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED)
            and occ.agenda_state != AgendaState.SKIPPED
            and occ.absence_state not in (AbsenceState.SKIPPED, AbsenceState.NO_SLOT))


def why_not_now(occ: OccurrenceRecord | None, slot: datetime, now: datetime,
                last_call: timedelta) -> str | None:
    """Why a prep mail queued in an earlier run and no longer due now, for the meeting at
    ``slot`` (``occ``: its stored row, if any), must not go: said when it is held back.
    None when the meeting is on and more than ``last_call`` away: it was moved to a day
    whose mail is not due yet, and the mail is queued again then, naming that day."""
    status = occ.status if occ is not None else None
    if status == OccurrenceStatus.CANCELLED:
        return "the meeting was cancelled"
    if status == OccurrenceStatus.DECLINED:
        return "the report declined the meeting"
    if status == OccurrenceStatus.WITHDRAWN or (occ is None and slot >= now + last_call):
        # (A slot not stored and not due: its series no longer has it, as after a cadence
        # change, whose new series' meeting is asked about on its own.)
        return "the meeting's series ended"
    start = occ.start if occ is not None else slot
    if start <= now:
        return "the meeting has begun"
    if start < now + last_call:
        return f"the meeting is less than {last_call.total_seconds() / 3600:g} hours away"
    if occ is not None and not wants_prep(occ):
        return "the meeting was skipped"
    return None
