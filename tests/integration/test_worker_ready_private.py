"""/readyz tells a probe whether the worker is well, not what went wrong: it listens on every
interface in the container image and the Kubernetes manifest, with no sign-in, and a run's
error can name people and mailboxes (a pairs-file line's address, a Graph error's user).
The details are in the worker's log."""

from __future__ import annotations

import dataclasses
import http.client
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.clock import FixedClock
from service.health import serve
from service.worker import Worker

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
WHO = "jane.leaver@contoso.example"


def _readyz(worker: Worker) -> tuple[int, str]:
    server = serve("127.0.0.1", 0, ready=worker.ready, metrics=dict)
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=60)
    try:
        conn.request("GET", "/readyz")
        answer = conn.getresponse()
        return answer.status, answer.read().decode()
    finally:
        conn.close()
        server.shutdown()
        server.server_close()


def test_readyz_names_no_one(tmp_path: Path, settings_for: Any,
                             caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"manager,report\nboss@contoso.example,{WHO}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    clock = FixedClock(T0)
    worker = Worker(settings, clock)
    with caplog.at_level(logging.ERROR):
        worker.run_job(sync=True)  # the pairs step fails on the line naming her
    # The log says what to fix, and whom it is about.
    assert any(WHO in getattr(r, "error", "") for r in caplog.records), caplog.records
    status, body = _readyz(worker)  # first run: not ready, and why
    assert status == 503 and WHO not in body, body
    assert "pairs" in body, body  # which step failed is said (no one is named by it)
    clock.set(T0 + timedelta(minutes=15))
    worker.run_job(sync=False)  # a plain tick goes through: ready, the sync still failed
    status, body = _readyz(worker)
    assert status == 200 and body.startswith("ok, last run"), body
    assert WHO not in body and "sync failed" in body, body
