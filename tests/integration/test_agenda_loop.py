"""Six simulated months of agendas and notes through the sandbox (issue: agenda in every
occurrence). Managers type into occurrences as they would in Outlook; one moves a meeting,
one cancels one; a report adds topics."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import select

from service.app import job_context
from service.domain.body import block_text
from service.domain.htmltext import html_to_text
from service.graph.client import UTC_TIMES
from service.graph.wire import iso_utc
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.models import ActionRow, OccurrenceRow
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_schedule_job import run as run_tick

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
DAYS = 182


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def org() -> SandboxTenant:
    t = SandboxTenant(seed="agenda-loop", now=lambda: START)
    mia = t.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1))
    t.add_user("Nia York", "nia@contoso.example", manager=mia, hire_date=date(2022, 5, 1),
               time_zone="Eastern Standard Time")
    return t


@dataclass
class Run:
    store: Store
    tenant: SandboxTenant
    typed: dict[int, list[str]] = field(default_factory=dict)  # occurrence id -> note lines
    moved: tuple[str, datetime] | None = None  # occurrence (instance) id, new start
    cancelled: str | None = None
    cancelled_start: datetime | None = None
    topic_updates: list[int] = field(default_factory=list)

    def patches(self, event_id: str) -> int:
        return sum(1 for m, p, _ in self.tenant.requests
                   if m == "PATCH" and p.endswith("/events/" + event_id))


def person_types(tenant: SandboxTenant, occ: OccurrenceRow, notes: list[str],
                 actions: list[str], tick_all: bool) -> None:
    """Mia types into the occurrence in Outlook: notes, new actions, ticks carried ones."""
    html = tenant.person_body("mia@contoso.example", occ.event_id)

    def paras(lines: list[str]) -> str:
        return "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in lines)

    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + paras(notes), html)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras(actions),
                  html)
    if tick_all:
        html = html.replace("[ ] ", "[x] ")
    tenant.person_edit_body("mia@contoso.example", occ.event_id, html)


def instances(settings, tenant: SandboxTenant, series, now: datetime) -> list[dict]:
    """The series' next occurrences as Outlook lists them."""
    async def go():
        async with job_context(settings, now, sandbox=tenant) as ctx:
            # Graph's own JSON, as Outlook lists them (the port hands out records).
            query = {"startDateTime": iso_utc(now) + "Z", "$top": "100",
                     "endDateTime": iso_utc(now + timedelta(days=120)) + "Z"}
            return [e async for e in ctx.graph._pages(
                f"/users/{series.mailbox}/events/{series.event_id}/instances", query,
                headers=UTC_TIMES)]

    return asyncio.run(go())


def simulate(db_url: str, settings_for) -> Run:
    settings = settings_for(db_url)
    tenant = org()
    store = Store(make_engine(db_url))
    run = Run(store, tenant)
    n_typed = 0
    # A run a day, the directory synced every other one: an agenda's window (from the start
    # of the working day two working days ahead) is over 48 hours, so each agenda still sees
    # several runs, the one with Rob's topics three or more (written, sent again with the
    # first, the second held back), and each meeting's notes are typed and read on the days
    # after it. (Twice a day, the same agendas, notes, mail and reminders took twice the runs.)
    for step in range(DAYS):
        now = START + timedelta(days=step)
        tenant.now = lambda now=now: now

        async def go(now=now, sync=step % 2 == 0):
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now, sync=sync)

        result = asyncio.run(go())
        assert result.schedule.failed == [] and result.agenda.failed == []
        assert result.capture.failed == []
        views = {v.report.email: v for v in store.views(["active"])}
        rob = views["rob@contoso.example"]
        rob_occ = store.pairing_occurrences(rob.pairing.id)
        upcoming = [o for o in rob_occ if o.start > now and o.status != "cancelled"]
        # Early on, Mia moves Rob's 2nd meeting a day later and cancels the 3rd, in Outlook.
        if run.moved is None:
            items = instances(settings, tenant, rob.series, now)
            second, third = items[1], items[2]
            start = datetime.fromisoformat(second["start"]["dateTime"][:19]).replace(tzinfo=UTC)
            end = datetime.fromisoformat(second["end"]["dateTime"][:19]).replace(tzinfo=UTC)
            tenant.person_move("mia@contoso.example", second["id"], start + timedelta(days=1),
                               end + timedelta(days=1))
            run.moved = (second["id"], start + timedelta(days=1))
            tenant.person_cancel("mia@contoso.example", third["id"], "Away that day")
            run.cancelled = third["id"]
            run.cancelled_start = datetime.fromisoformat(
                third["start"]["dateTime"][:19]).replace(tzinfo=UTC)
        # Rob adds a topic once the 4th agenda is out (one extra update allowed), then another.
        injected = [o for o in upcoming if o.agenda_state == "injected"]
        if len(run.topic_updates) < 2 and len(rob_occ) >= 5 and injected and (
                injected[0].id == rob_occ[4].id):
            store.add_topic(rob.pairing.id, f"Topic <b>{len(run.topic_updates)}</b> & more",
                            "report", now.date(), now)
            run.topic_updates.append(injected[0].id)
        # After each of Rob's meetings Mia types notes and an action; every other one she
        # also ticks off what was carried. Nia's meetings get no notes at all.
        for occ in rob_occ:
            if occ.end <= now and occ.id not in run.typed and occ.status != "cancelled" and (
                    occ.agenda_state == "injected"):
                n_typed += 1
                lines = [f"Talked about the roadmap, part {n_typed}", "Workload OK <script>"]
                due = occ.end + timedelta(days=14)
                person_types(tenant, occ, lines, [f"Rob: draft proposal {n_typed} by {due:%d %b}"],
                             tick_all=n_typed % 2 == 0)
                run.typed[occ.id] = lines
    return run


