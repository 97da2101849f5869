"""Due dates typed as numbers follow the manager's Outlook date format (mailboxSettings'
dateFormat, read with the mailbox settings the pairs sync reads anyway): a US manager's
"by 1/2/2027" is 2 January, and the report is mailed that. A meeting keeps the order its
notes were first read in, so a format learnt after that re-dates none of its actions.
SQLite (and PostgreSQL for the migration)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from service.app import job_context
from service.domain.records import PersonUpdate
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, person_types
from tests.integration.test_capture_edits import next_read
from tests.integration.test_directory_delta import NOW
from tests.integration.test_mailbox_settings_reads import (
    _failing_schedule,
    _settings_reads,
    _stored,
    _tick,
)
from tests.support.old_rows import insert_old_pair, migrate_to

MIA, ROB = "mia@contoso.example", "rob@contoso.example"
US = "M/d/yyyy"


class UsManager:
    """Rob's first 1-2-1 with Mia, who reports to the CEO (so the pairs sync reads her
    mailbox settings, for what the mailbox is for) and whose Outlook writes dates
    ``date_format``; up to just before its notes are read back."""

    def __init__(self, settings: Any, date_format: str = US) -> None:
        self.settings = settings
        self.tenant = SandboxTenant(seed="date-order", now=lambda: START)
        self.tenant.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
        self.tenant.add_user("Mia Manager", MIA, manager="ceo@contoso.example",
                             hire_date=date(2020, 1, 1), date_format=date_format,
                             time_zone="Eastern Standard Time")
        self.tenant.add_user("Rob Report", ROB, manager=MIA, hire_date=date(2021, 3, 1),
                             time_zone="Eastern Standard Time")
        self.store = Store(make_engine(settings.database.url))
        self.at(START)
        self.view = next(v for v in self.store.views() if v.report.email == ROB)
        self.at(START + timedelta(days=5))  # the first agendas are in
        self.occ = self.store.pairing_occurrences(self.view.pairing.id)[0]

    def at(self, now: datetime) -> Any:
        self.tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def after_meeting(self, hours: float = 1) -> Any:
        return self.at(self.occ.end + timedelta(hours=hours))

    def actions(self) -> list[tuple[str, date | None, str]]:
        return [(a.text, a.due, a.status) for a in self.store.actions(self.view.pairing.id)]

    def summary(self) -> str:
        (mail,) = [m for m in self.tenant.messages(ROB)
                   if m["subject"].startswith("1-2-1 notes:")]
        return str(mail["body"]["content"])


def test_a_us_managers_numeric_dates_are_month_first(tmp_path, settings_for) -> None:
    """Mia's Outlook writes M/d/yyyy: "by 1/2/2027" is 2 January 2027 (not 1 February),
    "by 12/15/2026" 15 December, and Rob's summary says so in words."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'us.db'}"))
    assert scenario.store.people([scenario.view.manager.id])[
        scenario.view.manager.id].date_format == US
    person_types(scenario.tenant, scenario.occ, [],
                 ["Rob: renew the badge by 1/2/2027", "Mia: send the deck by 12/15/2026",
                  "Rob: book the room by 2026-12-11"], tick_all=False)
    scenario.after_meeting()
    assert scenario.actions() == [
        ("renew the badge", date(2027, 1, 2), "open"),
        ("send the deck", date(2026, 12, 15), "open"),
        ("book the room", date(2026, 12, 11), "open"),
    ]
    body = scenario.summary()
    assert "2 Jan 2027" in body and "15 Dec 2026" in body and "1 Feb 2027" not in body


