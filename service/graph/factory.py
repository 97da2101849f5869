"""Builds the GraphClient for production (msal + HTTPS) or over a transport handed in.

This package never imports the sandbox: ``service.app.graph_for`` passes the sandbox
tenant's transport in when the settings say sandbox."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory

from service.config import MicrosoftSettings, Settings
from service.graph.auth import MsalTokenProvider, StaticTokenProvider
from service.graph.client import GraphClient
from service.graph.transport import GraphTransport
from service.graph.waits import Halt

SANDBOX_GRAPH_URL = "https://graph.sandbox.invalid/v1.0"


def _middleware() -> list[Any]:
    # The SDK's RetryHandler is dropped on purpose: it would retry sendMail on a 503 after
    # Exchange accepted it. GraphTransport retries instead, for idempotent requests only.
    return [m for m in KiotaClientFactory.get_default_middleware(None)
            if not isinstance(m, RetryHandler)]


def build_client(
    *,
    graph_url: str,
    token_provider: Any,
    inner: httpx.AsyncBaseTransport,
    max_retries: int = 4,
    per_mailbox: int = 4,
    max_in_flight: int = 16,
    timeout: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    halt: Halt | None = None,
    clock: Callable[[], float] | None = None,
) -> GraphClient:
    """A GraphClient over ``inner`` with our retry/concurrency transport and msgraph-sdk.
    ``halt``: the worker's stop, which ends the transport's waits (graph/waits.py);
    ``sleep`` and ``clock``: the waits' own (tests)."""
    kwargs: dict[str, Any] = {"halt": halt}
    if sleep is not None:
        kwargs["sleep"] = sleep
    if clock is not None:
        kwargs["clock"] = clock
    transport = GraphTransport(
        inner, max_retries=max_retries, per_mailbox=per_mailbox, max_in_flight=max_in_flight,
        **kwargs,
    )
    http = httpx.AsyncClient(transport=transport, timeout=timeout)
    http = GraphClientFactory.create_with_custom_middleware(middleware=_middleware(), client=http)
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(token_provider), http)
    # A trailing slash would give "/v1.0//users/..." (DESIGN.md, known traps).
    adapter.base_url = graph_url.rstrip("/")
    return GraphClient(adapter, transport, token_provider)


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``ALL_PROXY``, in either
    case) as a URL, None when there is none or ``NO_PROXY`` covers its host."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    # Written without a scheme ("proxy.corp:3128") it is an http:// proxy, as curl, requests
    # (so msal's sign-in) and httpx's own reading of the variables take it; handed to httpx
    # as it is, it stops every run ("Unknown scheme for proxy URL") with the sign-in working.
    return proxy if "://" in proxy else f"http://{proxy}"


def graph_transport(graph_url: str) -> httpx.AsyncHTTPTransport:
    """The HTTPS transport to Graph, through the environment's proxy if it names one.

    httpx reads the proxy variables only for a client it builds the transport of; ours is
    handed in (under GraphTransport), so it would go direct where only the proxy can reach
    Microsoft - while msal, over requests, signs in through the proxy: every Graph call would
    then fail with the sign-in working."""
    return httpx.AsyncHTTPTransport(retries=0, http2=False, proxy=env_proxy(graph_url))


_PROVIDERS: dict[tuple[str, ...], MsalTokenProvider] = {}


def token_provider_for(ms: MicrosoftSettings) -> MsalTokenProvider:
    """One msal app per process and credential: its token cache then lives across runs."""
    key = (ms.authority_url, ms.client_id, ms.graph_url, str(ms.certificate_path or ""),
           str(hash(ms.client_secret or "")))
    if key not in _PROVIDERS:
        _PROVIDERS[key] = MsalTokenProvider(
            authority=ms.authority_url,
            client_id=ms.client_id,
            graph_url=ms.graph_url,
            client_secret=ms.client_secret or None,
            certificate_path=str(ms.certificate_path) if ms.certificate_path else None,
            certificate_thumbprint=ms.certificate_thumbprint or None,
        )
    return _PROVIDERS[key]


def build_from_settings(settings: Settings, *, inner: httpx.AsyncBaseTransport | None = None,
                        **overrides: Any) -> GraphClient:
    """The client the CLI and worker use: Microsoft's service, or in sandbox mode the
    sandbox tenant's transport (``inner``, which the caller provides)."""
    ms = settings.microsoft
    # Keyword arguments of build_client, which the caller may override (tests: sleep; the
    # worker: halt).
    common: dict[str, Any] = {
        "max_retries": ms.max_retries,
        "per_mailbox": ms.max_in_flight_per_mailbox,
        "max_in_flight": ms.max_in_flight,
        "timeout": float(ms.timeout_seconds),
    }
    common.update(overrides)
    if settings.is_sandbox:
        if inner is None:
            raise ValueError("sandbox mode needs the sandbox tenant's transport")
        return build_client(
            graph_url=SANDBOX_GRAPH_URL, token_provider=StaticTokenProvider(), inner=inner,
            **common,
        )
    provider = token_provider_for(ms)
    return build_client(
        graph_url=ms.graph_url, token_provider=provider,
        inner=inner or graph_transport(ms.graph_url), **common,
    )
