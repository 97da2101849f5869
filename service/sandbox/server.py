"""The sandbox tenant served over loopback HTTP by a process of its own, as Graph is.

``SandboxTransport`` answers in the caller's process: simple, but the tenant's work (JSON,
validation, free/busy, event storage) then runs on the caller's event loop and CPU, which
Microsoft's servers never do. A benchmark that wants what a deployment sees starts a
:class:`SandboxServer` instead: the tenant, forked into a child process, behind an HTTP/1.1
server with keep-alive connections on 127.0.0.1, and the client talks real HTTP to it
(:class:`LoopbackTransport`, httpx's network transport).

The child serves every request through ``SandboxTransport.handle_async_request``, the very
code the in-process transport runs, on one asyncio loop: the injected latency is an
``asyncio.sleep`` that holds no lock (requests overlap as they do at Graph), while the
per-mailbox accounting around it (``tenant.acquire``/``release``, Graph's 429 beyond four
concurrent requests to one mailbox) and the request log stay exactly as in process. A pipe
to the parent carries the few things a benchmark needs back or wants to set: the request
log, the latency, a reset of the counters, the child's CPU seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import multiprocessing
import os
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

import httpx

from service.sandbox.routing import SandboxTenant
from service.sandbox.transport import SandboxTransport

# Request heads are small; a limit keeps a broken client from growing a line forever.
_LINE_LIMIT = 64 * 1024
# Headers the server writes itself (the body is always sent whole, with its length).
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}
# How long the parent waits for the child to start, or to answer a command, before it gives
# up on it (and stops it): a stuck child must not hang a benchmark.
_START_WAIT = 30.0
_ANSWER_WAIT = 60.0
_STOP_WAIT = 5.0
# How often the child checks that its parent is still alive.
_ORPHAN_CHECK = 1.0


class LoopbackTransport(httpx.AsyncHTTPTransport):
    """httpx's network transport (a keep-alive connection pool), every request sent to the
    sandbox server at ``port`` whatever host its URL names: the Graph client keeps its
    Graph base URL, and the ``@odata.nextLink``/``deltaLink`` the sandbox hands out (which
    name that base, as Graph's name Graph) come back here too. The Host header still
    names the original host, so the sandbox builds those links as in process."""

    def __init__(self, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.port = port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await super().handle_async_request(request)


class SandboxServer:
    """A tenant served over loopback HTTP by a forked child process (see the module).

    The child gets a copy of ``tenant`` as it is at :meth:`start`; changes made through
    HTTP happen in the child only, so the parent's copy is stale from then on: ask
    :meth:`requests` for the log. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, tenant: SandboxTenant, *, scheme: str = "https") -> None:
        self._tenant = tenant
        self._scheme = scheme
        self._process: Any = None
        self._control: Connection | None = None
        self.port = 0

    def start(self) -> SandboxServer:
        # fork, not spawn: the tenant (with its lock) is not picklable, and a fork copies it
        # whole and at once, however it was built.
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve_child,
                                        args=(self._tenant, self._scheme, child, parent,
                                              os.getpid()),
                                        name="sandbox-server", daemon=True)
        self._process.start()
        child.close()
        self._control = parent
        try:
            if not parent.poll(_START_WAIT):
                raise RuntimeError(f"the sandbox server did not start within {_START_WAIT:.0f} s")
            self.port = int(parent.recv())
        except (EOFError, OSError) as exc:  # it died before it listened
            self.close()
            raise RuntimeError(f"the sandbox server exited at start-up ({exc!r})") from exc
        except RuntimeError:
            self.close()
            raise
        return self

    def __enter__(self) -> SandboxServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, *command: Any, wait: float = _ANSWER_WAIT) -> Any:
        if self._control is None:
            raise RuntimeError("the sandbox server is not running")
        self._control.send(command)
        if not self._control.poll(wait):
            raise RuntimeError(f"the sandbox server did not answer {command[0]!r} within "
                               f"{wait:.0f} s")
        ok, value = self._control.recv()
        if not ok:
            raise RuntimeError(f"the sandbox server failed: {value}")
        return value

    def requests(self) -> list[tuple[str, str, str | None]]:
        """The tenant's request log (``SandboxTenant.requests``) as the child has it."""
        return [tuple(r) for r in self._call("requests")]  # type: ignore[misc]

    def reset_counters(self) -> None:
        """``SandboxTenant.reset_counters`` in the child."""
        self._call("reset")

    def set_latency(self, seconds: float) -> None:
        """The injected latency per request, in the child."""
        self._call("latency", seconds)

    def cpu_seconds(self) -> float:
        """The child's CPU time so far (the tenant's work and the HTTP serving)."""
        return float(self._call("cpu"))

    def close(self) -> None:
        if self._control is not None:
            # A child already gone has nothing left to stop.
            with contextlib.suppress(OSError, EOFError, RuntimeError):
                self._call("stop", wait=_STOP_WAIT)
            self._control.close()
            self._control = None
        if self._process is not None:
            self._process.join(_STOP_WAIT)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(_STOP_WAIT)
            if self._process.is_alive():  # stopped (SIGSTOP) or ignoring SIGTERM
                self._process.kill()
                self._process.join()
            self._process = None


