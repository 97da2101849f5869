"""Why a pair's live series must end: its pairing ended, the manager deleted it, an end
was begun, or the pair's cadence or length changed (pure: the caller reads the view)."""

from __future__ import annotations

from service.domain.cadence import new_starter_change, reason_for_the_pair
from service.domain.own_series import is_own, own_still_fits
from service.domain.policy import CadencePolicy
from service.domain.records import PairingRecord, PairingView
from service.domain.status import ENDING, PairingStatus


def stale_reason(view: PairingView, policy: CadencePolicy) -> str | None:
    """Why a pairing's live series must end (its pairing ended or its cadence changed)."""
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
        change = new_starter_change(pairing, view.report, policy)
        if change is not None and series.first_date >= change.on and (
                series.minutes == pairing.minutes):
            # The follow-on booked for the day a new starter's weeks end (not begun while
            # they are new): not a change. The pairs sync says when that day has come, by
            # changing the pair's cadence to the role's: then it matches, or (the report
            # started managing others since) it is replaced, as any series is.
            return None
        return _recadenced(pairing)
    return None


def _recadenced(pairing: PairingRecord) -> str:
    # Said to the report too: each meeting cancelled carries it.
    return f"cadence changed to {pairing.cadence} ({reason_for_the_pair(pairing.cadence_reason)})"


SERIES_DELETED_REASON = "the manager deleted the series in Outlook"
