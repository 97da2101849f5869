"""A meeting whose agenda put development on it, then cancelled (or declined, or ended with
no notes), did not cover development: later meetings must still bring it, not count the
missed one as "covered recently" (seed 001: some meetings cover learning and development)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from service.app import job_context
from service.domain.status import AgendaState, OccurrenceStatus
from service.jobs.agenda import PairReads, _compose, question_bank
from tests.integration.test_mail import Scenario, no_sleep


@pytest.mark.parametrize("missed", [OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED])
def test_a_missed_development_meeting_does_not_count_as_covered(
        tmp_path, settings_for, missed) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'dev.db'}"))
    store, view = scenario.store, scenario.rob
    every = scenario.settings.agenda.development_every  # 3
    first = store.pairing_occurrences(view.pairing.id)[0]
    # Meetings 1..N-1 held without development; meeting N had it on its agenda and was
    # then missed; now meeting N+1 (a fortnight later) is being written.
    week = timedelta(days=14)
    earlier = [dataclasses.replace(first, id=9000 + n, meeting_number=n,
                                   start=first.start + (n - 1) * week,
                                   end=first.end + (n - 1) * week,
                                   agenda_state=AgendaState.INJECTED,
                                   status=OccurrenceStatus.HELD, covers_development=False)
               for n in range(1, every)]
    nth = dataclasses.replace(earlier[-1], id=9000 + every, meeting_number=every,
                              start=first.start + (every - 1) * week,
                              end=first.end + (every - 1) * week,
                              covers_development=True, status=missed)
    this = dataclasses.replace(first, meeting_number=every + 1,
                               start=first.start + every * week, end=first.end + every * week,
                               agenda_state=AgendaState.PENDING)

    async def go():
        async with job_context(scenario.settings, scenario.tenant.now(),
                               sandbox=scenario.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return _compose(ctx, view, this, view.series.time_zone, question_bank(None),
                            fresh=True, reads=PairReads([*earlier, nth, this], [], []))[0]

    # Development has never been discussed with Rob, N+1 meetings in: it is due now.
    assert asyncio.run(go()).covers_development
