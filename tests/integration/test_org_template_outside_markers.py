"""An organisation's agenda.html.j2 with its own heading (or logo) above the start line.

onetoone owns only the text between its two lines: an update replaces that and keeps the
rest of the body byte for byte. What the template puts outside its lines was written into
the invite with the agenda, and again with each update (a topic added after the agenda went
in): the report's invite showed the heading twice, three times with `extra_updates = 2`. Such
a template is refused before anything is written, naming the file and what to do (the docs
already ask for `{{ markers.start }}` first and `{{ markers.end }}` last)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.render import default_folder
from tests.integration.test_mail import START
from tests.integration.test_org_template_broken import with_org_templates

BUILT_IN = (default_folder() / "agenda.html.j2").read_text(encoding="utf-8")
START_LINE = ('<p style="margin:0 0 6px 0;font-size:11px;color:#595959;">{{ markers.start }}'
              '</p>')
ABOVE = {
    "heading": '<p style="font-size:18px;"><b>Contoso 1-2-1 agenda</b></p>',
    "logo": '<img src="https://intranet.contoso.example/logo.png" alt="">',
}


@pytest.mark.parametrize("case", sorted(ABOVE))
def test_a_template_with_content_outside_its_lines_is_refused_before_any_write(
        tmp_path, settings_for, case) -> None:
    assert START_LINE in BUILT_IN
    own = BUILT_IN.replace(START_LINE, f"{ABOVE[case]}\n{START_LINE}")
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'out.db'}"),
                                  "agenda.html.j2", own)
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))  # the first agendas are due
    # Nothing written that an update would then add again ...
    assert scenario.tenant.count("PATCH", r"/events/") == 0, (
        f"written with what each update adds again: {result.agenda}")
    assert result.agenda.injected == []
    # ... and each meeting says which file and what to do.
    assert result.agenda.failed, "no meeting reported the template"
    msg = result.agenda.failed[0]
    assert str(scenario.settings.agenda.templates / "agenda.html.j2") in msg, msg
    assert "outside" in msg and "markers.start" in msg, msg


def test_the_built_in_template_and_a_reworded_copy_are_fine(tmp_path, settings_for) -> None:
    own = BUILT_IN.replace("{{ section.title }}", "{{ section.title|upper }}")
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'ok.db'}"),
                                  "agenda.html.j2", own)
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))
    assert result.agenda.failed == [] and result.agenda.injected
