"""A company shutdown between Christmas and New Year: the bank holidays (25 and 28 Dec 2026,
1 Jan 2027) bridge it, and people book the other days (24, 29, 30, 31 Dec) as leave, out
of office in Outlook. That is four working days: not a long absence. A weekly 1-2-1 on
Tuesday 29 Dec, with both people away, can't move: every day of its window (23 Dec – 1 Jan,
checked on the 24th) is a holiday or leave for both. Nobody could have held it, so it is
skipped with one note to the manager: not a "no time to move it to" mail asking them to
move it, then a "no notes" reminder and a rebooking offer, and a missed meeting in the
statistics. A meeting only one of them is away for keeps the move / no-slot rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.domain.attendance import ABSENT, missed_in_a_row, outcome, run_history
from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_absences import LONDON, at, choose, leave, person, run_tick

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday
MIA, ROB, OLA = "mia@contoso.example", "rob@contoso.example", "ola@contoso.example"
SHUTDOWN_LEAVE = ((date(2026, 12, 24), date(2026, 12, 24)),
                  (date(2026, 12, 29), date(2026, 12, 31)))  # the working days between


def test_a_weekly_meeting_inside_a_shutdown_both_are_away_for_is_skipped(
        tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url, default_cadence=CadenceKind.WEEKLY,
                             weekdays=("tuesday",))
    tenant = SandboxTenant(seed="shutdown", now=lambda: START)
    mia = tenant.add_user("Mia Boss", MIA, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 1, 1))
    tenant.add_user("Ola Report", OLA, manager=mia, hire_date=date(2021, 1, 1))  # no leave
    for who in (MIA, ROB):
        for first, last in SHUTDOWN_LEAVE:
            tenant.add_absence(who, first, last)
    now = START
    while now <= datetime(2027, 1, 4, 18, 0, tzinfo=UTC):
        run_tick(settings, tenant, now)
        now += timedelta(hours=12)

    store = Store(make_engine(db_url))
    view = next(v for v in store.views() if v.report.email == ROB)
    occs = store.pairing_occurrences(view.pairing.id)
    occ = next(o for o in occs
               if o.original_start.astimezone(LONDON).date() == date(2026, 12, 29))
    assert (occ.absence_state, occ.start) == ("skipped", occ.original_start), (
        occ.absence_state, occ.status)
    assert occ.agenda_state == "skipped"  # no organizer update mails the people away
    mails = [m for m in store.outbox() if m.occurrence_id == occ.id]
    sent = sorted(m.kind for m in mails if m.status != "suppressed")
    assert sent == ["absence_both_away"], sent  # one note, no reminder, no offer
    [note] = [m for m in mails if m.kind == "absence_both_away"]
    assert note.recipients == f"Mia Boss <{MIA}>" and note.cc == ()
    assert "Tuesday 29 Dec 2026" in note.body_html
    assert "no time to move" not in note.subject.lower()
    assert not [m for m in tenant.messages(MIA)
                if "Rob Report" in m["subject"] and "no time to move" in m["subject"]]
    assert not [m for m in store.outbox() if m.kind.startswith("rebook")]
    # Not missed: the run of missed meetings before it (nothing is typed in the sandbox)
    # is the same with it as without it.
    assert outcome(occ.status, occ.absence_state) == ABSENT
    earlier = [o for o in occs if o.start < occ.start]
    assert missed_in_a_row(run_history(occs), now) == missed_in_a_row(
        run_history(earlier), now)
    # Ola works through the shutdown: her meeting that day could be held if there were a
    # time, so Mia is told there is none, as ever.
    ola = next(v for v in store.views() if v.report.email == OLA)
    hers = next(o for o in store.pairing_occurrences(ola.pairing.id)
                if o.original_start.astimezone(LONDON).date() == date(2026, 12, 29))
    assert hers.absence_state == "no_slot"
    assert [m.kind for m in store.outbox() if m.occurrence_id == hers.id
            and m.kind.startswith("absence")] == ["absence_no_slot"]


def test_only_a_meeting_both_are_away_for_is_skipped() -> None:
    """The decision: both away and nowhere to go, skip (one of them on leave, the other on
    a bank holiday counts as away too); still a move where a free day is left, and still
    no_slot when only one of them is away."""
    days = [leave(first, last) for first, last in SHUTDOWN_LEAVE]
    manager, report = person("Mia Boss", items=days), person(items=days)
    tuesday = at(date(2026, 12, 29))
    got = choose(tuesday, manager=manager, report=report, now=at(date(2026, 12, 24), "00:00"))
    assert got.action == "skip", (got.action, got.reason)
    assert got.absence is not None and got.absent == "manager"
    assert (got.absence.first, got.absence.last) == (date(2026, 12, 24), date(2026, 12, 31))
    boxing = choose(at(date(2026, 12, 28)), manager=manager, report=report,
                    now=at(date(2026, 12, 23), "00:00"))
    assert boxing.action == "skip", (boxing.action, boxing.reason)
    # The monthly "last Thursday" on 31 Dec: its window is December, past by its check.
    monthly = choose(at(date(2026, 12, 31)), kind=CadenceKind.MONTHLY, manager=manager,
                     report=report, now=at(date(2026, 12, 28), "00:00"))
    assert monthly.action == "skip", (monthly.action, monthly.reason)
    # Christmas Eve, checked on the 21st: the 22nd and 23rd are still free, so it moves.
    eve = choose(at(date(2026, 12, 24)), manager=manager, report=report,
                 now=at(date(2026, 12, 21), "00:00"))
    assert eve.action == "move" and eve.start is not None
    assert eve.start.date() == date(2026, 12, 23)
    # Only the report away (the manager works through): the manager is told, as ever.
    alone = choose(tuesday, manager=person("Mia Boss", items=[
        dataclasses.replace(d, status="tentative") for d in days]), report=report,
        now=at(date(2026, 12, 24), "00:00"))
    assert alone.action == "no_slot"
