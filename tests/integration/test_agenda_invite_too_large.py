"""An invite Graph cannot update: a manager pasted something huge into one occurrence (a long
document, a mail thread with its formatting) before its agenda was due. Writing the agenda
means sending the whole body back, and Graph refuses a request over 4 MB (413). That used to
fail the agenda step on every run until the meeting began (each `tick` exiting 1, the same
error each time, naming the mailbox only by its directory id). Now it is said once, naming
the manager's mailbox, and that meeting simply goes without an agenda; its neighbours get
theirs and its notes are still read back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_agenda_loop import START, instances
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
# A pasted document, formatting and all: about 5 MB of HTML.
PASTED = "".join(f'<p class="MsoNormal" style="margin:0cm;font-family:Calibri;font-size:11pt">'
                 f'Section {i}: the reorganisation plan, the budget lines and the hiring '
                 f'timeline as agreed at the leadership offsite.</p>' for i in range(24_000))


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_an_invite_too_large_to_update_is_said_once_and_given_up(scenario: Scenario) -> None:
    series = scenario.rob.series
    january = instances(scenario.settings, scenario.tenant, series, START + timedelta(days=5))[1]
    body = scenario.tenant.person_body(MIA, january["id"])
    scenario.tenant.person_edit_body(MIA, january["id"],
                                     body.replace("</body>", PASTED + "</body>"))
    failures: list[str] = []
    day = START + timedelta(days=6)
    # A tick a day: from the January agenda's day (1 Jan) to the meeting (5 Jan, 11:30) that
    # is five runs, each of which would fail again were it not given up; the last tick
    # (6 Jan) reads the meeting back.
    while day <= START + timedelta(days=44):  # past the January meeting (5 Jan)
        result = scenario.at(day)
        failures += [f for f in result.agenda.failed if "2027-01-05" in f]
        day += timedelta(days=1)
    scenario.at(scenario.occ.start + timedelta(days=60))  # 30 Jan: February's agenda is due
    assert len(failures) == 1, failures
    assert MIA in failures[0] and "4 MB" in failures[0]
    stored = {o.start.date().isoformat(): o
              for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)}
    assert stored["2027-01-05"].agenda_state == "skipped"
    # The meeting after it gets its agenda as usual.
    assert stored["2027-02-02"].agenda_state == "injected"

