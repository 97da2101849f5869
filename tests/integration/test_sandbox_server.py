"""The sandbox served over loopback HTTP by a child process answers as the in-process
transport does: same bodies, same per-mailbox 429, and its request log comes back."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxTenant, SandboxTransport
from service.sandbox.server import LoopbackTransport, SandboxServer

BASE = "https://graph.sandbox.invalid/v1.0"
ANN = "ann@contoso.example"
EVENT = {
    "subject": "1-2-1: Ann & Bob",
    "body": {"contentType": "html", "content": "<p>Agenda</p>"},
    "start": {"dateTime": "2024-03-18T10:00:00", "timeZone": "GMT Standard Time"},
    "end": {"dateTime": "2024-03-18T10:30:00", "timeZone": "GMT Standard Time"},
    "attendees": [{"emailAddress": {"address": "bob@contoso.example", "name": "Bob"},
                   "type": "required"}],
}


def organisation() -> SandboxTenant:
    """The same small tenant each time (ids derive from the seed): one copy per side."""
    t = SandboxTenant(now=lambda: datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    boss = t.add_user("Ann Boss", ANN, groups=["Managers"])
    t.add_user("Bob Report", "bob@contoso.example", manager=boss, hire_date=date(2024, 2, 1))
    return t


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(organisation()) as started:
        yield started


def client(transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, base_url=BASE,
                             headers={"Authorization": "Bearer t"})


async def get_and_post(transport: httpx.AsyncBaseTransport) -> list[tuple[int, Any]]:
    async with client(transport) as c:
        answers = [await c.get("/users", params={"$top": "1"}),
                   await c.post(f"/users/{ANN}/events", json=EVENT),
                   await c.get(f"/users/{ANN}/events/missing")]
    return [(a.status_code, a.json()) for a in answers]


def without_request_ids(answer: Any) -> Any:
    """An error body without its innerError (request ids differ per request)."""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        return {**answer, "error": {k: v for k, v in answer["error"].items()
                                    if k != "innerError"}}
    return answer


def test_get_and_post_answer_as_in_process(server: SandboxServer) -> None:
    inline_tenant = organisation()
    inline = asyncio.run(get_and_post(SandboxTransport(inline_tenant)))
    over_http = asyncio.run(get_and_post(LoopbackTransport(server.port)))

    assert [s for s, _ in over_http] == [200, 201, 404]
    assert [(s, without_request_ids(b)) for s, b in over_http] == [
        (s, without_request_ids(b)) for s, b in inline]
    # Links name the Graph base the client used, not the loopback address.
    assert over_http[0][1]["@odata.nextLink"].startswith(BASE + "/users?")
    # The request log comes back from the child, as the in-process tenant has it.
    assert server.requests() == inline_tenant.requests
    assert [m for m, _p, _who in server.requests()] == ["GET", "POST", "GET"]
    # And the event is stored in the child: the server's tenant has it, ours does not.
    created = over_http[1][1]["id"]
    assert asyncio.run(_status(server.port, f"/users/{ANN}/events/{created}")) == 200


async def _status(port: int, path: str) -> int:
    async with client(LoopbackTransport(port)) as c:
        return (await c.get(path)).status_code


def test_a_fifth_concurrent_request_to_one_mailbox_is_throttled(server: SandboxServer
                                                               ) -> None:
    # Long enough for all five to be in flight together; the four admitted sleep it
    # concurrently (the latency holds no lock), the fifth is refused at once.
    server.set_latency(1.0)

    async def five() -> list[httpx.Response]:
        async with client(LoopbackTransport(server.port)) as c:
            return list(await asyncio.gather(*(c.get(f"/users/{ANN}/calendar")
                                               for _ in range(5))))

    answers = asyncio.run(five())
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 429]
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "ApplicationThrottled"
    assert refused.headers["Retry-After"]
    # Only the four admitted reached the tenant (a throttled request is not logged).
    assert len(server.requests()) == 4
    server.reset_counters()
    assert server.requests() == []


def test_keep_alive_and_a_chunked_body_on_one_connection(server: SandboxServer) -> None:
    body = json.dumps(EVENT).encode()
    head = (f"POST /v1.0/users/{ANN}/events HTTP/1.1\r\nHost: graph.sandbox.invalid\r\n"
            "Authorization: Bearer t\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    chunked = head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    plain = (f"GET /v1.0/users/{ANN} HTTP/1.1\r\nHost: graph.sandbox.invalid\r\n"
             "Authorization: Bearer t\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        stream = sock.makefile("rb")
        answers = []
        for request in (chunked, plain):
            sock.sendall(request)
            status = stream.readline().split()[1]
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            answers.append((int(status), json.loads(stream.read(int(headers["content-length"]))),
                            headers.get("connection")))
    assert [(s, c) for s, _b, c in answers] == [(201, None), (200, None)]
    assert answers[0][1]["subject"] == EVENT["subject"] and answers[1][1]["mail"] == ANN
    assert [(m, p) for m, p, _who in server.requests()] == [
        ("POST", f"/users/{ANN}/events"), ("GET", f"/users/{ANN}")]


def status_of(port: int, request: bytes) -> int:
    """The status line's code of the one answer to ``request`` on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        return int(sock.makefile("rb").readline().split()[1])


