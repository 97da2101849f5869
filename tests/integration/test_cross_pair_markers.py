"""A "(topic #N)" marker typed in one pair's meeting (a line pasted from another report's
invite) never closes another pair's topic: it would drop off that pair's next agenda."""

from __future__ import annotations

from datetime import date

from service.domain.status import TopicStatus
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario


def test_a_topic_marker_in_robs_notes_does_not_close_nias_topic(tmp_path, settings_for):
    sc = Scenario(settings_for(f"sqlite:///{tmp_path / 'x.db'}"))
    nia = next(v for v in sc.store.views() if v.report.email == "nia@contoso.example")
    # Nia (another pair of Mia's) has raised a topic for her own next 1-2-1.
    tid = sc.store.add_topic(nia.pairing.id, "Nia: my private worry about X", "report",
                             date(2026, 11, 25), sc.occ.start)
    assert tid is not None
    # In Rob's meeting, Mia types a line carrying that topic's marker, ticked.
    person_types(sc.tenant, sc.occ, [f"[x] something (topic #{tid})"], [], tick_all=False)
    sc.after_meeting()
    (topic,) = [t for t in sc.store.pair_topics(nia.pairing.id) if t.id == tid]
    assert topic.status == TopicStatus.OPEN, (topic.status, topic.discussed_occurrence_id,
                                              sc.occ.id)
