"""HR insight and evidence (issue 13): five simulated months through the sandbox, then the
report's figures are checked against a count made from the sandbox's own calendars (not
from the store the report reads); evidence and retention are checked on the same run."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import stat
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.app import job_context
from service.cli import cli
from service.domain import recurrence as rec
from service.domain.timezones import to_iana
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import local_bounds, occurrence_id, occurrence_view
from service.sandbox.wire import iso_utc
from service.store.db import make_engine
from service.store.models import (
    ActionRow,
    NoteRow,
    NoteVersionRow,
    OccurrenceRow,
    OutboxRow,
    TopicRow,
)
from service.store.repo import Store
from tests.conftest import make_settings

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
# 21 weeks (it was 26): ten or more fortnightly meetings a pair, enough for each kind to
# happen (Nia's 3rd and 4th cancelled, Rob's 5th moved and his 3rd, 6th and 9th without
# notes, Ola's 2nd declined and her last two, in the period's last 30 days), and meetings
# either side of both retention cut-offs (three months and one before --now).
DAYS = 147
LEA, MIA = "lea@contoso.example", "mia@contoso.example"
ROB, NIA, OLA = "rob@contoso.example", "nia@contoso.example", "ola@contoso.example"
MARK = "Discussed item"  # typed into every note: how the count recognises a held meeting


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def org() -> SandboxTenant:
    t = SandboxTenant(seed="report", now=lambda: START)
    lea = t.add_user("Lea Leader", LEA, hire_date=date(2019, 1, 1))
    mia = t.add_user("Mia Manager", MIA, manager=lea, hire_date=date(2020, 1, 1))
    for name, email in (("Rob Report", ROB), ("Nia York", NIA), ("Ola Olsen", OLA)):
        t.add_user(name, email, manager=mia, hire_date=date(2021, 3, 1))
    return t


@dataclass
class Run:
    tmp: Path
    db: str
    settings: Any
    tenant: SandboxTenant
    store: Store
    end: datetime
    typed: dict[str, list[str]] = field(default_factory=dict)  # occurrence id -> notes
    actions: dict[str, int] = field(default_factory=dict)  # report email -> lines typed


def masters(tenant: SandboxTenant, organizer: str) -> list[dict[str, Any]]:
    return [e for e in tenant.state["events"][tenant.user(organizer)["id"]].values()
            if e.get("recurrence") and e.get("isOrganizer", True)]  # not attendees' copies


def report_of(master: dict[str, Any]) -> str:
    return next(a["emailAddress"]["address"].lower() for a in master["attendees"])


def originals(master: dict[str, Any], lo: datetime, hi: datetime) -> list[datetime]:
    """Every planned start of a series (cancelled ones too), from the sandbox's own state."""
    local_start, local_end = local_bounds(master)
    return [begin for begin, _ in rec.expand(master["recurrence"], local_start, local_end,
                                             lo, hi)]


def _when(view: dict[str, Any], key: str) -> datetime:
    """An occurrence's start or end as an instant (the view gives it in its own zone)."""
    zone = ZoneInfo(to_iana(view[key].get("timeZone") or "UTC"))
    local = datetime.fromisoformat(view[key]["dateTime"][:19]).replace(tzinfo=zone)
    return local.astimezone(UTC)


def type_notes(tenant: SandboxTenant, organizer: str, event_id: str, notes: list[str],
               actions: list[str]) -> None:
    """The manager types into the occurrence in Outlook, as people do."""
    html = tenant.person_body(organizer, event_id)

    def paras(lines: list[str]) -> str:
        return "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in lines)

    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + paras(notes), html)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras(actions),
                  html)
    tenant.person_edit_body(organizer, event_id, html)


def decline(tenant: SandboxTenant, master: dict[str, Any], original: datetime) -> None:
    """The report declines one occurrence (the organizer's copy shows their answer)."""
    email = report_of(master)
    exceptions = master.setdefault("_exceptions", {})
    exceptions.setdefault(iso_utc(original), {})["attendees"] = [
        {"emailAddress": {"address": email, "name": email}, "type": "required",
         "status": {"response": "declined", "time": "2026-11-24T09:00:00Z"}}]


