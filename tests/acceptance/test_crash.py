"""Kill the worker with SIGKILL at chosen points of its runs, restart it, and check that every
summary is sent exactly once (counted in the sandbox tenant, which persists like Graph does).

Two shapes: `onetoone tick --now` runs (one unit of work per process, on a replayed clock)
and the always-on `onetoone run` worker on a stepped clock, with a manager typing notes "in
Outlook" while it runs.

Where a process dies is chosen by a seeded random generator and counted in Graph requests,
not in seconds: the process kills itself (SIGKILL, no clean-up) just before or just after
the N-th request reaches the sandbox tenant. "Just after" is the dangerous point: Graph has
made the change (series created, agenda written, mail sent) but the run never recorded
it. Counting requests rather than timing a kill keeps each kill inside a run on any machine,
however busy: the tick test makes the same kills on every run. (In the always-on worker,
which of its two jobs gets to an instant first may vary, so its kill counts are floors.)

Each process is forked from a zygote that has already imported what a run imports
(tests/support/zygote.py): start-up was two thirds of a tick process's time. Every run is
still a process of its own, SIGKILLed for real.
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
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from html import escape
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from service.errors import StoreError
from service.sandbox import SandboxTenant, state_lock
from service.store.db import make_engine
from service.store.repo import Store
from tests.support.zygote import Child, Zygote

# Only a hung process ever reaches this; a slow machine takes longer, never this long.
HANG_GUARD_SECONDS = 900

# `python killpoints.py ARGS` runs `python -m service ARGS` with kill points on the sandbox
# transport (in the child only: test code, nothing in service/ knows about it). The crash
# tests run it in children forked from a zygote (tests/support/zygote.py).
#   CRASH_PLAN="N PHASE KIND"   die at the N-th request of KIND, before or after it is served
#   CRASH_PLAN_FILE=path        the same, read from a file "INSTANT N PHASE KIND" that the test
#                               writes while the process runs; only requests of the process's
#                               first run at INSTANT count (the always-on worker)
#   CRASH_LOG=path              where it writes "killed ..." or, on a normal exit, its counts
# KIND: any (every request), change (one that changes Graph: a write, or a $batch holding
# one), series (a series POST, once the database holds an active series and one still being
# created). A run with fewer such requests than N ends normally.
KILL_POINTS = r'''
import atexit, json, os, signal, sqlite3, sys, runpy

from service.sandbox import SandboxTransport

LOG = os.environ["CRASH_LOG"]
PLAN, PLAN_FILE = os.environ.get("CRASH_PLAN", ""), os.environ.get("CRASH_PLAN_FILE", "")
counts = {"any": 0, "change": 0}
first_run = {}  # instant -> the transport of this process's first run at it (one per run)
seen = {}


def plan(transport, instant):
    if PLAN:
        n, phase, kind = PLAN.split()
        return int(n), phase, kind
    if first_run.setdefault(instant, transport) is not transport:
        return None
    try:
        at, n, phase, kind = open(PLAN_FILE).read().split()
    except (FileNotFoundError, ValueError):
        return None
    return (int(n), phase, kind) if at == instant else None


def is_change(request):
    if request.method == "GET" or request.url.path.endswith("/getSchedule"):
        return False  # getSchedule is a POST that only reads free/busy
    if request.url.path.endswith("$batch"):
        items = json.loads(request.content or b"{}").get("requests", [])
        return any(item.get("method", "GET") != "GET" for item in items)
    return True


def mixed_series():
    path = os.environ["ONETOONE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT status, count(*) FROM series GROUP BY status"))
    return rows.get("active", 0) >= 1 and rows.get("creating", 0) >= 1


def matches(kind, request):
    if kind == "series":
        return (request.method == "POST" and request.url.path.endswith("/events")
                and mixed_series())
    return kind == "any" or is_change(request)


def checkpoint(transport, phase, request, instant):
    wanted = plan(transport, instant)
    if wanted is None or wanted[1] != phase or not matches(wanted[2], request):
        return
    seen[instant] = seen.get(instant, 0) + 1
    if seen[instant] == wanted[0]:
        with open(LOG, "a") as log:
            what = "change" if is_change(request) else "read"
            log.write(f"killed {phase} {what} {request.method} {request.url.path} "
                      f"(request {wanted[0]} of kind {wanted[2]} at {instant})\n")
        if PLAN_FILE:
            os.unlink(PLAN_FILE)  # the restarted worker must not die at the same point
        os.kill(os.getpid(), signal.SIGKILL)


serve = SandboxTransport.handle_async_request


async def handle_async_request(self, request):
    await request.aread()
    instant = self.tenant.now().isoformat()
    counts["any"] += 1
    counts["change"] += is_change(request)
    checkpoint(self, "before", request, instant)
    response = await serve(self, request)
    checkpoint(self, "after", request, instant)
    return response


def report():
    with open(LOG, "a") as log:
        log.write(f"exited after {counts['any']} requests, {counts['change']} changes\n")


SandboxTransport.handle_async_request = handle_async_request
atexit.register(report)
sys.argv[0] = "onetoone"
runpy.run_module("service", run_name="__main__", alter_sys=True)
'''


# What a `tick` process imports, all of it (`python -X importtime`): the zygote imports these
# once, and nothing more, so each child holds the modules a fresh process would. (One the
# tick comes to import lazily later, and not listed here, is imported by each child: slower,
# not different.)
TICK_IMPORTS = ("service.launch", "service.cli", "service.app", "service.sandbox",
                "service.jobs.tick", "service.render", "alembic.command", "alembic.config")
# And the always-on worker: its scheduler and health endpoint besides.
RUN_IMPORTS = (*TICK_IMPORTS, "service.worker", "service.health", "concurrent.futures.thread")


def kill_points_script(tmp_path: Path) -> Path:
    """The script that runs `python -m service` with KILL_POINTS in the child."""
    script = tmp_path / "killpoints.py"
    script.write_text(KILL_POINTS)
    return script


def kill_points(tmp_path: Path) -> list[str]:
    """The command prefix that runs `python -m service` with KILL_POINTS in the child."""
    return [sys.executable, str(kill_points_script(tmp_path))]


def zygote(tmp_path: Path, imports: tuple[str, ...]) -> Zygote:
    """The fork server for a test's runs, started with no ONETOONE_ variable (each run
    brings its own, and nothing is read before the fork)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONETOONE_", "CRASH_"))}
    return Zygote(imports, env, tmp_path / "zygote.log")


