"""Absences and public holidays: the pure decision, the settings, and the job end to end
through the sandbox (a bank holiday, leave booked after the series, no free slot, a long
absence, a Scottish holiday by group)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.app import job_context
from service.config import HolidaySettings, load_config
from service.domain.absence import (
    Attendee,
    CalendarItem,
    absence_around,
    decide,
    holiday_calendar,
)
from service.domain.model import CadenceKind, WorkingHours
from service.domain.records import MailRecord, OccurrenceRecord
from service.errors import ConfigError
from service.graph.client import parse_graph_datetime
from service.jobs.absences import AbsenceReport, check_absences
from service.jobs.occurrences import sync_occurrences
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox import calendar as cal
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings

LONDON = ZoneInfo("Europe/London")
HOURS = WorkingHours("Europe/London")
ENGLAND = holiday_calendar("GB-ENG", [2026, 2027])
SCOTLAND = holiday_calendar("GB-SCT", [2026, 2027])


def at(d: date, hhmm: str = "10:00") -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=LONDON)


def person(name: str = "Rob Report", cal=ENGLAND, items=(), hours: WorkingHours = HOURS
           ) -> Attendee:
    return Attendee(name=name, hours=hours, holidays=cal, items=tuple(items))


def leave(first: date, last: date, status: str = "oof") -> CalendarItem:
    """An all-day leave event in London, as getSchedule shows it (UTC instants)."""
    return CalendarItem(at(first, "00:00").astimezone(UTC),
                        at(last + timedelta(days=1), "00:00").astimezone(UTC), status)


def choose(start: datetime, kind: CadenceKind = CadenceKind.WEEKLY, manager=None, report=None,
           now: datetime | None = None, original: datetime | None = None):
    return decide(start=start, end=start + timedelta(minutes=30),
                  original_start=original or start, kind=kind,
                  manager=manager or person("Mia Manager"), report=report or person(),
                  not_before=(now or start - timedelta(days=3)) + timedelta(hours=24))


# -- the decision -----------------------------------------------------------------------------


def test_clear_day_stays() -> None:
    """No holiday and no absence: clear."""
    assert choose(at(date(2026, 12, 11))).action == "clear"


def test_christmas_moves_to_the_nearest_free_day_in_the_window() -> None:
    """Friday 25 Dec 2026 (England) moves to Thursday 24th at the same time."""
    got = choose(at(date(2026, 12, 25)), now=at(date(2026, 12, 22), "06:00"))
    assert got.action == "move"
    assert got.start == at(date(2026, 12, 24)) and got.end == at(date(2026, 12, 24), "10:30")
    assert got.reason == "bank holiday: Christmas Day (England)"


def test_boxing_day_observed_avoids_both_holidays() -> None:
    """Monday 28 Dec (Boxing Day observed) moves to Tuesday 29th, never onto the 25th."""
    got = choose(at(date(2026, 12, 28)), now=at(date(2026, 12, 23), "06:00"))
    assert got.action == "move" and got.start is not None
    assert got.start.date() == date(2026, 12, 29)
    assert "Boxing Day (observed)" in got.reason


def test_report_holiday_in_their_own_region_moves_it() -> None:
    """4 Jan 2027 is a holiday in Scotland only: a Scottish report's 1-2-1 moves."""
    monday = at(date(2027, 1, 4))
    assert choose(monday, now=at(date(2026, 12, 30))).action == "clear"
    got = choose(monday, report=person(cal=SCOTLAND), now=at(date(2026, 12, 30)))
    assert got.action == "move" and got.reason.endswith("(Scotland)")
    assert got.start == at(date(2027, 1, 5))


def test_out_of_office_report_moves_with_reason() -> None:
    """A week of oof leave covering the Friday moves it out of the week, naming who."""
    report = person(items=[leave(date(2026, 12, 14), date(2026, 12, 18))])
    got = choose(at(date(2026, 12, 18)), report=report, now=at(date(2026, 12, 10)))
    assert got.action == "move" and got.reason == "out of office: Rob Report"
    assert got.start == at(date(2026, 12, 21))  # Tue 15th is closer but inside the leave
    assert got.absent == "report"


