"""Two `onetoone run` replicas on one PostgreSQL database: one runs the jobs, the other
stands by; a `kill -9` of the one on duty hands the jobs over at the standby's next run, and
a restarted replica stands by in turn. The test waits on log lines and exits, never on time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.acceptance.test_crash import finish, wait_for
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _emptied_postgres


def events(log: Path) -> list[dict[str, str]]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


def named(log: Path, name: str) -> list[dict[str, str]]:
    return [e for e in events(log) if e.get("event") == name]


def test_a_standby_replica_takes_over_when_the_one_on_duty_is_killed(tmp_path: Path) -> None:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ONETOONE_TEST_REQUIRE_POSTGRES=1 but ONETOONE_TEST_POSTGRES_URL unset")
        pytest.skip("set ONETOONE_TEST_POSTGRES_URL: replicas share a PostgreSQL database")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({
        "ONETOONE_DATABASE_URL": _emptied_postgres(POSTGRES_URL),
        "ONETOONE_MICROSOFT_SANDBOX_STATE": str(tmp_path / "sandbox.json"),
        # A run every 1.5 s of real time (15 simulated minutes).
        "ONETOONE_TEST_CLOCK": f"2026-11-23T06:00:00+00:00@{time.time()}x600",
        "ONETOONE_WORKER_HEALTH_PORT": "0", "ONETOONE_WORKER_LOG_FORMAT": "json",
    })
    upgraded = subprocess.run([sys.executable, "-m", "service", "db", "upgrade"], cwd=tmp_path,
                              env=env, capture_output=True, text=True)
    assert upgraded.returncode == 0, upgraded.stderr

    procs: list[subprocess.Popen[str]] = []

    def start(name: str) -> tuple[subprocess.Popen[str], Path]:
        log = tmp_path / f"{name}.log"
        with open(log, "w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "service", "run"], cwd=tmp_path,
                                    env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        procs.append(proc)
        return proc, log

    try:
        first, first_log = start("first")
        wait_for(lambda: any(e.get("series_created") for e in named(first_log, "worker.tick")),
                 "the first replica's rollout", first, first_log)
        second, second_log = start("second")
        wait_for(lambda: bool(named(second_log, "worker.standby")),
                 "the second replica to stand by", second, second_log)
        assert named(second_log, "worker.standby")[0]["holder"] == \
            named(first_log, "worker.on_duty")[0]["worker"]

        first.send_signal(signal.SIGKILL)  # no chance to give the lease up
        finish(first, "the killed replica")
        wait_for(lambda: bool(named(second_log, "worker.on_duty")),
                 "the standby to take over", second, second_log)
        wait_for(lambda: bool(named(second_log, "worker.tick")),
                 "a run by the replica now on duty", second, second_log)

        third, third_log = start("third")  # the killed one, restarted
        wait_for(lambda: bool(named(third_log, "worker.standby")),
                 "the restarted replica to stand by", third, third_log)
        assert not named(third_log, "worker.tick")
        second.send_signal(signal.SIGTERM)
        finish(second, "the replica on duty to stop")
        assert named(second_log, "worker.duty_released")
        wait_for(lambda: bool(named(third_log, "worker.tick")),
                 "the restarted replica to take over", third, third_log)
        third.send_signal(signal.SIGTERM)
        finish(third, "the last replica to stop")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for log in (first_log, second_log, third_log):
        said = log.read_text()
        assert "Traceback" not in said and "tick_crashed" not in said, said[-2000:]
    # Each series was created once, by whichever replica was on duty.
    created = sum(int(e.get("series_created", 0)) for log in (first_log, second_log, third_log)
                  for e in named(log, "worker.tick"))
    assert created == 9  # (Eleanor & Hannah's own series is adopted)
