"""The worker process: health endpoints while running, clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_worker_serves_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`onetoone run` becomes ready after its first run, exposes metrics, exits 0 on SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    env.update({"ONETOONE_WORKER_HEALTH_PORT": str(port), "ONETOONE_WORKER_LOG_FORMAT": "json"})
    proc = subprocess.Popen([sys.executable, "-m", "service", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600  # a guard against a hang, not a budget
        ready = (0, "")
        while time.monotonic() < deadline:
            try:
                ready = get(base + "/readyz")
            except OSError:
                time.sleep(0.2)
                continue
            if ready[0] == 200:
                break
            time.sleep(0.3)
        assert ready[0] == 200, ready
        assert get(base + "/healthz")[0] == 200
        status, metrics = get(base + "/metrics")
        assert status == 200 and "onetoone_series_created_total 10" in metrics
        assert "# TYPE onetoone_graph_requests_total counter" in metrics
        assert "onetoone_tick_failures_total 0" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert '"event": "worker.stopped"' in err
    assert '"event": "worker.tick"' in err and '"series_created": 10' in err, err[-2000:]
    assert "Traceback" not in err and "tick_crashed" not in err, err[-2000:]
