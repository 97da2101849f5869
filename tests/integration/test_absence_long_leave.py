"""Leave longer than the check reads around a meeting (six months' parental leave, as one
event or a week at a time) is one absence: the manager gets one note about it, from its first
day, giving no cut-off as its last day; and a note about the manager's own leave speaks to
her, not of her."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from service.app import job_context
from service.domain.absence import CalendarItem, absence_around, run_dates
from service.domain.model import CadenceKind
from service.domain.records import MailRecord
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_absences import LONDON, at, choose, no_sleep, person

BEA, MIA, ROB = "bea@contoso.example", "mia@contoso.example", "rob@contoso.example"
START = datetime(2027, 1, 5, 6, 0, tzinfo=UTC)  # a Tuesday
# Just past the last run that checks a meeting inside the six months' leave (the eve of
# Friday 30 Jul, its last day): no later meeting of Rob's is checked before it is over.
LAST_CHECKED = datetime(2027, 7, 31, tzinfo=UTC)


def _run(settings: Any, tenant: SandboxTenant, now: datetime) -> None:
    tenant.now = lambda: now

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            report = await tick(ctx, now, sync=now == START)
            assert report.failed_steps == [] and report.absences.failed == []

    asyncio.run(go())


def _walk(tmp: Path, until: datetime, book) -> tuple[Store, SandboxTenant]:
    """Bea manages Mia, who manages Rob; fortnightly Friday 1-2-1s. ``book(tenant)`` books
    the leave a few days in, after the series; after the first run (a Tuesday), a run each
    Wednesday and Friday (06:00 UTC) up to ``until``: each meeting is checked on the runs a
    run every 12 h checked it on, the Wednesday's (the first after it is stored, its
    agenda day), and on its eve (the Friday's, before it starts)."""
    db = f"sqlite:///{tmp / 'long.db'}"
    settings = make_settings(tmp, db, default_cadence=CadenceKind.FORTNIGHTLY,
                             weekdays=("friday",))
    tenant = SandboxTenant(seed="long-leave", now=lambda: START)
    bea = tenant.add_user("Bea Big", BEA, hire_date=date(2019, 1, 1))
    mia = tenant.add_user("Mia Boss", MIA, manager=bea, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 1, 1))
    now, booked = START, False
    while now < until:
        if not booked and now >= START + timedelta(days=3):
            book(tenant)
            booked = True
        _run(settings, tenant, now)
        now += timedelta(days=1)
        while now.weekday() not in (2, 4):  # Wednesday, Friday
            now += timedelta(days=1)
    return Store(make_engine(db)), tenant


def _notes(store: Store) -> list[MailRecord]:
    return [m for m in store.outbox() if m.kind == "absence_long"]


def _skipped_in(store: Store, first: date, last: date) -> list[str | None]:
    rob = next(v for v in store.views() if v.report.email == ROB)
    return [o.absence_state for o in store.pairing_occurrences(rob.pairing.id)
            if first <= o.original_start.astimezone(LONDON).date() <= last]


def test_six_months_leave_is_one_note_with_its_real_dates(tmp_path: Path) -> None:
    """Rob's parental leave, 1 Feb – 30 Jul, one out-of-office event: its 13 fortnightly
    meetings are skipped and Mia gets one note, from 1 Feb, with no cut-off as its end."""
    store, _ = _walk(tmp_path, LAST_CHECKED,
                     lambda t: t.add_absence(ROB, date(2027, 2, 1), date(2027, 7, 30)))
    assert _skipped_in(store, date(2027, 2, 1), date(2027, 7, 30)) == ["skipped"] * 13
    notes = _notes(store)
    assert [m.subject for m in notes] == [
        "1-2-1s during Rob Report's absence (from 1 Feb 2027 until at least 30 Jul 2027)"]
    assert notes[0].recipients == f"Mia Boss <{MIA}>"
    assert ("Rob Report's calendar shows them out of office from 1 Feb 2027 until at least "
            "30 Jul 2027") in notes[0].body_html