def test_a_uk_managers_numeric_dates_stay_day_first(tmp_path, settings_for) -> None:
    """dd/MM/yyyy (and any format not month first) reads "1/2/2027" as 1 February."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'uk.db'}"),
                         date_format="dd/MM/yyyy")
    person_types(scenario.tenant, scenario.occ, [], ["Rob: renew the badge by 1/2/2027"],
                 tick_all=False)
    scenario.after_meeting()
    assert scenario.actions() == [("renew the badge", date(2027, 2, 1), "open")]


def test_a_format_learnt_after_the_first_read_re_dates_nothing(tmp_path,
                                                               settings_for) -> None:
    """Mia's notes are first read while her Outlook writes dates day first; she changes it
    to month first after that; an edit she makes later is read day first too, so the
    action read the first time stays as it was, not withdrawn and added again with another
    date."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'later.db'}",
                                      default_cadence="weekly"), date_format="dd/MM/yyyy")
    mia = scenario.view.manager
    person_types(scenario.tenant, scenario.occ, [], ["Rob: renew the badge by 1/2/2027"],
                 tick_all=False)
    scenario.after_meeting()
    first = scenario.actions()
    assert first == [("renew the badge", date(2027, 2, 1), "open")]
    # Her mailbox settings read again (a directory change): now month first is known.
    scenario.store.upsert_people([PersonUpdate(
        id=mia.id, email=mia.email, name=mia.name, hired_at=mia.hired_at,
        manages_others=True, given_name=mia.given_name, date_format=US)],
        scenario.occ.end + timedelta(hours=2))
    assert scenario.store.people([mia.id])[mia.id].date_format == US
    person_types(scenario.tenant, scenario.occ, ["Went well"], [], tick_all=False)
    scenario.after_meeting(hours=next_read(scenario))  # the day-after read
    assert scenario.store.notes(scenario.occ.id)  # the edit was read
    assert scenario.actions() == first


def test_the_schedule_steps_read_keeps_the_format_too(db_url: str, settings_for: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A manager with no manager of their own is not read in the pairs step; when Graph
    cannot tell their free/busy, the schedule step reads their mailbox settings (as it
    did, one read), and keeps the date format with the hours. When free/busy can tell, no
    read is made, and their format stays unknown (day first)."""
    tenant = SandboxTenant(seed="date-order-top", now=lambda: NOW)
    tenant.add_user("Tia Top", "tia@contoso.example", hire_date=date(2015, 1, 1),
                    date_format=US)
    tenant.add_user("Ula Top", "ula@contoso.example", hire_date=date(2015, 1, 1),
                    date_format=US)
    for boss in ("tia", "ula"):
        tenant.add_user(f"{boss.title()} Report", f"{boss}.report@contoso.example",
                        manager=f"{boss}@contoso.example", hire_date=date(2021, 1, 1))
    _failing_schedule(monkeypatch, "tia@contoso.example")
    requests = _tick(settings_for(db_url), tenant, NOW)
    assert _settings_reads(requests) == [tenant.user("tia@contoso.example")["id"]]
    assert _stored(db_url, tenant, "tia@contoso.example").date_format == US
    assert _stored(db_url, tenant, "ula@contoso.example").date_format is None


def test_migration_0029_keeps_meetings_read_before_day_first(empty_db_url: str) -> None:
    """Of a database at 0028: a meeting whose notes were read keeps day/month (and nothing
    the other way round) for its re-reads; one not read yet takes its manager's format,
    which no one has until their mailbox settings are read again."""
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0028")
    with engine.begin() as conn:
        pid = insert_old_pair(conn, now)
        conn.execute(text(
            "INSERT INTO series (pairing_id, mailbox, transaction_id, status, cadence, minutes,"
            " weekday, start_time, time_zone, first_date, range_end, online, slot_note,"
            " created_at, updated_at) VALUES (:p, 'm', 't', 'active', 'monthly', 30, 1,"
            " '10:00', 'UTC', '2026-12-01', '2027-06-01', false, '', :t, :t)"),
            {"p": pid, "t": now})
        sid = conn.execute(text("SELECT id FROM series")).scalar_one()
        for n, (event, captured) in enumerate((("read", "fp"), ("not-read", None))):
            at = now + timedelta(weeks=4 * n)
            conn.execute(text(
                "INSERT INTO occurrences (series_id, event_id, original_start, start, \"end\","
                " status, updated_at, meeting_number, agenda_state, agenda_updates,"
                " agenda_topics, covers_development, captured_fingerprint) VALUES (:s, :e, :t,"
                " :t, :t, 'held', :t, 1, 'injected', 1, '', false, :c)"),
                {"s": sid, "e": event, "t": at, "c": captured})
    assert upgrade(engine)[0] == "0028"
    with engine.connect() as conn:
        orders = {event: order for event, order in conn.execute(text(
            "SELECT event_id, notes_date_order FROM occurrences"))}
        formats = conn.execute(text("SELECT date_format FROM people")).scalars().all()
    assert orders == {"read": "day-first-only", "not-read": None}
    assert formats == [None, None]


def _format_unknown(scenario: UsManager) -> None:
    """As for a manager at the top of a chart, or one read before migration 0029."""
    with scenario.store.engine.begin() as conn:
        conn.execute(text("UPDATE people SET date_format = NULL WHERE id = :i"),
                     {"i": scenario.view.manager.id})


def test_an_unknown_format_is_read_when_the_notes_need_it(tmp_path, settings_for) -> None:
    """Mia's format is not known when her notes hold "by 1/2/2027", which reads otherwise
    day first and month first: her mailbox settings are read then (one request), her
    format kept, and the date read month first, as her Outlook writes it."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'lazy.db'}"))
    _format_unknown(scenario)
    person_types(scenario.tenant, scenario.occ, [], ["Rob: renew the badge by 1/2/2027"],
                 tick_all=False)
    scenario.tenant.reset_counters()
    scenario.after_meeting()
    mia = scenario.view.manager.id
    assert [who for method, path, who in scenario.tenant.requests
            if path.endswith("/mailboxSettings")] == [mia]
    assert scenario.store.people([mia])[mia].date_format == US
    assert scenario.actions() == [("renew the badge", date(2027, 1, 2), "open")]


