"""The pair's previous 1-2-1, as the next agenda tells it: missed, and rebooked or not."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from service.domain.agenda import MissedMeeting
from service.domain.attendance import skipped_for_absence
from service.domain.rebook import reason_of
from service.domain.records import OccurrenceRecord
from service.domain.status import MissedReason
from service.store.repo import Store


def missed_meeting(store: Store, pairing_id: int, occ: OccurrenceRecord, zone: str
                   ) -> MissedMeeting | None:
    """What the agenda of ``occ`` says about the pair's previous 1-2-1, if it was missed."""
    tz = ZoneInfo(zone)
    if occ.rebook_of is not None:
        replaced = store.occurrence(occ.rebook_of)
        offer = store.rebook_of_missed(occ.rebook_of)
        if replaced is None:
            return None
        reason = offer.reason if offer is not None else (reason_of(replaced.status)
                                                         or MissedReason.CANCELLED)
        return MissedMeeting(start=replaced.start.astimezone(tz), reason=reason,
                             this_meeting=True)
    # A meeting skipped for an absence (a long one, or both away) is passed over, as the
    # missed count passes over it: nobody could hold it and no rebooking was offered, so
    # "the last one was missed … and not rebooked" would tell the pair of a failure.
    earlier = [o for o in store.pairing_occurrences(pairing_id)
               if o.start < occ.start and o.id != occ.id
               and not skipped_for_absence(o.status, o.absence_state)]
    if not earlier:
        return None
    last = earlier[-1]
    last_reason = reason_of(last.status)
    if last_reason is None:
        return None
    replacement = store.replacement_of(last.id)
    return MissedMeeting(start=last.start.astimezone(tz), reason=last_reason,
                         rebooked_start=replacement.start.astimezone(tz) if replacement
                         else None)
