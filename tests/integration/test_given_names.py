"""People are called by their given name, Entra's givenName, not the first word of their
display name: "van der Berg, Anna" is Anna and "Dr Samir Khan" Samir in the agenda and the
mails, and an action typed "Anna: share the slides" is hers. Without a givenName (a person
the directory has none for) the display name is read: "Prof. Lena Park" is Lena."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from html import escape

from service.app import job_context
from service.domain.htmltext import html_to_text
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep

ANNA, SAMIR, WEI, LENA = ("anna@contoso.example", "samir@contoso.example",
                          "wei@contoso.example", "lena@contoso.example")


def org() -> SandboxTenant:
    t = SandboxTenant(seed="given-names", now=lambda: START)
    anna = t.add_user("van der Berg, Anna", ANNA, hire_date=date(2020, 1, 1),
                      given_name="Anna", surname="van der Berg")
    t.add_user("Dr Samir Khan", SAMIR, manager=anna, hire_date=date(2021, 3, 1),
               given_name="Samir", surname="Khan")
    # The family name first, as it is written in Chinese: no guess can tell, givenName does.
    t.add_user("Zhang Wei", WEI, manager=anna, hire_date=date(2021, 3, 1),
               given_name="Wei", surname="Zhang")
    t.add_user("Prof. Lena Park", LENA, manager=anna, hire_date=date(2021, 3, 1),
               given_name="", surname="")  # none set: Graph gives null
    return t


class Run:
    """The pairs booked, run a day at a time until the first agenda of each pair (of
    ``reports``: theirs only) is in (``day``: the last day run, since START)."""

    def __init__(self, settings, reports: tuple[str, ...] = (SAMIR, WEI, LENA),
                 tenant: SandboxTenant | None = None) -> None:
        self.settings, self.tenant = settings, tenant or org()
        self.store = Store(make_engine(settings.database.url))
        self.at(START)
        for self.day in range(1, 40):
            if all(self.store.pairing_occurrences(self.view(r).pairing.id) for r in reports):
                break
            self.at(START + timedelta(days=self.day))

    def at(self, now):
        self.tenant.now = lambda: now

        async def go():
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def view(self, email: str):
        return next(v for v in self.store.views() if v.report.email == email)

    def first(self, email: str):
        return self.store.pairing_occurrences(self.view(email).pairing.id)[0]

    def agenda_text(self, email: str) -> str:
        return html_to_text(self.tenant.person_body(ANNA, self.first(email).event_id))

    def anna_types(self, email: str, actions: list[str]) -> None:
        occ = self.first(email)
        html = self.tenant.person_body(ANNA, occ.event_id)
        typed = "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in actions)
        html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + typed, html)
        self.tenant.person_edit_body(ANNA, occ.event_id, html)


def test_the_agenda_names_each_by_their_given_name(tmp_path, settings_for) -> None:
    """The agendas say whose time it is and show the example action with the given names
    (the display name's guess where the directory has none), never a surname or a title."""
    run = Run(settings_for(f"sqlite:///{tmp_path / 'names.db'}"))
    samir = run.agenda_text(SAMIR)
    assert "This is Samir's time: Samir's topics come first." in samir
    assert "What could Anna do more of, less of, or differently?" in samir
    assert "This time belongs to Samir: your topics come first." in samir  # the invite's
    assert "Samir: book the course by Friday · [ ] Anna – share the slides" in samir
    assert "This is Wei's time: Wei's topics come first." in run.agenda_text(WEI)
    assert "This is Lena's time: Lena's topics come first." in run.agenda_text(LENA)
    for email in (SAMIR, WEI, LENA):
        text = run.agenda_text(email)
        assert not re.search(r"\b(van|Dr|Zhang|Prof\.?)('s| do|:| –)", text), text


def test_an_action_for_the_given_name_is_theirs_and_the_summary_greets_them(
        tmp_path, settings_for) -> None:
    """Anna types actions for "Anna" and "Samir": each is credited to one of the pair by
    full name (not left to someone outside it called "Anna"), and Samir's summary greets
    him as Samir."""
    run = Run(settings_for(f"sqlite:///{tmp_path / 'names.db'}"), (SAMIR,))
    run.anna_types(SAMIR, ["Anna: share the slides by 18 Dec", "Samir: book the course"])
    occ = run.first(SAMIR)
    run.at(occ.end + timedelta(hours=1))
    owners = {a.text: a.owner for a in run.store.actions(run.view(SAMIR).pairing.id)}
    assert owners == {"share the slides": "van der Berg, Anna",
                      "book the course": "Dr Samir Khan"}
    (summary,) = [m for m in run.tenant.messages(SAMIR)
                  if m["subject"].startswith("1-2-1 notes:")]
    body = html_to_text(summary["body"]["content"])
    assert "Hi Samir," in body and "Hi Dr" not in body


def test_a_changed_given_name_is_read_with_the_directory_changes(tmp_path,
                                                                 settings_for) -> None:
    """givenName comes with users/delta, as every property read: set later in Entra, the
    next sync stores it (one users/delta request, as before)."""
    run = Run(settings_for(f"sqlite:///{tmp_path / 'names.db'}"))
    assert run.view(LENA).report.given_name == ""
    run.tenant.state["users"][run.tenant.user(LENA)["id"]]["givenName"] = "Lena-Marie"
    before = run.tenant.count("GET", r"/users/delta")
    run.at(START + timedelta(days=run.day + 1))
    assert run.tenant.count("GET", r"/users/delta") == before + 1
    assert run.view(LENA).report.given_name == "Lena-Marie"


def _pair_run(tmp_path, settings_for, manager: tuple[str, str, str],
              report: tuple[str, str, str]) -> Run:
    """A manager (at ANNA's address) and one report (at SAMIR's), each (display name,
    givenName, surname), booked and run until the report's first agenda is in."""
    t = SandboxTenant(seed=f"given-{manager[0]}", now=lambda: START)
    boss = t.add_user(manager[0], ANNA, hire_date=date(2020, 1, 1), given_name=manager[1],
                      surname=manager[2])
    t.add_user(report[0], SAMIR, manager=boss, hire_date=date(2021, 3, 1),
               given_name=report[1], surname=report[2])
    return Run(settings_for(f"sqlite:///{tmp_path / 'names.db'}"), (SAMIR,), tenant=t)


def test_a_given_name_in_capitals_is_written_as_the_display_name_writes_it(
        tmp_path, settings_for) -> None:
    """HR feeds often write givenName in capitals: "SAMIR" for "Samir Khan" greets him as
    "Samir", as the display name does, not "Hi SAMIR,"."""
    run = _pair_run(tmp_path, settings_for, ("Anna Berg", "ANNA", "BERG"),
                    ("Samir Khan", "SAMIR", "KHAN"))
    assert "SAMIR" not in run.agenda_text(SAMIR) and "Samir's" in run.agenda_text(SAMIR)
    run.anna_types(SAMIR, ["Samir: book the course"])
    run.at(run.first(SAMIR).end + timedelta(hours=1))
    (summary,) = [m for m in run.tenant.messages(SAMIR)
                  if m["subject"].startswith("1-2-1 notes:")]
    assert "Hi Samir," in html_to_text(summary["body"]["content"])


def test_a_managers_legal_given_name_does_not_take_the_reports_actions(
        tmp_path, settings_for) -> None:
    """Bob Smith (givenName Robert, a name his display name doesn't show) manages Robert
    Jones: "Robert: book the course", as the agenda's own example writes it, is Robert
    Jones's action, not an outside owner's."""
    run = _pair_run(tmp_path, settings_for, ("Bob Smith", "Robert", "Smith"),
                    ("Robert Jones", "Robert", "Jones"))
    run.anna_types(SAMIR, ["Robert: book the course by 18 Dec"])
    run.at(run.first(SAMIR).end + timedelta(hours=1))
    owners = {a.text: a.owner for a in run.store.actions(run.view(SAMIR).pairing.id)}
    assert owners == {"book the course": "Robert Jones"}
