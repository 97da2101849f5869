"""An invite found shared beyond the pair is decided once; a topic mailed later
does not make every tick fetch it again and report it as "not private" again."""

from __future__ import annotations

from datetime import timedelta

from service.domain.status import AgendaState
from tests.integration.test_agenda_shared_invite import NIA, _attend, _second_agenda
from tests.integration.test_mail import Scenario


def test_a_shared_invite_is_not_refetched_each_tick_for_a_new_topic(tmp_path,
                                                                    settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'shared-again.db'}"))
    _attend(scenario, NIA, "required")
    result = _second_agenda(scenario)
    assert [label for label in result.agenda.not_private if "Rob" in label]
    now = scenario.tenant.now()
    skipped = [o for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)
               if o.agenda_state == AgendaState.SKIPPED]
    assert len(skipped) == 1
    # Rob mails a topic for the next 1-2-1 (still before the shared meeting).
    scenario.store.add_mail_topics(scenario.rob.pairing.id, ["Budget"], "report", now.date(),
                                   now, message_id="<budget@contoso.example>")
    again = [scenario.at(now + timedelta(minutes=15 * n)) for n in range(1, 5)]
    assert [label for r in again for label in r.agenda.not_private if "Rob" in label] == []
    assert [label for r in again for label in r.agenda.kept_person_edit if "Rob" in label] == []