def test_partial_oof_only_moves_an_overlapping_meeting() -> None:
    """A two-hour dentist visit moves the meeting it overlaps, to the same day if free."""
    dentist = CalendarItem(at(date(2026, 12, 10), "09:30").astimezone(UTC),
                           at(date(2026, 12, 10), "11:30").astimezone(UTC), "oof")
    got = choose(at(date(2026, 12, 10)), report=person(items=[dentist]), now=at(date(2026, 12, 7)))
    assert got.action == "move" and got.start is not None and got.end is not None
    assert got.start.date() == date(2026, 12, 10)  # same day, clear of the visit
    assert got.end <= dentist.start or got.start >= dentist.end
    later = choose(at(date(2026, 12, 10), "14:00"), report=person(items=[dentist]),
                   now=at(date(2026, 12, 7)))
    assert later.action == "clear"


def test_all_day_busy_counts_as_absent_but_tentative_does_not() -> None:
    """An all-day busy event (a conference) blocks the day; an all-day tentative one doesn't."""
    friday = date(2026, 12, 11)
    busy = choose(at(friday), report=person(items=[leave(friday, friday, "busy")]),
                  now=at(date(2026, 12, 8)))
    assert busy.action == "move"
    tentative = choose(at(friday), report=person(items=[leave(friday, friday, "tentative")]),
                       now=at(date(2026, 12, 8)))
    assert tentative.action == "clear"


def test_busy_time_and_the_meeting_itself() -> None:
    """The occurrence's own entry doesn't block; other busy time does."""
    start = at(date(2026, 12, 25))
    own = CalendarItem(start.astimezone(UTC), (start + timedelta(minutes=30)).astimezone(UTC),
                       "busy")
    thursday = CalendarItem(at(date(2026, 12, 24), "09:00").astimezone(UTC),
                            at(date(2026, 12, 24), "17:00").astimezone(UTC), "busy")
    got = choose(start, manager=person("Mia Manager", items=[own, thursday]),
                 now=at(date(2026, 12, 21)))
    assert got.action == "move" and got.start is not None
    assert got.start.date() in (date(2026, 12, 23), date(2026, 12, 29))


def test_no_free_slot_is_no_slot() -> None:
    """Everything in the window busy: no_slot, with the reason kept (a holiday of the
    report's region only: the manager works that day). On a holiday of both, neither could
    hold it: skipped (see test_absence_shutdown.py)."""
    busy = [CalendarItem(at(date(2026, 12, 21), "00:00").astimezone(UTC),
                         at(date(2027, 1, 9), "00:00").astimezone(UTC), "tentative")]
    got = choose(at(date(2027, 1, 4)), manager=person("Mia Manager", items=busy),
                 report=person(cal=SCOTLAND), now=at(date(2026, 12, 30)))
    assert got.action == "no_slot" and "(Scotland)" in got.reason and got.start is None
    both = choose(at(date(2026, 12, 25)), manager=person("Mia Manager", items=busy),
                  now=at(date(2026, 12, 21)))
    assert (both.action, both.both, both.start) == ("skip", True, None)
    assert both.reason == "both away: bank holiday: Christmas Day (England)"


def test_long_absence_is_skipped_and_named() -> None:
    """Three weeks of leave (15 working days) skip the meetings inside it."""
    items = [leave(date(2027, 1, 4), date(2027, 1, 22))]
    got = choose(at(date(2027, 1, 15)), report=person(items=items), now=at(date(2027, 1, 11)))
    assert got.action == "skip" and got.absence is not None
    assert (got.absence.first, got.absence.last, got.absence.working_days) == (
        date(2027, 1, 4), date(2027, 1, 22), 15)


def test_holidays_bridge_a_run_without_counting() -> None:
    """Leave 21 Dec – 8 Jan is 12 working days: the three holidays bridge it, uncounted."""
    report = person(items=[leave(date(2026, 12, 21), date(2027, 1, 8))])
    run = absence_around(report, date(2027, 1, 6))
    assert run is not None and run.working_days == 12
    assert (run.first, run.last) == (date(2026, 12, 21), date(2027, 1, 8))
    nine = person(items=[leave(date(2027, 1, 4), date(2027, 1, 14))])
    assert choose(at(date(2027, 1, 8)), report=nine, now=at(date(2027, 1, 1))).action in (
        "move", "no_slot")


