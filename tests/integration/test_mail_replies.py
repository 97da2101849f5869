"""Replies through the sandbox mailbox: the prep mail's replies become the right pair's
topics, the summary's replies the report's comments on that meeting, mail to the private
address the manager's private note; machines, strangers and our own mail are ignored."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from service.app import job_context
from service.domain.series import occurrences
from service.domain.topics import comments_address, private_address, topics_address
from service.jobs.tick import tick
from service.sandbox.mail import compose, deliver, reply
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org, person_types

BOX = "onetoone@contoso.example"
ROB, MIA, NIA = "rob@contoso.example", "mia@contoso.example", "nia@contoso.example"
PREP_DAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Rob's 1 Dec meeting: 3 working days
AGENDA_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 2 working days: the agenda goes in


class World:
    """Mia, her reports Rob and Nia, and the service mailbox, ticked at chosen instants."""

    def __init__(self, settings: Any) -> None:
        self.settings = dataclasses.replace(settings, mail=dataclasses.replace(
            settings.mail, topics_mailbox=BOX))
        self.tenant = org()
        self.tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
        self.store = Store(make_engine(self.settings.database.url))
        self.at(START)
        self.rob = self.view(ROB)
        self.nia = self.view(NIA)

    @property
    def occ(self) -> Any:
        """Rob's first meeting (stored once a tick has read the series' instances)."""
        return self.store.pairing_occurrences(self.rob.pairing.id)[0]

    def view(self, email: str) -> Any:
        return next(v for v in self.store.views() if v.report.email == email)

    def at(self, now: datetime) -> Any:
        self.tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def inbox(self, email: str, starts: str = "") -> list[dict[str, Any]]:
        return [m for m in self.tenant.messages(email)
                if (m.get("subject") or "").startswith(starts)]

    def prep(self) -> dict[str, Any]:
        (prep,) = self.inbox(ROB, "Your 1-2-1 with Mia Manager on")
        return prep

    def topics(self, view: Any) -> list[str]:
        return [t.text for t in self.store.open_topics(view.pairing.id)]

    def agenda(self) -> str:
        return self.tenant.person_body(MIA, self.occ.event_id)

    def outbox_size(self) -> int:
        return len(self.store.outbox())

    def every_mail(self) -> list[dict[str, Any]]:
        """Every message any mailbox of the tenant received, and what left it."""
        users = [u["mail"] for u in self.tenant.state["users"].values()]
        return [m for u in users for f in ("inbox", "sentitems")
                for m in self.tenant.messages(u, f)] + list(self.tenant.outbound)


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'replies.db'}"))


@pytest.fixture
def any_db_world(db_url, settings_for) -> World:
    return World(settings_for(db_url))


def reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [str(getattr(r, "reason", "")) for r in caplog.records
            if r.getMessage() == "topics_mail.ignored"]


def test_a_reply_to_the_prep_mail_adds_exactly_its_new_lines(world: World) -> None:
    """Three working days ahead Rob is asked; his Outlook reply, quoted history and
    signature included, adds exactly his two new lines to his pair (not Nia's), gets one
    acknowledgement, and leads the agenda that goes in the next day."""
    world.at(PREP_DAY)
    prep = world.prep()
    assert "what would you like to talk about?" in prep["body"]["content"]
    assert not [o for o in world.store.pairing_occurrences(world.rob.pairing.id)
                if o.agenda_state == "injected"]  # asked before the agenda is written
    reply(world.tenant, ROB, prep, "Workload in December\n\nThe team lead role\n\n"
                                   "Thanks,\nRob\nRob Report | Engineer")
    result = world.at(PREP_DAY + timedelta(hours=1))
    assert result.topics.added == ["Mia Manager & Rob Report"]
    assert world.topics(world.rob) == ["Workload in December", "The team lead role"]
    assert [t.by for t in world.store.open_topics(world.rob.pairing.id)] == ["report"] * 2
    assert world.topics(world.nia) == []
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1 with Mia Manager")
    assert "The team lead role" in ack["body"]["content"]
    assert "Attachments" not in ack["body"]["content"]
    world.at(AGENDA_DAY)
    agenda = world.agenda()
    assert "Workload in December" in agenda and "The team lead role" in agenda
    assert "Rob Report | Engineer" not in agenda and "Thanks," not in agenda
    assert "what would you like to talk about" not in agenda


def test_topics_after_the_agenda_update_it_within_the_budget(world: World) -> None:
    """A reply after the agenda went in updates it once more ([agenda] extra_updates = 1);
    the next one waits for the following agenda, and the acknowledgement says so."""
    world.at(PREP_DAY)
    prep = world.prep()
    world.at(AGENDA_DAY)
    patches = world.tenant.count("PATCH", world.occ.event_id + "$")
    reply(world.tenant, ROB, prep, "Holiday cover")
    world.at(AGENDA_DAY + timedelta(hours=1))
    assert "Holiday cover" in world.agenda()
    assert world.tenant.count("PATCH", world.occ.event_id + "$") == patches + 1
    reply(world.tenant, ROB, prep, "Pay review")
    world.at(AGENDA_DAY + timedelta(hours=2))
    assert "Pay review" not in world.agenda()
    assert world.tenant.count("PATCH", world.occ.event_id + "$") == patches + 1
    acks = world.inbox(ROB, "Re: Your 1-2-1")
    assert len(acks) == 2 and "already final" in acks[-1]["body"]["content"]
    assert world.topics(world.rob) == ["Holiday cover", "Pay review"]


def test_strangers_other_pairs_machines_and_loops_are_ignored(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A stranger, Nia writing to Rob's address, an out-of-office, a bounce-like machine
    mail and our own mail coming back: each is logged with its reason, nothing is stored,
    nobody gets a reply, and each is marked read."""
    world.at(PREP_DAY)
    address = topics_address(BOX, world.rob.pairing.key)
    deliver(world.tenant, address, sender="eve@elsewhere.example", subject="Hello",
            body="Buy now")
    deliver(world.tenant, BOX, sender="eve@elsewhere.example", subject="Hi", body="Buy")
    compose(world.tenant, ROB, ["onetoone+0123456789@contoso.example"], "Topic", "<p>x</p>")
    compose(world.tenant, NIA, [address], "Topic for our 1-2-1", "<p>Not my pair</p>")
    deliver(world.tenant, address, sender=ROB, subject="Automatic reply: Your 1-2-1",
            body="I'm away until Monday", headers=(("Auto-Submitted", "auto-replied"),))
    deliver(world.tenant, address, sender=ROB, subject="Re: Your 1-2-1", body="Away",
            headers=(("X-Auto-Response-Suppress", "All"),))
    deliver(world.tenant, address, sender=BOX, subject="Re: Your 1-2-1", body="Loop")
    deliver(world.tenant, address, sender=ROB, subject="Your 1-2-1", body="Our own",
            headers=(("x-onetoone-key", "12:prep"),))
    # Rob's address as From, sent from the internet: Exchange took it in anonymously, or
    # its sender failed composite authentication. Someone else's words, not Rob's.
    deliver(world.tenant, address, sender=ROB, subject="Re: Your 1-2-1", body="Spoofed",
            headers=(("X-MS-Exchange-Organization-AuthAs", "Anonymous"),))
    deliver(world.tenant, address, sender=ROB, subject="Re: Your 1-2-1", body="Spoofed",
            headers=(("Authentication-Results", "spf=fail (sender IP is 203.0.113.9) "
                      "smtp.mailfrom=contoso.example; dkim=none; dmarc=fail action=none "
                      "header.from=contoso.example;compauth=fail reason=000"),))
    before = world.outbox_size()
    caplog.set_level(logging.INFO, logger="service.jobs.topics_mail")
    result = world.at(PREP_DAY + timedelta(hours=1))
    assert sorted(reasons(caplog)) == sorted([
        "sender not in the pair", "no pair named", "unknown pair", "sender not in the pair",
        "automatic (Auto-Submitted: auto-replied)", "automatic (X-Auto-Response-Suppress)",
        "sent by the service mailbox itself", "one of our own mails",
        "not sent from inside the organisation (Exchange took it in anonymously)",
        "its sender failed Exchange's authentication (compauth=fail)"])
    assert len(result.topics.ignored) == 10 and result.topics.added == []
    assert world.topics(world.rob) == [] and world.topics(world.nia) == []
    assert world.outbox_size() == before
    assert world.inbox(NIA, "Re:") == [] and world.inbox(ROB, "Re:") == []
    assert all(m["isRead"] for m in world.tenant.messages(BOX))


def test_the_same_mail_read_twice_adds_nothing(world: World) -> None:
    """A mail whose 'read' mark was lost (the PATCH failed) is read again next run: no
    second topic, no second acknowledgement."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), "Workload", attachments=1)
    world.tenant.inject_fault("PATCH", r"/messages/[^/]+$", 503, times=10)
    world.at(PREP_DAY + timedelta(hours=1))
    assert not all(m["isRead"] for m in world.tenant.messages(BOX))
    world.tenant.reset_counters()  # the faults are over
    result = world.at(PREP_DAY + timedelta(hours=2))
    assert result.topics.added == [] and world.topics(world.rob) == ["Workload"]
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1")
    assert "Attachments aren&#x27;t kept" in ack["body"]["content"]
    assert all(m["isRead"] for m in world.tenant.messages(BOX))


def test_html_and_script_laden_replies_are_stored_as_text_and_shown_escaped(
        world: World) -> None:
    """Markup a person typed is kept as text and escaped in the agenda and the
    acknowledgement; a real HTML mail's script never becomes text."""
    world.at(PREP_DAY)
    address = topics_address(BOX, world.rob.pairing.key)
    reply(world.tenant, ROB, world.prep(), "<script>alert('x')</script> & <b>bold</b>")
    compose(world.tenant, ROB, [address], "Topic for our 1-2-1",
            "<div>Budget<script>alert(1)</script><style>p{}</style></div>")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["<script>alert('x')</script> & <b>bold</b>", "Budget"]
    world.at(AGENDA_DAY)
    agenda = world.agenda()
    assert "&lt;script&gt;alert(" in agenda and "&amp; &lt;b&gt;bold&lt;/b&gt;" in agenda
    assert "<script" not in agenda and "<b>bold" not in agenda
    for ack in world.inbox(ROB, "Re:"):
        assert "<script" not in ack["body"]["content"]


def held_meeting_with_summary(world: World) -> dict[str, Any]:
    world.at(AGENDA_DAY)
    person_types(world.tenant, world.occ, ["We talked about the launch"],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    world.at(world.occ.end + timedelta(hours=1))
    (summary,) = world.inbox(ROB, "1-2-1 notes:")
    return summary


def test_the_reports_reply_to_the_summary_is_kept_with_that_meeting(
        any_db_world: World, caplog: pytest.LogCaptureFixture, tmp_path: Any) -> None:
    """The summary's Reply-To is the meeting's comments address and Mia; Rob's reply is
    kept once with that meeting, beside Mia's notes; Mia's reply-all is not a comment."""
    world = any_db_world
    summary = held_meeting_with_summary(world)
    content = summary["body"]["content"]
    assert "reply to this email" in content and "add it to the invite" not in content
    assert [r["emailAddress"]["address"] for r in summary["replyTo"]] == [
        comments_address(BOX, world.rob.pairing.key, world.occ.id), MIA]
    notes_before = [n.text for n in world.store.notes(world.occ.id)]
    reply(world.tenant, ROB, summary, "One more: the deadline moved to 20 Dec\n\nCheers, Rob")
    assert world.inbox(MIA, "RE: 1-2-1 notes:")  # the reply reaches Mia too
    caplog.set_level(logging.INFO, logger="service.jobs.topics_mail")
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.comments == ["Mia Manager & Rob Report"]
    assert [c.text for c in world.store.report_comments(world.occ.id)] == [
        "One more: the deadline moved to 20 Dec"]
    assert [n.text for n in world.store.notes(world.occ.id)] == notes_before
    assert world.topics(world.rob) == []
    (ack,) = world.inbox(ROB, "Re: 1-2-1 notes:")
    assert "kept with its notes" in ack["body"]["content"]
    mias_copy = world.inbox(MIA, "1-2-1 notes:")[0]
    reply(world.tenant, MIA, mias_copy, "Thanks Rob, noted", reply_all=True)
    world.tenant.folder(world.tenant.user(BOX)["id"], "inbox")[0]["isRead"] = False
    world.at(world.occ.end + timedelta(hours=3))
    assert len(world.store.report_comments(world.occ.id)) == 1  # read twice: kept once
    assert "the manager's reply to a summary is not a comment" in reasons(caplog)
    # The evidence pack carries it with that meeting; after `forget`, it is gone.
    assert "the deadline moved to 20 Dec" in evidence_text(world, tmp_path)
    world.store.forget_person(world.rob.report.id, world.occ.end + timedelta(days=1))
    assert "the deadline moved to 20 Dec" not in evidence_text(world, tmp_path)


def evidence_text(world: World, tmp_path: Any) -> str:
    """`onetoone evidence` for Rob, as the admin runs it."""
    from click.testing import CliRunner

    from service.cli import cli

    path = tmp_path / "evidence.html"
    env = {"ONETOONE_DATABASE_URL": world.settings.database.url, "ONETOONE_CONFIG": ""}
    result = CliRunner().invoke(cli, ["evidence", ROB, "--from", "2026-11-01", "--to",
                                      "2027-06-01", "--now", "2027-06-01T09:00:00Z",
                                      "--out", str(path), "--force"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_a_mailed_private_note_stays_private_and_forget_erases_it(
        any_db_world: World) -> None:
    """Mia's mail to the private address is a private note on the meeting just held; it is
    in no mail and no later invite; Rob can't write one; `forget` erases it (and Rob's
    comments)."""
    world = any_db_world
    summary = held_meeting_with_summary(world)
    reply(world.tenant, ROB, summary, "Noted, thanks for the notes")
    secret = "Rob seemed tired; check his workload quietly"
    address = private_address(BOX, world.rob.pairing.key)
    compose(world.tenant, MIA, [address], "Private note", f"<p>{secret}</p>")
    compose(world.tenant, ROB, [address], "Private note", "<p>Rob's own attempt</p>")
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.private_notes == ["Mia Manager & Rob Report"]
    private = [n for n in world.store.notes(world.occ.id, include_private=True) if n.private]
    assert [(n.text, n.source) for n in private] == [(secret, "mail")]
    assert secret not in [n.text for n in world.store.notes(world.occ.id)]
    (ack,) = world.inbox(MIA, "Private note kept")
    assert secret not in ack["body"]["content"]
    assert world.inbox(ROB, "Private note kept") == []  # Rob's attempt: ignored, no reply
    series = world.store.live_series(world.rob.pairing.id)
    next_start = occurrences(series, world.occ.end, world.occ.end + timedelta(days=60))[0][0]
    world.at(next_start - timedelta(days=1))
    later = world.store.pairing_occurrences(world.rob.pairing.id)[-1]
    assert later.start == next_start and later.agenda_state == "injected"
    body = world.tenant.person_body(MIA, later.event_id)
    assert secret not in body
    assert address in body  # the agenda tells the manager where private notes go
    ours = [m for m in world.every_mail()
            if not (m.get("from", {}).get("emailAddress", {}).get("address") == MIA
                    and m.get("subject") == "Private note")]
    assert not [m for m in ours if secret in str(m)]
    assert world.store.forget_person(world.rob.report.id, later.start)["notes"] >= 2
    private = [n for n in world.store.notes(world.occ.id, include_private=True) if n.private]
    assert [n.text for n in private] == ["[erased]"]
    assert [c.text for c in world.store.report_comments(world.occ.id)] == ["[erased]"]


@pytest.mark.parametrize("how", ["to", "cc"])
def test_a_private_note_the_report_was_sent_too_is_not_kept_as_private(
        world: World, how: str) -> None:
    """Mia writes to Rob and puts the private address beside him: Rob has the text, so it is
    not kept as a note "Rob doesn't see", and Mia is told why and how to send one."""
    held_meeting_with_summary(world)
    text = "Thanks Rob, as discussed you will take over the supplier review"
    address = private_address(BOX, world.rob.pairing.key)
    to, cc = {"to": ([ROB, address], []), "cc": ([ROB], [address])}[how]
    compose(world.tenant, MIA, to, "Supplier review", f"<p>{text}</p>", cc=cc)
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.private_notes == []
    assert not [n for n in world.store.notes(world.occ.id, include_private=True) if n.private]
    assert world.inbox(MIA, "Private note kept") == []
    (ack,) = world.inbox(MIA, "Not kept as a private note")
    assert "also went to Rob" in ack["body"]["content"] and text not in ack["body"]["content"]
    world.at(world.occ.end + timedelta(hours=3))  # read again: still one reply
    assert len(world.inbox(MIA, "Not kept as a private note")) == 1


def test_the_acknowledgement_says_whether_the_manager_got_the_reply(world: World) -> None:
    """The report may take the manager off the reply (or their mail app may keep only the
    first Reply-To address): the acknowledgement must not tell them the manager has it.
    The comment is kept either way and reaches the manager in the next agenda."""
    summary = held_meeting_with_summary(world)
    to_us_only = dict(summary, replyTo=summary["replyTo"][:1])
    reply(world.tenant, ROB, to_us_only, "Also: can we move Friday's demo?")
    world.at(world.occ.end + timedelta(hours=2))
    assert world.inbox(MIA, "RE: 1-2-1 notes:") == []  # Mia was not sent it
    (ack,) = world.inbox(ROB, "Re: 1-2-1 notes:")
    text = ack["body"]["content"]
    assert "kept with its notes" in text
    assert "Mia has your reply" not in text, text
    assert "Mia will see them in the agenda of your next 1-2-1" in text, text
    reply(world.tenant, ROB, summary, "And the budget, please")
    world.at(world.occ.end + timedelta(hours=3))
    acks = world.inbox(ROB, "Re: 1-2-1 notes:")
    assert len(acks) == 2 and any("Mia has your reply" in a["body"]["content"] for a in acks)
