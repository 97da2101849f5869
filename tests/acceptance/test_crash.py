"""Kill the worker with SIGKILL at random points, restart it, and check that every summary is
sent exactly once (counted in the sandbox tenant, which persists like Graph does).

Two shapes: `onetoone tick --now` runs (one unit of work per process, on a replayed clock)
and the always-on `onetoone run` worker on a simulated clock, killed wherever it happens to
be, with a manager typing notes "in Outlook" while it runs.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from service.graph.sandbox import SandboxTenant, state_lock
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
    if not Path(db_url.removeprefix("sqlite:///")).exists():
        return  # the worker has not started yet
    store = Store(make_engine(db_url))
    try:
        due = [occ for view in store.views(["active"])
               for occ in store.pairing_occurrences(view.pairing.id)
               if occ.end <= now and occ.id not in typed and occ.agenda_state == "injected"]
    except OperationalError:
        return  # the worker is still creating the database
    finally:
        store.engine.dispose()
    if not due:
        return
    with state_lock(state):  # a running worker holds the file while it works
        tenant = SandboxTenant.load(state)
        for occ in due:
            html = tenant.person_body("mia@contoso.example", occ.event_id)
            line = escape(f"Notes for meeting {occ.id}")
            html = re.sub(r'(id="onetoone-notes"[^>]*>)',
                          lambda m, line=line: m.group(1) + f"<p>{line}</p>", html)
            tenant.person_edit_body("mia@contoso.example", occ.event_id, html)
            typed.add(occ.id)
        tenant.save(state)


def busy(state: Path) -> bool:
    """Whether a worker is inside a unit of work right now (it holds the sandbox file)."""
    import fcntl

    with open(state.with_name(state.name + ".lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def worker_env(state: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_DATABASE_URL": f"sqlite:///{db}",
                "ONETOONE_MICROSOFT_SANDBOX_STATE": str(state),
                "ONETOONE_TEST_SANDBOX_LATENCY": "0.08",
                "ONETOONE_WORKER_LOG_FORMAT": "json"})
    return env


def assert_every_summary_sent_once(state: Path, db: Path) -> int:
    """Count summaries in the reports' inboxes: one per held meeting, none twice."""
    store = Store(make_engine(f"sqlite:///{db}"))
    tenant = SandboxTenant.load(state)
    held = [o for v in store.views() for o in store.pairing_occurrences(v.pairing.id)
            if o.status == "held"]
    summaries: Counter[int] = Counter()
    for name in REPORTS:
        for message in tenant.messages(f"{name}@contoso.example"):
            if message["subject"].startswith("1-2-1 notes:"):
                number = re.search(r"Notes for meeting (\d+)", message["body"]["content"])
                assert number, message["subject"]
                summaries[int(number.group(1))] += 1
    assert len(held) >= 6
    assert sorted(summaries) == sorted(o.id for o in held)  # none lost
    assert set(summaries.values()) == {1}  # none twice
    assert all(r.status == "sent" for r in store.outbox())
    store.engine.dispose()
    return len(held)


@pytest.mark.slow
def test_sigkilled_tick_runs_send_every_summary_exactly_once(tmp_path: Path) -> None:
    """Random SIGKILLs of `onetoone tick` (the worker's unit of work) never lose or
    duplicate a summary."""
    state, db = tmp_path / "sandbox.json", tmp_path / "crash.db"
    seed(state)
    env = worker_env(state, db)
    rng = random.Random(20261123)
    typed: set[int] = set()
    kills = 0

    last_run = 1.5  # seconds a whole run took last time: kills land inside a run's span

    def tick(now: datetime, kill_at: float | None) -> None:
        nonlocal kills, last_run
        cmd = [sys.executable, "-m", "service", "tick", "--now", now.isoformat()]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        if kill_at is not None:
            time.sleep(kill_at * last_run)
            if proc.poll() is None:
                proc.kill()
                kills += 1
        _, err = proc.communicate(timeout=120)
        if kill_at is None:
            last_run = time.monotonic() - started
            assert proc.returncode in (0, 1), err
            assert "Traceback" not in err, err

    steps = 34
    for i in range(steps + 6):
        now = START + timedelta(hours=12 * i)
        if i < steps and rng.random() < 0.7:
            tick(now, rng.uniform(0.3, 0.95))  # killed somewhere: start-up, sync, send...
        tick(now, None)  # restarted: runs to the end
        type_notes(state, f"sqlite:///{db}", now, typed)

    assert kills >= 10
    held = assert_every_summary_sent_once(state, db)
    print(f"{kills} tick runs killed, {held} summaries each sent once")


