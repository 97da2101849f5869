"""Kill the worker with SIGKILL at random points, restart it, and check that every summary is
sent exactly once (counted in the sandbox tenant, which persists like Graph does)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from service.graph.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
REPORTS = ("amy", "bo", "cy")


def seed(path: Path) -> None:
    """Mia with three new starters: weekly 1-2-1s, so there are many meetings to summarise."""
    t = SandboxTenant(seed="crash", now=lambda: START)
    mia = t.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    for name in REPORTS:
        t.add_user(f"{name.title()} New", f"{name}@contoso.example", manager=mia,
                   hire_date=date(2026, 11, 1))
    t.save(path)


def type_notes(state: Path, db_url: str, now: datetime, typed: set[int]) -> None:
    """Between runs, Mia types notes into each meeting that has ended (as in Outlook)."""
    store = Store(make_engine(db_url))
    tenant = SandboxTenant.load(state)
    changed = False
    for view in store.views(["active"]):
        for occ in store.pairing_occurrences(view.pairing.id):
            if occ.end > now or occ.id in typed or occ.agenda_state != "injected":
                continue
            html = tenant.person_body("mia@contoso.example", occ.event_id)
            line = escape(f"Notes for meeting {occ.id}")
            html = re.sub(r'(id="onetoone-notes"[^>]*>)',
                          lambda m, line=line: m.group(1) + f"<p>{line}</p>", html)
            tenant.person_edit_body("mia@contoso.example", occ.event_id, html)
            typed.add(occ.id)
            changed = True
    if changed:
        tenant.save(state)
    store.engine.dispose()


@pytest.mark.slow
def test_sigkilled_worker_sends_every_summary_exactly_once(tmp_path: Path) -> None:
    """Random SIGKILLs of the worker's unit of work never lose or duplicate a summary."""
    state, db = tmp_path / "sandbox.json", tmp_path / "crash.db"
    seed(state)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_DATABASE_URL": f"sqlite:///{db}",
                "ONETOONE_MICROSOFT_SANDBOX_STATE": str(state),
                "ONETOONE_TEST_SANDBOX_LATENCY": "0.08",
                "ONETOONE_WORKER_LOG_FORMAT": "json"})
    rng = random.Random(20261123)
    typed: set[int] = set()
    kills = 0

    def tick(now: datetime, kill_after: float | None) -> None:
        nonlocal kills
        cmd = [sys.executable, "-m", "service", "tick", "--now", now.isoformat()]
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        if kill_after is not None:
            time.sleep(kill_after)
            if proc.poll() is None:
                proc.kill()
                kills += 1
        _, err = proc.communicate(timeout=120)
        if kill_after is None:
            assert proc.returncode in (0, 1), err
            assert "Traceback" not in err, err

    steps = 34
    for i in range(steps + 6):
        now = START + timedelta(hours=12 * i)
        if i < steps and rng.random() < 0.7:
            tick(now, rng.uniform(0.6, 1.6))  # killed somewhere: start-up, sync, send...
        tick(now, None)  # restarted: runs to the end
        type_notes(state, f"sqlite:///{db}", now, typed)

    store = Store(make_engine(f"sqlite:///{db}"))
    tenant = SandboxTenant.load(state)
    held = [o for v in store.views() for o in store.pairing_occurrences(v.pairing.id)
            if o.status == "held"]
    summaries = Counter()
    for name in REPORTS:
        for message in tenant.messages(f"{name}@contoso.example"):
            if message["subject"].startswith("1-2-1 notes:"):
                number = re.search(r"Notes for meeting (\d+)", message["body"]["content"])
                assert number, message["subject"]
                summaries[int(number.group(1))] += 1
    assert kills >= 10
    assert len(held) >= 6
    assert sorted(summaries) == sorted(o.id for o in held)  # none lost
    assert set(summaries.values()) == {1}  # none twice
    assert all(r.status == "sent" for r in store.outbox())
