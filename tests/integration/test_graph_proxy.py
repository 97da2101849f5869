"""Behind a corporate proxy, Graph is reached through it: the proxy the environment names
(HTTPS_PROXY, ALL_PROXY; NO_PROXY for hosts reached directly), as msal's sign-in already
is. Before, only the sign-in went through the proxy and every Graph call went direct, so
each failed with "could not reach Microsoft Graph" while the sign-in worked.

A forward proxy on localhost answers as Graph would and records each request it is asked
to forward (an absolute URL in the request line is how a client speaks to a proxy)."""

from __future__ import annotations

import asyncio
import json

import pytest

from service.errors import ServiceError
from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client, env_proxy, graph_transport

GRAPH = "http://graph.proxy-test.invalid/v1.0"
EVENT = {"id": "AAMkEv1", "subject": "1-2-1", "body": {"contentType": "html",
                                                       "content": "<p>agenda</p>"}}


async def _no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


class ForwardProxy:
    """An HTTP forward proxy that answers every request itself, as Graph, and records it."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := (await reader.readline()).decode("latin-1").strip():
                self.request_lines.append(line)
                length = 0
                while header := (await reader.readline()).decode("latin-1").strip():
                    name, _, value = header.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                payload = json.dumps(EVENT).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n"
                             + payload)
                await writer.drain()
        finally:
            writer.close()


def _client(graph_url: str):  # type: ignore[no-untyped-def]
    return build_client(graph_url=graph_url, token_provider=StaticTokenProvider(),
                        inner=graph_transport(graph_url), max_retries=0, sleep=_no_sleep)


def test_graph_calls_go_through_the_environments_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def go() -> tuple[list[str], object]:
        proxy = ForwardProxy()
        await proxy.start()
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                     "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client = _client(GRAPH)
        event = await client.get_event("ann@contoso.example", "AAMkEv1", "body")
        assert proxy.server is not None
        proxy.server.close()
        return proxy.request_lines, event

    lines, event = asyncio.run(go())
    assert event is not None and "agenda" in (event.body or "")
    assert len(lines) == 1
    method, target, _version = lines[0].split(" ")
    assert method == "GET"
    assert target.startswith(f"{GRAPH}/users/ann@contoso.example/events/AAMkEv1")


def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    async def go() -> list[str]:
        proxy = ForwardProxy()
        await proxy.start()
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", ".proxy-test.invalid")
        client = _client(GRAPH)
        # Directly, the .invalid host can't be reached: the call fails, the proxy saw nothing.
        with pytest.raises(ServiceError):
            await client.get_event("ann@contoso.example", "AAMkEv1", "body")
        assert proxy.server is not None
        proxy.server.close()
        return proxy.request_lines

    assert asyncio.run(go()) == []


def test_env_proxy_reads_the_usual_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    graph = "https://graph.microsoft.com/v1.0"
    assert env_proxy(graph) is None
    monkeypatch.setenv("ALL_PROXY", "http://all.corp:8080")
    assert env_proxy(graph) == "http://all.corp:8080"
    monkeypatch.setenv("https_proxy", "http://proxy.corp:3128")
    assert env_proxy(graph) == "http://proxy.corp:3128"
    monkeypatch.setenv("NO_PROXY", "localhost,.microsoft.com")
    assert env_proxy(graph) is None
    assert env_proxy("https://graph.microsoft.us/v1.0") == "http://proxy.corp:3128"


def test_a_proxy_written_without_a_scheme_is_an_http_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY=proxy.corp:3128 (no "http://"), as many hosts set it: curl, requests (so
    msal's sign-in) and httpx's own reading of the variables take it for an http:// proxy.
    Before, it was handed to httpx as written, which refused it ("Unknown scheme for proxy
    URL") when the Graph client was built: every command and run stopped with a traceback
    while the sign-in worked."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    assert env_proxy("https://graph.microsoft.us/v1.0") == "http://proxy.corp:3128"

    async def go() -> tuple[list[str], object]:
        proxy = ForwardProxy()
        await proxy.start()
        monkeypatch.setenv("HTTP_PROXY", proxy.url.removeprefix("http://"))
        client = _client(GRAPH)
        event = await client.get_event("ann@contoso.example", "AAMkEv1", "body")
        assert proxy.server is not None
        proxy.server.close()
        return proxy.request_lines, event

    lines, event = asyncio.run(go())
    assert event is not None and "agenda" in (event.body or "")
    assert [line.split(" ")[1].startswith(f"{GRAPH}/users/") for line in lines] == [True]
