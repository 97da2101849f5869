"""An organisation's agenda.html.j2 that cannot be used (a Jinja syntax error, a misspelt
name under StrictUndefined, its sentinel lines left out): each meeting's failure names the
file, the line and what to do, instead of the agendas step dying on a bare Jinja error
(TemplateSyntaxError / UndefinedError / ValueError) that names neither."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_mail import START, Scenario, org

BROKEN = {
    "syntax": ("{{ markers.start }}\n<p>{{ agenda.header }}</p>\n{% if agenda.topics %}\n"
               "<p>{{ markers.end }}</p>\n", "line 4"),       # {% if %} never closed
    "undefined": ("<p>{{ markers.start }}</p>\n<p>{{ agenda.heder }}</p>\n"
                  "<p>{{ markers.end }}</p>\n", "line 2"),     # a misspelt attribute
    "no-markers": ("<p>{{ agenda.header }}</p>\n", "markers.start"),
}


def with_org_templates(tmp_path: Any, settings: Any, name: str, text: str) -> Scenario:
    """The mail tests' organisation, unticked, with ``[agenda] templates`` a folder holding
    one file of the organisation's own."""
    folder = tmp_path / "org-templates"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    settings = dataclasses.replace(
        settings, agenda=dataclasses.replace(settings.agenda, templates=folder))
    scenario = Scenario.__new__(Scenario)
    scenario.settings, scenario.tenant = settings, org()
    scenario.store = Store(make_engine(settings.database.url))
    return scenario


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_unusable_org_template_is_reported_naming_file_and_line(
        tmp_path, settings_for, case) -> None:
    source, where = BROKEN[case]
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'broken.db'}"),
                                  "agenda.html.j2", source)
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))
    assert not [s for s in result.failed_steps if s.startswith("agendas")], result.failed_steps
    assert result.agenda.failed, "no meeting reported the unusable template"
    msg = result.agenda.failed[0]
    assert str(scenario.settings.agenda.templates / "agenda.html.j2") in msg and where in msg, msg
