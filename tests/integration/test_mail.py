"""Summaries and reminders through the outbox: exactly once, to the pair only, never a
private note, and a send whose outcome is unknown is settled, not repeated."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service.app import job_context
from service.jobs.tick import tick
from service.logs import JsonFormatter, register_secret
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org, person_types


class Scenario:
    """Rob's first 1-2-1 with Mia, up to just before its notes are read back."""

    def __init__(self, settings, tenant: Callable[[], SandboxTenant] = org) -> None:
        self.settings = settings
        self.tenant = tenant()
        self.store = Store(make_engine(settings.database.url))
        self.at(START)
        self.rob = next(v for v in self.store.views() if v.report.email == "rob@contoso.example")
        self.before_agendas()
        self.at(START + timedelta(days=5))  # the first agendas are in
        self.occ = self.store.pairing_occurrences(self.rob.pairing.id)[0]

    def before_agendas(self) -> None:
        """What a test adds once the pair is booked, before its first agendas go in."""

    def at(self, now):
        self.tenant.now = lambda: now

        async def go():
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def type_notes(self) -> None:
        person_types(self.tenant, self.occ, ["Confidential-ish but shared: went well"],
                     ["Rob: send the plan by 20 Dec"], tick_all=False)

    def after_meeting(self, hours: float = 1):
        return self.at(self.occ.end + timedelta(hours=hours))

    def summaries(self) -> list[dict]:
        return [m for m in self.tenant.messages("rob@contoso.example")
                if m["subject"].startswith("1-2-1 notes:")]


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_unknown_outcome_settled_by_sent_items(scenario: Scenario) -> None:
    """A 503 after Exchange accepted the mail: Sent Items shows the tag; nothing is re-sent."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 503, times=1, apply_first=True)
    result = scenario.after_meeting()
    assert result.mail.sent and not result.mail.failed
    scenario.after_meeting(hours=30)
    assert len(scenario.summaries()) == 1
    assert [r.status for r in scenario.store.outbox()] == ["sent"]
    assert scenario.tenant.count("POST", r"/sendMail$") == 1


def test_unknown_outcome_not_sent_is_sent_once_later(scenario: Scenario) -> None:
    """A 503 where Exchange did not send: after the settle delay it goes, once."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)
    scenario.after_meeting()
    assert scenario.summaries() == []
    assert [r.status for r in scenario.store.outbox()] == ["sending"]
    scenario.after_meeting(hours=2)  # settle: not in Sent Items -> pending again
    scenario.after_meeting(hours=3)
    assert len(scenario.summaries()) == 1
    assert scenario.tenant.count("POST", r"/sendMail$") == 2


def test_a_refused_sign_in_leaves_the_mail_to_send_later(scenario: Scenario) -> None:
    """Graph refusing the app's token (a 401: revoked, or the secret rotated) sent nothing:
    the summary waits for a later run rather than being marked failed for good."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    result = scenario.after_meeting()
    assert scenario.summaries() == [] and result.mail.deferred == 1
    assert any("401" in f for f in result.mail.failed)
    rows = scenario.store.outbox()
    assert [r.status for r in rows] == ["pending"] and "401" in rows[0].last_error
    scenario.after_meeting(hours=2)
    assert len(scenario.summaries()) == 1
    assert [r.status for r in scenario.store.outbox()] == ["sent"]


def test_unreadable_sent_items_leaves_mail_unconfirmed(scenario: Scenario) -> None:
    """If Sent Items can't be read, an unknown outcome is shown, never silently re-sent."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    scenario.after_meeting(hours=5)
    rows = scenario.store.outbox()
    assert [r.status for r in rows] == ["unconfirmed"]
    assert "Sent Items not readable" in rows[0].last_error
    # Named by address, with the two commands that settle it (not the directory id).
    manager = scenario.rob.manager
    assert manager.id not in rows[0].last_error
    assert f"Look in {manager.email}'s Sent Items for \"{rows[0].subject}\"" in rows[0].last_error
    assert (f"`onetoone mail mark-sent {rows[0].id}`; if not, "
            f"`onetoone mail resend {rows[0].id}`.") in rows[0].last_error
    assert scenario.tenant.count("POST", r"/sendMail$") == 1


