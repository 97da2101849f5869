"""Some 1-2-1s face to face (seed 001: "if your team is remote ... make sure that at least
some take place face to face ... you can go for coffee or even a walk"), through the sandbox:
the agenda written into a Teams pair's 4th meeting suggests it, and no other meeting's does;
a pair whose manager's calendar has no Teams (booked in person) never gets the line; the
agenda update a new topic brings keeps the line as it was, and the line is never read back
as the manager's notes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.domain.body import block_text
from service.domain.htmltext import html_to_text
from service.domain.in_person import IN_PERSON_HINT
from service.domain.records import OccurrenceRecord
from tests.integration.test_agenda_content_invites import MIA, ROB, Pairs, with_policy
from tests.integration.test_agenda_loop import START, org, person_types

OMAR, PIA = "omar@contoso.example", "pia@contoso.example"


def hint_count(pairs: Pairs, manager: str, occ: OccurrenceRecord) -> int:
    """How many times the agenda block in the manager's copy of the meeting has the line."""
    text = block_text(html_to_text(pairs.tenant.person_body(manager, occ.event_id))) or ""
    return text.replace("\r", "").split("\n").count(IN_PERSON_HINT)


def test_the_fourth_teams_meeting_suggests_face_to_face(tmp_path: Any, settings_for: Any
                                                         ) -> None:
    """Rob's meetings are Teams meetings: his 4th agenda has the line once, before and
    after the update a new topic brings, and his 1st-3rd and 5th have none. Pia's manager
    has no Teams: none of hers has it. Mia's note on the 4th is read back as typed."""
    tenant = org()
    omar = tenant.add_user("Omar Office", OMAR, hire_date=date(2019, 1, 1), teams=False)
    tenant.add_user("Pia Person", PIA, manager=omar, hire_date=date(2021, 3, 1))
    # Weekly, so five meetings fall within five weeks; [agenda] in_person_every as shipped.
    pairs = Pairs(with_policy(settings_for(f"sqlite:///{tmp_path / 'in-person.db'}"),
                              default_cadence="weekly"), tenant)
    assert pairs.settings.agenda.in_person_every == 4
    pairs.at(START)
    assert pairs.view(ROB).series.online and not pairs.view(PIA).series.online

    now, typed, topic_added = START, False, False
    while now < START + timedelta(days=40):
        now += timedelta(days=1)  # a tick a day: an agenda is due two working days ahead
        pairs.at(now)
        fourth = next((o for o in pairs.meetings(ROB) if o.meeting_number == 4), None)
        if fourth is None:
            continue  # not listed yet (a series' meetings are listed as agendas fall due)
        if fourth.agenda_state == "injected" and not topic_added:
            # A topic after the 4th agenda went in: the update it brings renders it again.
            pairs.store.add_topic(pairs.view(ROB).pairing.id, "Hybrid days", "report",
                                  now.date(), now)
            topic_added = True
        if fourth.end <= now and not typed and fourth.agenda_state == "injected":
            person_types(tenant, fourth,  # type: ignore[arg-type]  (only its event id is used)
                         ["Walked to the café, talked about the team day"], [],
                         tick_all=False)
            typed = True

    rob_meetings = [o for o in pairs.meetings(ROB) if o.meeting_number <= 5]
    assert [o.agenda_state for o in rob_meetings] == ["injected"] * 5
    assert [hint_count(pairs, MIA, o) for o in rob_meetings] == [0, 0, 0, 1, 0]
    fourth = rob_meetings[3]
    assert fourth.agenda_updates == 2  # the first agenda, then the topic's update
    assert "Hybrid days" in pairs.tenant.person_body(MIA, fourth.event_id)
    assert [n.text for n in pairs.store.notes(fourth.id)] == [
        "Walked to the café, talked about the team day"]

    pia_meetings = [o for o in pairs.meetings(PIA) if o.meeting_number <= 5]
    assert [o.agenda_state for o in pia_meetings] == ["injected"] * 5
    assert [hint_count(pairs, OMAR, o) for o in pia_meetings] == [0] * 5