def finish(proc: subprocess.Popen[str] | Child, what: str) -> str:
    """Wait for ``proc`` to exit; its stderr (when piped)."""
    try:
        _out, err = proc.communicate(timeout=HANG_GUARD_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"hang guard: {what} still running after {HANG_GUARD_SECONDS} s")
    return err or ""


def wait_for(what: Callable[[], bool], why: str,
             alive: subprocess.Popen[str] | Child | None = None,
             log: Path | None = None) -> None:
    """Poll until ``what()`` holds (it is a state or a log line, never a time)."""
    guard = time.monotonic() + HANG_GUARD_SECONDS

    def tail() -> str:
        return log.read_text()[-3000:] if log else ""

    while not what():
        if alive is not None and alive.poll() is not None:
            pytest.fail(f"the process exited ({alive.returncode}) while waiting for {why}: "
                        + tail())
        if time.monotonic() > guard:
            pytest.fail(f"hang guard: waited {HANG_GUARD_SECONDS} s for {why}: " + tail())
        time.sleep(0.02)


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
    except (OperationalError, StoreError):  # the store translates what it meets
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
            html = re.sub(r'(id="onetoone-notes"[^>]*>)', rf"\g<1><p>{line}</p>", html)
            tenant.person_edit_body("mia@contoso.example", occ.event_id, html)
            typed.add(occ.id)
        tenant.save(state)


