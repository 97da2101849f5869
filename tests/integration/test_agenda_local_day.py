"""What an agenda decides by the day goes by the pair's own day (the series' zone), not
the UTC one. A Sydney 1-2-1 at 09:00 starts the day before in UTC; a Los Angeles one at
17:00 the day after. Counted by the UTC day, development came back a meeting early, and a
report got (or missed) the new starter's questions on the wrong meeting."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.app import job_context
from service.domain.agenda import Agenda
from service.domain.questions import INDUCTION, Question
from service.domain.records import OccurrenceRecord
from service.domain.status import AgendaState, OccurrenceStatus
from service.jobs.agenda import PairReads, _compose
from tests.integration.test_mail import Scenario, no_sleep

SYDNEY = "Australia/Sydney"
LOS_ANGELES = "America/Los_Angeles"


def at(zone: str, y: int, m: int, d: int, hh: int) -> datetime:
    return datetime(y, m, d, hh, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def meeting(like: OccurrenceRecord, n: int, start: datetime, **changes: object
            ) -> OccurrenceRecord:
    return dataclasses.replace(like, id=9000 + n, meeting_number=n, start=start,
                               original_start=start, end=start + timedelta(minutes=30),
                               **changes)


def compose(scenario: Scenario, view: object, this: OccurrenceRecord, zone: str,
            earlier: list[OccurrenceRecord], bank: list[Question]) -> Agenda:
    async def go() -> Agenda:
        async with job_context(scenario.settings, scenario.tenant.now(),
                               sandbox=scenario.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return _compose(ctx, view, this, zone, bank, fresh=True,  # type: ignore[arg-type]
                            reads=PairReads([*earlier, this], [], []))[0]

    return asyncio.run(go())


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'local-day.db'}"))


def test_development_is_not_back_before_its_days_in_the_pairs_zone(scenario) -> None:
    # A monthly Sydney pair: development was on meeting 3 (moved to Friday 5 February,
    # 09:00), and meeting 5 is on Monday 5 April, 09:00: 59 days on where they meet, under
    # the 60 of development_max_days, and not a 3rd meeting. In UTC both are the day
    # before, yet the first's UTC day is 60 days before the second's local one.
    cfg = scenario.settings.agenda
    assert (cfg.development_every, cfg.development_max_days) == (3, 60)
    first = scenario.occ
    held = dict(agenda_state=AgendaState.INJECTED, status=OccurrenceStatus.HELD)
    earlier = [meeting(first, 3, at(SYDNEY, 2027, 2, 5, 9), covers_development=True, **held),
               meeting(first, 4, at(SYDNEY, 2027, 3, 1, 9), covers_development=False, **held)]
    this = meeting(first, 5, at(SYDNEY, 2027, 4, 5, 9), agenda_state=AgendaState.PENDING)
    agenda = compose(scenario, scenario.rob, this, SYDNEY, earlier, [])
    assert not agenda.covers_development


BANK = [Question("induction-1", INDUCTION, "How is your induction going?"),
        Question("work-1", "work", "What would make your work easier?")]


@pytest.mark.parametrize(("zone", "hour", "day", "new"), [
    # 09:00 in Sydney on the 91st day after starting: no longer a new starter there (it is
    # still the 90th in UTC).
    (SYDNEY, 9, 91, False),
    # 17:00 in Los Angeles on the 90th day: still one (already the 91st in UTC).
    (LOS_ANGELES, 17, 90, True),
])
def test_new_starter_questions_go_by_the_meetings_local_day(
        scenario, zone: str, hour: int, day: int, new: bool) -> None:
    assert scenario.settings.policy.new_starter_days == 90
    hired = datetime(2027, 1, 4).date()
    view = dataclasses.replace(scenario.rob, report=dataclasses.replace(
        scenario.rob.report, hired_at=datetime.combine(hired, time(), UTC)))
    meets = hired + timedelta(days=day)
    start = at(zone, meets.year, meets.month, meets.day, hour)
    this = meeting(scenario.occ, 2, start, agenda_state=AgendaState.PENDING, question_id=None)
    agenda = compose(scenario, view, this, zone, [], BANK)
    assert agenda.question is not None
    assert agenda.question.id == ("induction-1" if new else "work-1")
