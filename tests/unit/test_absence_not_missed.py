"""A 1-2-1 onetoone skipped because either person was on a long absence is neither held nor
missed: not in "missed N in a row", not in the held/missed figures, and the gap it stands in
is not held against the pair (the tester's case: a weekly pair, the report on leave
18 Jan - 5 Feb, three meetings skipped and stored as held without notes)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from service.domain.attendance import ABSENT, missed_flag, missed_in_a_row, outcome
from service.domain.insight import Figures, Period, attention, pair_figures
from service.domain.records import OccurrenceRecord, PairingRecord, PairingView, PersonRecord
from service.domain.status import AbsenceState, OccurrenceStatus
from service.insight.evidence import status_words
from service.insight.report import COLUMNS, History, build, render_files

HELD, NO_NOTES = OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES
CANCELLED, DECLINED = OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED
SKIPPED = AbsenceState.SKIPPED
NOW = datetime(2027, 2, 6, 9, 0, tzinfo=UTC)
PERIOD = Period(date(2027, 1, 11), date(2027, 2, 6), NOW)


def weekly(n: int) -> datetime:
    """The n-th Wednesday 11:30 UTC from 13 Jan 2027 (n=0)."""
    return datetime(2027, 1, 13, 11, 30, tzinfo=UTC) + timedelta(weeks=n)


def meeting(start: datetime, status: str, absence: str | None = AbsenceState.CLEAR
            ) -> OccurrenceRecord:
    return OccurrenceRecord(series_id=1, event_id=f"e{start:%Y%m%d}", original_start=start,
                            start=start, end=start + timedelta(minutes=30), status=status,
                            absence_state=absence)


def on_leave(status: str = NO_NOTES) -> list[OccurrenceRecord]:
    """The tester's pair: held 13 Jan, three skipped for the leave, 10 Feb to come."""
    return [meeting(weekly(0), HELD), *(meeting(weekly(n), status, SKIPPED) for n in (1, 2, 3)),
            meeting(weekly(4), OccurrenceStatus.SCHEDULED)]


def history(occurrences: list[OccurrenceRecord], report: str = "Ada Away") -> History:
    pairing = PairingRecord(id=1, key="k", manager_id="m", report_id="r", cadence="weekly",
                            created_at=datetime(2027, 1, 4, tzinfo=UTC))
    view = PairingView(pairing, PersonRecord(id="m", email="mia@x.example", name="Mia Manager"),
                       PersonRecord(id="r", email="ada@x.example", name=report), None)
    return History(view, tuple(occurrences), (), ())


def test_meetings_skipped_for_an_absence_are_not_missed_in_a_row() -> None:
    """The tester's pair is not flagged; the same three passing without notes with no
    absence still is (the flag itself is unchanged)."""
    occs = on_leave()
    assert attention(occs, (), "weekly", PERIOD) == ()
    plain = [meeting(o.start, o.status) for o in occs]
    assert attention(plain, (), "weekly", PERIOD) == (
        "no held 1-2-1 for 23 days (cadence weekly)", "missed 3 in a row")


def test_an_absence_neither_adds_to_nor_ends_a_run_of_misses() -> None:
    """Two cancelled before the leave stay two in a row through it, and are not made three;
    cancelled or declined during the leave (the absence note says they may cancel) is not a
    miss either."""
    occs = [meeting(weekly(0), HELD), meeting(weekly(1), CANCELLED),
            meeting(weekly(2), CANCELLED), meeting(weekly(3), CANCELLED, SKIPPED),
            meeting(weekly(4), DECLINED, SKIPPED), meeting(weekly(5), NO_NOTES, SKIPPED)]
    later = weekly(5) + timedelta(days=1)
    statuses = [(o.start, outcome(o.status, o.absence_state)) for o in occs]
    assert missed_in_a_row(statuses, later) == 2
    assert missed_flag(statuses, later) == "missed 2 in a row"
    period = Period(date(2027, 1, 11), date(2027, 3, 1), later)
    assert "missed 2 in a row" in attention(occs, (), "weekly", period)
    assert missed_in_a_row([(weekly(1), ABSENT), (weekly(2), ABSENT)], later) == 0


