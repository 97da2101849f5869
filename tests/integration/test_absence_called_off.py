"""Meetings called off in Outlook ahead during marked leave, and leave withdrawn after the
agenda day, end to end through the sandbox tenant (a tick every 12 hours, as a worker would
run): what the manager, the report and `onetoone status` see."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from service.app import job_context
from service.cli import cli
from service.domain.model import CadenceKind
from service.graph.client import parse_graph_datetime
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.calendar import _touch
from service.sandbox.occurrences import occurrences
from service.sandbox.wire import iso_utc
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.conftest import make_settings

LONDON = ZoneInfo("Europe/London")
MIA, ROB = "mia@contoso.example", "rob@contoso.example"
START = datetime(2027, 1, 5, 6, 0, tzinfo=UTC)  # a Tuesday
LEAVE = (date(2027, 2, 1), date(2027, 4, 30))  # Rob's parental leave, one OOF event


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def run_tick(settings, tenant: SandboxTenant, now: datetime) -> None:
    tenant.now = lambda: now

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            report = await tick(ctx, now, sync=now == START)
            assert report.failed_steps == []

    asyncio.run(go())


def booked(tmp: Path, cadence: CadenceKind = CadenceKind.FORTNIGHTLY, weekdays=("friday",)):
    """(settings, tenant, store) with Mia and her report Rob booked at START."""
    db = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = make_settings(tmp, db, default_cadence=cadence, weekdays=weekdays)
    tenant = SandboxTenant(seed="called-off", now=lambda: START)
    mia = tenant.add_user("Mia Boss", MIA, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 1, 1))
    run_tick(settings, tenant, START)
    return settings, tenant, Store(make_engine(db))


def called_off(tenant: SandboxTenant, store: Store, how: str, first: date, last: date,
               now: datetime) -> list[str]:
    """Mia cancels (or Rob declines) every occurrence between ``first`` and ``last``, long
    before their agendas are due; the occurrences' ids."""
    (view,) = store.views()
    assert view.series is not None
    master = next(e for e in tenant.events(MIA) if e["id"] == view.series.event_id)
    ids = []
    for occ in occurrences(master, START, START + timedelta(days=200)):
        start = parse_graph_datetime(occ["start"])
        if not first <= start.date() <= last:
            continue
        ids.append(occ["id"])
        if how == "cancel":
            tenant.person_cancel(MIA, occ["id"], "Rob on parental leave")
        else:  # Rob's "Decline" on the occurrence: the organizer's copy records it
            with tenant._lock:
                exc = master.setdefault("_exceptions", {}).setdefault(iso_utc(start), {})
                exc["attendees"] = [{
                    "emailAddress": {"address": ROB, "name": "Rob Report"},
                    "type": "required",
                    "status": {"response": "declined", "time": iso_utc(now)}}]
                _touch(tenant, master)
    return ids


def walk(settings, tenant: SandboxTenant, store: Store, until: datetime, events=None,
         notes: bool = True) -> None:
    """A tick every 12 hours from START to ``until``; ``events`` (instant -> action) happen
    before the first tick at or after their instant; with ``notes`` Mia types notes into
    the notes section of each meeting she holds, after it."""
    events = dict(events or {})
    typed: set[str] = set()
    now = START
    while now <= until:
        for when in sorted(w for w in events if w <= now):
            events.pop(when)(now)
        if notes:
            for view in store.views():
                for o in store.pairing_occurrences(view.pairing.id):
                    if (o.end > now or o.event_id in typed or o.agenda_state != "injected"
                            or o.status not in ("scheduled", "moved")):
                        continue
                    typed.add(o.event_id)
                    type_notes(tenant, o.event_id, "Talked about workload.")
        run_tick(settings, tenant, now)
        now += timedelta(hours=12)


def type_notes(tenant: SandboxTenant, event_id: str, text: str) -> None:
    """Mia types ``text`` into the notes section of the meeting's agenda in Outlook."""
    html = tenant.person_body(MIA, event_id)
    found = re.search(r'id="onetoone-notes"[^>]*>', html)
    assert found is not None, "no notes section to type into"
    tenant.person_edit_body(MIA, event_id, html[:found.end()] + f"<p>{text}</p>"
                            + html[found.end():])


def patches(tenant: SandboxTenant, event_id: str) -> int:
    """Organizer updates of one occurrence: each mails the attendees."""
    return sum(1 for method, path, _ in tenant.requests
               if method == "PATCH" and path.endswith("/events/" + event_id))