def occurrences(run: Run) -> list[OccurrenceRow]:
    with run.store.session() as s:
        return list(s.scalars(select(OccurrenceRow).order_by(OccurrenceRow.start)))


def every_due_occurrence_got_exactly_one_agenda_update(run: Run) -> None:
    """Each occurrence inside the lead time got one agenda PATCH (two with a new topic)."""
    end = START + timedelta(days=DAYS)
    checked = 0
    for occ in occurrences(run):
        if occ.status == "cancelled" or occ.start > end - timedelta(days=1):
            continue
        expected = 2 if occ.id in run.topic_updates else 1
        assert occ.agenda_state == "injected", occ
        assert run.patches(occ.event_id) == expected, (occ.start, occ.agenda_updates)
        checked += 1
    assert checked >= 10


def topics_budget_and_escaping(run: Run) -> None:
    """A new topic re-sends the agenda once; the second waits; HTML in topics is text."""
    assert len(run.topic_updates) == 2 and run.topic_updates[0] == run.topic_updates[1]
    html = run.tenant.person_body("mia@contoso.example", next(
        o.event_id for o in occurrences(run) if o.id == run.topic_updates[0]))
    assert "Topic &lt;b&gt;0&lt;/b&gt; &amp; more" in html
    assert "<b>0</b>" not in html


def open_actions_carry_until_closed(run: Run) -> None:
    """Every action open when an agenda went out is listed in it, with its (#id)."""
    with run.store.session() as s:
        actions = list(s.scalars(select(ActionRow)))
    assert len(actions) >= 4 and any(a.status == "done" for a in actions)
    assert any(a.status == "open" for a in actions)
    for occ in occurrences(run):
        if occ.agenda_state != "injected" or occ.agenda_at is None:
            continue
        text = block_text(html_to_text(run.tenant.person_body("mia@contoso.example",
                                                              occ.event_id))) or ""
        for a in actions:
            raised = a.raised_occurrence_id
            was_open = a.created_at < occ.agenda_at and (a.closed_at is None
                                                         or a.closed_at > occ.agenda_at)
            same_pair = any(o.id == raised for o in run.store.pairing_occurrences(a.pairing_id)
                            if o.id == raised) and occ.id in {
                o.id for o in run.store.pairing_occurrences(a.pairing_id)}
            if was_open and same_pair and raised != occ.id:
                assert f"(#{a.id})" in text, (occ.start, a.text)


def what_the_manager_typed_is_never_overwritten(run: Run) -> None:
    """Notes typed into an occurrence are still there at the end, and were captured."""
    assert len(run.typed) >= 5
    for occ in occurrences(run):
        if occ.id in run.typed:
            html = run.tenant.person_body("mia@contoso.example", occ.event_id)
            for line in run.typed[occ.id]:
                assert escape(line) in html
            notes = [n.text for n in run.store.notes(occ.id)]
            assert any("Talked about the roadmap" in n for n in notes)
            assert occ.status == "held"


