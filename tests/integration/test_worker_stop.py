"""The worker's stop flag and its health server's answers, in process."""

from __future__ import annotations

import http.client
import logging
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType

import pytest

from service.config.load import default_settings
from service.health import serve
from service.worker import Worker


class Announcing:
    """The worker's lock, saying when a job has come to it (the test holds the real one)."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock, self.waiting = lock, threading.Event()

    def locked(self) -> bool:
        return self.lock.locked()

    def __enter__(self) -> bool:
        self.waiting.set()
        return self.lock.__enter__()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.lock.__exit__(kind, exc, tb)


@pytest.mark.parametrize("job", ["tick", "sync", "retention"])
def test_job_waiting_for_the_lock_does_not_run_once_stopping(
        job: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The stop comes while a job waits for the run in hand: the job returns without running."""
    caplog.set_level(logging.INFO, logger="service.worker")
    monkeypatch.chdir(tmp_path)  # the default settings' database and sandbox files
    worker = Worker(default_settings())
    real = threading.Lock()
    lock = worker._lock = Announcing(real)  # type: ignore[assignment]
    ran: list[str] = []

    def started() -> datetime:
        # A job past the stop checks reads the clock first: record it, and do no real work.
        ran.append(job)
        raise RuntimeError(f"the {job} job ran after the stop")

    monkeypatch.setattr(worker.clock, "now", started)
    target = worker.run_retention if job == "retention" else worker.run_job
    kwargs = {} if job == "retention" else {"sync": job == "sync"}
    with real:  # the run in hand
        waiting = threading.Thread(target=target, kwargs=kwargs)
        waiting.start()
        lock.waiting.wait()  # past the first stop check, at the lock
        assert worker.stop() and worker.busy
    waiting.join()
    assert ran == [] and worker.counters["ticks"] == 0
    assert [r.getMessage() for r in caplog.records] == ["worker.run_skipped"]
    assert not worker.stop()  # already stopping


def test_stopping_worker_starts_no_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    worker = Worker(default_settings())
    worker.stop()
    worker.run_job(sync=True)
    worker.run_job(sync=False)
    worker.run_retention()
    assert worker.counters["ticks"] == 0 and not worker.busy
    assert not list(tmp_path.iterdir())  # no database opened, no sandbox written


def test_health_answers_head_like_get_without_a_body() -> None:
    """Uptime monitors probe with HEAD: same status and headers as GET, no body."""
    ready = [False, "starting: no run has completed yet"]
    server = serve("127.0.0.1", 0, ready=lambda: (bool(ready[0]), str(ready[1])),
                   metrics=lambda: {"onetoone_ticks_total": ("counter", "Job runs", 3.0)})
    port = server.server_address[1]
    try:
        for path, status in [("/healthz", 200), ("/readyz", 503), ("/metrics", 200),
                             ("/nope", 404)]:
            answers = {}
            for method in ("GET", "HEAD"):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
                conn.request(method, path)
                r = conn.getresponse()
                answers[method] = (r.status, r.getheader("Content-Type"),
                                   r.getheader("Content-Length"), r.read())
                conn.close()
            get, head = answers["GET"], answers["HEAD"]
            assert get[0] == head[0] == status, (path, answers)
            assert head[1:3] == get[1:3] and int(str(get[2])) == len(get[3]) > 0, answers
            assert head[3] == b"", answers
    finally:
        server.shutdown()
        server.server_close()