def test_summary_names_the_next_meeting_from_the_series(scenario: Scenario) -> None:
    """The next occurrence isn't stored yet (agendas go out days ahead); the series says when
    it is, and a cancelled one is skipped."""
    from service.domain.agenda import format_when
    from service.domain.series import occurrences as series_occurrences
    from service.jobs.summaries import next_meeting

    scenario.type_notes()
    series = scenario.rob.series
    after = scenario.occ.end
    pattern = [s for s, _ in series_occurrences(series, after, after + timedelta(days=100))]
    stored = scenario.store.pairing_occurrences(scenario.rob.pairing.id)
    assert all(o.original_start != pattern[0] for o in stored)  # not stored yet
    scenario.after_meeting()
    (summary,) = scenario.summaries()
    # With its time and zone named, as the agenda gives them (format_when).
    assert f"We meet again on {format_when(pattern[0].astimezone(ZoneInfo('Europe/London')))}." \
        in summary["body"]["content"]
    assert re.search(r"We meet again on \w+ \d+ \w+ \d{4}, \d\d:\d\d (GMT|BST)\.",
                     summary["body"]["content"])
    view = next(v for v in scenario.store.views() if v.pairing.id == scenario.rob.pairing.id)

    class Cancelled:  # the next one, cancelled in Outlook and recorded
        original_start, start, end, status = pattern[0], pattern[0], pattern[0], "cancelled"
        series_id = series.id

    assert next_meeting(view, [Cancelled()], after) == pattern[1]


def test_private_notes_never_reach_the_summary(scenario: Scenario) -> None:
    """A --private note stays in the database; the summary carries only shared notes."""
    scenario.store.add_note(scenario.rob.pairing.id, scenario.occ.id, "PRIVATE: health issue",
                            private=True, now=START)
    scenario.type_notes()
    scenario.after_meeting()
    (summary,) = scenario.summaries()
    assert "PRIVATE" not in summary["body"]["content"]
    assert "went well" in summary["body"]["content"]


def test_debug_logs_hold_no_secret_and_no_notes(scenario: Scenario) -> None:
    """With DEBUG logging, neither the client secret nor note text appears in any line."""
    register_secret("s3cret-CLIENT-value")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        logging.getLogger("test").debug("token s3cret-CLIENT-value")
        scenario.type_notes()
        scenario.after_meeting()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = stream.getvalue()
    assert "mail.sent" in text
    assert "s3cret-CLIENT-value" not in text
    assert "went well" not in text and "send the plan" not in text


