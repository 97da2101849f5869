"""Three `onetoone tick` processes at once on one PostgreSQL database, round after round
(issue 9, item 4): README promises replicas are safe, so a race between them must end in
"someone else did it" - no traceback, no duplicate series, agenda update or mail, and an
exit code that reflects real failures only.

The sandbox tenant stands in for Graph, shared by the three processes through its state
file. A normal run owns that file from load to save, which would make the replicas take
turns; here each child instead takes the file's lock per request (load, serve, save), so
the three runs interleave their Graph calls and their database writes as replicas on one
tenant do. The test waits on process exits only, never on time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import escape
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from service.graph.payloads import PAIRING_PROPERTY
from service.sandbox import SandboxTenant, state_lock
from service.sandbox.state import meeting_kind
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import POSTGRES_URL

HANG_GUARD_SECONDS = 900  # only a hung process reaches it
REPLICAS = 3
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday
# Series made; agendas in; Thursday's meetings read back; reminders, summaries, next agendas.
ROUNDS = (START, START + timedelta(days=1, hours=3), START + timedelta(days=3, hours=14),
          START + timedelta(days=7, hours=3))
MIA = "mia@contoso.example"
REPORTS = ("amy", "bo", "cy")
TYPES_NOTES = ("amy", "bo")  # cy's meetings stay empty: reminders to Mia

# `python replica.py ARGS` runs `python -m service ARGS` with the sandbox state file locked
# per request instead of per run (test code: nothing in service/ knows about it).
REPLICA = r'''
import asyncio, contextlib, json, os, runpy, sys
from pathlib import Path

import service.app as app
from service.sandbox import SandboxTransport, state_lock

STATE = Path(os.environ["ONETOONE_MICROSOFT_SANDBOX_STATE"])
serve = SandboxTransport.handle_async_request
turn = None


async def handle_async_request(self, request):
    global turn
    turn = turn or asyncio.Lock()
    await request.aread()
    async with turn:  # this process's own requests one at a time, then the file's lock
        with state_lock(STATE):
            self.tenant.state = json.loads(STATE.read_bytes())
            response = await serve(self, request)
            self.tenant.save(STATE)
    return response


SandboxTransport.handle_async_request = handle_async_request
app.sandbox_state_lock = lambda settings: contextlib.nullcontext()
app.save_sandbox = lambda settings, tenant: None  # saved after every request instead
sys.argv[0] = "onetoone"
runpy.run_module("service", run_name="__main__", alter_sys=True)
'''


def seed(path: Path) -> None:
    """Dee directs Mia; Mia has three new starters (weekly 1-2-1s): four pairs."""
    t = SandboxTenant(seed="replicas", now=lambda: START)
    dee = t.add_user("Dee Director", "dee@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", MIA, manager=dee, hire_date=date(2020, 1, 1))
    for name in REPORTS:
        t.add_user(f"{name.title()} New", f"{name}@contoso.example", manager=mia,
                   hire_date=date(2026, 11, 1))
    t.save(path)


def type_notes(state: Path, store: Store, now: datetime, typed: set[int]) -> None:
    """Before a round, Mia types a note into each meeting with amy and bo that has ended."""
    due = [occ for view in store.views(["active"]) if view.report.email.split("@")[0]
           in TYPES_NOTES and view.manager.email == MIA
           for occ in store.pairing_occurrences(view.pairing.id)
           if occ.end <= now and occ.id not in typed and occ.agenda_state == "injected"]
    with state_lock(state):
        tenant = SandboxTenant.load(state)
        for occ in due:
            html = tenant.person_body(MIA, occ.event_id)
            line = escape(f"Notes for meeting {occ.id}")
            html = re.sub(r'(id="onetoone-notes"[^>]*>)', rf"\g<1><p>{line}</p>", html)
            tenant.person_edit_body(MIA, occ.event_id, html)
            typed.add(occ.id)
        tenant.save(state)


def fresh_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def finish(proc: subprocess.Popen[str], what: str) -> tuple[str, str]:
    """Wait for ``proc`` to exit; its stdout and stderr."""
    try:
        out, err = proc.communicate(timeout=HANG_GUARD_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"hang guard: {what} still running after {HANG_GUARD_SECONDS} s")
    return out or "", err or ""


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="set ONETOONE_TEST_POSTGRES_URL")
def test_three_concurrent_ticks_on_postgres_never_crash_or_duplicate(tmp_path: Path) -> None:
    """Three ticks at each of four instants (series created, agendas in, notes read back,
    summaries, reminders and prep mail sent): every process exits 0 without a traceback,
    and Outlook holds one series per pair, one agenda update per meeting and each mail
    once."""
    state = tmp_path / "sandbox.json"
    seed(state)
    fresh_database(POSTGRES_URL)
    script = tmp_path / "replica.py"
    script.write_text(REPLICA)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_DATABASE_URL": POSTGRES_URL,
                "ONETOONE_MICROSOFT_SANDBOX_STATE": str(state),
                "ONETOONE_MAIL_PREP_EMAIL": "true"})
    upgrade = subprocess.run([sys.executable, "-m", "service", "db", "upgrade"], env=env,
                             cwd=tmp_path, capture_output=True, text=True,
                             timeout=HANG_GUARD_SECONDS)
    assert upgrade.returncode == 0, upgrade.stderr
    store = Store(make_engine(POSTGRES_URL))
    typed: set[int] = set()
    try:
        for now in ROUNDS:
            type_notes(state, store, now, typed)
            procs = [subprocess.Popen([sys.executable, str(script), "tick", "--now",
                                       now.isoformat()], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for _ in range(REPLICAS)]
            for proc in procs:
                out, err = finish(proc, f"`onetoone tick --now {now.isoformat()}`")
                assert "Traceback" not in err, err[-4000:]
                assert proc.returncode == 0, (now, out[-2000:], err[-4000:])
        assert_nothing_twice(state, store)
    finally:
        store.engine.dispose()


def assert_nothing_twice(state: Path, store: Store) -> None:
    """One live series per pair, in the store and in Outlook; at most one agenda update per
    meeting; every mail sent once, and enough of each to have raced over."""
    tenant = SandboxTenant.load(state)
    views = store.views(["active"])
    assert len(views) == 4
    live = Counter(store.live_series(v.pairing.id) is not None for v in views)
    assert live == Counter({True: 4})
    # Per pair, its series in Outlook one after another, never two over the same days: a new
    # starter's weekly series is followed by the one at the role's cadence, booked with it.
    masters: dict[str, list[tuple[str, str]]] = {}
    for mailbox in ("dee@contoso.example", MIA):
        for event in tenant.events(mailbox):
            tags = {p["id"]: p["value"] for p in event.get("singleValueExtendedProperties")
                    or []}
            if PAIRING_PROPERTY in tags and event.get("type") == "seriesMaster":
                span = event["recurrence"]["range"]
                masters.setdefault(tags[PAIRING_PROPERTY], []).append(
                    (span["startDate"], span.get("endDate") or "9999-12-31"))
    assert len(masters) == 4, masters
    for spans in masters.values():
        spans.sort()
        assert all(b[0] > a[1] for a, b in pairwise(spans)), masters
    assert sum(map(len, masters.values())) == sum(
        len([s for s in store.pairing_series(v.pairing.id) if s.event_id]) for v in views)

    updates: Counter[tuple[str, str, str]] = Counter()
    mails: Counter[tuple[str, str]] = Counter()
    for email in [MIA, "dee@contoso.example"] + [f"{r}@contoso.example" for r in REPORTS]:
        for message in tenant.messages(email):
            kind = meeting_kind(message)
            if kind == "update":
                updates[(email, message.get("iCalUId") or "",
                         message.get("originalStart") or "")] += 1
            elif kind is None:
                mails[(email, message["subject"])] += 1
    assert updates and set(updates.values()) == {1}, updates
    assert set(mails.values()) == {1}, mails
    subjects = [subject for _, subject in mails]
    assert any(s.startswith("1-2-1 notes:") for s in subjects), subjects
    assert any(s.startswith("No notes yet: your 1-2-1") for s in subjects), subjects
    assert any(s.startswith("Your 1-2-1 with") for s in subjects), subjects
    outbox = store.outbox()
    assert outbox and all(row.status == "sent" for row in outbox), outbox
    assert sum(len(row.to) + len(row.cc) for row in outbox) == sum(mails.values())