def moved_and_cancelled_occurrences(run: Run) -> None:
    """A moved meeting keeps its new time and gets its agenda; a cancelled one gets none."""
    assert run.moved is not None and run.cancelled is not None
    by_event = {o.event_id: o for o in occurrences(run)}
    moved = by_event[run.moved[0]]
    assert moved.start == run.moved[1]
    assert moved.agenda_state == "injected" and moved.status in ("moved", "held")
    assert run.patches(run.cancelled) == 0
    # Cancelled weeks before its agenda was due, so Outlook never listed it to onetoone: it
    # is still recorded, by its slot in the series.
    (cancelled,) = [o for o in occurrences(run) if o.original_start == run.cancelled_start]
    assert cancelled.status == "cancelled" and cancelled.agenda_state != "injected"
    # The actions open before the cancelled meeting went into the next agenda instead.
    assert any(o.start > moved.start and o.agenda_state == "injected" for o in by_event.values())


def meetings_without_notes_are_recorded(run: Run) -> None:
    """Nia's meetings, where nothing was typed, are recorded as held without notes."""
    nia = next(v for v in run.store.views() if v.report.email == "nia@contoso.example")
    past = [o for o in run.store.pairing_occurrences(nia.pairing.id)
            if o.end < START + timedelta(days=DAYS - 1)]
    assert past and all(o.status == "held_no_notes" for o in past)


def test_declined_by_report_is_recorded() -> None:
    """An occurrence the report declined is recorded as declined; a moved one as moved."""
    from service.graph.wire import calendar_event
    from service.jobs.occurrences import occurrence_state

    def occurrence_state_of(raw: dict, email: str):
        return occurrence_state(calendar_event(raw), email)

    item = {"id": "o1", "start": {"dateTime": "2027-01-05T10:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2027-01-05T10:30:00.0000000", "timeZone": "UTC"},
            "originalStart": "2027-01-05T10:00:00Z",
            "attendees": [{"emailAddress": {"address": "Rob@contoso.example"},
                           "status": {"response": "declined"}}]}
    assert occurrence_state_of(item, "rob@contoso.example")[0] == "declined"
    item["attendees"][0]["status"]["response"] = "accepted"
    item["start"]["dateTime"] = "2027-01-06T10:00:00.0000000"
    assert occurrence_state_of(item, "rob@contoso.example")[0] == "moved"
    assert occurrence_state_of({**item, "isCancelled": True}, "rob@contoso.example")[0] == (
        "cancelled")


