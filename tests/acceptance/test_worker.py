"""The worker process: health endpoints while running, clean exit on SIGTERM."""

from __future__ import annotations

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
        wait_for(lambda: '"series_created": 10' in log.read_text(),
                 "the run that creates the 10 series (its worker.tick log line)", proc, log)
        ready = get(base + "/readyz")
        assert ready[0] == 200, ready
        assert get(base + "/healthz")[0] == 200
        status, metrics = get(base + "/metrics")
        assert status == 200 and "onetoone_series_created_total 10" in metrics
        assert "# TYPE onetoone_graph_requests_total counter" in metrics
        assert "onetoone_tick_failures_total 0" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        finish(proc, "the worker to stop after SIGTERM")
    said = log.read_text()
    assert proc.returncode == 0, said[-2000:]
    assert '"event": "worker.stopped"' in said
    assert '"event": "worker.tick"' in said and '"series_created": 10' in said, said[-2000:]
    assert "Traceback" not in said and "tick_crashed" not in said, said[-2000:]
