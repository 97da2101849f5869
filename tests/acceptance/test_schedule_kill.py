"""`onetoone schedule` SIGKILLed in the middle of creating series, then run again at once:
every pair ends up with exactly one series, nobody double-booked, nothing hidden behind the
dead run's leases.

The kill lands at a chosen point, not after a guessed delay: right after Graph has created a
series that the run has not recorded yet, once others are recorded and more are still being
created (see test_crash's kill points)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service.graph.payloads import PAIRING_PROPERTY
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from tests.acceptance.test_crash import finish, kill_points
from tests.integration.test_no_double_booking import one_to_ones, overlaps

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def seed(path: Path) -> list[str]:
    """Three levels: a director, three middle managers, four reports each."""
    t = SandboxTenant(seed="kill-schedule", now=lambda: START)
    emails = ["dir@contoso.example"]
    t.add_user("Dee Director", emails[0], hire_date=date(2015, 1, 1))
    for m in range(3):
        manager = f"mgr{m}@contoso.example"
        t.add_user(f"Manager {m}", manager, manager=emails[0], hire_date=date(2018, 1, 1))
        emails.append(manager)
        for r in range(4):
            report = f"r{m}{r}@contoso.example"
            t.add_user(f"Report {m}{r}", report, manager=manager, hire_date=date(2021, 1, 1))
            emails.append(report)
    t.save(path)
    return emails


def series_rows(db: Path) -> Counter[str]:
    """Series rows by status (empty while the database is being created)."""
    if not db.exists():
        return Counter()
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return Counter(conn.execute(text("SELECT status FROM series")).scalars())
    except OperationalError:
        return Counter()  # tables not there yet
    finally:
        engine.dispose()


@pytest.mark.slow
def test_killed_schedule_then_rerun_schedules_every_pair_once(tmp_path: Path) -> None:
    """Kill `schedule` once some series exist and others are still being created; the
    immediate rerun finishes every pair, with no duplicate and no overlap."""
    state, db = tmp_path / "sandbox.json", tmp_path / "kill.db"
    emails = seed(state)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_DATABASE_URL": f"sqlite:///{db}",
                "ONETOONE_MICROSOFT_SANDBOX_STATE": str(state),
                # a little latency keeps several POSTs in flight when the kill lands
                "ONETOONE_TEST_SANDBOX_LATENCY": "0.05"})
    args = ["schedule", "--now", START.isoformat()]
    # Killed right after Graph answers the first series POST made once some series are
    # active and others still being created: that series exists in Outlook, not in the
    # database.
    points = tmp_path / "points.log"
    proc = subprocess.Popen([*kill_points(tmp_path), *args], cwd=tmp_path,
                            env=dict(env, CRASH_PLAN="1 after series", CRASH_LOG=str(points)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = finish(proc, "`onetoone schedule` to reach its kill point")
    assert proc.returncode == -signal.SIGKILL, (
        f"the run ended ({proc.returncode}) before it could be killed mid-way: " + err[-3000:])
    assert "killed after change POST" in points.read_text()
    killed_at = series_rows(db)
    assert killed_at["creating"] >= 1 and killed_at["active"] >= 1, killed_at

    rerun = subprocess.Popen([sys.executable, "-m", "service", *args], cwd=tmp_path, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = finish(rerun, "the `onetoone schedule` rerun")
    assert rerun.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    rows = series_rows(db)
    assert rows == Counter({"active": 15}), rows  # 3 + 12 pairs, all live, none twice

    tenant = SandboxTenant.load(state)
    keys: Counter[str] = Counter()
    for mailbox in emails:
        for e in tenant.events(mailbox):
            tags = {p["id"]: p["value"] for p in e.get("singleValueExtendedProperties") or []}
            if PAIRING_PROPERTY in tags and e.get("type") == "seriesMaster":
                keys[tags[PAIRING_PROPERTY]] += 1
    assert len(keys) == 15 and set(keys.values()) == {1}
    assert overlaps(one_to_ones(tenant, emails, START, START.replace(year=2027))) == []
