"""What the agenda says, through the sandbox (issue 12, parts 3-6): Last time recalls the
previous meeting (never a private note, and its lines never become this meeting's notes),
1-2-1s are private by default, the Notes hint and the reminder say what really happens,
the compact layout, questions that suit the pair, and the report-led share stored per
meeting."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.app import job_context
from service.domain.agenda import format_when
from service.domain.body import block_text
from service.domain.htmltext import html_to_text
from service.domain.questions import NEW_STARTER_THEMES
from service.domain.records import OccurrenceRecord
from service.jobs.agenda import question_bank
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.agendas import AgendaMemory
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org, person_types

MIA, ROB = "mia@contoso.example", "rob@contoso.example"
HOSTILE_TOPIC = "Budget <script>alert(1)</script> (#1) done"
PRIVATE = "PRIVATE: worried about their health"


class Pairs:
    """Mia's reports in the sandbox, the database, and a clock the test moves."""

    def __init__(self, settings: Any, tenant: SandboxTenant | None = None) -> None:
        self.settings = settings
        self.tenant = tenant or org()
        self.store = Store(make_engine(settings.database.url))

    def at(self, now: Any) -> Any:
        self.tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        result = asyncio.run(go())
        assert result.agenda.failed == [] and result.capture.failed == []
        return result

    def view(self, email: str) -> Any:
        return next(v for v in self.store.views() if v.report.email == email)

    def meetings(self, email: str) -> list[OccurrenceRecord]:
        return [o for o in self.store.pairing_occurrences(self.view(email).pairing.id)
                if o.status != "cancelled"]

    def next_agenda(self, email: str, after: Any, step: timedelta = timedelta(hours=12)
                    ) -> tuple[OccurrenceRecord, Any]:
        """Tick every ``step`` from ``after`` until a meeting starting later has its agenda:
        that meeting, and the time of the tick."""
        now = after
        for _ in range(int(timedelta(days=40) / step)):
            now += step
            self.at(now)
            written = [o for o in self.meetings(email)
                       if o.start > after and o.agenda_state == "injected"]
            if written:
                return written[0], now
        raise AssertionError(f"no agenda for {email} within 40 days of {after}")

    def html(self, occ: OccurrenceRecord) -> str:
        return self.tenant.person_body(MIA, occ.event_id)

    def lines(self, occ: OccurrenceRecord) -> list[str]:
        """Our block as Graph's text view shows it, one line per entry."""
        return (block_text(html_to_text(self.html(occ))) or "").replace("\r", "").split("\n")


def with_policy(settings: Any, **changes: Any) -> Any:
    return dataclasses.replace(settings, policy=dataclasses.replace(settings.policy, **changes))


def with_agenda(settings: Any, **changes: Any) -> Any:
    return dataclasses.replace(settings, agenda=dataclasses.replace(settings.agenda, **changes))


def test_new_series_are_private_and_occurrences_keep_the_series_sensitivity(
        db_url: str, settings_for: Any, tmp_path: Any) -> None:
    """Series are created private (the report's copy too); [policy] sensitivity = "normal"
    creates normal ones. An occurrence always shows its series' sensitivity, as Exchange
    does (MS-OXOCAL 2.2.10.2): patching one occurrence's is not used; the master's is."""
    pairs = Pairs(settings_for(db_url))
    pairs.at(START)
    masters = pairs.tenant.events(MIA)
    assert masters and {e["sensitivity"] for e in masters} == {"private"}
    assert {e["sensitivity"] for e in pairs.tenant.events(ROB)} == {"private"}

    rob = pairs.view(ROB)

    async def instances_after(patch_target: str | None, patch: dict[str, Any]) -> set[str]:
        async with job_context(pairs.settings, START, sandbox=pairs.tenant) as ctx:
            items = await ctx.graph.instances(rob.series.mailbox, rob.series.event_id,
                                              START, START + timedelta(days=70))
            if patch_target == "occurrence":
                await ctx.graph.update_event(MIA, items[0].id, patch)
            elif patch_target == "master":
                await ctx.graph.update_event(MIA, rob.series.event_id, patch)
            out = set()
            for item in items:
                got = await ctx.graph.request("GET", f"/users/{MIA}/events/{item.id}",
                                              query={"$select": "sensitivity"})
                out.add(got["sensitivity"])
            return out

    assert asyncio.run(instances_after(None, {})) == {"private"}
    assert asyncio.run(instances_after("occurrence", {"sensitivity": "normal"})) == {"private"}
    assert asyncio.run(instances_after("master", {"sensitivity": "normal"})) == {"normal"}

    normal = Pairs(with_policy(settings_for(f"sqlite:///{tmp_path / 'normal.db'}"),
                               sensitivity="normal"))
    normal.at(START)
    assert {e["sensitivity"] for e in normal.tenant.events(MIA)} == {"normal"}


