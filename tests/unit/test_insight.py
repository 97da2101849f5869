"""The report's pure figures (domain/insight.py) and the retention cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.insight import Figures, PairFigures, Period, by_leader, longest_gap
from service.domain.records import PairingRecord, PairingView, PersonRecord
from service.domain.retention import retention_cutoff

PERIOD = Period(date(2026, 1, 1), date(2026, 4, 1), datetime(2026, 3, 1, tzinfo=UTC))


def at(day: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)


def test_longest_gap_runs_from_before_the_period_to_now() -> None:
    assert longest_gap([at(-10), at(5), at(20)], PERIOD) == 39  # 20 Jan to now (1 Mar)
    assert longest_gap([at(-30)], PERIOD) == 89  # nothing held since 2 Dec
    assert longest_gap([], PERIOD) == 59  # the whole period so far


def _pair(pid: int, manager: str, report: str) -> PairFigures:
    view = PairingView(PairingRecord(id=pid, key=str(pid), manager_id=manager,
                                     report_id=report),
                       PersonRecord(id=manager, email=f"{manager}@x", name=manager.title()),
                       PersonRecord(id=report, email=f"{report}@x", name=report.title()),
                       None)
    return PairFigures(view, "monthly", Figures(planned=1), ())


def test_groups_follow_reporting_lines_and_small_ones_are_not_broken_down() -> None:
    # Ceo manages Ann and Bob, who manage people: one group, "under Ceo", of 6 pairs.
    pairs = [_pair(1, "ceo", "ann"), _pair(2, "ceo", "bob"),
             *(_pair(10 + i, "ann", f"a{i}") for i in range(3)), _pair(20, "bob", "b0")]
    shown, rest, combined = by_leader(pairs, 5)
    assert [(g.leader, g.figures.pairs) for g in shown] == [("Ceo", 6)]
    assert rest is None and combined == 0
    shown, rest, combined = by_leader(pairs, 7)
    assert shown == [] and rest is None and combined == 1  # too small: not shown at all


def test_retention_cutoff_is_calendar_months_back_at_midnight() -> None:
    now = datetime(2027, 5, 31, 14, 0, tzinfo=UTC)
    assert retention_cutoff(now, 0) is None
    assert retention_cutoff(now, 3) == datetime(2027, 2, 28, tzinfo=UTC)
    assert retention_cutoff(now, 24) == datetime(2025, 5, 31, tzinfo=UTC)
