"""The report is not overdue for time a pair did not exist: gaps and "no held 1-2-1" count
from when the pairing began (and stop when it ended), not from the period's start."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from click.testing import CliRunner

from service.cli import cli
from service.domain.insight import Period, Span, attention, longest_gap, pair_span
from service.domain.records import OccurrenceRecord, PairingRecord, PairingView, PersonRecord
from service.domain.status import OccurrenceStatus
from service.insight.report import History, build

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
# As `onetoone report` defaults: six months back to tomorrow, seen now.
PERIOD = Period(date(2026, 6, 3), date(2026, 12, 3), NOW)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def meeting(start: datetime, status: str = OccurrenceStatus.SCHEDULED) -> OccurrenceRecord:
    return OccurrenceRecord(series_id=1, event_id=f"e{start:%Y%m%d}", original_start=start,
                            start=start, end=start + timedelta(minutes=30), status=status)


def history(*meetings: OccurrenceRecord, created: datetime, ended: datetime | None = None,
            hired: date | None = None) -> History:
    pairing = PairingRecord(id=1, key="k", manager_id="m", report_id="r", cadence="monthly",
                            created_at=created, ended_at=ended,
                            status="ended" if ended else "active")
    view = PairingView(pairing, PersonRecord(id="m", email="m@x", name="Manager"),
                       PersonRecord(id="r", email="r@x", name="Report",
                                    hired_at=hired and datetime.combine(hired, time(), UTC)),
                       None)
    return History(view, meetings, (), ())


def figures_of(h: History) -> tuple[int, tuple[str, ...]]:
    report = build([h], PERIOD, 1)
    (pair,) = report.pairs
    return pair.figures.longest_gap_days, pair.attention


def test_a_pair_made_last_week_meeting_next_week_is_not_overdue() -> None:
    gap, why = figures_of(history(meeting(days_ago(-6)), created=days_ago(7)))
    assert why == ()
    assert gap == 7  # since it was paired, not the 182 days of the whole period


def test_an_old_pair_with_nothing_held_is_flagged_from_its_start() -> None:
    # Paired three months ago at monthly cadence, never held one: overdue, counted from then.
    gap, why = figures_of(history(meeting(days_ago(80), OccurrenceStatus.CANCELLED),
                                  meeting(days_ago(50), OccurrenceStatus.DECLINED),
                                  created=days_ago(90)))
    assert gap == 90
    assert why[0] == "no held 1-2-1 since paired on 2026-09-03 (cadence monthly)"


def test_a_pair_older_than_the_period_is_flagged_for_the_whole_period() -> None:
    gap, why = figures_of(history(created=days_ago(400)))
    assert gap == (NOW - PERIOD.start_at).days == 182
    assert why == ("no held 1-2-1 in the period (cadence monthly)",)


def test_a_new_starter_is_not_overdue_before_they_joined() -> None:
    # The directory listed the starter before their first day (22 Nov): the pairing was
    # recorded in October, the first 1-2-1 is 8 Dec. Ten days in: nothing to flag.
    h = history(meeting(datetime(2026, 12, 8, 11, tzinfo=UTC)), created=datetime(
        2026, 10, 1, 9, tzinfo=UTC), hired=date(2026, 11, 22))
    gap, why = figures_of(h)
    assert why == ()
    assert gap == 10
    assert pair_span(h.view.pairing, h.occurrences, date(2026, 11, 22)).began == datetime(
        2026, 11, 22, tzinfo=UTC)


def test_meetings_stored_from_before_the_pairing_row_count() -> None:
    # An adopted series brings meetings from before onetoone recorded the pairing: the pair
    # existed by its first one, whatever the hire date says.
    first = days_ago(120)
    h = history(meeting(first, OccurrenceStatus.HELD), created=days_ago(10),
                hired=(NOW - timedelta(days=5)).date())
    assert pair_span(h.view.pairing, h.occurrences, h.view.report.hire_date).began == first
    gap, why = figures_of(h)
    assert gap == 120 and why == ("no held 1-2-1 for 120 days (cadence monthly)",)


def test_an_ended_pair_counts_only_up_to_its_end() -> None:
    held = meeting(days_ago(120), OccurrenceStatus.HELD)
    gap, why = figures_of(history(held, created=days_ago(400), ended=days_ago(100)))
    assert gap == 62  # period start to the held meeting; nothing open after the end
    assert why == ()
    # Behind while it lasted is still reported, at its length then.
    gap, why = figures_of(history(held, created=days_ago(400), ended=days_ago(40)))
    assert gap == 80 and why == ("no held 1-2-1 for 80 days (cadence monthly)",)


def test_no_span_keeps_the_period_wide_count() -> None:
    assert longest_gap([], PERIOD) == longest_gap([], PERIOD, Span()) == 182
    assert attention([], [], "monthly", PERIOD, Span(began=PERIOD.now)) == ()
    assert longest_gap([], PERIOD, Span(began=NOW + timedelta(days=3))) == 0


def test_report_right_after_the_first_schedule_flags_no_new_pair(db_url: str,
                                                                  tmp_path: Path) -> None:
    """The defect as found: sandbox `schedule`, then `report` the same day."""
    env = {"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(tmp_path / "sandbox.json")}
    runner = CliRunner()
    if db_url.startswith("postgresql"):
        assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    now = "2026-12-02T14:53:00Z"
    done = runner.invoke(cli, ["schedule", "--now", now], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    out = tmp_path / "report"
    done = runner.invoke(cli, ["report", "--now", now, "--format", "json", "--out", str(out)],
                         env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    data = json.loads((out / "report.json").read_text())
    pairs = {p["report"]: p for p in data["pairs"]}
    assert len(pairs) == 10 and data["attention"] == []
    assert {p["longest_gap_days"] for p in pairs.values()} == {0}
    assert pairs["Sophie Turner"]["needs_attention"] == ""  # hired 22 Nov, first 1-2-1 8 Dec
    # Three months on with nothing held (no loop ran), every pair is overdue from its start.
    later = "2027-03-02T14:53:00Z"
    done = runner.invoke(cli, ["report", "--now", later, "--format", "json", "--out",
                               str(out)], env=env, catch_exceptions=False)
    data = json.loads((out / "report.json").read_text())
    assert len(data["attention"]) == 10
    assert all("since paired on 2026-12-02" in a["why"] for a in data["attention"])
    assert {p["longest_gap_days"] for p in data["pairs"]} == {90}