def people_act(run: Run, now: datetime, done: set[str]) -> None:
    """What people do in Outlook between runs: by pair and meeting number."""
    t = run.tenant
    for organizer in (LEA, MIA):
        for master in masters(t, organizer):
            email = report_of(master)
            starts = originals(master, START - timedelta(days=1), run.end + timedelta(days=60))
            late = [s for s in starts if PERIOD_END - timedelta(days=30) < s < PERIOD_END]
            for i, original in enumerate(starts):
                eid = occurrence_id(master["id"], original)
                soon = timedelta(days=1) < original - now < timedelta(days=5)
                key = f"{eid}:{'pre' if soon else 'post'}"
                if key in done:
                    continue
                if soon:
                    if email == NIA and i in (2, 3):
                        t.person_cancel(organizer, eid, "Clash")
                    elif email == OLA and (i == 1 or original in late):
                        decline(t, master, original)
                    elif email == ROB and i == 4:
                        view = occurrence_view(master, original)
                        t.person_move(organizer, eid, _when(view, "start") + timedelta(days=1),
                                      _when(view, "end") + timedelta(days=1))
                    done.add(key)
                    continue
                view = occurrence_view(master, original)
                if iso_utc(original) in (master.get("_cancelled") or ()) or not (
                        _when(view, "end") < now < _when(view, "end") + timedelta(days=1)):
                    continue
                declined = any(a["status"]["response"] == "declined"
                               for a in view.get("attendees") or [])
                writes = {ROB: i % 3 != 2, NIA: True, OLA: i < 4, MIA: True}[email]
                if declined or not writes or 'id="onetoone-notes"' not in t.person_body(
                        organizer, eid):
                    done.add(key)
                    continue
                notes = [f"{MARK} {i} with {email}", "Workload fine"]
                actions = [f"Rob: draft part {i} by {original + timedelta(days=10):%d %b}"
                           ] if email == ROB else []
                type_notes(t, organizer, eid, notes, actions)
                run.typed[eid] = notes
                run.actions[email] = run.actions.get(email, 0) + len(actions)
                done.add(key)


def simulate(tmp: Path) -> Run:
    db = f"sqlite:///{tmp / 'report.db'}"
    settings = make_settings(tmp, db, default_cadence="fortnightly")
    tenant = org()
    run = Run(tmp, db, settings, tenant, Store(make_engine(db)), START + timedelta(days=DAYS))
    done: set[str] = set()
    # The rollout at 06:00, then a run a day at 18:00 (the directory synced every other
    # one). Every meeting here falls between 06:00 and 18:00 UTC, so each run that finds a
    # meeting a few days off (to move, cancel or decline it: before its agenda is due) or
    # just ended (to type its notes) is the one a run every 12 hours found it in: the same
    # occurrences, agendas, read-backs, mail and actions, stored alike, in half the runs.
    for step in range(DAYS + 1):
        now = START + (timedelta(hours=12) + timedelta(days=step - 1) if step else timedelta())
        tenant.now = lambda now=now: now

        async def go(now: datetime = now, sync: bool = step % 2 == 0) -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now, sync=sync)

        result = asyncio.run(go())
        assert result.schedule.failed == [] and result.capture.failed == []
        people_act(run, now, done)
    tenant.save(settings.microsoft.sandbox_state)
    return run


# Slow as a whole: every test here shares one simulated run (the module's fixture),
# so they are moved together (see tests/conftest.py).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("report"))


def invoke(run: Run, *args: str, **settings: str) -> Any:
    """The CLI against the run's database, as of the run's last instant; ``settings``:
    further ONETOONE_ variables (e.g. REPORT_MIN_GROUP_SIZE="4")."""
    env = {"ONETOONE_DATABASE_URL": run.db, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(run.settings.microsoft.sandbox_state),
           **{f"ONETOONE_{k}": v for k, v in settings.items()}}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


PERIOD = ("--from", f"{START:%Y-%m-%d}", "--to", "2027-04-15", "--now", "2027-04-18T06:00:00Z")
PERIOD_END = datetime(2027, 4, 15, tzinfo=UTC)


