"""A pair left to a 1-2-1 series of its own in Outlook (the report's, or one repeating in a way
onetoone cannot follow) meets there, where onetoone does not look: the report does not call
it behind for the time since ("no held 1-2-1"), and still lists it, with its status."""

from __future__ import annotations

from dataclasses import replace

from service.domain.status import OccurrenceStatus, PairingStatus
from service.insight.report import History, build, pair_row
from tests.unit.test_insight_new_pairs import PERIOD, days_ago, history, meeting


def own(h: History) -> History:
    return replace(h, view=replace(h.view, pairing=replace(
        h.view.pairing, status=PairingStatus.OWN_SERIES)))


def test_a_pair_left_to_its_own_series_at_rollout_is_not_behind() -> None:
    (pair,) = build([own(history(created=days_ago(300)))], PERIOD, 1).pairs
    assert pair.attention == ()
    assert pair.figures.longest_gap_days == 0
    assert pair_row(pair)["status"] == "own_series"


def test_a_pair_left_to_its_own_series_after_a_cut_is_counted_until_then() -> None:
    # Two monthly meetings held in onetoone's series, then the manager cut it in Outlook and
    # the pair went on in the report's own series.
    h = own(history(meeting(days_ago(100), OccurrenceStatus.HELD),
                    meeting(days_ago(70), OccurrenceStatus.HELD), created=days_ago(130)))
    (pair,) = build([h], PERIOD, 1).pairs
    assert pair.attention == ()
    assert pair.figures.longest_gap_days == 30
    assert pair.figures.held == 2
    # An active pair with the same meetings is behind: 70 days since the last one.
    (active,) = build([history(meeting(days_ago(100), OccurrenceStatus.HELD),
                               meeting(days_ago(70), OccurrenceStatus.HELD),
                               created=days_ago(130))], PERIOD, 1).pairs
    assert active.attention == ("no held 1-2-1 for 70 days (cadence monthly)",)