# -- the child ----------------------------------------------------------------------------


def _serve_child(tenant: SandboxTenant, scheme: str, control: Connection,
                 parents_end: Connection, parent_pid: int) -> None:
    # The fork copied the parent's end of the pipe: closed here, so that the parent's death
    # closes the pipe and the child sees it (and stops) rather than serving on, orphaned.
    parents_end.close()
    try:
        asyncio.run(_main(tenant, scheme, control, parent_pid))
    finally:
        control.close()


async def _main(tenant: SandboxTenant, scheme: str, control: Connection,
                parent_pid: int) -> None:
    transport = SandboxTransport(tenant)
    stopped = asyncio.get_running_loop().create_future()
    open_connections: dict[asyncio.StreamWriter, asyncio.Task[Any] | None] = {}

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_connections[writer] = asyncio.current_task()
        try:
            await _connection(transport, scheme, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away mid-request: nothing to answer
        except (ValueError, asyncio.LimitOverrunError):
            # A line over the limit, or a length that is not a number: refused, as a server
            # would, not left for asyncio to log as a crash.
            with contextlib.suppress(ConnectionError):
                await _send(writer, 400, [], b"", close=True)
        finally:
            open_connections.pop(writer, None)
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=256,
                                        limit=_LINE_LIMIT)
    loop = asyncio.get_running_loop()

    def command() -> None:
        try:
            name, *args = control.recv()
        except (EOFError, OSError):  # the parent is gone
            name, args = "stop", []
        try:
            if name == "requests":
                value: Any = list(tenant.requests)
            elif name == "reset":
                tenant.reset_counters()
                value = None
            elif name == "latency":
                tenant.latency = float(args[0])
                value = None
            elif name == "cpu":
                value = time.process_time()
            elif name == "stop":
                value = None
                if not stopped.done():
                    stopped.set_result(None)
            else:
                raise ValueError(f"unknown command {name!r}")
            reply: tuple[bool, Any] = (True, value)
        except Exception as exc:  # reported to the parent, which raises it
            reply = (False, repr(exc))
        try:
            control.send(reply)
        except OSError:
            if not stopped.done():
                stopped.set_result(None)

    def orphaned() -> None:
        # Another process forked from the parent may hold the pipe open after the parent
        # died (a worker the benchmark started): the parent's pid settles it.
        if os.getppid() != parent_pid:
            if not stopped.done():
                stopped.set_result(None)
        else:
            loop.call_later(_ORPHAN_CHECK, orphaned)

    loop.add_reader(control.fileno(), command)
    loop.call_later(_ORPHAN_CHECK, orphaned)
    async with server:
        control.send(server.sockets[0].getsockname()[1])
        await stopped
        loop.remove_reader(control.fileno())
        # Idle keep-alive connections: closed, their readers see the end and return (not
        # left for asyncio.run to cancel, which would print each one's traceback).
        tasks = [t for t in open_connections.values() if t is not None]
        for writer in list(open_connections):
            writer.close()
        if tasks:
            await asyncio.wait(tasks, timeout=5)


async def _connection(transport: SandboxTransport, scheme: str,
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Requests on one connection, in turn, until the client closes it (HTTP/1.1
    keep-alive) or asks to (``Connection: close``, or HTTP/1.0 without keep-alive)."""
    while True:
        line = await reader.readline()
        if not line.strip():
            return  # closed (or a stray blank line before closing)
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            await _send(writer, 400, [], b"", close=True)
            return
        headers: list[tuple[str, str]] = []
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        fields = {k.lower(): v for k, v in headers}
        if "chunked" in fields.get("transfer-encoding", "").lower():
            body = await _chunked(reader)
        else:
            body = await reader.readexactly(int(fields.get("content-length") or 0))
        connection_header = fields.get("connection", "").lower()
        close = connection_header == "close" or (version.upper() == "HTTP/1.0"
                                                 and connection_header != "keep-alive")
        host = fields.get("host", "127.0.0.1")
        request = httpx.Request(method, f"{scheme}://{host}{target}",
                                headers=[(k, v) for k, v in headers
                                         if k.lower() not in _HOP_HEADERS],
                                content=body)
        try:
            response = await transport.handle_async_request(request)
            content = await response.aread()
        except Exception:  # a sandbox bug: the client sees a 500 and the trace is printed
            traceback.print_exc(file=sys.stderr)
            content = json.dumps({"error": {"code": "InternalServerError",
                                            "message": "The sandbox failed."}}).encode()
            await _send(writer, 500, [("Content-Type", "application/json")], content, close)
        else:
            await _send(writer, response.status_code,
                        [(k, v) for k, v in response.headers.items()
                         if k.lower() not in _HOP_HEADERS], content, close)
        if close:
            return


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _send(writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]],
                content: bytes, close: bool) -> None:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    head = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers),
            f"Content-Length: {len(content)}"]
    if close:
        head.append("Connection: close")
    # One write, head and body together: no small segment left waiting for an ACK.
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + content)
    await writer.drain()
