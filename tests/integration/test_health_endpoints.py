"""The health endpoints: on IPv6 (an IPv6-only or IPv6-first Kubernetes cluster probes the
pod's IPv6 address, which a socket on 0.0.0.0 never answers), and /metrics' numbers."""

from __future__ import annotations

import http.client
import socket

import pytest

from service.health import serve


def ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def healthz(address: str, port: int) -> int:
    conn = http.client.HTTPConnection(address, port, timeout=900)  # a hang guard
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.skipif(not ipv6_loopback(), reason="this host has no IPv6 loopback")
@pytest.mark.parametrize(("host", "reached_on"), [
    ("::", ["::1", "127.0.0.1"]),  # every address, IPv6 and IPv4 (dual stack)
    ("::1", ["::1"]),
])
def test_health_listens_on_an_ipv6_address(host: str, reached_on: list[str]) -> None:
    server = serve(host, 0, ready=lambda: (True, "ok"), metrics=dict)
    port = server.server_address[1]
    try:
        assert [healthz(address, port) for address in reached_on] == [200] * len(reached_on)
    finally:
        server.shutdown()
        server.server_close()


def test_metrics_write_large_counts_in_full() -> None:
    """A counter past a million keeps every digit (Prometheus reads it as it is)."""
    from service.health import prometheus_text

    text = prometheus_text({"onetoone_graph_requests_total": ("counter", "Graph requests",
                                                              12_345_678.0),
                            "onetoone_last_run_seconds": ("gauge", "Run time", 1.5)})
    assert "onetoone_graph_requests_total 12345678\n" in text
    assert "onetoone_last_run_seconds 1.5\n" in text