def test_six_months_leave_booked_by_the_week_is_one_note(tmp_path: Path) -> None:
    """The same leave as 26 week-long events: no read around one meeting shows it whole,
    so the note gives the last day read as "at least", and no later meeting (reading a
    later stretch of it) sends another."""
    def book(tenant: SandboxTenant) -> None:
        for week in range(26):
            monday = date(2027, 2, 1) + timedelta(weeks=week)
            tenant.add_absence(ROB, monday, monday + timedelta(days=4))

    store, _ = _walk(tmp_path, LAST_CHECKED, book)
    assert _skipped_in(store, date(2027, 2, 1), date(2027, 7, 30)) == ["skipped"] * 13
    [note] = _notes(store)
    assert note.subject.startswith("1-2-1s during Rob Report's absence (from 1 Feb 2027 "
                                   "until at least ")
    last = datetime.strptime(note.subject.rsplit("at least ", 1)[1], "%d %b %Y)").date()
    assert date(2027, 4, 1) < last < date(2027, 7, 30)  # what was read, said to be so
    assert "until at least" in note.body_html and "(at least " in note.body_html


def test_note_of_the_managers_own_leave_speaks_to_her(tmp_path: Path) -> None:
    """Mia on four weeks' leave: her note says "You're out of office", not "Mia Boss's
    calendar shows them"; Bea's, about her 1-2-1 with Mia, names Mia."""
    store, _ = _walk(tmp_path, datetime(2027, 3, 5, tzinfo=UTC),
                     lambda t: t.add_absence(MIA, date(2027, 2, 1), date(2027, 2, 26)))
    by_to = {m.recipients: m for m in _notes(store)}
    assert set(by_to) == {f"Mia Boss <{MIA}>", f"Bea Big <{BEA}>"}
    mine = by_to[f"Mia Boss <{MIA}>"]
    assert mine.subject == "1-2-1s during your absence (1 Feb 2027 – 26 Feb 2027)"
    assert "You're out of office from 1 Feb 2027 to 26 Feb 2027 (20 working days)" in (
        mine.body_html)
    assert "Mia Boss" not in mine.body_html and "shows them" not in mine.body_html
    bea = by_to[f"Bea Big <{BEA}>"]
    assert bea.subject == "1-2-1s during Mia Boss's absence (1 Feb 2027 – 26 Feb 2027)"
    assert "Mia Boss's calendar shows them out of office from 1 Feb 2027 to 26 Feb" in (
        bea.body_html)


def test_a_run_past_what_was_read_is_open_and_said_so() -> None:
    """Leave read only up to 14 May (a read around the meeting): the run is open after it,
    and the reason gives 14 May as "at least", not as its last day; read whole, it is not."""
    def week(monday: date) -> CalendarItem:
        return CalendarItem(at(monday, "00:00").astimezone(UTC),
                            at(monday + timedelta(days=5), "00:00").astimezone(UTC), "oof")

    weeks = [week(date(2027, 2, 1) + timedelta(weeks=n)) for n in range(26)]
    read = (at(date(2026, 11, 12)), at(date(2027, 5, 15)))
    rob = replace(person(items=[w for w in weeks if w.start < read[1]]), read=read)
    run = absence_around(rob, date(2027, 2, 12))
    assert run is not None and run.first == date(2027, 2, 1) and run.last == date(2027, 5, 14)
    assert run.open_after and not run.open_before
    assert run_dates(run, str) == "from 2027-02-01 until at least 2027-05-14"
    got = choose(at(date(2027, 2, 12)), report=rob)
    assert got.action == "skip"
    assert got.reason == ("long absence: Rob Report is out of office from 01 Feb until at "
                          "least 14 May")
    whole = replace(rob, items=tuple(weeks), read=(read[0], at(date(2027, 12, 31))))
    assert choose(at(date(2027, 2, 12)), report=whole).reason == (
        "long absence: Rob Report is out of office 01 Feb – 30 Jul")