def test_part_timers_non_working_days_bridge_too() -> None:
    """A Mon–Wed part-timer away three weeks is 9 working days: not long, so it moves."""
    part = WorkingHours("Europe/London", days=frozenset({0, 1, 2}))
    report = person(hours=part, items=[leave(date(2027, 1, 4), date(2027, 1, 22))])
    run = absence_around(report, date(2027, 1, 13))
    assert run is not None and run.working_days == 9


def test_window_is_measured_from_the_original_date() -> None:
    """A meeting moved once is judged against its original date's window."""
    original = at(date(2026, 12, 25))
    report = person(items=[leave(date(2026, 12, 24), date(2026, 12, 24))])
    got = decide(start=at(date(2026, 12, 24)), end=at(date(2026, 12, 24), "10:30"),
                 original_start=original, kind=CadenceKind.WEEKLY,
                 manager=person("Mia Manager"), report=report,
                 not_before=at(date(2026, 12, 21)))
    assert got.action == "move" and got.start is not None
    assert date(2026, 12, 22) <= got.start.date() <= date(2026, 12, 30)
    assert got.start.date() not in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28))


# -- settings ---------------------------------------------------------------------------------


GROUP = "11111111-2222-3333-4444-555555555555"


def test_person_override_wins_over_group_and_default() -> None:
    """A person's own code beats their group's, which beats the default GB-ENG."""
    cfg = HolidaySettings(groups=((GROUP, "GB-SCT"),), people=(("ann@x.example", "US-NY"),))
    assert cfg.code_for("Ann@X.example", frozenset({GROUP})) == "US-NY"
    assert cfg.code_for("bob@x.example", frozenset({GROUP})) == "GB-SCT"
    assert cfg.code_for("bob@x.example") == "GB-ENG"
    assert HolidaySettings(country="FR", subdivision="").default_code == "FR"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "onetoone.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_holiday_settings_load_from_file_and_env(tmp_path: Path) -> None:
    """Groups and people tables load (codes normalised); the environment wins."""
    path = write(tmp_path, f'[holidays]\ncountry = "gb"\nsubdivision = "wls"\n'
                           f'[holidays.groups]\n"{GROUP}" = "gb-sct"\n'
                           '[holidays.people]\n"Ann@X.example" = "us-ny"\n')
    s = load_config(path, env={})
    assert (s.holidays.country, s.holidays.subdivision) == ("GB", "WLS")
    assert s.holidays.groups == ((GROUP, "GB-SCT"),)
    assert s.holidays.people == (("ann@x.example", "US-NY"),)
    env = load_config(path, env={"ONETOONE_HOLIDAYS_PEOPLE": "cy@x.example=DE-BY"})
    assert env.holidays.people == (("cy@x.example", "DE-BY"),)


@pytest.mark.parametrize(("text", "expected"), [
    ('[holidays]\ncountry = "ZZ"\n', ['onetoone.toml:2: [holidays] country = "ZZ"',
                                      "ISO 3166"]),
    ('[holidays]\nsubdivision = "XYZ"\n', ["onetoone.toml:2: [holidays] subdivision = \"XYZ\"",
                                          "not a region of GB", "ENG, NIR, SCT, WLS"]),
    ('[holidays]\ncountry = "US"\n', ['[holidays] subdivision = "ENG" is not a region of US',
                                      'subdivision = ""']),
    (f'[holidays.groups]\n"{GROUP}" = "GB-XX"\n', [f"onetoone.toml:2: [holidays.groups] {GROUP}",
                                                 "not a region of GB"]),
    ('[holidays.groups]\nscots = "GB-SCT"\n', ["[holidays.groups] scots", "Object ID"]),
    ('[holidays.people]\n"ann@x.example" = "Narnia"\n', ["[holidays.people] ann@x.example",
                                                         '"Narnia"', "country"]),
    ('[holidays.people]\nann = "GB"\n', ["[holidays.people] ann", "email"]),
], ids=["country", "subdivision", "default-subdivision-of-other-country", "group-code",
        "group-id", "person-code", "person-email"])
def test_bad_holiday_settings_name_the_key(tmp_path: Path, text: str, expected: list[str]
                                           ) -> None:
    """Unknown countries, regions, group ids and emails are refused, naming key and line."""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env={})
    for part in expected:
        assert part in str(info.value)


