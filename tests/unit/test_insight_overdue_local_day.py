"""`onetoone report` judges an action overdue by the day where its pair meets, as its due
date is written (a manager in Sydney typing "by 10 March" means Sydney's 10 March). By
the UTC day, a report run on a Sydney morning (the evening before in UTC) counted overdue
actions a day late, and flagged "overdue by more than 30 days" a day late too; a pair that
ended is judged on its last day there."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.insight import Period
from service.domain.records import ActionRecord
from service.domain.status import ActionStatus
from service.insight.report import History, build
from tests.unit.test_insight_local_days import meeting, sydney_history

SYDNEY = ZoneInfo("Australia/Sydney")
# 09:00 on 11 March 2027 in Sydney: 22:00 on 10 March in UTC.
NOW = datetime(2027, 3, 11, 9, tzinfo=SYDNEY).astimezone(UTC)
PERIOD = Period(date(2027, 3, 1), date(2027, 3, 12), NOW)


def open_action(n: int, due: date) -> ActionRecord:
    made = datetime(2027, 1, 4, tzinfo=UTC)
    return ActionRecord(id=n, pairing_id=1, owner="Rob", text=f"action {n}", due=due,
                        status=ActionStatus.OPEN, carried=0, raised_on=made.date(),
                        raised_occurrence_id=None, closed_occurrence_id=None,
                        fingerprint=f"f{n}", created_at=made, closed_at=None)


def history(*actions: ActionRecord, ended: datetime | None = None) -> History:
    h = sydney_history()
    view = h.view
    if ended is not None:
        view = dataclasses.replace(view, pairing=dataclasses.replace(
            view.pairing, status="ended", ended_at=ended))
    held = meeting(1, datetime(2027, 3, 1, 9, 30, tzinfo=SYDNEY).astimezone(UTC))
    return History(view, (held,), actions, (), cadences={1: "fortnightly"})


def test_an_action_due_yesterday_in_sydney_is_overdue_on_a_sydney_morning() -> None:
    (pair,) = build([history(open_action(1, date(2027, 3, 10)))], PERIOD, 1).pairs
    assert pair.figures.actions_overdue == 1


def test_the_thirty_day_flag_counts_the_days_in_the_pairs_zone() -> None:
    # Due 8 February: 31 days before 11 March in Sydney (30 before UTC's 10 March).
    (pair,) = build([history(open_action(1, date(2027, 2, 8)))], PERIOD, 1).pairs
    assert "1 action(s) overdue by more than 30 days" in pair.attention


def test_a_pair_that_ended_is_judged_on_its_last_day_there() -> None:
    # Ended at 08:00 on 11 March in Sydney: an action due on the 10th was overdue by then.
    ended = NOW - timedelta(hours=1)
    (pair,) = build([history(open_action(1, date(2027, 3, 10)), ended=ended)],
                    PERIOD, 1).pairs
    assert pair.figures.actions_overdue == 1


def test_the_day_a_pair_ended_is_the_day_there() -> None:
    # Ended by the sync at 07:00 on 11 March in Sydney (20:00 on the 10th in UTC).
    from service.insight.report import tables

    ended = datetime(2027, 3, 11, 7, tzinfo=SYDNEY).astimezone(UTC)
    (row,) = tables(build([history(ended=ended)], PERIOD, 1))["pairs"]
    assert row["ended"] == "2027-03-11"


def test_a_pair_that_ended_on_the_periods_first_day_there_is_in_it() -> None:
    # Ended at 07:00 on 1 March in Sydney (28 February in UTC), no meeting since: a report
    # from 1 March lists it, ended that day, as it would a pair that ended later that day.
    ended = datetime(2027, 3, 1, 7, tzinfo=SYDNEY).astimezone(UTC)
    h = dataclasses.replace(history(ended=ended), occurrences=())
    (pair,) = build([h], PERIOD, 1).pairs
    assert pair.view.pairing.ended_at == ended


def test_a_pair_that_began_the_day_after_the_period_there_is_not_in_it() -> None:
    # Paired at 07:00 on 12 March in Sydney (the 11th in UTC): not in a report to the 12th.
    began = datetime(2027, 3, 12, 7, tzinfo=SYDNEY).astimezone(UTC)
    h = history()
    view = dataclasses.replace(h.view, pairing=dataclasses.replace(h.view.pairing,
                                                                   created_at=began))
    late = Period(PERIOD.start, PERIOD.end, began + timedelta(days=1))
    assert build([History(view, (), (), (), cadences={1: "fortnightly"})], late, 1).pairs == ()


def test_no_held_since_paired_names_the_day_it_was_paired_there() -> None:
    # Paired at 07:00 on 2 March in Sydney (20:00 on 1 March in UTC), never met since.
    paired = datetime(2027, 3, 2, 7, tzinfo=SYDNEY).astimezone(UTC)
    h = history()
    view = dataclasses.replace(h.view, pairing=dataclasses.replace(h.view.pairing,
                                                                   created_at=paired))
    period = Period(date(2027, 3, 1), date(2027, 5, 1), datetime(2027, 4, 20, tzinfo=UTC))
    (pair,) = build([History(view, (), (), (), cadences={1: "fortnightly"})], period,
                    1).pairs
    assert any(a.startswith("no held 1-2-1 since paired on 2027-03-02")
               for a in pair.attention), pair.attention


def test_no_held_since_a_los_angeles_starters_first_day_names_that_day() -> None:
    # Paired before Rob's first day there, 8 March; never met since. His first day begins
    # at midnight in Los Angeles (08:00 UTC), not at UTC's (16:00 on the 7th there).
    la = ZoneInfo("America/Los_Angeles")
    h = history()
    series = dataclasses.replace(h.view.series, time_zone="America/Los_Angeles")
    view = dataclasses.replace(
        h.view, series=series,
        pairing=dataclasses.replace(h.view.pairing,
                                    created_at=datetime(2027, 3, 1, 9, tzinfo=la)),
        report=dataclasses.replace(h.view.report, hired_at=datetime(2027, 3, 8, tzinfo=UTC)))
    period = Period(date(2027, 3, 1), date(2027, 5, 1), datetime(2027, 4, 20, tzinfo=UTC))
    (pair,) = build([History(view, (), (), (), cadences={1: "fortnightly"})], period,
                    1).pairs
    assert any(a.startswith("no held 1-2-1 since paired on 2027-03-08")
               for a in pair.attention), pair.attention
