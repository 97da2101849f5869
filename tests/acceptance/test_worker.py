"""The worker process: health endpoints while running, clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.acceptance.test_crash import HANG_GUARD_SECONDS, finish, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    # The timeout is a hang guard: the health thread answers while a run holds the CPU.
    try:
        with urllib.request.urlopen(url, timeout=HANG_GUARD_SECONDS) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_worker_serves_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`onetoone run` becomes ready after its first run, exposes metrics, exits 0 on SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_WORKER_HEALTH_PORT": str(port), "ONETOONE_WORKER_LOG_FORMAT": "json"})
    log = tmp_path / "worker.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "service", "run"], cwd=tmp_path,
                                env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        # A run's worker.tick line comes after its counters are updated: then (and not at
        # the first 200 from /readyz) the metrics show what it did.
        wait_for(lambda: '"series_created": 9' in log.read_text(),
                 "the run that creates the 9 series (its worker.tick log line)", proc, log)
        ready = get(base + "/readyz")
        assert ready[0] == 200, ready
        assert get(base + "/healthz")[0] == 200
        status, metrics = get(base + "/metrics")
        assert status == 200 and "onetoone_series_created_total 9" in metrics
        assert "# TYPE onetoone_graph_requests_total counter" in metrics
        assert "onetoone_tick_failures_total 0" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        finish(proc, "the worker to stop after SIGTERM")
    said = log.read_text()
    assert proc.returncode == 0, said[-2000:]
    assert '"event": "worker.stopped"' in said
    assert '"worker.on_duty"' not in said  # one worker per SQLite file: no duty lease
    assert '"event": "worker.tick"' in said and '"series_created": 9' in said, said[-2000:]
    assert "Traceback" not in said and "tick_crashed" not in said, said[-2000:]


def start_worker(tmp_path: Path, latency: float) -> tuple[subprocess.Popen[str], Path]:
    """`onetoone run` on the sandbox, every sandbox request slowed by ``latency`` seconds.

    interval_minutes = 1 puts the tick job one second behind the sync job: while the (slowed)
    sync runs, the tick waits for the worker's lock.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_WORKER_HEALTH_PORT": "0", "ONETOONE_WORKER_LOG_FORMAT": "json",
                "ONETOONE_WORKER_INTERVAL_MINUTES": "1",
                "ONETOONE_TEST_SANDBOX_LATENCY": str(latency)})
    log = tmp_path / "worker.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "service", "run"], cwd=tmp_path,
                                env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
    return proc, log


def events(log: Path) -> list[dict[str, object]]:
    """Every line of the log as JSON (a raw traceback fails here)."""
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_stopping_worker_starts_no_queued_run(tmp_path: Path) -> None:
    """SIGTERM during a run: that run finishes; the job queued behind it does not run."""
    proc, log = start_worker(tmp_path, latency=1)
    try:
        # The sync has read the directory and is creating series, each request slowed.
        wait_for(lambda: '"event": "pairs.join"' in log.read_text(),
                 "the first run to be under way", proc, log)
        proc.send_signal(signal.SIGTERM)
        finish(proc, "the worker to stop after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    said = events(log)
    assert proc.returncode == 0, said[-5:]
    names = [e["event"] for e in said]
    after = names[names.index("worker.stopping"):]
    runs = [n for n in after if n in ("worker.tick", "worker.tick_failed", "worker.tick_crashed")]
    assert runs == ["worker.tick"], after  # the run in hand, and no other
    assert after[-1] == "worker.stopped", after


def test_second_signal_is_logged_and_second_ctrl_c_exits_now(tmp_path: Path) -> None:
    """A second SIGTERM is a JSON event and changes nothing; a second SIGINT exits at once."""
    # Every sandbox request takes an hour: the first run stays in progress for the whole test.
    proc, log = start_worker(tmp_path, latency=3600)
    try:
        # The run writes the new sandbox tenant's state file as it starts.
        wait_for((tmp_path / "onetoone-sandbox.json").exists, "the first run to start",
                 proc, log)
        proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "worker.stopping" in log.read_text(), "worker.stopping", proc, log)
        proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "worker.stopping_already" in log.read_text()
                 or "Traceback" in log.read_text(), "the second SIGTERM's answer", proc, log)
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
        assert proc.poll() is None  # still waiting for the run in hand
        proc.send_signal(signal.SIGINT)
        finish(proc, "the worker to exit on a second Ctrl-C")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    said = events(log)
    assert proc.returncode == 128 + signal.SIGINT, said[-5:]
    stopping = [e for e in said if str(e["event"]).startswith("worker.stopping")]
    assert [(e["event"], e["signal"], e["run_in_progress"]) for e in stopping] == [
        ("worker.stopping", "SIGTERM", True), ("worker.stopping_already", "SIGTERM", True),
        ("worker.stopping_now", "SIGINT", True)], stopping
    assert not any(e["event"] in ("worker.tick", "worker.stopped") for e in said), said[-5:]
