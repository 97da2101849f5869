"""The HR report's figures say what happened: a pair whose series the manager deleted stays
in it; meetings cancelled ahead of time are not missed yet, and past ones never read back are
not "still to come"; a leaver's actions are not overdue for the months after they left; groups
follow the current reporting line; each pair says whether it has ended."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

from service.domain.insight import Period
from service.domain.records import ActionRecord, PersonRecord
from service.domain.status import ActionStatus, OccurrenceStatus
from service.insight.report import History, build, render_files
from tests.unit.test_insight_new_pairs import NOW, PERIOD, days_ago, history, meeting


def only(h: History):
    (pair,) = build([h], PERIOD, 1).pairs
    return pair


def test_a_pair_whose_series_was_deleted_stays_in_the_report() -> None:
    h = history(meeting(days_ago(230), OccurrenceStatus.HELD), created=days_ago(400))
    h = replace(h, view=replace(h.view, pairing=replace(h.view.pairing,
                                                        status="series_deleted")))
    pair = only(h)  # no meeting in the period: that is the point
    assert pair.attention == ("no held 1-2-1 for 230 days (cadence monthly)",)
    row = next(csv.DictReader(io.StringIO(render_files(build([h], PERIOD, 1), "csv",
                                                       "now")["pairs.csv"])))
    assert (row["status"], row["ended"]) == ("series_deleted", "")


def test_a_pair_begun_after_the_period_is_not_listed() -> None:
    assert build([history(created=NOW + timedelta(days=3))], PERIOD, 1).pairs == ()


def test_meetings_are_counted_for_the_time_they_are_in() -> None:
    """A report reaching past today (`--to` next month), as the docs' example does."""
    ahead = Period(PERIOD.start, (NOW + timedelta(days=40)).date(), NOW)
    (pair,) = build([history(
        meeting(days_ago(-10), OccurrenceStatus.CANCELLED),  # cancelled ahead of time
        meeting(days_ago(-20), OccurrenceStatus.DECLINED),
        meeting(days_ago(-30)),  # still to come
        meeting(days_ago(60)), meeting(days_ago(30)),  # long past, never read back
        meeting(NOW - timedelta(hours=2)),  # just ended: its notes are read on the next run
        meeting(days_ago(90), OccurrenceStatus.HELD),
        created=days_ago(400))], ahead, 1).pairs
    f = pair.figures
    assert (f.missed, f.upcoming, f.outcome_unknown, f.held) == (0, 2, 2, 1)
    assert f.planned == f.held + f.missed + f.upcoming + f.outcome_unknown
    assert f.missed_by_month == {}


def test_new_columns_come_after_every_earlier_one() -> None:
    """Files read by column position keep their columns."""
    files = render_files(build([history(created=days_ago(400))], PERIOD, 1), "csv", "now")
    pairs = files["pairs.csv"].splitlines()[0].split(",")
    assert pairs[pairs.index("needs_attention"):] == [
        "needs_attention", "status", "ended", "outcome_unknown"]
    assert pairs[pairs.index("needs_attention") - 1] == "skipped_for_absence"
    for name in ("managers.csv", "groups.csv"):
        assert files[name].splitlines()[0].split(",")[-2:] == ["skipped_for_absence",
                                                               "outcome_unknown"]


def test_a_leavers_actions_are_not_overdue_after_they_left() -> None:
    ended = days_ago(60)
    action = ActionRecord(id=1, pairing_id=1, raised_occurrence_id=None, owner="Report",
                          text="Send the plan", due=(days_ago(90)).date(),
                          status=ActionStatus.OPEN, carried=0,
                          raised_on=days_ago(100).date(), closed_occurrence_id=None,
                          fingerprint="f", created_at=days_ago(100), closed_at=None)
    h = replace(history(meeting(days_ago(95), OccurrenceStatus.HELD), created=days_ago(400),
                        ended=ended), actions=(action,))
    pair = only(h)
    assert pair.attention == ()  # 30 days late when they left: not more than 30
    assert pair.figures.actions_overdue == 1  # it was overdue while the pair lasted
    row = next(csv.DictReader(io.StringIO(render_files(build([h], PERIOD, 1), "csv",
                                                       "now")["pairs.csv"])))
    assert (row["status"], row["ended"]) == ("ended", f"{ended:%Y-%m-%d}")


def test_groups_follow_the_current_reporting_line() -> None:
    """Mia (five reports) moved from Zed to Ann: her team counts under Ann now."""
    def pair(pid: int, manager: PersonRecord, report: PersonRecord, ended: bool) -> History:
        h = history(meeting(days_ago(10 + pid), OccurrenceStatus.HELD), created=days_ago(300),
                    ended=days_ago(40) if ended else None)
        return replace(h, view=replace(h.view, manager=manager, report=report,
                                       pairing=replace(h.view.pairing, id=pid)))

    def person(name: str) -> PersonRecord:
        return PersonRecord(id=name.lower(), email=f"{name.lower()}@x", name=name)

    zed, ann, mia = person("Zed Old"), person("Ann New"), person("Mia")
    team = [pair(10 + n, mia, person(f"R{n}"), False) for n in range(5)]
    report = build([pair(1, zed, mia, True), pair(2, ann, mia, False), *team], PERIOD, 1)
    groups = {g.leader: g.figures.pairs for g in report.groups}
    assert groups == {"Ann New": 6}