def test_status_and_forget(scenario: Scenario, monkeypatch, tmp_path) -> None:
    """`status` lists unconfirmed mail; `forget` erases a person's notes and actions."""
    from click.testing import CliRunner

    from service.cli import cli

    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["status"]).output
    assert "1 unconfirmed" in out and "unconfirmed: summary for Rob Report" in out
    assert "onetoone mail resend" in out
    # Asked first, saying what goes and that it cannot be undone; "no" erases nothing.
    asked = CliRunner().invoke(cli, ["forget", "mia@contoso.example"], input="n\n")
    assert asked.exit_code == 1, asked.output
    said = " ".join(asked.output.split())
    assert "of 2 1-2-1 pair(s) involving mia@contoso.example, including the 1-2-1s of all 2 " \
           "of their reports" in said
    assert "private ones too" in said and "cannot be undone" in said
    assert asked.output.rstrip().endswith("Nothing erased.")
    assert all(n.text != "[erased]" for n in scenario.store.notes(scenario.occ.id))
    result = CliRunner().invoke(cli, ["forget", "rob@contoso.example", "--yes"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\b[1-9]\d* notes", result.output), result.output
    notes = scenario.store.notes(scenario.occ.id)
    assert notes and all(n.text == "[erased]" for n in notes)
    assert all(a.text == "[erased]" for a in scenario.store.actions(scenario.rob.pairing.id))


def test_operator_settles_unconfirmed_mail_with_the_cli(scenario: Scenario, monkeypatch,
                                                        tmp_path) -> None:
    """`mail` lists unconfirmed mail; `mail resend` sends it once at the next run; sent mail
    and erased mail can't be queued again; `mail mark-sent` records one found in Sent Items."""
    from click.testing import CliRunner

    from service.cli import cli

    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.chdir(tmp_path)
    (row,) = scenario.store.outbox()
    listed = CliRunner().invoke(cli, ["mail"])
    assert listed.exit_code == 0 and f"{row.id}" in listed.output
    assert "unconfirmed" in listed.output and "rob@contoso.example" in listed.output
    assert "mia@contoso.example" in listed.output  # the sender, by address
    refused = CliRunner().invoke(cli, ["mail", "resend", str(row.id)], input="n\n")
    assert refused.exit_code == 1 and "Sent Items" in refused.output
    assert [r.status for r in scenario.store.outbox()] == ["unconfirmed"]
    queued = CliRunner().invoke(cli, ["mail", "resend", str(row.id)], input="y\n")
    assert queued.exit_code == 0, queued.output
    assert [r.status for r in scenario.store.outbox()] == ["pending"]
    scenario.after_meeting(hours=6)
    assert len(scenario.summaries()) == 1  # the 504 was not accepted: one summary in all
    assert [r.status for r in scenario.store.outbox()] == ["sent"]
    again = CliRunner().invoke(cli, ["mail", "resend", str(row.id), "--yes"])
    assert again.exit_code == 1 and "is sent" in again.output
    assert scenario.tenant.count("POST", r"/sendMail$") == 2
    assert "No mail needs a decision" in CliRunner().invoke(cli, ["mail"]).output
    unknown = CliRunner().invoke(cli, ["mail", "mark-sent", "999"])
    assert unknown.exit_code == 1 and "no mail #999" in unknown.output


def test_mark_sent_and_erased_mail_by_hand(scenario: Scenario) -> None:
    """mark-sent settles an unconfirmed mail; an erased one can never be queued again."""
    from service.errors import StoreError

    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    (row,) = scenario.store.outbox()
    done = scenario.store.settle_by_hand(row.id, "sent", scenario.occ.end, "found it")
    assert done.status == "sent" and done.sent_at is not None
    scenario.after_meeting(hours=6)
    assert scenario.summaries() == [] and scenario.tenant.count("POST", r"/sendMail$") == 1
    scenario.store.finish_mail(row.id, "unconfirmed", scenario.occ.end)
    scenario.store.forget_person(scenario.rob.report.id, scenario.occ.end)
    with pytest.raises(StoreError, match="erased"):
        scenario.store.settle_by_hand(row.id, "pending", scenario.occ.end, "")
    from service.cli.admin import needs_decision as _needs_decision

    assert not _needs_decision(scenario.store.outbox()[0])  # not listed as a decision to make


def test_notes_added_with_the_cli_give_a_summary(scenario: Scenario) -> None:
    """A manager who answers the reminder with `notes add` gets the summary sent."""
    scenario.after_meeting()  # nothing typed: held without notes
    assert scenario.store.occurrence(scenario.occ.id).status == "held_no_notes"
    scenario.store.add_note(scenario.rob.pairing.id, scenario.occ.id, "Talked it through",
                            private=False, now=scenario.occ.end)
    scenario.store.update_occurrence(scenario.occ.id, scenario.occ.end, status="held")
    scenario.after_meeting(hours=25)  # the next day's read must not undo it
    (summary,) = scenario.summaries()
    assert "Talked it through" in summary["body"]["content"]
    assert scenario.store.occurrence(scenario.occ.id).status == "held"


def test_forget_never_sends_an_erased_mail(scenario: Scenario) -> None:
    """A summary whose outcome is unknown when erased is never sent as '[erased]'."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)
    scenario.after_meeting()
    assert [r.status for r in scenario.store.outbox()] == ["sending"]
    scenario.store.forget_person(scenario.rob.report.id, scenario.occ.end)
    scenario.after_meeting(hours=5)
    assert scenario.summaries() == []
    assert [r.status for r in scenario.store.outbox()] == ["unconfirmed"]


def test_prep_email_follows_the_service_mailbox(tmp_path, settings_for) -> None:
    """By default the report is asked for topics exactly when a service mailbox takes the
    replies: once per meeting, to them only, Reply-To the pair's topics address; an explicit
    prep_email = false turns it off."""
    import dataclasses

    from service.domain.topics import topics_address

    box = "onetoone@contoso.example"
    base = settings_for(f"sqlite:///{tmp_path / 'prep.db'}")

    def with_mail(name: str, **mail) -> Scenario:
        return Scenario(dataclasses.replace(base, database=dataclasses.replace(
            base.database, url=f"sqlite:///{tmp_path / name}"), mail=dataclasses.replace(
            base.mail, **mail)))

    def preps(scenario: Scenario) -> list[dict]:
        return [m for m in scenario.tenant.messages("rob@contoso.example")
                if m["subject"].startswith("Your 1-2-1 with Mia Manager on")]

    assert base.sends_prep_mail is False and preps(Scenario(base)) == []
    assert preps(with_mail("off.db", topics_mailbox=box, prep_email=False)) == []
    on = with_mail("on.db", topics_mailbox=box)
    on.at(START + timedelta(days=5, hours=6))
    (prep,) = preps(on)
    assert "what would you like to talk about?" in prep["body"]["content"]
    # The day alone isn't enough: the time and its zone, as the agenda names them.
    assert re.search(r"Our next 1-2-1 is on \w+ \d+ \w+ \d{4}, \d\d:\d\d (GMT|BST)\.",
                     prep["body"]["content"])
    assert [r["emailAddress"]["address"] for r in prep["toRecipients"]] == [
        "rob@contoso.example"]
    assert [r["emailAddress"]["address"] for r in prep["replyTo"]] == [
        topics_address(box, on.rob.pairing.key)]
    assert prep["from"]["emailAddress"]["address"] == "mia@contoso.example"


def test_an_organisations_own_template_wording_never_becomes_notes(tmp_path) -> None:
    """With [agenda] templates pointing at an organisation's agenda, its extra lines (here a
    values prompt and a line inside the notes box) are not taken for the manager's notes."""
    import dataclasses
    import shutil

    from tests.conftest import make_settings

    folder = tmp_path / "our-templates"
    folder.mkdir()
    source = Path(__file__).resolve().parents[2] / "templates" / "agenda.html.j2"
    text = source.read_text()
    extra = "Our values: which one did you see in action this month?"
    text = text.replace('{% elif section.key == "notes" %}',
                        '{% elif section.key == "notes" %}\n<p>' + extra + "</p>", 1)
    text = text.replace('<tr><td id="onetoone-notes"',
                        '<tr><td><p>Write in plain sentences, please.</p></td></tr>\n'
                        '<tr><td id="onetoone-notes"', 1)
    assert extra in text
    (folder / "agenda.html.j2").write_text(text)
    shutil.copy(source.parent / "questions.toml", folder / "questions.toml")
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'org.db'}")
    settings = dataclasses.replace(base, agenda=dataclasses.replace(base.agenda,
                                                                    templates=folder))
    scenario = Scenario(settings)
    body = scenario.tenant.person_body("mia@contoso.example", scenario.occ.event_id)
    assert extra in body and "plain sentences" in body  # the organisation's agenda went in
    scenario.type_notes()
    scenario.after_meeting()
    notes = [n.text for n in scenario.store.notes(scenario.occ.id)]
    assert "Confidential-ish but shared: went well" in "\n".join(notes)
    assert "values" not in "\n".join(notes) and "plain sentences" not in "\n".join(notes)
    (summary,) = scenario.summaries()
    assert extra not in summary["body"]["content"]


