"""Actions typed task first ("Send the Q1 plan - Rob - Friday", as a What | Who | When table
reads) are owned by the person named, wherever the name stands; a line naming no owner is
a note, never an action owned by its task; and a carried action typed again in other words
is that action, not a second one."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import START, person_types
from tests.integration.test_mail import Scenario


class Carried(Scenario):
    """Rob's pairing with one action carried from before: "Rob Report – book the course"."""

    def before_agendas(self) -> None:
        self.store.add_action(
            pairing_id=self.rob.pairing.id, occurrence_id=None, owner="Rob Report",
            text="book the course", due=None, raised_on=START.date(), fingerprint="cli:c",
            now=START)
        (self.course,) = [a.id for a in self.store.actions(self.rob.pairing.id)]


@pytest.fixture
def carried(tmp_path, settings_for) -> Carried:
    return Carried(settings_for(f"sqlite:///{tmp_path / 'task-first.db'}"))


def open_actions(carried: Carried) -> list[tuple[str, str, date | None]]:
    return sorted((a.owner, a.text, a.due)
                  for a in carried.store.open_actions(carried.rob.pairing.id))


def test_task_first_actions_are_owned_by_the_person_named(carried: Carried) -> None:
    """The summary's Who column and the next agenda name the person, not the task."""
    person_types(carried.tenant, carried.occ, ["Talked about Q1"],
                 ["Send the Q1 plan - Rob - Friday", "Review the budget: Mia",
                  "Draft the proposal – by 11 Dec – me", "Book the course – Rob",
                  "Send the forecast - Friday"], tick_all=False)
    carried.after_meeting()
    assert open_actions(carried) == [
        ("Mia Manager", "Draft the proposal", date(2026, 12, 11)),
        ("Mia Manager", "Review the budget", None),
        ("Rob Report", "Send the Q1 plan", date(2026, 12, 4)),
        ("Rob Report", "book the course", None)]  # the carried one, once
    text = html_to_text(carried.summaries()[0]["body"]["content"])
    assert "Rob Report\tSend the Q1 plan\t4 Dec 2026" in text
    assert "Mia Manager\tReview the budget\t—" in text
    # No one is named: kept as a note, not an action owned by "Send the forecast".
    assert "Send the forecast - Friday" in text.split("Actions agreed")[0]
    assert "Send the forecast\t" not in text


def test_a_carried_action_typed_again_and_ticked_is_done(carried: Carried) -> None:
    """"[x] Book the course – Rob" under Actions agreed closes the carried action."""
    person_types(carried.tenant, carried.occ, [], ["[x] Book the course – Rob"],
                 tick_all=False)
    carried.after_meeting()
    (course,) = [a for a in carried.store.actions(carried.rob.pairing.id)]
    assert (course.id, course.status) == (carried.course, "done")


def test_a_carried_action_done_and_agreed_again_is_a_new_action(carried: Carried) -> None:
    """The carried "book the course" ticked done (booked, then cancelled) and "Rob: book
    the course" agreed again: the old one is done, the new one open, and the summary lists
    it agreed, not "None this time"."""
    person_types(carried.tenant, carried.occ, ["The course was cancelled"],
                 ["Rob: book the course"], tick_all=True)
    carried.after_meeting()
    assert sorted((a.id == carried.course, a.text, a.status)
                  for a in carried.store.actions(carried.rob.pairing.id)) == [
        (False, "book the course", "open"), (True, "book the course", "done")]
    text = html_to_text(carried.summaries()[0]["body"]["content"])
    agreed = text.split("Actions agreed")[1]
    assert "Rob Report\tbook the course\t—" in agreed
    assert "None this time" not in agreed.split("Done since last time")[0]


def test_someone_outside_the_pair_typed_in_lower_case_owns_the_action(
        carried: Carried) -> None:
    """"Rob's manager: approve the course", "Team: prepare the demo" and "sam: book the room"
    are actions in the summary's agreed table, carried to the next agenda; "Send the Q1 plan
    - Rob - Friday" is still Rob's and "send the forecast - friday" still a note."""
    person_types(carried.tenant, carried.occ, [],
                 ["Rob's manager: approve the course", "Team: prepare the demo",
                  "sam: book the room", "Send the Q1 plan - Rob - Friday",
                  "send the forecast - friday"], tick_all=False)
    carried.after_meeting()
    assert open_actions(carried) == [
        ("Rob Report", "Send the Q1 plan", date(2026, 12, 4)),
        ("Rob Report", "book the course", None),
        ("Rob's manager", "approve the course", None),
        ("Team", "prepare the demo", None),
        ("sam", "book the room", None)]
    text = html_to_text(carried.summaries()[0]["body"]["content"])
    agreed = text.split("Actions agreed")[1]
    for row in ("Rob's manager\tapprove the course", "Team\tprepare the demo",
                "sam\tbook the room"):
        assert row in agreed
    assert "send the forecast - friday" in text.split("Actions agreed")[0]