def test_a_malformed_request_gets_400_and_the_server_serves_on(server: SandboxServer
                                                              ) -> None:
    """A length that is not a number, or a header line over the limit: refused with 400 (not
    a dropped connection logged as a crash), and the next request is answered."""
    bad_length = (f"POST /v1.0/users/{ANN}/events HTTP/1.1\r\nHost: x\r\n"
                  "Content-Length: twelve\r\n\r\n").encode()
    long_header = (f"GET /v1.0/users/{ANN} HTTP/1.1\r\nX-Long: {'a' * 70_000}\r\n\r\n"
                   ).encode()
    assert status_of(server.port, bad_length) == 400
    assert status_of(server.port, long_header) == 400
    good = (f"GET /v1.0/users/{ANN} HTTP/1.1\r\nHost: graph.sandbox.invalid\r\n"
            "Authorization: Bearer t\r\nConnection: close\r\n\r\n").encode()
    assert status_of(server.port, good) == 200


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port)).close()
    except OSError:
        return True
    return False


def test_the_server_stops_when_the_process_that_started_it_is_killed(tmp_path) -> None:
    """A benchmark killed outright (kill -9, a CI timeout) leaves no server behind: the
    child notices its parent is gone and stops listening."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[2])!r})
        from tests.integration.test_sandbox_server import organisation
        from service.sandbox.server import SandboxServer
        server = SandboxServer(organisation()).start()
        print(server.port, flush=True)
        time.sleep(3600)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        port = int(parent.stdout.readline())
        assert not _refused(port)
    finally:
        parent.kill()
        parent.wait()
    # Waits for the state, however slow the machine; the bound only keeps a failure from
    # hanging the suite.
    for _ in range(6000):
        if _refused(port):
            break
        __import__("time").sleep(0.01)
    assert _refused(port)


def test_close_stops_a_child_that_no_longer_answers(monkeypatch) -> None:
    """A stuck child (here: stopped with SIGSTOP) cannot hang close(): it is killed."""
    import os
    import signal

    from service.sandbox import server as module

    monkeypatch.setattr(module, "_STOP_WAIT", 0.2)
    started = SandboxServer(organisation()).start()
    process = started._process
    os.kill(process.pid, signal.SIGSTOP)
    started.close()
    assert not process.is_alive() and started._process is None


def test_a_child_that_dies_at_start_up_is_an_error_and_is_reaped(monkeypatch) -> None:
    from service.sandbox import server as module

    async def broken(*_args: Any) -> None:
        raise OSError("no address")

    monkeypatch.setattr(module, "_main", broken)  # the fork runs this copy
    server = SandboxServer(organisation())
    with pytest.raises(RuntimeError, match="exited at start-up"):
        server.start()
    assert server._process is None and server._control is None