def test_mail_templates_use_readable_greys_and_name_their_language() -> None:
    """Small grey text is at least #595959 on white (WCAG AA); the wrapper of each mail, and
    of our text in the invite, says lang="en" (the bodies are fragments, so the wrapper div
    is the top-level element); the reminder's example action has no fixed date that goes stale."""
    from service.render import default_folder

    folder = default_folder()
    for name in ("agenda", "intro", "reminder", "absence_long", "absence_no_slot",
                 "absence_both_away", "prep",
                 "summary", "rebook_stale", "rebook_offer", "rebook_ended", "series_runs_on"):
        text = (folder / f"{name}.html.j2").read_text(encoding="utf-8")
        assert not re.search(r"color:#(888|999|aaa|bbb)", text, re.I), name
        # (The agenda and the intro too: they are the invite's text, read aloud in Outlook.)
        assert '<div lang="en" ' in text, name
    reminder = (folder / "reminder.html.j2").read_text(encoding="utf-8")
    assert "by 12 Dec" not in reminder and "send the plan by Friday" in reminder


def test_every_mail_asks_exchange_for_no_automatic_replies(scenario: Scenario) -> None:
    """A summary from the manager's mailbox, like the service's own replies, asks Exchange
    not to answer it with out-of-office replies (which would land with the manager)."""
    scenario.type_notes()
    scenario.after_meeting()
    (summary,) = scenario.summaries()
    headers = {h["name"].lower(): h["value"]
               for h in summary.get("internetMessageHeaders") or []}
    assert headers.get("x-auto-response-suppress") == "OOF, AutoReply"


def test_a_slow_runs_mail_claim_is_not_taken_for_old(scenario: Scenario) -> None:
    """A run's `now` is fixed when it starts. A run that reached its mail step 16 minutes in
    (throttling, a big rollout) claimed the summary then, not at its start: another replica
    running a minute later must not take the claim for 17 minutes old and send it again."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)  # outcome unknown
    slow = scenario.occ.end + timedelta(hours=1)
    scenario.tenant.now = lambda: slow

    async def slow_run() -> None:
        async with job_context(scenario.settings, slow, sandbox=scenario.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            ctx.started -= 16 * 60  # as if the run had been going for 16 minutes
            await tick(ctx, slow)

    asyncio.run(slow_run())
    assert [r.status for r in scenario.store.outbox()] == ["sending"]
    scenario.at(slow + timedelta(minutes=17))  # another replica, a minute after the claim
    assert [r.status for r in scenario.store.outbox()] == ["sending"]
    assert scenario.tenant.count("POST", r"/sendMail$") == 1
    # Once the claim is really old, Sent Items decides: not there, so it goes, once.
    scenario.at(slow + timedelta(minutes=40))
    scenario.at(slow + timedelta(minutes=41))
    assert len(scenario.summaries()) == 1
    assert scenario.tenant.count("POST", r"/sendMail$") == 2