@pytest.mark.slow
def test_sigkilled_run_worker_sends_every_summary_exactly_once(tmp_path: Path) -> None:
    """`onetoone run` on a stepped clock (half a day a step), SIGKILLed at random points of its
    runs and restarted, while Mia types notes as meetings end; then a clean SIGTERM.

    Time moves on only once the worker has finished a run at the current instant (a
    `worker.tick` log line), so the test waits on what happened, never on the wall clock:
    a busy machine runs it slower, not differently.
    """
    state, db, clock = tmp_path / "sandbox.json", tmp_path / "crash.db", tmp_path / "clock.txt"
    seed(state)
    def set_clock(at: datetime) -> None:
        """Move simulated time (atomically: the worker may be reading the file)."""
        fresh = clock.with_suffix(".new")
        fresh.write_text(at.isoformat())
        os.replace(fresh, clock)

    set_clock(START)
    env = worker_env(state, db)
    # Runs every half second of wall time (720 simulated minutes at this speed).
    env.update({"ONETOONE_TEST_CLOCK": f"file:{720 * 60 / 0.5}:{clock}",
                "ONETOONE_WORKER_INTERVAL_MINUTES": "720",
                "ONETOONE_WORKER_SYNC_MINUTES": "1440",
                "ONETOONE_WORKER_HEALTH_PORT": "0"})
    logs: list[Path] = []

    def worker() -> subprocess.Popen[str]:
        log_file = tmp_path / f"worker-{len(logs)}.log"
        logs.append(log_file)
        with open(log_file, "w") as err:
            return subprocess.Popen([sys.executable, "-m", "service", "run"], cwd=tmp_path,
                                    env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)

    def ran_at(when: datetime) -> bool:
        """Whether the current worker finished a run as of ``when`` (its log says so)."""
        return f'"as_of": "{when.isoformat()}"' in logs[-1].read_text()

    def wait_for(proc: subprocess.Popen[str], what, why: str) -> None:
        while not what():
            assert proc.poll() is None, f"worker exited while waiting for {why}: " + (
                logs[-1].read_text()[-3000:])
            time.sleep(0.02)

    rng = random.Random(20261124)
    typed: set[int] = set()
    kills, mid_job = 0, 0
    proc = worker()
    for step in range(40):  # 20 days, half a day a step
        now = START + timedelta(hours=12 * step)
        set_clock(now)
        if rng.random() < 0.6:
            # Killed inside a run at this instant, at a random point of it.
            wait_for(proc, lambda: busy(state), "a run to start")
            time.sleep(rng.uniform(0.0, 0.3))
            mid_job += busy(state)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            kills += 1
            proc = worker()  # restarted at once, as a supervisor would
        wait_for(proc, lambda now=now: ran_at(now), f"a whole run as of {now}")
        type_notes(state, f"sqlite:///{db}", now, typed)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    err = logs[-1].read_text()
    assert proc.returncode == 0, err[-3000:]
    assert '"worker.stopped"' in err, err[-3000:]
    assert not any("Traceback" in f.read_text() for f in logs)
    assert kills >= 10 and mid_job >= 5, (kills, mid_job)
    held = assert_every_summary_sent_once(state, db)
    print(f"{kills} kills, {mid_job} inside a run, {held} summaries each sent once")
    assert held >= 3 * 2  # three weekly pairs over more than two weeks