def sandbox_count(run: Run) -> dict[str, dict[str, int]]:
    """Per report: what the sandbox's calendars say happened in the period."""
    out: dict[str, dict[str, int]] = {}
    lo, hi = datetime.combine(START.date(), datetime.min.time(), UTC), PERIOD_END
    for organizer in (LEA, MIA):
        for master in masters(run.tenant, organizer):
            c = out.setdefault(report_of(master), dict.fromkeys(
                ("planned", "held", "held_no_notes", "moved", "cancelled", "declined"), 0))
            for original in originals(master, lo - timedelta(days=7), hi + timedelta(days=7)):
                view = occurrence_view(master, original)
                start = _when(view, "start")
                if not lo <= start < hi:
                    continue
                c["planned"] += 1
                if iso_utc(original) in (master.get("_cancelled") or ()):
                    c["cancelled"] += 1
                    continue
                c["moved"] += start != original
                if any(a["status"]["response"] == "declined"
                       for a in view.get("attendees") or []):
                    c["declined"] += 1
                    continue
                body = run.tenant.person_body(organizer, occurrence_id(master["id"], original))
                # In the Notes area itself: the next agenda's Last time recalls these words.
                area = re.search(r'id="onetoone-notes"[^>]*>(.*?)</td>', body, re.S)
                c["held" if area and MARK in area.group(1) else "held_no_notes"] += 1
    return out