# -- the job through the sandbox --------------------------------------------------------------

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday
DAYS = 56
MIA, ROB, OLA = "mia@contoso.example", "rob@contoso.example", "ola@contoso.example"
ZED, YAN, KIM, LEA = ("zed@contoso.example", "yan@contoso.example", "kim@contoso.example",
                      "lea@contoso.example")


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def org() -> SandboxTenant:
    """Three London managers, weekly Friday 1-2-1s: Mia (Rob, Ola), Zed (Yan), Kim (Lea)."""
    t = SandboxTenant(seed="absences", now=lambda: START)
    for boss, reports in ((MIA, (ROB, OLA)), (ZED, (YAN,)), (KIM, (LEA,))):
        who = t.add_user(boss.split("@")[0].title() + " Boss", boss, hire_date=date(2020, 1, 1))
        for r in reports:
            t.add_user(r.split("@")[0].title() + " Report", r, manager=who,
                       hire_date=date(2021, 1, 1))
    return t


def settings_at(tmp: Path, db: str, **holidays: object):
    s = make_settings(tmp, db, default_cadence=CadenceKind.WEEKLY, weekdays=("friday",))
    return dataclasses.replace(s, holidays=dataclasses.replace(s.holidays, **holidays))


def rob_booked(tmp: Path, name: str) -> tuple[Any, SandboxTenant, Store, Any]:
    """(settings, tenant, store, Rob's pair) once the first tick booked the org's series."""
    db = f"sqlite:///{tmp / name}"
    settings = settings_at(tmp, db)
    tenant = org()
    store = Store(make_engine(db))
    run_tick(settings, tenant, START)
    rob = next(v for v in store.views() if v.report.email == ROB)
    assert rob.series is not None and rob.series.event_id is not None
    return settings, tenant, store, rob


def run_tick(settings, tenant: SandboxTenant, now: datetime) -> None:
    tenant.now = lambda: now

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            report = await tick(ctx, now, sync=now == START)
            assert report.schedule.failed == [] and report.agenda.failed == []

    asyncio.run(go())


@dataclass
class Sim:
    store: Store
    tenant: SandboxTenant
    settings: object
    moved_logs: list[dict[str, object]] = field(default_factory=list)  # absences.moved records

    def rows(self, email: str) -> list[OccurrenceRecord]:
        view = next(v for v in self.store.views() if v.report.email == email)
        return self.store.pairing_occurrences(view.pairing.id)

    def row(self, email: str, original: date) -> OccurrenceRecord:
        return next(o for o in self.rows(email)
                    if o.original_start.astimezone(LONDON).date() == original)

    def patches(self, event_id: str) -> int:
        return sum(1 for m, p, _ in self.tenant.requests
                   if m == "PATCH" and p.endswith("/events/" + event_id))

    def outbox(self) -> list[MailRecord]:
        return self.store.outbox()


def simulate(tmp: Path) -> Sim:
    db = f"sqlite:///{tmp / 'absences.db'}"
    settings = settings_at(tmp, db)
    tenant = org()
    store = Store(make_engine(db))
    sim = Sim(store, tenant, settings)

    class Moved(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "absences.moved":
                sim.moved_logs.append(dict(record.__dict__))

    handler, logger = Moved(), logging.getLogger("service.jobs.absences")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        _walk(sim, settings, tenant)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return sim


def _walk(sim: Sim, settings: Any, tenant: SandboxTenant) -> None:
    for step in range(DAYS * 2):
        now = START + timedelta(hours=12 * step)
        if step == 14:  # a week in: leave and busy time booked after the series exist
            tenant.add_absence(OLA, date(2026, 12, 14), date(2026, 12, 18))
            tenant.add_absence(LEA, date(2027, 1, 4), date(2027, 1, 22))
            for day in range(21, 32):
                d = date(2026, 12, day)
                if d.weekday() < 5:
                    tenant.add_event(ZED, "Year-end close", at(d, "08:00"), at(d, "18:00"))
        run_tick(settings, tenant, now)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    return simulate(tmp_path_factory.mktemp("absences"))


def graph_start(sim: Sim, occ: OccurrenceRecord) -> datetime:
    """Where the organizer's Outlook shows the occurrence now."""
    series = sim.store.series(occ.series_id)
    assert series is not None
    owner = sim.tenant.user(series.mailbox)["id"]
    master, view, _ = cal.find_event(sim.tenant, owner, occ.event_id)
    return parse_graph_datetime((view or master)["start"])


def before_christmas_check(settings, tenant) -> datetime:
    """Runs every 12 h up to Tue 22 Dec 18:00 (nothing for the 25th checked yet); the
    instant of the next run, Wed 23 Dec 06:00, which checks it (the tenant's clock set)."""
    for step in range(0, 44):
        run_tick(settings, tenant, START + timedelta(hours=12 * step))
    now = datetime(2026, 12, 23, 6, 0, tzinfo=UTC)
    tenant.now = lambda: now
    return now


def absences_at(settings, tenant, now: datetime) -> AbsenceReport:
    """The occurrences synced and the absence check run, as of ``now``."""
    async def go() -> AbsenceReport:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, now)
            return await check_absences(ctx, now)

    return asyncio.run(go())


