"""A topic holding a Unicode line separator (U+2028, U+2029 or NEL, which text pasted from
a web page or a chat may carry, and `onetoone topics add` keeps) is one line of the agenda
in the invite. Read back after the meeting, that line is the agenda's own, not notes: the
manager typed nothing, so nothing is recorded in their name, no summary quotes the topic's
words as their notes, and the manager is reminded as for any meeting without notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_mail import Scenario

ROB = "rob@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'separators.db'}"))


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_topic_with_a_line_separator_is_never_the_managers_note(
        scenario: Scenario, separator: str, monkeypatch, tmp_path) -> None:
    first = scenario.occ
    scenario.after_meeting()  # Rob's first 1-2-1, nothing typed
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.chdir(tmp_path)
    added = CliRunner().invoke(cli, ["topics", "add", ROB,
                                     f"I was promised a raise{separator}pay review"])
    assert added.exit_code == 0, added.output
    scenario.at(first.start + timedelta(days=34))  # the next meeting's agenda goes in
    second = next(o for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)
                  if o.start > first.start)
    assert "promised a raise" in scenario.tenant.person_body("mia@contoso.example",
                                                             second.event_id)

    scenario.at(second.end + timedelta(hours=1))  # read back: Mia typed nothing

    assert [n.text for n in scenario.store.notes(second.id)] == []
    assert scenario.store.occurrence(second.id).status == "held_no_notes"
    assert not [m for m in scenario.summaries() if "5 Jan 2027" in m["subject"]]