def test_report_figures_match_the_sandbox_calendars(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "json"
    invoke(run, "report", *PERIOD, "--format", "json", "--out", str(out))
    data = json.loads((out / "report.json").read_text())
    by_report = {row["report_email"].lower(): row for row in data["pairs"]}
    expected = sandbox_count(run)
    assert set(by_report) == set(expected) == {MIA, ROB, NIA, OLA}
    for email, counts in expected.items():
        got = {k: by_report[email][k] for k in counts}
        assert got == counts, email
    # The script made each kind happen, so the comparison above means something.
    assert expected[NIA]["cancelled"] == 2 and expected[ROB]["moved"] == 1
    assert expected[OLA]["declined"] == 3 and expected[ROB]["held_no_notes"] >= 3
    assert by_report[ROB]["actions_opened"] == run.actions[ROB]
    # Ola has declined the last ones and no notes since the 4th: needs attention.
    attention = {a["report"]: a["why"] for a in data["attention"]}
    assert "missed" in attention["Ola Olsen"] and "no held 1-2-1" in attention["Ola Olsen"]
    assert "Nia York" not in attention
    total = data["total"]
    assert total["planned"] == sum(c["planned"] for c in expected.values())
    # Lea's group has 4 pairs: under the default minimum of 5 it is not broken down.
    assert data["groups"] == []


def test_report_site_csv_and_file_permissions(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site" / "hr"
    invoke(run, "report", *PERIOD, "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == [".onetoone-output", "groups.html",
                                                      "index.html", "managers.html",
                                                      "pairs.html"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for page in out.iterdir():
        assert stat.S_IMODE(page.stat().st_mode) == 0o600
        text = page.read_text()
        assert "<script" not in text and "http://" not in text.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
    index = (out / "index.html").read_text()
    assert "Ola Olsen" in index and "<svg" in index
    invoke(run, "report", *PERIOD, "--format", "csv", "--out", str(tmp_path / "csv"))
    pairs = (tmp_path / "csv" / "pairs.csv").read_text().splitlines()
    assert pairs[0].startswith("manager,manager_email,report,report_email,cadence")
    assert len(pairs) == 5


def test_smaller_minimum_shows_the_group(run: Run, tmp_path: Path) -> None:
    invoke(run, "report", *PERIOD, "--format", "json", "--out", str(tmp_path),
           REPORT_MIN_GROUP_SIZE="4")
    groups = json.loads((tmp_path / "report.json").read_text())["groups"]
    assert [g["group"] for g in groups] == ["under Lea Leader"] and groups[0]["pairs"] == 4


def _evidence(run: Run, tmp_path: Path, name: str, *extra: str) -> str:
    path = tmp_path / name
    invoke(run, "evidence", ROB, "--from", f"{START:%Y-%m-%d}", "--to", "2027-04-15",
           "--now", "2027-04-18T06:00:00Z", "--out", str(path), *extra)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return path.read_text() if name.endswith(".html") else path.read_bytes().decode("latin-1")


def test_evidence_private_notes_and_pdf(run: Run, tmp_path: Path) -> None:
    store = run.store
    rob = next(v for v in store.views() if v.report.email == ROB)
    held = next(o for o in store.pairing_occurrences(rob.pairing.id) if o.status == "held")
    store.add_note(rob.pairing.id, held.id, "Private: health matter", private=True,
                   now=held.end)
    plain = _evidence(run, tmp_path, "rob.html")
    assert "Private notes are NOT included" in plain and "health matter" not in plain
    assert f"{MARK} 0 with {ROB}" in plain  # as read back
    assert "Notes as first read 20" in plain  # each version, labelled with its time
    assert "Mailed (summary" in plain  # and as mailed
    assert "draft part 0" in plain and "agreed 20" in plain  # actions with their history
    full = _evidence(run, tmp_path, "rob-all.html", "--include-private")
    assert "Private notes ARE included" in full and "health matter" in full
    pdf = _evidence(run, tmp_path, "rob.pdf", "--pdf")
    assert pdf.startswith("%PDF")


def copy_db(run: Run, path: Path) -> Path:
    """A consistent copy of the run's database (its write-ahead log included)."""
    with sqlite3.connect(run.tmp / "report.db") as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return path


def test_retention_erases_exactly_what_is_older(run: Run, tmp_path: Path) -> None:
    """On a copy of the run: everything before the cut-off loses its words, nothing after
    does, and the report's meeting figures do not change."""
    copy = copy_db(run, tmp_path / "copy.db")
    before_report = tmp_path / "before"
    saved = run.db
    run.db = f"sqlite:///{copy}"
    try:
        invoke(run, "report", *PERIOD, "--format", "json", "--out", str(before_report))
        store = Store(make_engine(f"sqlite:///{copy}"))
        with store.session() as s:
            starts = {o.id: o.start for o in s.scalars(select(OccurrenceRow))}
            notes0 = {n.id: (n.text, n.occurrence_id) for n in s.scalars(select(NoteRow))}
            actions0 = {a.id: (a.text, a.raised_on) for a in s.scalars(select(ActionRow))}
            topics0 = {t.id: (t.text, t.raised_on) for t in s.scalars(select(TopicRow))}
            mail0 = {m.id: (m.body_html, m.created_at) for m in s.scalars(select(OutboxRow))}
            versions0 = {v.id: (v.notes, v.actions, v.occurrence_id)
                         for v in s.scalars(select(NoteVersionRow))}
        invoke(run, "retention", "--yes", "--now", "2027-04-18T06:00:00Z",
               PRIVACY_RETAIN_MONTHS="3")
        cutoff = datetime(2027, 1, 18, tzinfo=UTC)
        with store.session() as s:
            notes = {n.id: n.text for n in s.scalars(select(NoteRow))}
            actions = {a.id: a.text for a in s.scalars(select(ActionRow))}
            mail = {m.id: m.body_html for m in s.scalars(select(OutboxRow))}
            topics = {t.id: t.text for t in s.scalars(select(TopicRow))}
            versions = {v.id: (v.notes, v.actions) for v in s.scalars(select(NoteVersionRow))}
        assert notes0 and actions0 and mail0
        for i, (text, agreed, occ) in versions0.items():  # every version of an old meeting
            assert versions[i] == (("[erased]",) * 2 if starts[occ] < cutoff else (text, agreed))
        assert "[erased]" in {v[0] for v in versions.values()}
        assert {v[0] for v in versions.values()} - {"[erased]"}
        for i, (text, occ) in notes0.items():
            old = occ is not None and starts[occ] < cutoff
            assert notes[i] == ("[erased]" if old else text)
        for i, (text, raised) in actions0.items():
            assert actions[i] == ("[erased]" if raised < cutoff.date() else text)
        for i, (text, raised) in topics0.items():
            assert topics[i] == ("[erased]" if raised < cutoff.date() else text)
        for i, (body, created) in mail0.items():
            assert mail[i] == ("[erased]" if created < cutoff else body)
        assert any(t == "[erased]" for t in notes.values())
        assert any(t != "[erased]" for t in notes.values())
        after_report = tmp_path / "after"
        invoke(run, "report", *PERIOD, "--format", "json", "--out", str(after_report))
        keys = ("planned", "held", "held_no_notes", "moved", "cancelled", "declined",
                "actions_opened", "actions_closed")
        before = json.loads((before_report / "report.json").read_text())["pairs"]
        after = json.loads((after_report / "report.json").read_text())["pairs"]
        assert [{k: r[k] for k in keys} for r in before] == [
            {k: r[k] for k in keys} for r in after]
    finally:
        run.db = saved


def test_worker_runs_retention_daily_job_and_logs_it(run: Run, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """The worker's daily job erases with the configured limit and logs what it did."""
    import logging

    from service.clock import FixedClock
    from service.worker import Worker

    copy = copy_db(run, tmp_path / "worker.db")
    settings = replace(run.settings, database=replace(run.settings.database,
                                                      url=f"sqlite:///{copy}"),
                       privacy=replace(run.settings.privacy, retain_months=1))
    worker = Worker(settings, FixedClock(datetime(2027, 4, 18, 6, tzinfo=UTC)))
    with caplog.at_level(logging.INFO, logger="service.worker"):
        worker.run_retention()
    record = next(r for r in caplog.records if r.getMessage() == "privacy.retention")
    assert record.before == "2027-03-18T00:00:00+00:00" and record.notes > 0  # type: ignore[attr-defined]
    with Store(make_engine(f"sqlite:///{copy}")).session() as s:
        kept = [n.text for n in s.scalars(select(NoteRow)) if n.text != "[erased]"]
    assert kept and all(MARK in t or "Private" in t or "Workload" in t for t in kept)


def test_evidence_is_empty_after_forget(run: Run, tmp_path: Path) -> None:
    """Last: forget erases the run's own database."""
    invoke(run, "forget", ROB, "--yes")
    text = _evidence(run, tmp_path, "after.html")
    assert MARK not in text and "draft part" not in text and "Workload" not in text
    assert "(erased)" in text
    rob = next(v for v in run.store.views() if v.report.email == ROB)
    with run.store.session() as s:
        kept = {(v.notes, v.actions, v.fingerprint) for v in s.scalars(
            select(NoteVersionRow).where(NoteVersionRow.pairing_id == rob.pairing.id))}
    assert kept == {("[erased]",) * 3}  # every version of every meeting: no text remains


def test_erase_older_than_on_each_database(db_url: str) -> None:
    """The store's retention erase on SQLite and PostgreSQL: one of each kind of row either
    side of the cut-off; only the older ones lose their words."""
    from service.domain.records import PersonUpdate, SeriesRecord
    from service.store.db import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    now = datetime(2027, 6, 1, 9, tzinfo=UTC)
    cutoff = datetime(2027, 3, 1, tzinfo=UTC)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("r", "r@x.test", "Rob", None, False)], now)
    p = store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="monthly",
                             minutes=30, reason="", source="directory", now=now)
    series = store.begin_series(SeriesRecord(
        pairing_id=p.id, mailbox="m", transaction_id="t", cadence="monthly", minutes=30,
        weekday=1, start_time="10:00", time_zone="Europe/London",
        first_date=date(2027, 1, 1), range_end=date(2027, 12, 1), created_at=now,
        updated_at=now))
    with store.session() as s, s.begin():
        for n, start in enumerate((cutoff - timedelta(hours=1), cutoff + timedelta(hours=1))):
            occ = OccurrenceRow(series_id=series.id, event_id=f"e{n}", original_start=start,
                                start=start, end=start + timedelta(minutes=30),
                                status="held", updated_at=now)
            s.add(occ)
            s.flush()
            # written after the cut-off, about a meeting before it: erased (by meeting date)
            s.add(NoteRow(pairing_id=p.id, occurrence_id=occ.id, text=f"note {n}",
                          private=False, source="outlook", created_at=cutoff + timedelta(days=1)))
            s.add(TopicRow(pairing_id=p.id, text=f"topic {n}", by="report",
                           raised_on=start.date() - timedelta(days=1 - n), status="open",
                           created_at=start))
            s.add(ActionRow(pairing_id=p.id, owner="Rob", text=f"action {n}", status="open",
                            raised_on=start.date() - timedelta(days=1 - n),
                            raised_occurrence_id=occ.id, fingerprint=f"f{n}", created_at=start))
            s.add(OutboxRow(key=f"{occ.id}:summary", kind="summary", pairing_id=p.id,
                            occurrence_id=occ.id, mailbox="m", recipients="[]",
                            subject=f"mail {n}", body_html=f"mail {n}", tag=f"tag{n}",
                            status="sent", created_at=start))
    erased = store.erase_older_than(cutoff, now)
    assert erased == {"notes": 1, "topics": 1, "actions": 1, "mail": 1}
    with store.session() as s:
        texts = sorted([*(n.text for n in s.scalars(select(NoteRow))),
                        *(t.text for t in s.scalars(select(TopicRow))),
                        *(a.text for a in s.scalars(select(ActionRow))),
                        *(m.body_html for m in s.scalars(select(OutboxRow)))])
    assert texts == ["[erased]"] * 4 + ["action 1", "mail 1", "note 1", "topic 1"]
    assert store.erase_older_than(cutoff, now) == dict.fromkeys(erased, 0)  # idempotent