def test_bank_holiday_moves_once_before_its_agenda(sim: Sim) -> None:
    """Christmas Day moves to Thursday 24th at the same time: one PATCH, then the agenda."""
    occ = sim.row(ROB, date(2026, 12, 25))
    assert occ.absence_state == "moved" and occ.status in ("moved", "held_no_notes")
    assert occ.moved_reason == "bank holiday: Christmas Day (England)"
    assert occ.start.astimezone(LONDON).date() == date(2026, 12, 24)
    assert occ.start.astimezone(LONDON).time() == occ.original_start.astimezone(LONDON).time()
    assert occ.original_start.astimezone(LONDON).date() == date(2026, 12, 25)
    # Two organizer updates in all: the move, then the agenda written for the new time.
    assert sim.patches(occ.event_id) == 2 and occ.agenda_state == "injected"
    assert "Thursday 24 December 2026" in sim.tenant.person_body(MIA, occ.event_id)
    assert graph_start(sim, occ) == occ.start  # Outlook shows it where the row says
    assert occ.captured_at is not None  # capture read it after its new end


def test_new_years_day_moves_too(sim: Sim) -> None:
    """1 Jan 2027 moves within its week for every pair whose manager is free."""
    for email in (ROB, OLA, YAN):
        occ = sim.row(email, date(2027, 1, 1))
        assert occ.absence_state == "moved" and "New Year" in (occ.moved_reason or ""), email
        assert date(2026, 12, 29) <= occ.start.astimezone(LONDON).date() <= date(2027, 1, 6)


def test_leave_booked_after_the_series_moves_the_meeting(sim: Sim) -> None:
    """Ola's week of leave (booked later) moves her Friday to Monday 21st, with one PATCH."""
    occ = sim.row(OLA, date(2026, 12, 18))
    assert occ.absence_state == "moved" and occ.moved_reason == "out of office: Ola Report"
    assert occ.start.astimezone(LONDON).date() == date(2026, 12, 21)
    assert sim.patches(occ.event_id) == 2 and occ.agenda_state == "injected"
    assert "Monday 21 December 2026" in sim.tenant.person_body(MIA, occ.event_id)


def test_a_move_is_logged_without_who_is_away(sim: Sim) -> None:
    """The reason a meeting moved names who is away ("out of office: Ola Report"): it goes
    to the pair, not to the log, which says only the role."""
    assert sim.moved_logs
    for record in sim.moved_logs:
        assert record["absent"] in ("manager", "report", None)
        assert not any("Ola" in str(value) or "out of office" in str(value)
                       for value in record.values())


def test_moves_never_double_book_the_manager(sim: Sim) -> None:
    """Rob's and Ola's moved meetings (same manager) never overlap each other."""
    mine = [o for e in (ROB, OLA) for o in sim.rows(e) if o.status != "cancelled"]
    for a in mine:
        for b in mine:
            if a.id < b.id:
                assert not (a.start < b.end and b.start < a.end), (a.start, b.start)


