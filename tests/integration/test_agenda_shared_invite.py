"""An invite the manager shared with someone besides the report (added as an attendee, or
forwarded) gets no agenda: the agenda recalls the pair's notes and topics, and every update
of the invite goes to each attendee. A room booked for the meeting is not a person."""

from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import select

from service.domain.htmltext import html_to_text
from service.sandbox import calendar as cal
from service.store.models import PersonRow
from tests.integration.test_mail import Scenario

NIA = "nia@contoso.example"


def _attend(scenario: Scenario, address: str, kind: str, *, place: bool = False) -> None:
    """Mia adds someone to the whole series in Outlook (``place``: a room booked as the
    meeting's place, as Outlook books one and Exchange lists it once it accepts)."""
    tenant, series = scenario.tenant, scenario.rob.series
    mia = tenant.user("mia@contoso.example")["id"]
    master = tenant.state["events"][mia][series.event_id]
    attendees = [*copy.deepcopy(master["attendees"]),
                 {"emailAddress": {"address": address, "name": address}, "type": kind,
                  "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}}]
    change: dict = {"attendees": attendees}
    if place:
        change["locations"] = [{"displayName": address, "locationType": "conferenceRoom",
                                "locationEmailAddress": address}]
    cal.update_event(tenant, mia, series.event_id, change)


def _second_agenda(scenario: Scenario):
    scenario.type_notes()
    scenario.after_meeting()  # read back: the next agenda would recall these notes
    for day in range(1, 45):
        result = scenario.at(scenario.occ.end + timedelta(days=day))
        if any("Rob" in label for label in result.agenda.injected + result.agenda.not_private):
            return result
    raise AssertionError("no agenda fell due")


def test_an_invite_shared_with_a_colleague_gets_no_agenda(tmp_path, settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'shared.db'}"))
    _attend(scenario, NIA, "required")
    result = _second_agenda(scenario)
    assert not [label for label in result.agenda.injected if "Rob" in label]
    assert [label for label in result.agenda.not_private if "Rob" in label]
    texts = [html_to_text(m["body"]["content"]) for m in scenario.tenant.messages(NIA)]
    assert not any("Confidential-ish" in t or "From the notes" in t for t in texts)


def test_a_room_is_not_a_person(tmp_path, settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'room.db'}"))
    _attend(scenario, "room-1@contoso.example", "resource", place=True)
    result = _second_agenda(scenario)
    assert [label for label in result.agenda.injected if "Rob" in label]
    assert result.agenda.not_private == []


def test_a_colleague_in_the_resources_box_is_still_a_person(tmp_path, settings_for) -> None:
    """Outlook's Resources box (Graph's attendee type "resource") takes any address: a
    colleague put there (one in a pair: a person for certain) gets every update, so the
    invite gets no agenda, as for an attendee."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'resource.db'}"))
    _attend(scenario, NIA, "resource")
    result = _second_agenda(scenario)
    assert not [label for label in result.agenda.injected if "Rob" in label]
    assert [label for label in result.agenda.not_private if "Rob" in label]
    texts = [html_to_text(m["body"]["content"]) for m in scenario.tenant.messages(NIA)]
    assert not any("Confidential-ish" in t for t in texts)


def test_anyone_in_the_resources_box_who_is_not_the_place_is_a_person(
        tmp_path, settings_for) -> None:
    """HR, an assistant, someone in [pairs] exclude or outside the organisation, put in
    Outlook's Resources box: in no pair, they were taken for a room and sent last time's
    notes with every agenda update. Only a room booked as the meeting's place is a room."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'hr.db'}"))
    scenario.tenant.add_user("Hana HR", "hr@contoso.example")  # no manager, no reports
    _attend(scenario, "hr@contoso.example", "resource")
    result = _second_agenda(scenario)
    assert not [label for label in result.agenda.injected if "Rob" in label]
    assert [label for label in result.agenda.not_private if "Rob" in label]
    texts = [html_to_text(m["body"]["content"])
             for m in scenario.tenant.messages("hr@contoso.example")]
    assert not any("Confidential-ish" in t or "From the notes" in t for t in texts)


def test_a_room_with_a_user_account_is_still_a_room(tmp_path, settings_for) -> None:
    """A Teams Room's account is an enabled directory user (so in onetoone's people), but
    never in a pair: booked as a resource, it is a room, and the agenda goes in."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'teams-room.db'}"))
    scenario.tenant.add_user("Room 4.01 (Teams)", "room-401@contoso.example")
    scenario.at(scenario.tenant.now() + timedelta(hours=1))  # the directory sync sees it
    with scenario.store.session() as s:
        assert "room-401@contoso.example" in set(s.scalars(select(PersonRow.email)))
    _attend(scenario, "room-401@contoso.example", "resource", place=True)
    result = _second_agenda(scenario)
    assert [label for label in result.agenda.injected if "Rob" in label]
    assert result.agenda.not_private == []
