"""A mail to the report alone names the meeting's time in their own zone too, when their
clock shows another: Nia in New York reads "15:00 GMT (10:00 EST your time)", not a London
time to convert. The invite and the manager's mails keep the meeting's own zone alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.records import PersonRecord
from service.jobs.summaries import when_for
from tests.integration.test_agenda_loop import START, person_types
from tests.integration.test_mail import Scenario

NIA = "nia@contoso.example"


def test_the_summary_to_a_report_in_another_zone_gives_their_time(tmp_path,
                                                                  settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'zones.db'}"))
    nia = next(v for v in scenario.store.views() if v.report.email == NIA)
    assert nia.report.time_zone == "America/New_York"
    for day in range(6, 40):  # until her first meeting's agenda is in
        if scenario.store.pairing_occurrences(nia.pairing.id):
            break
        scenario.at(START + timedelta(days=day))
    occ = scenario.store.pairing_occurrences(nia.pairing.id)[0]
    person_types(scenario.tenant, occ, ["Good chat about the launch."], [], tick_all=False)
    scenario.at(occ.end + (occ.end - occ.start))
    (summary,) = [m for m in scenario.tenant.messages(NIA)
                  if m["subject"].startswith("1-2-1 notes:")]
    said = re.search(r"We meet again on \w+ (\d+ \w+ \d{4}), (\d\d:\d\d) (GMT|BST) "
                     r"\((?:\w+ \d+ \w+ \d{4}, )?(\d\d:\d\d) (EST|EDT) your time\)\.",
                     summary["body"]["content"])
    assert said is not None, summary["body"]["content"]
    london = datetime.strptime(f"{said.group(1)} {said.group(2)}", "%d %B %Y %H:%M").replace(
        tzinfo=ZoneInfo("Europe/London"))
    assert london.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == said.group(4)


def test_their_time_is_added_only_where_it_differs() -> None:
    start = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)

    def person(zone: str | None) -> PersonRecord:
        return PersonRecord(id="p", email="p@contoso.example", name="P", time_zone=zone)

    same = when_for(start, "Europe/London", person("Europe/London"))
    assert same == "Tuesday 8 December 2026, 22:30 GMT"
    assert when_for(start, "Europe/London", person("Europe/Dublin")) == same  # same clock
    assert when_for(start, "Europe/London", person(None)) == same
    assert when_for(start, "Europe/London", person("Not/AZone")) == same
    assert when_for(start, "Europe/London", person("Australia/Sydney")) == (
        "Tuesday 8 December 2026, 22:30 GMT (Wednesday 9 December 2026, 09:30 AEDT your time)")
