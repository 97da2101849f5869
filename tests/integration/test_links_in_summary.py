"""A link the manager put into the notes (a file shared from SharePoint, pasted as its name,
or an address Outlook linked as it was typed) reaches the report's summary as a link they
can click, not as dead text: the read-back keeps a link as Exchange's text does, "name<url>",
and the summary shows those very words with the address clickable."""

from __future__ import annotations

import pytest

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
PLAN = ("https://contoso.sharepoint.com/:w:/r/sites/hr/Shared%20Documents/Q1%20plan.docx"
        "?d=w1a2b&csf=1&web=1")


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'links.db'}"))


def test_links_in_the_notes_are_links_in_the_summary(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Plan: LINK_A (see also LINK_B)."],
                 ["Rob: review LINK_C by 20 Dec"], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = html.replace("LINK_A", f'<a href="{PLAN.replace("&", "&amp;")}">Q1 plan.docx</a>', 1)
    html = html.replace("LINK_B", '<a href="http://www.contoso.example/">www.contoso.example'
                                  "</a>", 1)
    html = html.replace("LINK_C", '<a href="https://wiki.contoso.example/onboarding">'
                                  "https://wiki.contoso.example/onboarding</a>", 1)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    [summary] = scenario.summaries()
    body = summary["body"]["content"]
    escaped = PLAN.replace("&", "&amp;")
    assert (f'Plan: Q1 plan.docx&lt;<a href="{escaped}">{escaped}</a>&gt; (see also '
            'www.contoso.example&lt;<a href="http://www.contoso.example/">'
            "http://www.contoso.example/</a>&gt;)." in body), body
    assert ('review <a href="https://wiki.contoso.example/onboarding">'
            "https://wiki.contoso.example/onboarding</a>" in body), body
    # The actions agreed are a data table: its headers are th cells a screen reader names.
    assert 'role="presentation"' not in body.split("Actions agreed")[1].split("</table>")[0]
    assert body.count('<th scope="col"') == 3


def test_only_web_and_mail_addresses_become_links() -> None:
    """A "javascript:" or "file:" address is never made a link, and a quote ends an address
    (it never reaches the href)."""
    import re

    from service.render import struck

    assert "<a" not in struck("see <javascript:alert(1)> and <file://srv/x>")
    assert re.findall(r'href="([^"]*)"', str(struck('x "http://a.example/"onclick="y"'))) == [
        "http://a.example/"]
    assert str(struck("mail <mailto:rob@contoso.example>")) == (
        'mail &lt;<a href="mailto:rob@contoso.example">mailto:rob@contoso.example</a>&gt;')