def status_row(tmp: Path, monkeypatch: pytest.MonkeyPatch, now: str) -> str:
    """Rob's row as `onetoone status` shows it."""
    cli_env(monkeypatch, tmp, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{tmp / 'db.sqlite'}")
    result = CliRunner().invoke(cli, ["status", "--now", now], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if ROB in line)
    return "\n".join(lines[at - 1:at + 1])


@pytest.mark.parametrize("how", ["cancel", "decline"])
def test_meetings_called_off_ahead_during_leave_are_not_missed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Rob's 3 months' parental leave is on his calendar; on 8 Jan Mia cancels (or Rob
    declines) every 1-2-1 in it, as the long-absence note invites. They are skipped for the
    absence: `status` shows no missed run, no rebooking offer or reminder goes, and a
    declined one gets no agenda (each would mail Rob, on leave, a meeting update)."""
    settings, tenant, store = booked(tmp_path)
    tenant.add_absence(ROB, *LEAVE, subject="Parental leave")
    when = START + timedelta(days=3)
    ids: list[str] = []
    walk(settings, tenant, store, datetime(2027, 4, 20, 6, 0, tzinfo=UTC), {
        when: lambda now: ids.extend(called_off(tenant, store, how, *LEAVE, now))})
    (view,) = store.views()
    inside = [o for o in store.pairing_occurrences(view.pairing.id)
              if LEAVE[0] <= o.original_start.astimezone(LONDON).date() <= LEAVE[1]
              and o.start < datetime(2027, 4, 20, tzinfo=UTC)]
    assert len(inside) == 5
    for o in inside:
        assert o.status == ("cancelled" if how == "cancel" else "declined")
        assert (o.absence_state, o.agenda_state) == ("skipped", "skipped"), o
        assert patches(tenant, o.event_id) == 0
    kinds = {(m.kind, m.status) for m in store.outbox()
             if m.occurrence_id in {o.id for o in inside}}
    assert kinds <= {("reminder", "suppressed")}, kinds
    assert not [m for m in store.outbox() if m.kind in ("rebook", "rebook_offer")]
    row = status_row(tmp_path, monkeypatch, "2027-04-20T12:00:00Z")
    assert "Rob Report" in row and "in a row" not in row


def test_a_meeting_cancelled_with_nobody_away_is_still_missed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same cancellations with no leave on anyone's calendar: missed, as ever (the
    check that excuses the ones above looks at the calendars, not at the cancelling)."""
    settings, tenant, store = booked(tmp_path)
    when = START + timedelta(days=3)
    walk(settings, tenant, store, datetime(2027, 3, 2, 6, 0, tzinfo=UTC), {
        when: lambda now: called_off(tenant, store, "cancel", date(2027, 2, 1),
                                     date(2027, 2, 28), now)})
    (view,) = store.views()
    gone = [o for o in store.pairing_occurrences(view.pairing.id) if o.status == "cancelled"]
    assert len(gone) == 2 and all(o.absence_state != "skipped" for o in gone)
    assert "missed 2 in a row" in status_row(tmp_path, monkeypatch, "2027-03-02T12:00:00Z")


def test_leave_withdrawn_after_the_agenda_day_gives_the_meeting_its_agenda(
        tmp_path: Path) -> None:
    """Rob books two weeks' leave; Friday 5 Mar is skipped at its agenda check (Wednesday).
    He withdraws the leave on Thursday morning and comes in. The meeting is looked at again
    on its eve: it gets its agenda, Mia's notes typed into it are read, it is held, and Rob
    gets the summary."""
    settings, tenant, store = booked(tmp_path, cadence=CadenceKind.WEEKLY)
    leave: dict[str, str] = {}
    friday = date(2027, 3, 5)

    def meeting(day: date):
        (view,) = store.views()
        return next(o for o in store.pairing_occurrences(view.pairing.id)
                    if o.original_start.astimezone(LONDON).date() == day)

    def book(now: datetime) -> None:
        leave["id"] = tenant.add_absence(ROB, date(2027, 3, 1), date(2027, 3, 12))["id"]

    def withdraw(now: datetime) -> None:
        occ = meeting(friday)
        assert (occ.absence_state, occ.agenda_state) == ("skipped", "skipped")
        tenant.person_cancel(ROB, leave["id"])

    walk(settings, tenant, store, datetime(2027, 3, 11, 6, 0, tzinfo=UTC), {
        START + timedelta(days=7): book,
        datetime(2027, 3, 4, 5, 0, tzinfo=UTC): withdraw})
    occ = meeting(friday)
    assert occ.absence_state == "clear" and occ.agenda_state == "injected"
    assert occ.start == occ.original_start and occ.status == "held"
    assert [n.text for n in store.notes(occ.id)] == ["Talked about workload."]
    summaries = [m for m in store.outbox() if m.kind == "summary"
                 and m.occurrence_id == occ.id]
    assert len(summaries) == 1 and summaries[0].to[0].address == ROB
    # The week after, still inside the leave as first booked, is now an ordinary meeting.
    later = meeting(friday + timedelta(days=7))
    assert later.absence_state == "clear" and later.agenda_state == "injected"


def test_a_meeting_declined_for_a_day_off_is_missed_and_offered_a_new_time(
        tmp_path: Path) -> None:
    """Rob takes one day off and declines that Friday's 1-2-1 ahead: a short absence, which
    the check would have moved the meeting for, so it stays missed and Mia is offered new
    times (the offer is how a meeting called off is moved), not skipped as for a long leave,
    which would drop it with nothing to make up for it."""
    settings, tenant, store = booked(tmp_path)
    (view,) = store.views()
    assert view.series is not None
    master = next(e for e in tenant.events(MIA) if e["id"] == view.series.event_id)
    day = min(d for d in (parse_graph_datetime(o["start"]).astimezone(LONDON).date()
                          for o in occurrences(master, START, START + timedelta(days=80)))
              if d >= date(2027, 2, 1))
    tenant.add_absence(ROB, day, day, subject="Day off")
    walk(settings, tenant, store, datetime.combine(day + timedelta(days=5), datetime.min.time(),
                                                   tzinfo=UTC),
         {START + timedelta(days=3): lambda now: called_off(tenant, store, "decline", day,
                                                            day, now)})
    occ = next(o for o in store.pairing_occurrences(view.pairing.id)
               if o.original_start.astimezone(LONDON).date() == day)
    assert occ.status == "declined" and occ.absence_state != "skipped", occ
    assert [r.status for r in store.rebooks() if r.missed_occurrence_id == occ.id] == ["offered"]