def test_meeting_moved_out_of_the_window_is_not_taken_for_cancelled(
        tmp_path, settings_for) -> None:
    """An occurrence moved beyond the sync window keeps its outcome; only deletion cancels."""
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}")
    tenant = org()
    store = Store(make_engine(settings.database.url))

    def at(now: datetime):
        return run_tick(settings, tenant, now)

    at(START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    at(START + timedelta(days=4))  # Rob's first agenda is due: the occurrence is stored
    occ = store.pairing_occurrences(rob.pairing.id)[0]
    assert occ.agenda_state == "injected"
    # Moved three weeks later after the agenda went out; the original time then passes.
    tenant.person_move("mia@contoso.example", occ.event_id, occ.start + timedelta(days=21),
                       occ.end + timedelta(days=21))
    at(occ.end + timedelta(hours=2))
    moved = store.occurrence(occ.id)
    assert moved.status == "moved" and moved.start == occ.start + timedelta(days=21)
    assert moved.captured_at is None  # not taken for a meeting held without notes
    tenant.person_cancel("mia@contoso.example", occ.event_id)
    at(moved.end + timedelta(hours=2))
    assert store.occurrence(occ.id).status == "cancelled"


def _summaries(run: Run, mailbox: str) -> list[dict]:
    return [m for m in run.tenant.messages(mailbox)
            if (m.get("subject") or "").startswith("1-2-1 notes:")]


def one_summary_per_meeting_with_notes_to_the_pair_only(run: Run) -> None:
    """Each held meeting with notes gives the report exactly one summary, cc the manager."""
    held = [o for o in occurrences(run) if o.status == "held"]
    got = _summaries(run, "rob@contoso.example")
    assert len(held) >= 5 and len(got) == len(held)
    for message in got:
        to = [r["emailAddress"]["address"] for r in message["toRecipients"]]
        cc = [r["emailAddress"]["address"] for r in message.get("ccRecipients") or []]
        assert to == ["rob@contoso.example"] and cc == ["mia@contoso.example"]
        assert message["from"]["emailAddress"]["address"] == "mia@contoso.example"
        body = message["body"]["content"]
        assert "Workload OK &lt;script&gt;" in body and "<script>" not in body
        assert "Actions agreed" in body and "draft proposal" in body
    assert _summaries(run, "nia@contoso.example") == []
    assert run.tenant.outbound == []


def one_reminder_per_meeting_without_notes(run: Run) -> None:
    """A manager who recorded nothing is reminded once per meeting, in their own mailbox."""
    quiet = [o for o in occurrences(run) if o.status == "held_no_notes"
             and o.end + timedelta(hours=24) < START + timedelta(days=DAYS)]
    reminders = [m for m in run.tenant.messages("mia@contoso.example")
                 if (m.get("subject") or "").startswith("No notes yet: your 1-2-1")]
    assert len(quiet) >= 4 and len(reminders) == len(quiet)
    assert all("Nia York" in m["subject"] for m in reminders)


# What the simulated half-year must show, each check above in turn.
SIX_MONTHS = (every_due_occurrence_got_exactly_one_agenda_update, topics_budget_and_escaping,
              open_actions_carry_until_closed, what_the_manager_typed_is_never_overwritten,
              moved_and_cancelled_occurrences, meetings_without_notes_are_recorded,
              one_summary_per_meeting_with_notes_to_the_pair_only,
              one_reminder_per_meeting_without_notes)


def test_six_simulated_months(tmp_path) -> None:
    """The checks above, on one simulated half-year. One test rather than one each over a
    module-scoped run: under pytest-xdist (``--dist worksteal``) a module's tests can land
    in different workers, and each built the run of its own (18 s and 11 s in one CI run)."""
    run = simulate(f"sqlite:///{tmp_path / 'loop.db'}",
                   lambda db, **policy: make_settings(tmp_path, db, **policy))
    for check in SIX_MONTHS:
        check(run)


def test_never_listed_slots_are_told_apart_moved_or_deleted(tmp_path, settings_for) -> None:
    """Before onetoone stored them, one occurrence is moved six weeks later and another
    deleted: the first is recorded as moved (at its new time), only the second as cancelled."""
    settings = settings_for(f"sqlite:///{tmp_path / 'g.db'}")
    tenant = org()
    store = Store(make_engine(settings.database.url))

    def at(now: datetime):
        return run_tick(settings, tenant, now)

    at(START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    items = instances(settings, tenant, rob.series, START + timedelta(days=10))
    later, gone = items[0], items[1]

    def start_of(item: dict) -> datetime:
        return datetime.fromisoformat(item["start"]["dateTime"][:19]).replace(tzinfo=UTC)

    def end_of(item: dict) -> datetime:
        return datetime.fromisoformat(item["end"]["dateTime"][:19]).replace(tzinfo=UTC)

    tenant.person_move("mia@contoso.example", later["id"], start_of(later) + timedelta(days=42),
                       end_of(later) + timedelta(days=42))
    tenant.person_cancel("mia@contoso.example", gone["id"], "Away")
    def stored() -> dict[datetime, Any]:
        return {o.original_start: o for o in store.pairing_occurrences(rob.pairing.id)}

    at(start_of(later) - timedelta(days=1))  # its original slot is inside the sync window
    moved = stored()[start_of(later)]
    assert moved.status == "moved" and moved.start == start_of(later) + timedelta(days=42)
    at(start_of(gone) - timedelta(days=1))
    cancelled = stored()[start_of(gone)]
    assert cancelled.status == "cancelled" and cancelled.agenda_state != "injected"
    assert stored()[start_of(later)].status == "moved"


def test_retimed_series_and_far_moved_meeting_cost_no_extra_calls(tmp_path, settings_for
                                                                   ) -> None:
    """A series re-timed as a whole in Outlook is not read as every slot deleted (nothing is
    recorded cancelled, no wider look each run); a meeting recorded as moved far ahead does
    not make its old slot look due on every run."""
    settings = settings_for(f"sqlite:///{tmp_path / 'r.db'}")
    tenant = org()
    store = Store(make_engine(settings.database.url))
    run_tick(settings, tenant, START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    series = rob.series
    master = next(e for e in tenant.events("mia@contoso.example") if e["id"] == series.event_id)
    start = datetime.fromisoformat(master["start"]["dateTime"][:19])
    end = datetime.fromisoformat(master["end"]["dateTime"][:19])
    zone = master["start"]["timeZone"]

    async def retime():
        async with job_context(settings, START, sandbox=tenant) as ctx:
            await ctx.graph.update_event(series.mailbox, series.event_id, {
                "start": {"dateTime": (start + timedelta(hours=2)).isoformat(), "timeZone": zone},
                "end": {"dateTime": (end + timedelta(hours=2)).isoformat(), "timeZone": zone}})

    asyncio.run(retime())
    from service.jobs.occurrences import needs_sync

    class Ctx:
        pass

    ctx = Ctx()
    ctx.settings = settings
    tenant.reset_counters()
    looks = 0
    for hours in range(0, 24 * 10, 12):
        now = START + timedelta(days=1, hours=hours)
        looks += needs_sync(ctx, series, rob.manager, now,
                            store.occurrences(series.id))  # type: ignore[arg-type]
        run_tick(settings, tenant, now)
    cancelled = [o for o in store.pairing_occurrences(rob.pairing.id) if o.status == "cancelled"]
    assert cancelled == []
    rob_calls = [p for m, p, _ in tenant.requests if m == "GET" and p.endswith("/instances")
                 and series.event_id in p]
    assert 0 < len(rob_calls) <= looks  # the regular look only: no wider one on top



def test_a_slot_moved_far_ahead_is_not_due_again_every_run(tmp_path, settings_for) -> None:
    """A meeting recorded as moved six weeks on settles its original slot: no listing of the
    series on every run until that slot has passed."""
    from service.domain.series import occurrences as series_occurrences
    from service.jobs.occurrences import needs_sync

    settings = settings_for(f"sqlite:///{tmp_path / 'm.db'}")
    tenant = org()
    store = Store(make_engine(settings.database.url))
    run_tick(settings, tenant, START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    slot = series_occurrences(rob.series, START + timedelta(days=20),
                              START + timedelta(days=80))[0][0]

    class Moved:  # as stored: its original slot, its new time, agenda not written yet
        original_start, start = slot, slot + timedelta(days=42)
        end = start + timedelta(minutes=30)
        status, agenda_state = "moved", "pending"

    class Ctx:
        pass

    ctx = Ctx()
    ctx.settings = settings
    assert needs_sync(ctx, rob.series, rob.manager, slot - timedelta(days=1), [])
    assert not needs_sync(ctx, rob.series, rob.manager, slot - timedelta(days=1), [Moved()])


def test_next_meeting_is_found_before_one_moved_far_ahead(tmp_path, settings_for) -> None:
    """Rob's January meeting is moved six weeks on (to mid-February): preview, topics and the
    summary all name the February slot of the series before it as the next meeting."""

    from service.cli.meetings import next_occurrence as _next_occurrence
    from service.jobs.summaries import next_meeting

    settings = settings_for(f"sqlite:///{tmp_path / 'n.db'}")
    tenant = org()
    store = Store(make_engine(settings.database.url))
    run_tick(settings, tenant, START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    first = instances(settings, tenant, rob.series, START + timedelta(days=10))[0]
    start = datetime.fromisoformat(first["start"]["dateTime"][:19]).replace(tzinfo=UTC)
    end = datetime.fromisoformat(first["end"]["dateTime"][:19]).replace(tzinfo=UTC)
    tenant.person_move("mia@contoso.example", first["id"], start + timedelta(days=42),
                       end + timedelta(days=42))
    now = start - timedelta(days=9)
    while now < start + timedelta(days=1):
        run_tick(settings, tenant, now)
        now += timedelta(hours=12)
    view = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    stored = store.pairing_occurrences(view.pairing.id)
    assert [o.status for o in stored] == ["moved"]
    february = next_meeting(view, stored, now)
    assert february is not None and february < stored[0].start
    upcoming = _next_occurrence(store, view, None, now)
    assert upcoming.start == february and upcoming.meeting_number == 1
    on_day = _next_occurrence(store, view, february.date(), now)
    assert on_day.start == february
    assert _next_occurrence(store, view, stored[0].start.date(), now).id == stored[0].id