def test_a_rebooked_meetings_agenda_update_carries_the_sensitivity(tmp_path, settings_for
                                                                   ) -> None:
    """A single meeting booked to replace a missed one is not an occurrence: the PATCH that
    updates its agenda (a new topic) sets the configured sensitivity in the same update."""
    from tests.integration.test_rebook import World, cancelled_rob, links

    world = World(tmp_path, settings_for)
    rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    world.tick(now + timedelta(minutes=15))
    (event,) = world.rebook_events()
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    event["sensitivity"] = "normal"  # whatever it was created with, the update sets it
    world.store.add_topic(rob.pairing.id, "One more thing", "report", now.date(), now)
    world.tenant.reset_counters()
    world.tick(max(now + timedelta(minutes=20), world.due(rob, booked.start)))
    assert world.tenant.count("PATCH", re.escape(event["id"]) + "$") == 1
    assert event["sensitivity"] == "private"
    assert "One more thing" in world.tenant.person_body(MIA, event["id"])


def test_last_time_recalls_the_previous_meeting_and_never_a_private_note(
        db_url: str, settings_for: Any) -> None:
    """The second agenda recalls Last time (after the report's topics and the check-in, just
    before last time's actions): the first meeting's date, the topics done
    with there and three lines of its shared notes, escaped and inert; never the private
    note; the report's comment on it. Its lines never become the second meeting's notes.
    The first agenda has no Last time, and each meeting stores its report-led share."""
    pairs = Pairs(settings_for(db_url))
    pairs.at(START)
    rob = pairs.view(ROB)
    pairs.store.add_topic(rob.pairing.id, HOSTILE_TOPIC, "report", START.date(), START)
    pairs.store.add_topic(rob.pairing.id, "Team rota", "manager", START.date(), START)
    first, _ = pairs.next_agenda(ROB, START)
    assert "Last time" not in pairs.lines(first)  # the pair's first meeting
    assert pairs.store.agenda_memory(first.id) == AgendaMemory(None, 1, 2)

    typed = ["Rota: we agreed <b>changes</b> & more", "Workload is high (#1) done",
             "Third line of notes", "A fourth line the agenda leaves out"]
    person_types(pairs.tenant, first, typed, ["Rob: draft the proposal by 20 Dec"],
                 tick_all=True)
    pairs.store.add_note(rob.pairing.id, first.id, PRIVATE, private=True, now=first.end)
    pairs.at(first.end + timedelta(hours=1))
    assert pairs.store.occurrence(first.id).status == "held"  # type: ignore[union-attr]
    pairs.store.add_report_comment(rob.pairing.id, first.id,
                                   "Thanks <i>Mia</i> — can we talk about training?",
                                   first.end + timedelta(hours=2), message_id="<c1@rob>")

    second, _ = pairs.next_agenda(ROB, first.end + timedelta(hours=2))
    html, lines = pairs.html(second), pairs.lines(second)
    zone = ZoneInfo(rob.series.time_zone)
    at = lines.index("Last time")
    assert lines.index("Topics") < lines.index("How are you?") < at  # the report goes first
    assert lines[at + 8 + 1] == "Last time's actions"
    assert lines[at + 1:at + 8] == [
        f"1-2-1 · Mia Manager & Rob Report · last time · "
        f"{format_when(first.start.astimezone(zone))}",
        "We talked about:",
        f"Budget <script>alert(1)</script> (＃1) done — Rob, raised {START:%-d %b %Y}",
        f"Team rota — Mia, raised {START:%-d %b %Y}",
        "From the notes: “Rota: we agreed <b>changes</b> & more”",
        "From the notes: “Workload is high (＃1) done”",
        "From the notes: “Third line of notes”",
    ]
    assert lines[at + 8] == "Rob added: “Thanks <i>Mia</i> — can we talk about training?”"
    assert "fourth line" not in html and PRIVATE not in html and "health" not in html
    assert "<script>" not in html and "<b>changes</b>" not in html and "<i>Mia" not in html
    assert "No topics yet: Rob" in "\n".join(lines)  # both topics were discussed
    assert ("Mia: type notes below this line, in your copy of this invite. After the meeting "
            "Rob is emailed what is typed here, and the Actions agreed go to you both.") in lines
    # Over the two agendas: Rob's topic and Mia's, each once.
    assert pairs.store.agenda_memory(second.id) == AgendaMemory(first.id, 1, 2)
    assert pairs.store.stored_shares([rob.pairing.id])[rob.pairing.id] == [
        (first.id, 1, 2), (second.id, 1, 2)]

    # Read back, the second meeting's notes are what was typed into it, nothing of Last time.
    person_types(pairs.tenant, second, ["Second meeting: all good"], [], tick_all=False)
    pairs.at(second.end + timedelta(hours=1))
    assert [n.text for n in pairs.store.notes(second.id)] == ["Second meeting: all good"]
    closed = [a for a in pairs.store.actions(rob.pairing.id) if a.status != "open"]
    assert closed == []  # "(＃1) done" in Last time ticked nothing


