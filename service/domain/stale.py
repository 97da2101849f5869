"""Why a pair's live series must end: its pairing ended, the manager deleted it, an end
was begun, or the pair's cadence or length changed (pure: the caller reads the view and
passes the time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from service.domain.cadence import by_pair_override, known_change, reason_for_the_pair
from service.domain.own_series import is_own, own_still_fits, rarer_than
from service.domain.policy import CadencePolicy
from service.domain.records import PairingRecord, PairingView, SeriesRecord
from service.domain.status import ENDING, PairingStatus, SeriesStatus
from service.domain.timezones import local_date


def stale_reason(view: PairingView, policy: CadencePolicy, now: datetime) -> str | None:
    """Why a pairing's live series must end (its pairing ended or its cadence changed), as
    of ``now``."""
    series, pairing = view.series, view.pairing
    if series is None:
        return None
    if pairing.status == PairingStatus.ENDED:
        return pairing.end_reason or "pairing ended"
    if pairing.status == PairingStatus.SERIES_DELETED:
        # The manager deleted the series in Outlook, and the pair waits for `pairs reset`;
        # a follow-on booked before (an extension, months ahead) would bring the meetings
        # back at the seam in both calendars. It goes too.
        return SERIES_DELETED_REASON
    if series.slot_note.startswith(ENDING):  # an end begun (the pair back since): finished
        return series.slot_note.removeprefix(ENDING)
    if pairing.status == PairingStatus.ACTIVE and is_own(series):
        # The pair's own series: its cadence and length are theirs; only one now rarer than
        # the policy's minimum is replaced (see own_still_fits).
        if own_still_fits(series, pairing.cadence):
            return None
        return _recadenced(pairing)
    if pairing.status == PairingStatus.ACTIVE and (
            (series.policy_cadence or series.cadence) != pairing.cadence
            or (series.policy_minutes or series.minutes) != pairing.minutes):
        if series.policy_cadence is not None and (series.cadence, series.minutes) == (
                pairing.cadence, pairing.minutes):
            # The manager's own pattern (re-timed in Outlook) is what the new policy asks
            # for already: ending it would cancel her meetings to book the same again.
            return None
        change = known_change(pairing, view.report, policy)
        if change is not None and series.first_date >= change.on and (
                series.minutes == pairing.minutes):
            # The follow-on booked for the day a new starter's weeks (or a lead's vacancy)
            # end, not begun before: not a change. The pairs sync says when that day has
            # come, by changing the pair's cadence: then it matches, or (the report started
            # managing others since) it is replaced, as any series is.
            return None
        if steps_down(series, pairing, now):
            return None
        return _recadenced(pairing)
    return None


def steps_down(series: SeriesRecord, pairing: PairingRecord, now: datetime) -> bool:
    """Whether ``series`` is kept though the pair's cadence is now rarer than it meets: it
    has begun, is as long as the pair's 1-2-1s are, and no pairs-file line for the pair
    chose the new cadence. Its follow-on is at the new cadence (schedule._follow_on).

    The guidance's cadences are minimums (managers of others at least fortnightly, everyone
    at least monthly), so meeting more often until the series' end breaks none of it, where
    ending it now cancels each meeting to come one by one, a mail each to the report (14 for
    a lead's fortnightly series when their vacancy's grace ran out). One not begun (a
    follow-on booked ahead) is replaced whole, one cancellation, so the pair does not meet
    at the old cadence for another series' length. A pairs-file line is the admin's word
    for that pair, and a step up (or a new length) is never put off: both end it now."""
    return (series.first_date <= local_date(now, series.time_zone)
            and (series.policy_minutes or series.minutes) == pairing.minutes
            and rarer_than(pairing.cadence, series.cadence)
            and not by_pair_override(pairing.cadence_reason))


def ends_alone(series: SeriesRecord, pairing: PairingRecord,
               pairing_series: Sequence[SeriesRecord], now: datetime) -> bool:
    """Whether ``series``, the pair's live one and stale for a change of cadence, ends by
    itself, leaving the series it follows on from (superseded, still holding meetings) to
    its end: it has not begun, and that one already meets as often as the pair now must,
    at the pair's length. The pair meets on that one meanwhile, and the series booked in
    its place starts after its last day (as an overlap move's does), so one cancellation
    (the follow-on's, whole) replaces one per meeting to come of a series that fits: a
    lead's monthly follow-on planned for their vacancy's end when a report comes, or a
    fortnightly one booked ahead when the pair steps down (``steps_down``)."""
    if pairing.status != PairingStatus.ACTIVE or series.first_date <= local_date(
            now, series.time_zone):
        return False
    return any(older.status == SeriesStatus.SUPERSEDED and older.id != series.id
               and older.range_end >= local_date(now, older.time_zone)
               and older.minutes == pairing.minutes
               and not rarer_than(older.cadence, pairing.cadence)
               for older in pairing_series)


def _recadenced(pairing: PairingRecord) -> str:
    # Said to the report too: each meeting cancelled carries it.
    return f"{RECADENCED}{pairing.cadence} ({reason_for_the_pair(pairing.cadence_reason)})"


# How the reason for a change of cadence starts.
RECADENCED = "cadence changed to "


SERIES_DELETED_REASON = "the manager deleted the series in Outlook"
