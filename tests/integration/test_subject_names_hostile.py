"""A display name holding what a subject line must not (hostile review, finding 2): U+0085
and U+009B (C1 controls, which reach a mail's Subject header), a zero-width space, a line
break (which splits a subject) and 228 characters (Outlook shows and searches about 255 of a
subject). The store keeps the name as the directory gives it; every subject of ours, the
series' in both calendars, a rename's and the summary's, shows it on one line, cleaned and
cut to 100 characters. A series whose subject was written with the raw name is still ours
to rename."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.domain.subjects import NAME_LIMIT, fits, series_subject, subject_name
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import calendar_items
from tests.integration.test_agenda_loop import START
from tests.integration.test_mail import Scenario

MIA, ROB = "mia@contoso.example", "rob@contoso.example"
HOSTILE = "Rob\u200b Report\u0085\u009b2J\nSecond line\t" + "x" * 200
SHOWN = "Rob Report 2J Second line " + "x" * (NAME_LIMIT - 27) + "…"
ODD = set("\u200b\u0085\u009b\n\t\r")


def hostile_org() -> SandboxTenant:
    t = SandboxTenant(seed="agenda-loop", now=lambda: START)
    mia = t.add_user("Mia\u200b Manager\u0085", MIA, hire_date=date(2020, 1, 1))
    t.add_user(HOSTILE, ROB, manager=mia, hire_date=date(2021, 3, 1))
    return t


def subjects(scenario: Scenario, email: str, start: Any) -> set[str]:
    """The subjects of the 1-2-1s to come in ``email``'s calendar with Rob."""
    uid = scenario.tenant.user(email)["id"]
    return {e["subject"] for e in calendar_items(scenario.tenant, uid, start,
                                                 start + timedelta(days=180))
            if not e.get("isCancelled") and "Rob" in e["subject"]}


def test_names_in_subjects_are_one_clean_line(db_url: str, settings_for: Any) -> None:
    """The series booked for a hostile name and the summary mailed after its meeting."""
    scenario = Scenario(settings_for(db_url), tenant=hostile_org)
    assert scenario.rob.report.name == HOSTILE  # the store keeps it as given
    now = scenario.occ.start - timedelta(hours=20)
    for email in (MIA, ROB):
        assert subjects(scenario, email, now) == {f"1-2-1: Mia Manager & {SHOWN}"}, email
    scenario.type_notes()
    scenario.after_meeting()
    [summary] = scenario.summaries()
    assert summary["subject"].startswith(f"1-2-1 notes: Mia Manager & {SHOWN}, ")
    assert not ODD & set(summary["subject"]) and len(summary["subject"]) < 255


def test_a_rename_to_a_hostile_name_writes_it_clean(db_url: str, settings_for: Any) -> None:
    """A series booked with the plain name, renamed to a hostile one, gets the clean
    subject, once; a run after it sends nothing more."""
    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None
    now = scenario.occ.start - timedelta(hours=20)
    scenario.tenant.user(ROB)["displayName"] = HOSTILE
    scenario.at(now)
    for email in (MIA, ROB):
        assert subjects(scenario, email, now) == {f"1-2-1: Mia Manager & {SHOWN}"}, email
    patches = scenario.tenant.count("PATCH", rf"^/users/[^/]+/events/{series.event_id}$")
    scenario.at(now + timedelta(hours=1))
    assert scenario.tenant.count("PATCH", rf"^/users/[^/]+/events/{series.event_id}$") == (
        patches)


def test_a_subject_written_with_the_raw_name_is_still_ours() -> None:
    """A series booked before names were cleaned (its subject holds the raw name) still has
    the policy's shape, so a rename updates it rather than leaving it as the manager's."""
    template = "1-2-1: {manager} & {report}"
    assert fits(template.format(manager="Mia", report=HOSTILE), template)
    assert fits(series_subject(template, "Mia", HOSTILE), template)
    assert subject_name("عمر\u200cخان") == "عمر\u200cخان"  # letters and ZWNJ kept