def test_an_unknown_format_is_not_read_for_notes_that_read_the_same(tmp_path,
                                                                   settings_for) -> None:
    """Notes whose dates read the same either way ("by 12/15", "by 2026-12-11", none) cost
    no read of the manager's settings, and the meeting keeps no order: an edit adding
    "by 1/2/2027" later is read in the format then read."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'same.db'}",
                                      default_cadence="weekly"))
    _format_unknown(scenario)
    person_types(scenario.tenant, scenario.occ, [],
                 ["Rob: book the room by 12/15/2026", "Mia: call IT by 2026-12-11"],
                 tick_all=False)
    scenario.tenant.reset_counters()
    scenario.after_meeting()
    assert not [p for _m, p, _w in scenario.tenant.requests if p.endswith("/mailboxSettings")]
    (occ,) = [o for o in scenario.store.pairing_occurrences(scenario.view.pairing.id)
              if o.id == scenario.occ.id]
    assert occ.notes_date_order is None
    assert sorted(scenario.actions()) == [("book the room", date(2026, 12, 15), "open"),
                                          ("call IT", date(2026, 12, 11), "open")]
    person_types(scenario.tenant, scenario.occ, [], ["Rob: renew the badge by 1/2/2027"],
                 tick_all=False)
    scenario.after_meeting(hours=next_read(scenario))  # the day-after read
    assert ("renew the badge", date(2027, 1, 2), "open") in scenario.actions()
    assert ("book the room", date(2026, 12, 15), "open") in scenario.actions()


def test_a_format_read_failed_for_now_leaves_the_notes_for_the_next_run(
        tmp_path, settings_for) -> None:
    """The read of Mia's unknown format fails only for now (Graph answers 503 until its
    retries run out): her notes are not read in an order that may be wrong and kept so, but
    left for the next run, which reads her format and the date month first."""
    scenario = UsManager(settings_for(f"sqlite:///{tmp_path / 'later503.db'}",
                                      default_cadence="weekly"))
    _format_unknown(scenario)
    person_types(scenario.tenant, scenario.occ, [], ["Rob: renew the badge by 1/2/2027"],
                 tick_all=False)
    scenario.tenant.inject_fault("GET", r"/mailboxSettings", 503, times=50)
    scenario.after_meeting()
    assert scenario.actions() == []
    assert scenario.store.occurrence(scenario.occ.id).notes_date_order is None
    scenario.tenant.reset_counters()  # Graph answers again
    scenario.after_meeting(hours=2)
    mia = scenario.view.manager.id
    assert scenario.actions() == [("renew the badge", date(2027, 1, 2), "open")]
    assert scenario.store.people([mia])[mia].date_format == US