def test_notes_typed_into_a_skipped_meeting_still_make_it_held() -> None:
    """What the manager recorded is never discounted: held stays held, absence or not."""
    assert outcome(HELD, SKIPPED) == HELD
    assert outcome(NO_NOTES, SKIPPED) == ABSENT
    for state in (None, AbsenceState.CLEAR, AbsenceState.MOVED, AbsenceState.NO_SLOT,
                  AbsenceState.MOVING):
        assert outcome(NO_NOTES, state) == NO_NOTES  # only a skip excuses a meeting
    occs = on_leave()
    occs[2] = meeting(weekly(2), HELD, SKIPPED)
    f = pair_figures(occs, (), (), PERIOD, cadence="weekly")
    assert (f.held, f.skipped_for_absence, f.missed) == (2, 2, 0)


def test_report_figures_count_skipped_meetings_apart() -> None:
    """Not planned, not missed, not in the held share or the per-month misses; the gap
    they stand in is not counted (one cadence each): 23 days less three weeks."""
    f = pair_figures(on_leave(), (), (), PERIOD, cadence="weekly")
    assert (f.planned, f.held, f.held_no_notes, f.missed, f.upcoming) == (1, 1, 0, 0, 0)
    assert f.skipped_for_absence == 3
    assert f.held_share == 1.0 and f.missed_by_month == {}
    assert f.longest_gap_days == 2
    total = Figures(pairs=0)
    total.add(f)
    total.add(f)
    assert total.skipped_for_absence == 6


def test_a_gap_longer_than_the_absence_is_still_flagged_and_says_why() -> None:
    """Held 13 Jan, two skipped for leave, then four weeks cancelled: 49 days without a
    held 1-2-1, two weeks of them excused, still far over 1.5 weeks."""
    occs = [meeting(weekly(0), HELD), meeting(weekly(1), NO_NOTES, SKIPPED),
            meeting(weekly(2), NO_NOTES, SKIPPED),
            *(meeting(weekly(n), CANCELLED) for n in (3, 4, 5, 6))]
    now = weekly(7)
    period = Period(date(2027, 1, 11), date(2027, 4, 1), now)
    assert attention(occs, (), "weekly", period) == (
        "no held 1-2-1 for 49 days (cadence weekly; 2 meeting(s) skipped for a long absence "
        "not counted)", "missed 4 in a row")
    assert pair_figures(occs, (), (), period, cadence="weekly").longest_gap_days == 35


def test_a_pair_never_held_is_not_flagged_for_its_leave() -> None:
    """Never held one, the report on leave for most of the period: no "no held 1-2-1 in
    the period" flag either (26 days, three weeks of them the leave's)."""
    occs = [meeting(weekly(n), NO_NOTES, SKIPPED) for n in (1, 2, 3)]
    h = history(occs)
    (pair,) = build([h], PERIOD, 1).pairs
    assert pair.attention == ()


def test_report_files_show_the_skipped_count_and_no_flag() -> None:
    """JSON and CSV carry the count (CSV as the last figure, so columns read by position
    keep theirs), and the pair is not under needs attention."""
    report = build([history(on_leave())], PERIOD, 1)
    assert report.attention == []
    assert COLUMNS[-1] == "skipped_for_absence"
    rows = list(csv.DictReader(io.StringIO(render_files(report, "csv", "now")["pairs.csv"])))
    assert (rows[0]["missed"], rows[0]["skipped_for_absence"]) == ("0", "3")
    assert rows[0]["needs_attention"] == ""
    html = render_files(report, "html", "now")
    assert "No pair needs attention." in html["index.html"]
    assert '<td class="name flag"></td>' in html["pairs.html"]


def test_evidence_says_a_meeting_was_skipped_for_an_absence() -> None:
    """Not "passed, no notes recorded", which reads as a meeting the manager failed to hold."""
    assert status_words(meeting(weekly(1), NO_NOTES, SKIPPED)) == (
        "skipped for a long absence (no notes recorded)")
    assert status_words(meeting(weekly(1), CANCELLED, SKIPPED)) == (
        "skipped for a long absence (cancelled)")
    assert status_words(meeting(weekly(1), HELD, SKIPPED)) == "held (notes recorded)"
    assert status_words(meeting(weekly(1), NO_NOTES)) == "passed, no notes recorded"