def worker_env(state: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_DATABASE_URL": f"sqlite:///{db}",
                "ONETOONE_MICROSOFT_SANDBOX_STATE": str(state),
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


def draw_kill(rng: random.Random, requests: int = 6) -> str:
    """A kill point: mostly at one of a run's first Graph changes, else at one of its first
    ``requests`` requests. Right after a change is the likelier: Graph has done it, the run
    has not recorded it."""
    if rng.random() < 0.7:
        phase = "after" if rng.random() < 0.65 else "before"
        return f"{rng.randint(1, 2)} {phase} change"
    return f"{rng.randint(1, requests)} {rng.choice(('before', 'after'))} any"


@pytest.mark.slow
def test_sigkilled_tick_runs_send_every_summary_exactly_once(tmp_path: Path) -> None:
    """`onetoone tick` (the worker's unit of work) SIGKILLed at random requests of its runs,
    sometimes again in the restarted run, never loses or duplicates a summary."""
    state, db = tmp_path / "sandbox.json", tmp_path / "crash.db"
    seed(state)
    env = worker_env(state, db)
    script = kill_points_script(tmp_path)
    rng = random.Random(20261123)
    typed: set[int] = set()
    kills: list[str] = []
    runs = 0

    def tick(now: datetime, plan: str | None) -> bool:
        """One `tick --now` process; whether it died at its planned kill point."""
        nonlocal runs
        runs += 1
        log, err_file = tmp_path / f"points-{runs}.log", tmp_path / f"tick-{runs}.err"
        run_env = dict(env, CRASH_LOG=str(log), **({"CRASH_PLAN": plan} if plan else {}))
        proc = forks.start(script, ["tick", "--now", now.isoformat()], env=run_env,
                           cwd=tmp_path, stderr=err_file)
        finish(proc, f"`onetoone tick --now {now.isoformat()}` (kill plan {plan})")
        err = err_file.read_text()
        said = log.read_text() if log.exists() else ""
        if proc.returncode == -signal.SIGKILL:
            assert plan and said.startswith("killed"), (plan, said, err[-3000:])
            kills.append(said.strip())
            return True
        # A run with fewer requests than the plan's N ran to the end: a whole run.
        assert proc.returncode in (0, 1), err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        return False

    steps = 34
    with zygote(tmp_path, TICK_IMPORTS) as forks:
        for i in range(steps + 6):
            now = START + timedelta(hours=12 * i)
            # Every run gets a kill point (a run shorter than it is a whole run, at no
            # cost); after a kill, the restarted run at the same instant often gets one too.
            chance = 1.0 if i < steps else 0.0
            while rng.random() < chance:
                if not tick(now, draw_kill(rng)):
                    break
                chance = 0.7
            else:
                tick(now, None)  # runs to the end
            type_notes(state, f"sqlite:///{db}", now, typed)

    after_change = [k for k in kills if k.startswith("killed after change")]
    after_send = [k for k in after_change if "/sendMail" in k]
    assert len(kills) >= 12 and len(after_change) >= 4 and after_send, kills
    held = assert_every_summary_sent_once(state, db)
    print(f"{runs} tick runs, {len(kills)} killed ({len(after_change)} right after Graph "
          f"made a change, {len(after_send)} after a summary was sent), {held} summaries "
          "each sent once")


@pytest.mark.slow
def test_sigkilled_run_worker_sends_every_summary_exactly_once(tmp_path: Path) -> None:
    """`onetoone run` on a stepped clock (half a day a step), SIGKILLed at random requests
    of its first run at an instant and restarted, while Mia types notes as meetings end;
    then a clean SIGTERM.

    Time moves on only once the worker has finished a run at the current instant (a
    `worker.tick` log line), so the test waits on what happened, never on the wall clock:
    a busy machine runs it slower, not differently.
    """
    state, db, clock = tmp_path / "sandbox.json", tmp_path / "crash.db", tmp_path / "clock.txt"
    plan = tmp_path / "kill-plan.txt"
    seed(state)

    def replace_file(path: Path, text: str) -> None:
        """Write atomically: the worker may be reading the file."""
        fresh = path.with_suffix(".new")
        fresh.write_text(text)
        os.replace(fresh, path)

    replace_file(clock, START.isoformat())
    env = worker_env(state, db)
    # Runs every half second of wall time (720 simulated minutes at this speed).
    env.update({"ONETOONE_TEST_CLOCK": f"file:{720 * 60 / 0.5}:{clock}",
                "ONETOONE_WORKER_INTERVAL_MINUTES": "720",
                "ONETOONE_WORKER_SYNC_MINUTES": "1440",
                "ONETOONE_WORKER_HEALTH_PORT": "0",
                "CRASH_PLAN_FILE": str(plan)})
    script = kill_points_script(tmp_path)
    logs: list[Path] = []

    def worker() -> Child:
        log_file = tmp_path / f"worker-{len(logs)}.log"
        logs.append(log_file)
        run_env = dict(env, CRASH_LOG=str(tmp_path / f"points-{len(logs)}.log"))
        return forks.start(script, ["run"], env=run_env, cwd=tmp_path, stderr=log_file)

    def ran_at(when: datetime) -> bool:
        """Whether the current worker finished a run as of ``when`` (its log says so)."""
        return f'"as_of": "{when.isoformat()}"' in logs[-1].read_text()

    def settled(proc: Child, when: datetime) -> bool:
        """Whether the worker died (a planned kill) or finished a run as of ``when``."""
        said = logs[-1].read_text()
        if '"worker.tick_crashed"' in said:  # it would only crash again: say so now
            pytest.fail("the worker crashed: " + said[-3000:])
        return proc.poll() is not None or f'"as_of": "{when.isoformat()}"' in said

    rng = random.Random(20261124)
    typed: set[int] = set()
    kills: list[str] = []
    # Leaving the block kills a worker still running (a failed assertion must not leave
    # one behind), then the zygote.
    with zygote(tmp_path, RUN_IMPORTS) as forks:
        proc = worker()
        for step in range(40):  # 20 days, half a day a step
            now = START + timedelta(hours=12 * step)
            armed = True  # free: a first run shorter than the plan is a whole run
            while True:
                if armed:  # before time moves, so that the first run at this instant counts
                    replace_file(plan, f"{now.isoformat()} {draw_kill(rng, requests=4)}")
                replace_file(clock, now.isoformat())
                wait_for(partial(settled, proc, now),
                         f"a whole run as of {now}, or the planned kill", log=logs[-1])
                if proc.poll() is None:
                    break  # a whole run at this instant (shorter than any plan)
                said = (tmp_path / f"points-{len(logs)}.log").read_text()
                assert armed and proc.returncode == -signal.SIGKILL and "killed" in said, (
                    proc.returncode, said, logs[-1].read_text()[-3000:])
                kills.append(said.strip())
                proc = worker()  # restarted at once, as a supervisor would
                armed = rng.random() < 0.6  # and killed again, often
            plan.unlink(missing_ok=True)
            type_notes(state, f"sqlite:///{db}", now, typed)
        proc.send_signal(signal.SIGTERM)
        finish(proc, "the worker to stop after SIGTERM")
    err = logs[-1].read_text()
    assert proc.returncode == 0, err[-3000:]
    assert '"worker.stopped"' in err, err[-3000:]
    assert not any("Traceback" in f.read_text() for f in logs)
    after_change = [k for k in kills if k.startswith("killed after change")]
    assert len(kills) >= 10 and len(after_change) >= 3, kills
    held = assert_every_summary_sent_once(state, db)
    print(f"{len(kills)} kills inside a run ({len(after_change)} right after Graph made a "
          f"change), {held} summaries each sent once")
    assert held >= 3 * 2  # three weekly pairs over more than two weeks
