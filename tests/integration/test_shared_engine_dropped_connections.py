"""A worker keeps its PostgreSQL engine between runs (store/db.py: shared_engine), and with
it the pool's connections, idle for a whole interval (15 minutes by default). A network that
drops an idle flow without telling either end (a NAT or load balancer's idle timeout, a
failover that leaves the old server's address dead) leaves such a connection half-open:
a ping at checkout then waits on it for TCP's retransmission timeout (about 15 minutes on
Linux) before the run can start. Before the engine was kept, each run connected afresh."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy.pool.base
from sqlalchemy.engine import make_url

from service.app import open_store
from service.store import db
from tests.conftest import POSTGRES_URL, _emptied_postgres, make_settings


class BlackHole:
    """A TCP relay to the database whose existing flows can be cut silently: what is sent
    on them is swallowed (the sender sees it acknowledged) and nothing comes back, with no
    FIN or RST, as after a middlebox forgot the flow. New flows are relayed as ever."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flows: list[tuple[socket.socket, socket.socket, dict[str, bool]]] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            state = {"cut": False}
            self.flows.append((client, server, state))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst, state), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := src.recv(65536):
                if not state["cut"]:
                    dst.sendall(data)
        except OSError:
            pass

    def cut_existing(self) -> None:
        for _client, _server, state in self.flows:
            state["cut"] = True

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for client, server, _state in self.flows:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="set ONETOONE_TEST_POSTGRES_URL")
def test_a_run_after_the_network_dropped_the_idle_connections_does_not_hang(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_engines", OrderedDict())  # (none kept from other tests)
    url = _emptied_postgres(POSTGRES_URL)
    settings = make_settings(tmp_path, url)  # (upgraded directly, as `onetoone db upgrade`)
    target = make_url(url)
    hole = BlackHole(target.host or "127.0.0.1", target.port or 5432)
    proxied = target.set(host="127.0.0.1", port=hole.port).render_as_string(
        hide_password=False)
    settings = dataclasses.replace(
        settings, database=dataclasses.replace(settings.database, url=proxied))
    try:
        # The worker's first run: its connections stay in the kept engine's pool.
        assert open_store(settings).views() == []
        # Idle until the next run; meanwhile the network forgot the flows.
        hole.cut_existing()
        real_time = time.time
        idle = settings.worker.interval_minutes * 60
        monkeypatch.setattr(sqlalchemy.pool.base, "time",
                            SimpleNamespace(time=lambda: real_time() + idle))
        outcome: list[Any] = []

        def next_run() -> None:
            try:
                outcome.append(open_store(settings).views())
            except Exception as exc:  # reported below
                outcome.append(exc)

        run = threading.Thread(target=next_run, daemon=True)
        run.start()
        run.join(120)  # (a hang guard: the fixed run takes about a second)
        assert not run.is_alive(), (
            "the worker's next run hangs on a pooled connection the network dropped while "
            f"it was idle for {idle} s (about 15 minutes in production, until TCP gives up)")
        assert outcome == [[]]
    finally:
        hole.close()  # (a hung run gets its error now and ends)
