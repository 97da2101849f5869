"""The report's summary names what a comment typed beside a carried action or topic is
about ('On “send the budget” (Mia Manager): blocked by finance'), never "(#1)", an ID the
mail shows nowhere else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import START
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


class Carried(Scenario):
    """Rob's pairing with an action and one of Rob's topics carried (both "#1")."""

    def before_agendas(self) -> None:
        self.store.add_action(
            pairing_id=self.rob.pairing.id, occurrence_id=None, owner="Mia Manager",
            text="send the budget", due=None, raised_on=START.date(), fingerprint="cli:b",
            now=START)
        (self.budget,) = [a.id for a in self.store.actions(self.rob.pairing.id)]
        self.store.add_topic(self.rob.pairing.id, "Promotion timeline", "report", START.date(),
                             START)


@pytest.fixture
def carried(tmp_path, settings_for) -> Carried:
    return Carried(settings_for(f"sqlite:///{tmp_path / 'named.db'}"))


def test_comments_beside_carried_lines_name_them(carried: Carried) -> None:
    """Each comment says which action or topic it is about; the note as recorded keeps its
    marker (the next agenda's Last time reads it)."""
    html = carried.tenant.person_body(MIA, carried.occ.event_id)
    html = re.sub(rf"(\(#{carried.budget}\))", r"\1 blocked by finance until March", html)
    html = re.sub(r"(\(topic #\d+\))", r"\1 agreed: not before Q3", html)
    carried.tenant.person_edit_body(MIA, carried.occ.event_id, html)
    carried.after_meeting()
    text = html_to_text(carried.summaries()[0]["body"]["content"])
    notes = text.split("Actions agreed")[0]
    assert "On your topic “Promotion timeline”: agreed: not before Q3" in notes
    assert "On “send the budget” (Mia Manager): blocked by finance until March" in notes
    assert "#" not in notes
    recorded = "\n".join(n.text for n in carried.store.notes(carried.occ.id))
    assert f"(#{carried.budget}) blocked by finance until March" in recorded


def test_the_record_names_them_too(carried: Carried, tmp_path) -> None:
    """`onetoone evidence` shows no action numbers either: the comment's notes there say what
    it is about."""
    from click.testing import CliRunner

    from service.cli import cli

    html = carried.tenant.person_body(MIA, carried.occ.event_id)
    html = re.sub(rf"(\(#{carried.budget}\))", r"\1 blocked by finance until March", html)
    html = re.sub(r"(\(topic #\d+\))", r"\1 agreed: not before Q3", html)
    carried.tenant.person_edit_body(MIA, carried.occ.event_id, html)
    carried.after_meeting()
    out = tmp_path / "rob.html"
    when = carried.occ.start
    result = CliRunner().invoke(
        cli, ["evidence", "rob@contoso.example", "--from", f"{when - timedelta(days=30):%Y-%m-%d}",
              "--to", f"{when + timedelta(days=30):%Y-%m-%d}", "--now",
              f"{when + timedelta(days=7):%Y-%m-%dT%H:%M:%SZ}", "--out", str(out)],
        env={"ONETOONE_DATABASE_URL": carried.settings.database.url, "ONETOONE_CONFIG": ""},
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = " ".join(html_to_text(out.read_text(encoding="utf-8")).split())
    assert "On “send the budget” (Mia Manager): blocked by finance until March" in record
    # No one speaks in the record: whose topic it is, by name, not "your" or "my".
    assert "On Rob Report's topic “Promotion timeline”: agreed: not before Q3" in record
    assert f"(#{carried.budget})" not in record  # (the mailed summary in it says "your")
