"""A manager assigns actions with Outlook's @mention, the way Outlook desktop, the new
Outlook and OWA write it (``<a id="OWAAM…" href="mailto:…">@Name</a>``), and a meeting read
back before this release is read again after it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from service.domain.action_identity import action_fingerprint
from service.domain.readback import next_look
from service.domain.status import OccurrenceStatus
from service.sandbox import SandboxTenant
from tests.integration.test_agenda_loop import org
from tests.integration.test_capture_edits import next_read, weekly
from tests.integration.test_mail import Scenario

# Outlook desktop (Word) writes the mention's text in a span, the name "Last, First" as the
# address book has it; OWA and the new Outlook its text alone.
WORD = ('<a id="OWAAM29C89DAFD5E14DD4AF1FCC5361A59632" href="mailto:{mail}">'
        '<span style="text-decoration:none">@{name}</span></a>')
OWA = ('<a href="mailto:{mail}" id="OWAAM957748" class="tWKOu mention ms-bgc-nlr ms-fcl-b">'
       '@{name}</a>')
ROB, MIA = "rob@contoso.example", "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for: Any) -> Scenario:
    return weekly(settings_for, f"sqlite:///{tmp_path / 'mention.db'}")


def type_html(scenario: Scenario, notes: str, actions: str) -> None:
    """Mia types into the Notes and Actions agreed areas (HTML as her Outlook writes it)."""
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + notes, html)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + actions, html)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)


def stored(scenario: Scenario) -> list[tuple[int, str, str, str]]:
    return sorted((a.id, a.owner, a.text, a.status)
                  for a in scenario.store.actions(scenario.rob.pairing.id))


def test_actions_assigned_with_an_outlook_mention_are_actions(scenario: Scenario) -> None:
    """Who a mention picks owns the action, whatever name it shows ("@Report, Rob" as
    Outlook desktop shows him, "@Mia" shortened); one of someone else owns it by that
    name; the notes and the report's summary show the names, never "<mailto:…>"."""
    type_html(scenario,
              f'<div class="elementToProof">Talked with {OWA.format(mail=ROB, name="Rob Report")}'
              ' about the offsite</div>',
              f'<p class="MsoNormal">{WORD.format(mail=ROB, name="Report, Rob")} to send the'
              ' plan by 20 Dec<o:p></o:p></p>'
              f'<div class="elementToProof">{OWA.format(mail=MIA, name="Mia")}: book the course'
              '</div>'
              '<div class="elementToProof">Update the wiki – '
              f'{OWA.format(mail=ROB, name="Rob Report")}</div>'
              f'<div class="elementToProof">{OWA.format(mail="jo@contoso.example", name="Jo")}'
              ' to send the invoice</div>')
    scenario.after_meeting()
    assert [(owner, text) for _id, owner, text, _status in stored(scenario)] == [
        ("Rob Report", "send the plan"), ("Mia Manager", "book the course"),
        ("Rob Report", "Update the wiki"), ("Jo", "send the invoice")]
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == [
        "Talked with @Rob Report about the offsite"]
    summary = scenario.summaries()[0]["body"]["content"]
    assert "&lt;mailto:" not in summary and "None this time" not in summary
    assert "Talked with @Rob Report about the offsite" in summary


def test_a_meeting_read_before_this_release_keeps_its_actions_when_read_again(
        scenario: Scenario) -> None:
    """The release before read these lines otherwise - a family name as someone else's
    ("Report"), "@Rob" typed as someone called "@Rob", a mention followed by
    "<mailto:…>" - and recorded its actions so. Read again now, the meeting keeps those
    very actions: none withdrawn, none added a second time under its new reading."""
    mention = OWA.format(mail=MIA, name="Mia Manager")
    type_html(scenario, "",
              '<p style="margin:0;">Report: book the course</p>'
              '<p style="margin:0;">@Rob: draft the proposal by 20 Dec</p>'
              f'<p style="margin:0;">Rob: ask {mention} about the budget</p>')
    # What the release before recorded at its first read, the day the meeting was held.
    read_at = scenario.occ.end + timedelta(hours=1)
    earlier = [("Report", "book the course", None),
               ("@Rob", "draft the proposal", date(2026, 12, 20)),  # (held 1 Dec 2026)
               ("Rob Report", f"ask @Mia Manager<mailto:{MIA}> about the budget", None)]
    store = scenario.store
    for owner, text, due in earlier:
        store.add_action(pairing_id=scenario.rob.pairing.id, occurrence_id=scenario.occ.id,
                         owner=owner, text=text, due=due, raised_on=scenario.occ.start.date(),
                         fingerprint=action_fingerprint(owner, text, due), now=read_at)
    held = store.occurrence(scenario.occ.id)
    assert held is not None
    store.update_occurrence(
        held.id, read_at, status=OccurrenceStatus.HELD, captured_at=read_at,
        captured_fingerprint="the text as the release before wrote it",
        read_back_at=next_look(replace(held, captured_at=read_at,
                                       status=OccurrenceStatus.HELD), timedelta(days=7)))
    before = stored(scenario)
    assert [status for *_rest, status in before] == ["open"] * 3
    scenario.after_meeting(hours=next_read(scenario))
    again = store.occurrence(scenario.occ.id)
    assert again is not None and again.captured_at != read_at  # it was read again
    assert stored(scenario) == before


class AliasScenario(Scenario):
    """Mia's mailbox has had an alias from the start; Rob is given one once the pair is
    booked (a users/delta read then tells of it, as of any change to him)."""

    def before_agendas(self) -> None:
        self.tenant.add_alias(ROB, "r.report@contoso.example")


def with_aliases() -> SandboxTenant:
    tenant = org()
    tenant.add_alias(MIA, "mia.manager@fabrikam.example")
    return tenant


def test_a_mention_of_an_alias_names_the_person_it_belongs_to(tmp_path,
                                                               settings_for: Any) -> None:
    """An Outlook mention carries whichever address the people picker found: one of the
    manager's or the report's aliases (in any case) names them, whatever it shows, as
    their primary address does; an address no one of the pair has stays someone else's."""
    scenario = AliasScenario(settings_for(f"sqlite:///{tmp_path / 'alias.db'}",
                                          default_cadence="weekly"), tenant=with_aliases)
    type_html(scenario, "",
              f'<p class="MsoNormal">{WORD.format(mail="R.Report@Contoso.example", name="Rob")}'
              ' to send the plan by 20 Dec<o:p></o:p></p>'
              f'<div class="elementToProof">'
              f'{OWA.format(mail="mia.manager@fabrikam.example", name="Manager, Mia")}:'
              ' book the course</div>'
              f'<div class="elementToProof">{OWA.format(mail="rob@fabrikam.example", name="Rob")}'
              ' to check the numbers</div>')
    scenario.after_meeting()
    assert [(owner, text) for _id, owner, text, _status in stored(scenario)] == [
        ("Rob Report", "send the plan"), ("Mia Manager", "book the course"),
        ("Rob", "check the numbers")]