def test_no_free_slot_leaves_it_and_mails_the_manager_once(sim: Sim) -> None:
    """Zed is busy all week: Yan's Christmas Day meeting stays; Zed gets one mail, only.
    Christmas Day is a holiday for both of them, so nobody could hold it: it is skipped (no
    agenda, no "no notes" reminder), the mail says they are both away."""
    occ = sim.row(YAN, date(2026, 12, 25))
    assert occ.absence_state == "skipped" and occ.start == occ.original_start
    assert sim.patches(occ.event_id) == 0  # no agenda either
    mails = [m for m in sim.outbox() if m.kind == "absence_both_away"]
    assert len(mails) == 1 and mails[0].status == "sent"
    assert mails[0].recipients == f"Zed Boss <{ZED}>" and mails[0].cc == ()
    assert "Friday 25 Dec 2026" in mails[0].body_html
    inbox = [m for m in sim.tenant.messages(ZED) if "you're both away" in m["subject"]]
    assert len(inbox) == 1
    assert not [m for m in sim.tenant.messages(YAN) if "both away" in m["subject"]]
    assert [m.status for m in sim.outbox()
            if m.kind == "reminder" and m.occurrence_id == occ.id] == ["suppressed"]


def test_no_slot_twice_is_still_one_mail(sim: Sim) -> None:
    """Checking the same meeting again (state forgotten) queues nothing new."""
    occ = sim.row(YAN, date(2026, 12, 25))
    before = len(sim.outbox())
    now = occ.start - timedelta(days=2)
    kept = (occ.status, occ.agenda_state)
    sim.store.update_occurrence(occ.id, now, absence_checked_at=None, agenda_state="pending",
                                status="scheduled")
    try:
        async def go() -> None:
            async with job_context(sim.settings, now, sandbox=sim.tenant) as ctx:
                first = await check_absences(ctx, now)
                second = await check_absences(ctx, now)
                assert len(first.skipped) == 1 and second.skipped == []
        asyncio.run(go())
    finally:
        sim.store.update_occurrence(occ.id, now, status=kept[0], agenda_state=kept[1])
    assert len(sim.outbox()) == before


def test_long_absence_skips_without_a_mail_storm(sim: Sim) -> None:
    """Lea's three weeks away: her three Fridays are skipped, unmoved; Kim gets one note."""
    skipped = [sim.row(LEA, date(2027, 1, d)) for d in (8, 15, 22)]
    for occ in skipped:
        assert occ.absence_state == "skipped" and occ.start == occ.original_start
        assert sim.patches(occ.event_id) == 0  # not moved, and no agenda update either
        assert occ.agenda_state == "skipped"
    notes = [m for m in sim.outbox() if m.kind == "absence_long"]
    assert len(notes) == 1 and notes[0].recipients == f"Kim Boss <{KIM}>"
    assert "4 Jan 2027" in notes[0].body_html and "22 Jan 2027" in notes[0].body_html
    ids = {o.id for o in skipped}
    reminders = [m for m in sim.outbox() if m.kind == "reminder" and m.occurrence_id in ids]
    assert reminders and all(m.status == "suppressed" for m in reminders)
    per_meeting = [m for m in sim.outbox() if m.occurrence_id in ids and m.status != "suppressed"
                   and m.kind.startswith(("absence", "reminder"))]
    assert len(per_meeting) == 1  # the one note (it names the first skipped meeting)


def test_sync_never_undoes_a_move(sim: Sim) -> None:
    """Every moved row's start is what Outlook lists for that occurrence."""
    moved = [o for e in (ROB, OLA, YAN) for o in sim.rows(e) if o.absence_state == "moved"]
    assert len(moved) >= 5
    for occ in moved:
        assert graph_start(sim, occ) == occ.start


def test_check_costs_one_getschedule_and_one_patch_per_move(tmp_path: Path) -> None:
    """With three managers due (four Christmas meetings): one getSchedule for all of them
    (seven addresses, one window), one PATCH per move; a rerun at the same instant costs
    nothing."""
    db = f"sqlite:///{tmp_path / 'cost.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    now = before_christmas_check(settings, tenant)

    async def go() -> tuple[int, int, int, int]:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, now)
            tenant.reset_counters()
            first = await check_absences(ctx, now)
            n_first = len(tenant.requests)
            batches = tenant.count("POST", r"^/\$batch$")
            calls = tenant.count("POST", r"/getSchedule$")
            patches = tenant.count("PATCH")
            tenant.reset_counters()
            again = await check_absences(ctx, now)
            assert again.checked == 0 and again.moved == []
            assert len(first.moved) == 4 and first.no_slot == first.failed == []
            return n_first, batches + calls, patches, len(tenant.requests)

    n_first, calls, patches, n_again = asyncio.run(go())
    # requests logged: the one getSchedule (no $batch for one call) and 4 PATCHes
    assert (calls, patches, n_first, n_again) == (1, 4, 5, 0)


