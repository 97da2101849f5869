"""Meeting after meeting called off — the report declining them (the whole series declined
in Outlook), or the manager cancelling a stretch of them (a long absence nobody marked out of
office) — gets the manager one rebooking offer, for the first of them, not one a week: each
later one is recorded as settled without a mail while the meeting before it was called off
too and not rebooked. A booked replacement, or a meeting that went ahead, starts afresh.
`onetoone status` shows the run ("missed N in a row")."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from service.domain.rebook import CALLED_OFF, encode_slots, missed_again
from service.domain.records import OccurrenceRecord, RebookRecord
from service.domain.status import MissedReason, RebookStatus
from service.store.repo import Store

log = logging.getLogger(__name__)


def settle_if_missed_again(store: Store, occ: OccurrenceRecord, pairing_id: int,
                           reason: str, offered_now: set[int], now: datetime) -> bool:
    """True when ``occ`` was called off after another meeting called off and not rebooked:
    it is recorded as settled (an offer row with no times and no mail, so it is not looked
    at again)."""
    if reason not in (MissedReason.DECLINED, MissedReason.CANCELLED) or (
            occ.status not in CALLED_OFF):
        return False
    earlier = store.pairing_occurrences(pairing_id)
    before = [o for o in earlier if o.start < occ.start and o.id != occ.id]
    offer = store.rebook_of_missed(before[-1].id) if before else None
    if not missed_again(occ, earlier, offer, offered_now):
        return False
    store.add_rebook(RebookRecord(
        pairing_id=pairing_id, missed_occurrence_id=occ.id, reason=reason,
        status=RebookStatus.EXPIRED, slots=encode_slots([]), token=secrets.token_hex(8),
        offered_at=now, updated_at=now), None)
    log.info("rebook.missed_again", extra={"occurrence": occ.id, "reason": reason})
    return True
