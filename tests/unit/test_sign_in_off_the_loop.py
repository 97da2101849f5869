"""Sign-in on the production path, with real msal over an httpx client and Entra and Graph
both at the HTTP level (respx): msal's blocking calls to Entra never hold the event loop
(every other mailbox's work waits on it), and requests needing a new token at the same
moment share one token request to Entra rather than each sending its own."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import respx

from service.graph.auth import MsalTokenProvider
from service.graph.factory import build_client

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
AUTHORITY = f"{LOGIN}/contoso.onmicrosoft.com"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"
HANG_GUARD = 10.0  # seconds; only reached when the code under test is wrong


def entra(router: respx.MockRouter, token: Callable[[httpx.Request], httpx.Response]) -> None:
    """Entra's OIDC discovery, and ``token`` for the token endpoint."""
    router.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration").respond(json={
        "token_endpoint": TOKEN_URL, "issuer": f"{AUTHORITY}/v2.0",
        "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize"})
    router.post(TOKEN_URL).mock(side_effect=token)


def issued(n: int) -> httpx.Response:
    return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599,
                                     "access_token": f"tok-{n}"})


INSTANCE_METADATA = {"api-version": "1.1", "tenant_discovery_endpoint": "", "metadata": [{
    "preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
    "aliases": ["login.microsoftonline.com", "login.windows.net", "sts.windows.net"]}]}


def provider() -> MsalTokenProvider:
    # msal over an httpx client, so that respx answers for Entra as it does for Graph.
    return MsalTokenProvider(authority=AUTHORITY, client_id="11111111-1111-1111-1111-111111111111",
                             graph_url=GRAPH, client_secret="s", http_client=httpx.Client())


def graph_refusing(router: respx.MockRouter, refused: str, in_flight: int) -> None:
    """Graph answers 401 to ``refused`` (revoked) once ``in_flight`` requests carry it."""
    state = {"sent": 0}
    all_sent = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == f"Bearer {refused}":
            state["sent"] += 1
            if state["sent"] >= in_flight:
                all_sent.set()
            await all_sent.wait()
            return httpx.Response(401, json={"error": {
                "code": "InvalidAuthenticationToken", "message": "Access token has expired."}})
        return httpx.Response(200, json={"timeZone": "W. Europe Standard Time"})

    router.get(url__startswith=f"{GRAPH}/users/").mock(side_effect=answer)


@respx.mock
def test_msal_asking_entra_after_a_refused_token_leaves_the_event_loop_running() -> None:
    """After Graph's 401 the refused token is dropped from msal's cache, for which msal
    first asks Entra for the authority's aliases (instance discovery: a blocking HTTP
    call, up to a 30 s timeout when Entra or the proxy is slow). Made on the event loop, it
    stops every other mailbox's work in the run meanwhile."""
    asked, released = threading.Event(), threading.Event()
    loop_stood_still: list[bool] = []

    def aliases(request: httpx.Request) -> httpx.Response:
        asked.set()
        # Released by a coroutine of the run as soon as it gets to run.
        if not released.wait(HANG_GUARD):
            loop_stood_still.append(True)
        return httpx.Response(200, json=INSTANCE_METADATA)

    tokens_issued = [0]

    def token(request: httpx.Request) -> httpx.Response:
        tokens_issued[0] += 1
        return issued(tokens_issued[0])

    entra(respx.mock, token)
    respx.get(f"{LOGIN}/common/discovery/instance").mock(side_effect=aliases)
    graph_refusing(respx.mock, "tok-1", in_flight=1)
    tokens = provider()
    assert tokens.token() == "tok-1"
    client = build_client(graph_url=GRAPH, token_provider=tokens,
                          inner=httpx.AsyncHTTPTransport(), sleep=lambda s: asyncio.sleep(0))

    async def rest_of_the_run() -> None:  # another mailbox's work on the same loop
        while not asked.is_set():
            await asyncio.sleep(0.001)
        released.set()

    async def run() -> Any:
        answer, _ = await asyncio.gather(
            client.request("GET", "/users/alex@contoso.com/mailboxSettings"), rest_of_the_run())
        return answer

    assert asyncio.run(run()) == {"timeZone": "W. Europe Standard Time"}
    assert not loop_stood_still, (
        "the event loop stood still while msal asked Entra for the authority's aliases")


class CountingExecutor(ThreadPoolExecutor):
    """The loop's executor, counting the calls handed to its threads (asyncio.to_thread)."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self.handed = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.handed += 1
        return super().submit(fn, *args, **kwargs)


@respx.mock
def test_requests_needing_a_new_token_at_once_share_one_token_request() -> None:
    """Graph refuses the token every request in flight carries: each request is sent again
    (with the new token), and Entra, slow to answer, is asked for that token once, not once
    per request (a burst of token requests every time a token lapses or is refused)."""
    in_flight = 4
    executor = CountingExecutor()
    waiting = [0]  # requests waiting for a token
    renewals: list[httpx.Request] = []
    answering = threading.Event()

    def token(request: httpx.Request) -> httpx.Response:
        if not renewals and not executor.handed:
            return issued(1)  # the first sign-in, below
        renewals.append(request)
        # Entra answers once every request is waiting for a token and every thread asking
        # msal for one has sent its request here (so a burst of them all is seen).
        deadline = time.monotonic() + HANG_GUARD
        while not answering.is_set():
            if waiting[0] == in_flight and executor.handed == len(renewals):
                answering.set()
            assert time.monotonic() < deadline, "hang guard"
            time.sleep(0.001)
        return issued(1 + len(renewals))

    entra(respx.mock, token)
    respx.get(f"{LOGIN}/common/discovery/instance").respond(json=INSTANCE_METADATA)
    graph_refusing(respx.mock, "tok-1", in_flight=in_flight)
    tokens = provider()
    assert tokens.token() == "tok-1"
    real = tokens.get_authorization_token

    async def counted(uri: str, context: dict[str, Any] | None = None) -> str:
        waiting[0] += 1
        try:
            return await real(uri, context)
        finally:
            waiting[0] -= 1

    tokens.get_authorization_token = counted  # type: ignore[method-assign]
    client = build_client(graph_url=GRAPH, token_provider=tokens,
                          inner=httpx.AsyncHTTPTransport(), sleep=lambda s: asyncio.sleep(0))

    async def run() -> list[Any]:
        asyncio.get_running_loop().set_default_executor(executor)
        return await asyncio.gather(
            *(client.request("GET", f"/users/m{n}@contoso.com/mailboxSettings")
              for n in range(in_flight)), return_exceptions=True)

    answers = asyncio.run(run())
    assert [a for a in answers if isinstance(a, BaseException)] == []
    assert all(a == {"timeZone": "W. Europe Standard Time"} for a in answers)
    assert len(renewals) == 1, f"{len(renewals)} token requests to Entra for one new token"