def test_killed_mid_move_is_finished_not_repeated(tmp_path: Path, db_url: str) -> None:
    """Killed after the PATCH but before recording it, a rerun reads the event and records
    the move: still exactly one PATCH (SQLite and PostgreSQL)."""
    db = db_url
    settings = settings_at(tmp_path, db)
    tenant = org()
    now = before_christmas_check(settings, tenant)
    store = Store(make_engine(db))

    async def killed() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, now)
            original = ctx.store.update_occurrence

            def die_on_moved(occurrence_id: int, when: datetime, **fields: object) -> None:
                if fields.get("absence_state") == "moved":
                    raise KeyboardInterrupt  # the process dies right after the PATCH
                original(occurrence_id, when, **fields)

            ctx.store.update_occurrence = die_on_moved  # type: ignore[method-assign]
            with pytest.raises(KeyboardInterrupt):
                await check_absences(ctx, now)

    asyncio.run(killed())
    rob = next(v for v in store.views() if v.report.email == ROB)
    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25))
    assert occ.absence_state == "moving"
    patches_then = sum(1 for m, p, _ in tenant.requests
                       if m == "PATCH" and p.endswith("/events/" + occ.event_id))
    assert patches_then == 1
    run_tick(settings, tenant, now + timedelta(hours=1))
    occ = store.occurrence(occ.id)
    assert occ is not None and occ.absence_state == "moved" and occ.status == "moved"
    assert occ.start.astimezone(LONDON).date() == date(2026, 12, 24)
    moves = sum(1 for m, p, _ in tenant.requests
                if m == "PATCH" and p.endswith("/events/" + occ.event_id))
    assert moves == 2  # the one move, then the agenda: no second move


def test_scottish_group_holiday_moves_only_their_meeting(tmp_path: Path) -> None:
    """Monday 4 Jan 2027 is a holiday in Scotland only: the report in the Scottish group
    has theirs moved (reason says Scotland); the English report's stays."""
    db = f"sqlite:///{tmp_path / 'scot.db'}"
    start = datetime(2026, 12, 29, 6, 0, tzinfo=UTC)
    tenant = SandboxTenant(seed="scots", now=lambda: start)
    boss = tenant.add_user("Mia Boss", MIA, hire_date=date(2020, 1, 1))
    scots = tenant.add_group("Scotland staff")
    tenant.add_user("Sco Report", "sco@contoso.example", manager=boss, groups=[scots["id"]],
                    hire_date=date(2021, 1, 1))
    tenant.add_user("Eng Report", "eng@contoso.example", manager=boss, hire_date=date(2021, 1, 1))
    settings = dataclasses.replace(
        make_settings(tmp_path, db, default_cadence=CadenceKind.WEEKLY, weekdays=("monday",)),
        holidays=HolidaySettings(groups=((scots["id"], "GB-SCT"),)))
    for step in range(0, 20):
        now = start + timedelta(hours=12 * step)
        tenant.now = lambda now=now: now

        async def go(now: datetime = now, sync: bool = step == 0) -> None:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                await tick(ctx, now, sync=sync)

        asyncio.run(go())
    store = Store(make_engine(db))
    got = {}
    for view in store.views():
        for occ in store.pairing_occurrences(view.pairing.id):
            if occ.original_start.astimezone(LONDON).date() == date(2027, 1, 4):
                got[view.report.email] = occ
    sco, eng = got["sco@contoso.example"], got["eng@contoso.example"]
    assert sco.absence_state == "moved"
    assert sco.moved_reason == "bank holiday: New Year Holiday (observed) (Scotland)"
    assert sco.start.astimezone(LONDON).date() == date(2027, 1, 5)
    assert eng.start == eng.original_start and eng.absence_state == "clear"


