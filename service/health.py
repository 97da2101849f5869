"""/healthz, /readyz and Prometheus /metrics for the worker, on a small background thread."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)


def prometheus_text(metrics: dict[str, tuple[str, str, float]]) -> str:
    """Render {name: (type, help, value)} in the Prometheus text exposition format."""
    lines = []
    for name, (kind, help_text, value) in sorted(metrics.items()):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}",
                  f"{name} {_number(value)}"]
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """A whole count in full (``:g`` would write 1234567 as 1.23457e+06: a counter that
    loses its last digits past a million), anything else as Python writes a float."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def serve(
    host: str, port: int, *, ready: Callable[[], tuple[bool, str]],
    metrics: Callable[[], dict[str, tuple[str, str, float]]],
) -> ThreadingHTTPServer:
    """Start the health server in a daemon thread and return it (call .shutdown() to stop)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            # Uptime monitors probe with HEAD: the same status and headers as GET, no body.
            self._answer(with_body=False)

        def _answer(self, *, with_body: bool) -> None:
            if self.path == "/healthz":
                self._send(200, "ok\n", with_body=with_body)
            elif self.path == "/readyz":
                ok, why = ready()
                self._send(200 if ok else 503, why + "\n", with_body=with_body)
            elif self.path == "/metrics":
                self._send(200, prometheus_text(metrics()),
                           "text/plain; version=0.0.4; charset=utf-8", with_body=with_body)
            else:
                self._send(404, "not found\n", with_body=with_body)

        def _send(self, status: int, body: str, ctype: str = "text/plain; charset=utf-8", *,
                  with_body: bool = True) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if with_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # probes every few seconds would drown the real log lines

    server = _server(host, port, Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="health").start()
    log.info("health.listening", extra={"host": host, "port": server.server_address[1]})
    return server


class _DualStackServer(ThreadingHTTPServer):
    """An IPv6 socket, which on ``::`` takes IPv4 connections too (as `python -m
    http.server` does)."""

    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # (a system without dual stack)
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def _server(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server on ``host``. ThreadingHTTPServer opens an IPv4 socket, which can't bind an
    IPv6 address: an IPv6-only Kubernetes cluster probes the pod's IPv6 address, so
    ``health_host = "::"`` must work. A host name is still looked up for IPv4, as before."""
    bare = host.strip("[]")
    try:
        ipv6 = ipaddress.ip_address(bare).version == 6
    except ValueError:
        ipv6 = False
    if ipv6:
        return _DualStackServer((bare, port), handler)
    return ThreadingHTTPServer((host, port), handler)
