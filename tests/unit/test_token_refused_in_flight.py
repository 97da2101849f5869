"""A token Graph refuses (401: revoked, or expired while its requests waited out a throttle)
is usually held by every request in flight at that moment, not by one: each of them is sent
again with the new token, not only the first whose 401 came back. Real msal, a fake Entra
handing out a new token per request, Graph at the HTTP level (respx)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import respx

from service.graph.auth import MsalTokenProvider
from service.graph.factory import build_client

GRAPH = "https://graph.microsoft.us/v1.0"
AUTHORITY = "https://login.microsoftonline.us/contoso.onmicrosoft.us"


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code, self.text, self.headers = 200, json.dumps(body), {}

    def raise_for_status(self) -> None:
        pass


class Entra:
    """Discovery, and a new token for every token request (after a short round trip)."""

    def __init__(self) -> None:
        self.issued = 0

    def get(self, url: str, **_: Any) -> _Response:
        if url.endswith("/common/discovery/instance"):  # msal's alias look-up, as Entra answers
            return _Response({"api-version": "1.1", "metadata": [{
                "preferred_network": "login.microsoftonline.us",
                "preferred_cache": "login.microsoftonline.us",
                "aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"]}]})
        base = "https://login.microsoftonline.us/contoso.onmicrosoft.us"
        return _Response({"token_endpoint": f"{base}/oauth2/v2.0/token",
                          "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                          "issuer": f"{base}/v2.0"})

    def post(self, url: str, **_: Any) -> _Response:
        time.sleep(0.2)  # Entra's answer takes a moment; Graph's 401s come back meanwhile
        self.issued += 1
        return _Response({"token_type": "Bearer", "expires_in": 3599,
                          "access_token": f"tok-{self.issued}"})

    def close(self) -> None:
        pass


@respx.mock
def test_every_request_in_flight_with_a_refused_token_is_sent_again() -> None:
    entra = Entra()
    tokens = MsalTokenProvider(authority=AUTHORITY,
                               client_id="11111111-1111-1111-1111-111111111111",
                               graph_url=GRAPH, client_secret="s", http_client=entra)
    assert tokens.token() == "tok-1"

    async def graph(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)  # all four are in flight with tok-1 before any answer
        if request.headers["Authorization"] == "Bearer tok-1":
            return httpx.Response(401, json={"error": {
                "code": "InvalidAuthenticationToken", "message": "Access token has expired."}})
        return httpx.Response(200, json={"timeZone": "Eastern Standard Time"})

    respx.get(url__startswith=f"{GRAPH}/users/").mock(side_effect=graph)
    client = build_client(graph_url=GRAPH, token_provider=tokens,
                          inner=httpx.AsyncHTTPTransport(), sleep=lambda s: asyncio.sleep(0))

    async def four() -> list[Any]:
        return await asyncio.gather(
            *(client.request("GET", f"/users/m{n}@contoso.us/mailboxSettings")
              for n in range(4)), return_exceptions=True)

    answers = asyncio.run(four())
    failed = [f"{type(a).__name__}: {a}" for a in answers if isinstance(a, BaseException)]
    assert failed == []
    assert all(a == {"timeZone": "Eastern Standard Time"} for a in answers)