def test_compact_layout_new_starter_questions_and_honest_notes_hint(tmp_path, settings_for
                                                                    ) -> None:
    """[agenda] layout = "compact": topics, how are you, last time's actions, one focus area,
    the question, notes and actions. A new starter's question is an induction one; no one
    gets a change or sensitive question by default. Without summaries the Notes hint says
    nothing is emailed."""
    base = settings_for(f"sqlite:///{tmp_path / 'compact.db'}")
    settings = with_agenda(base, layout="compact")
    settings = dataclasses.replace(settings,
                                   mail=dataclasses.replace(settings.mail, summaries=False))
    tenant = org()
    mia = tenant.user(MIA)
    tenant.add_user("Noa Newstart", "noa@contoso.example", manager=mia,
                    hire_date=START.date() - timedelta(days=10))
    pairs = Pairs(settings, tenant)
    for half_days in range(0, 19):
        pairs.at(START + timedelta(hours=12 * half_days))
    titles = {"Topics", "How are you?", "Last time's actions", "Progress and obstacles",
              "Recognition", "Development and growth", "Feedback both ways",
              "An open question", "Notes", "Actions agreed"}
    for email in (ROB, "noa@contoso.example"):
        occ = pairs.meetings(email)[0]
        assert occ.agenda_state == "injected", email
        shown = [line for line in pairs.lines(occ) if line in titles]
        # (A first meeting: no actions to carry over, so no Last time's actions.)
        assert shown == ["Topics", "How are you?", "Progress and obstacles",
                         "An open question", "Notes", "Actions agreed"], email
        assert ("Mia: type notes below this line, in your copy of this invite. onetoone keeps "
                "them as the record of this 1-2-1; they are not emailed.") in pairs.lines(occ)
    bank = {q.id: q for q in question_bank(None)}
    asked_noa = [bank[o.question_id] for o in pairs.meetings("noa@contoso.example")
                 if o.question_id]
    asked_rob = [bank[o.question_id] for o in pairs.meetings(ROB) if o.question_id]
    assert asked_noa and {q.theme for q in asked_noa} <= NEW_STARTER_THEMES
    assert asked_rob and all(q.theme not in ("induction", "change") and not q.sensitive
                             for q in asked_rob)


def test_the_reminder_says_what_to_do_in_outlook_and_names_no_command(
        tmp_path, settings_for) -> None:
    """A manager who recorded nothing gets one reminder: open the meeting in Outlook and
    type between the two onetoone lines, under Notes / Actions agreed (text outside them is
    not read); no command line, no server."""
    pairs = Pairs(settings_for(f"sqlite:///{tmp_path / 'remind.db'}"))
    pairs.at(START)
    pairs.at(START + timedelta(days=5))
    occ = pairs.meetings(ROB)[0]
    pairs.at(occ.end + timedelta(hours=1))
    pairs.at(occ.end + timedelta(hours=26))
    reminders = [m for m in pairs.tenant.messages(MIA)
                 if m["subject"].startswith("No notes yet: your 1-2-1 with Rob Report")]
    assert len(reminders) == 1
    text = html_to_text(reminders[0]["body"]["content"])
    assert "Outlook" in text and "Notes" in text and "Actions agreed" in text
    assert "between the two onetoone lines" in text
    assert "onetoone notes" not in text and "<code>" not in reminders[0]["body"]["content"]
    assert not re.search(r"\brun\b", text)