def test_mail_templates_escape_names_and_reasons() -> None:
    """Display names and reasons are text in both absence mails, never markup."""
    from service.render import render

    values = {"manager_first": "Kim", "report_name": "<b>Lea</b>", "when": "Friday",
              "reason": "out of office: <script>x</script>", "window": "1 – 8 Jan",
              "absent_name": "<img src=x>", "first": "4 Jan", "last": "22 Jan",
              "working_days": 15, "open_after": False, "manager_away": False}
    for name in ("absence_no_slot.html.j2", "absence_long.html.j2", "absence_both_away.html.j2"):
        html = render(name, a=values)
        assert "<b>Lea</b>" not in html and "<script>" not in html and "<img" not in html
        assert "&lt;b&gt;Lea&lt;/b&gt;" in html


def test_withdrawn_leave_gives_the_meeting_its_agenda_back(tmp_path: Path) -> None:
    """A meeting skipped for a long absence gets its agenda after all when the leave is
    cancelled before the agenda would have gone in."""
    db = f"sqlite:///{tmp_path / 'withdrawn.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    leave_event = tenant.add_absence(LEA, date(2027, 1, 4), date(2027, 1, 22))
    store = Store(make_engine(db))
    step_now = START
    while step_now <= datetime(2027, 1, 6, 6, 0, tzinfo=UTC):
        run_tick(settings, tenant, step_now)
        step_now += timedelta(hours=12)
    lea = next(v for v in store.views() if v.report.email == LEA)
    occ = next(o for o in store.pairing_occurrences(lea.pairing.id)
               if o.original_start.astimezone(LONDON).date() == date(2027, 1, 8))
    assert (occ.absence_state, occ.agenda_state) == ("skipped", "skipped")
    cal.delete_event(tenant, tenant.user(LEA)["id"], leave_event["id"])
    now = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)
    store.update_occurrence(occ.id, now, absence_checked_at=None)  # as if checked early
    run_tick(settings, tenant, now)
    occ = store.occurrence(occ.id)
    assert occ is not None and occ.absence_state == "clear"
    assert occ.agenda_state == "injected" and occ.start == occ.original_start
    # The "no notes" reminder held back for the skipped meeting may be sent after all.
    assert not store.has_mail(f"{occ.id}:reminder")


def test_a_pair_leased_by_another_worker_is_left_to_it(tmp_path: Path) -> None:
    """The pairs due are leased a chunk at a time: one another worker holds is not checked
    (it or the next run will), the others are, and every lease this run took is let go."""
    db = f"sqlite:///{tmp_path / 'lease.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    now = before_christmas_check(settings, tenant)
    store = Store(make_engine(db))
    rob = next(v for v in store.views() if v.report.email == ROB)
    assert store.claim(rob.pairing.id, "another-host:1", now, timedelta(minutes=10))

    report = absences_at(settings, tenant, now)
    assert len(report.moved) == 3 and not any("Rob" in m for m in report.moved)
    christmas = next(o for o in store.pairing_occurrences(rob.pairing.id)
                     if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25))
    assert christmas.absence_state is None and christmas.start == christmas.original_start
    others = [v.pairing.id for v in store.views() if v.pairing.id != rob.pairing.id]
    assert store.claim_many(others, "another-host:2", now, timedelta(minutes=1)) == set(others)
    assert not store.claim(rob.pairing.id, "another-host:3", now, timedelta(minutes=1))


def test_no_slot_mail_reads_from_to_and_speaks_to_an_absent_manager() -> None:
    """The window reads "from … to …"; the mail goes to the manager only, so when the
    manager is the one away it says "you're out of office", not their own name."""
    from service.render import render

    values = {"manager_first": "Priya", "report_name": "Grace Miller", "when": "Friday",
              "reason": "out of office: Priya Sharma", "window": "10 Dec 2026 – 18 Dec 2026",
              "absent_name": "", "first": "", "last": "", "working_days": 0,
              "manager_away": True}
    html = render("absence_no_slot.html.j2", a=values)
    assert "No time from 10 Dec 2026 to 18 Dec 2026 is free" in html
    assert "you're out of office" in html and "Priya Sharma" not in html
    assert "between" not in html and 'lang="en"' in html
    html = render("absence_no_slot.html.j2", a={**values, "manager_away": False,
                                                "reason": "out of office: Grace Miller"})
    assert "one of you can't meet (out of office: Grace Miller)" in html
    assert "you're out of office" not in html
