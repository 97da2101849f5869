"""What a manager puts into the agenda's Notes box that has no words - a screenshot pasted
into it (Outlook stores an inline image as ``<img src="cid:...">``), a line drawn - is their
edit as much as typed text: an agenda update for a new topic (every one replaces the whole
block) must not delete it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
IMAGE = ('<p style="margin:0;"><img width="480" height="270" id="Picture_x0020_1" '
         'src="cid:image001.png@01DB2C3A.5F1E2B10" alt=""></p>')


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'pasted.db'}"))


def test_an_image_pasted_into_the_notes_box_survives_an_agenda_update(
        scenario: Scenario) -> None:
    occ = scenario.occ
    assert occ.agenda_state == "injected"
    html = scenario.tenant.person_body(MIA, occ.event_id)
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + IMAGE, html)
    scenario.tenant.person_edit_body(MIA, occ.event_id, html)
    now = scenario.tenant.now() + timedelta(hours=1)
    scenario.store.add_topic(scenario.rob.pairing.id, "Training budget", "report",
                             now.date(), now)
    result = scenario.at(now)
    body = scenario.tenant.person_body(MIA, occ.event_id)
    assert "cid:image001.png@01DB2C3A.5F1E2B10" in body, "the pasted screenshot was deleted"
    assert result.agenda.kept_person_edit and not result.agenda.updated
