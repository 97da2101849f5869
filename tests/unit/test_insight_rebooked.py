"""The HR report counts a rebooked 1-2-1 once, as what became of its replacement: a missed
meeting made up by a held replacement is met, not missed (and its record says it was
rebooked and held); a replacement missed too is one miss, not a run of two."""

from __future__ import annotations

from dataclasses import replace

from service.domain.status import OccurrenceStatus
from service.insight.evidence import PairInput, pair_record
from service.insight.report import build
from tests.unit.test_insight_new_pairs import PERIOD, days_ago, history, meeting


def _rebooked(replacement_status: str) -> tuple:
    """Monthly 1-2-1s held, then one cancelled and rebooked."""
    missed = replace(meeting(days_ago(40), OccurrenceStatus.CANCELLED), id=3)
    made_up = replace(meeting(days_ago(37), replacement_status), id=4, event_id="r",
                      rebook_of=3)
    return (replace(meeting(days_ago(100), OccurrenceStatus.HELD), id=1),
            replace(meeting(days_ago(70), OccurrenceStatus.HELD), id=2), missed, made_up)


def test_a_missed_meeting_made_up_by_a_held_replacement_counts_as_met() -> None:
    h = history(*_rebooked(OccurrenceStatus.HELD), created=days_ago(400))
    (pair,) = build([h], PERIOD, 1).pairs
    f = pair.figures
    assert (f.planned, f.held, f.missed, f.cancelled) == (3, 3, 0, 0)
    assert sum(f.missed_by_month.values()) == 0 and f.held_share == 1.0
    record = pair_record(PairInput(h.view, h.occurrences, (), (), (), ()), "as report",
                         PERIOD, "UTC")
    words = [m.status for m in record.meetings]
    assert words[2] == f"cancelled; rebooked for {days_ago(37):%Y-%m-%d %H:%M} UTC: held " \
                       "(notes recorded)"
    assert words[3] == (f"rebooked, for the 1-2-1 of {days_ago(40):%Y-%m-%d}: held "
                        "(notes recorded)")


def test_a_replacement_missed_too_is_one_miss_not_two() -> None:
    h = history(*_rebooked(OccurrenceStatus.DECLINED), created=days_ago(400))
    (pair,) = build([h], PERIOD, 1).pairs
    f = pair.figures
    assert (f.planned, f.held, f.missed, f.cancelled, f.declined) == (3, 2, 1, 0, 1)
    assert not any("in a row" in why for why in pair.attention)


def test_a_replacement_to_come_leaves_the_meeting_to_come() -> None:
    occs = _rebooked(OccurrenceStatus.SCHEDULED)
    occs = (*occs[:3], replace(occs[3], start=days_ago(-0.25), original_start=days_ago(-0.25),
                               end=days_ago(-0.25) + (occs[3].end - occs[3].start)))
    (pair,) = build([history(*occs, created=days_ago(400))], PERIOD, 1).pairs
    f = pair.figures
    assert (f.planned, f.held, f.missed, f.upcoming) == (3, 2, 0, 1)
