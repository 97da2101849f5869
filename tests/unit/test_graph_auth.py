"""App-only sign-in with real msal, against a fake identity provider (no network)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from service.errors import AuthError
from service.graph.auth import TOKEN_MARGIN, MsalTokenProvider, graph_scope
from service.graph.errors import translate_msal

AUTHORITY = "https://login.example.test/contoso.onmicrosoft.com"


class FakeResponse:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.text = json.dumps(body)
        self.headers: dict[str, str] = {}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(self.status_code)


class FakeIdP:
    """Answers msal's OIDC discovery and client-credentials token requests like Entra does."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.token_requests: list[dict[str, Any]] = []

    def get(self, url: str, **_: Any) -> FakeResponse:
        assert url.startswith("https://login.example.test/"), url
        base = "https://login.example.test/contoso.onmicrosoft.com"
        return FakeResponse(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{base}/v2.0",
        })

    def post(self, url: str, data: Any = None, **_: Any) -> FakeResponse:
        self.token_requests.append(dict(data or {}))
        if (data or {}).get("client_secret") != self.secret:
            return FakeResponse(401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
                "error_codes": [7000215],
            })
        return FakeResponse(200, {"token_type": "Bearer", "expires_in": 3599,
                                  "access_token": "eyJ0.eyJyb2xlcyI6W119.sig"})

    def close(self) -> None:
        pass


def provider(idp: FakeIdP, secret: str) -> MsalTokenProvider:
    return MsalTokenProvider(authority=AUTHORITY, client_id="11111111-1111-1111-1111-111111111111",
                             graph_url="https://graph.microsoft.us/v1.0", client_secret=secret,
                             http_client=idp)


def test_token_for_national_cloud_scope() -> None:
    """The scope follows the configured Graph host (national clouds), with a custom authority."""
    idp = FakeIdP("right")
    assert provider(idp, "right").token() == "eyJ0.eyJyb2xlcyI6W119.sig"
    assert idp.token_requests[0]["scope"] == "https://graph.microsoft.us/.default"
    assert graph_scope("https://microsoftgraph.chinacloudapi.cn/v1.0") == (
        "https://microsoftgraph.chinacloudapi.cn/.default")


def test_token_is_cached() -> None:
    """One msal app per process: the second call is served from msal's cache."""
    idp = FakeIdP("right")
    p = provider(idp, "right")
    p.token()
    p.token()
    assert len(idp.token_requests) == 1


def test_token_is_kept_until_shortly_before_it_expires() -> None:
    """Per request the token comes from memory, not from msal (a thread hop and a cache
    search each); msal is asked again once it has under TOKEN_MARGIN seconds left."""
    idp = FakeIdP("right")
    now = [1000.0]
    p = MsalTokenProvider(authority=AUTHORITY, client_id="11111111-1111-1111-1111-111111111111",
                          graph_url="https://graph.microsoft.us/v1.0", client_secret="right",
                          http_client=idp, clock=lambda: now[0])
    asks: list[int] = []
    real = p._app.acquire_token_for_client

    def counted(*args: Any, **kwargs: Any) -> Any:
        asks.append(1)
        return real(*args, **kwargs)

    p._app.acquire_token_for_client = counted  # type: ignore[method-assign]

    async def many() -> set[str]:
        return {await p.get_authorization_token("https://graph.microsoft.us/v1.0/users")
                for _ in range(50)}

    assert asyncio.run(many()) == {"eyJ0.eyJyb2xlcyI6W119.sig"} and len(asks) == 1
    now[0] += 3599 - TOKEN_MARGIN - 1  # still more than the margin to live
    asyncio.run(many())
    assert len(asks) == 1
    now[0] += 2  # within the margin: msal is asked (it serves or renews it)
    asyncio.run(many())
    assert len(asks) == 2


def test_wrong_secret_is_explained_without_the_secret() -> None:
    """A wrong secret says so (AADSTS7000215) and never echoes the secret."""
    idp = FakeIdP("right")
    with pytest.raises(AuthError) as info:
        provider(idp, "wrong-secret-value").token()
    assert "client secret is wrong" in str(info.value)
    assert "wrong-secret-value" not in str(info.value)


def test_unknown_aad_error_keeps_first_line_only() -> None:
    """Unknown msal errors keep AAD's first line and name the settings to check."""
    err = translate_msal({"error": "invalid_request",
                          "error_description": "AADSTS90000: odd\r\nTrace ID: x"})
    assert "AADSTS90000: odd" in str(err) and "Trace ID" not in str(err)
    assert "tenant_id" in str(err)


def test_one_msal_app_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run reuses the same msal app (and so its token cache) for one credential."""
    import dataclasses

    from service.config import default_settings
    from service.graph import factory
    from service.graph.factory import token_provider_for

    monkeypatch.setattr(factory, "MsalTokenProvider", lambda **kw: object())
    monkeypatch.setattr(factory, "_PROVIDERS", {})

    ms = dataclasses.replace(default_settings().microsoft, tenant_id="contoso.onmicrosoft.com",
                             client_id="11111111-1111-1111-1111-111111111111",
                             client_secret="secret-a")
    assert token_provider_for(ms) is token_provider_for(dataclasses.replace(ms))
    assert token_provider_for(ms) is not token_provider_for(
        dataclasses.replace(ms, client_secret="secret-b"))


def test_unreachable_authority_is_explained() -> None:
    """No network to the authority: an AuthError naming the settings, not a traceback."""

    class Down:
        def get(self, *a, **k):
            raise ConnectionError("no route")

        post = get

        def close(self) -> None:
            pass

    with pytest.raises(AuthError, match=r"Could not reach Microsoft Entra|Sign-in"):
        MsalTokenProvider(authority="https://login.microsoftonline.com/contoso.onmicrosoft.com",
                          client_id="11111111-1111-1111-1111-111111111111",
                          graph_url="https://graph.microsoft.com/v1.0", client_secret="x",
                          http_client=Down()).token()


def test_the_token_goes_only_to_the_configured_graph_over_https() -> None:
    """kiota leaves the host check to the provider: a link naming another host, or Graph's
    own host over http, gets no token at all."""
    p = provider(FakeIdP("right"), "right")

    def token_for(url: str) -> str:
        return asyncio.run(p.get_authorization_token(url))

    assert token_for("https://graph.microsoft.us/v1.0/users") == "eyJ0.eyJyb2xlcyI6W119.sig"
    assert token_for("https://GRAPH.microsoft.us:443/v1.0/users") == "eyJ0.eyJyb2xlcyI6W119.sig"
    assert token_for("https://attacker.example/v1.0/users") == ""
    assert token_for("http://graph.microsoft.us/v1.0/users") == ""
    assert token_for("https://graph.microsoft.us:8443/v1.0/users") == ""
    # A local test double over plain http, as [microsoft] graph_url allows, gets it.
    local = MsalTokenProvider(authority=AUTHORITY,
                              client_id="11111111-1111-1111-1111-111111111111",
                              graph_url="http://localhost:8999/beta", client_secret="right",
                              http_client=FakeIdP("right"))
    assert asyncio.run(local.get_authorization_token("http://localhost:8999/beta/users"))


def test_a_refused_token_is_forgotten_and_a_new_one_asked_for() -> None:
    """After Graph's 401 the provider asks Entra again rather than serving the refused token
    from its memory or msal's cache."""
    idp = FakeIdP("right")
    p = provider(idp, "right")
    url = "https://graph.microsoft.us/v1.0/users"
    asyncio.run(p.get_authorization_token(url))
    asyncio.run(p.get_authorization_token(url))
    assert len(idp.token_requests) == 1
    assert p.forget("eyJ0.eyJyb2xlcyI6W119.sig")
    asyncio.run(p.get_authorization_token(url))
    assert len(idp.token_requests) == 2
    # Requests in flight with the same refused token: the new one already serves them.
    assert p.forget("an-older-token")
    # Refused again within a minute: a token Graph never takes is not fetched per request.
    assert not p.forget("eyJ0.eyJyb2xlcyI6W119.sig")
    asyncio.run(p.get_authorization_token(url))
    assert len(idp.token_requests) == 2


def test_an_authority_that_stops_answering_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection to Entra that is accepted but never answered (a stuck proxy) ends in an
    AuthError after ENTRA_TIMEOUT_SECONDS, rather than holding the run for ever."""
    import socket
    import threading

    import service.graph.auth as auth

    monkeypatch.setattr(auth, "ENTRA_TIMEOUT_SECONDS", 0.5)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are accepted by the kernel; nothing is ever sent back
    port = silent.getsockname()[1]
    outcome: list[BaseException | None] = []

    def sign_in() -> None:
        try:
            MsalTokenProvider(authority=f"https://127.0.0.1:{port}/contoso.onmicrosoft.com",
                              client_id="11111111-1111-1111-1111-111111111111",
                              graph_url="https://graph.microsoft.com/v1.0",
                              client_secret="x").token()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=sign_in, daemon=True)
    worker.start()
    worker.join(120)  # a hang guard only: without a timeout the sign-in never returns
    silent.close()
    assert outcome, "the sign-in was still waiting for Entra"
    assert isinstance(outcome[0], AuthError)


class NoSuchTenant(FakeIdP):
    """Entra's answer to OIDC discovery for a tenant that does not exist (a typo in
    [microsoft] tenant_id): 400 with AADSTS90002."""

    def get(self, url: str, **_: Any) -> FakeResponse:
        return FakeResponse(400, {
            "error": "invalid_tenant",
            "error_description": "AADSTS90002: Tenant 'contoso.onmicrosft.com' not found. "
                                 "Check to make sure you have the correct tenant ID and are "
                                 "signing into the correct cloud.",
            "error_codes": [90002]})


def test_a_tenant_that_does_not_exist_names_tenant_id() -> None:
    """msal asks Entra about the tenant when the provider is made, and raises ValueError for
    an unknown one: the message names the setting to fix, [microsoft] tenant_id, not only
    [microsoft] authority (which most installs never set)."""
    with pytest.raises(AuthError) as info:
        MsalTokenProvider(authority="https://login.example.test/contoso.onmicrosft.com",
                          client_id="11111111-1111-1111-1111-111111111111",
                          graph_url="https://graph.microsoft.com/v1.0", client_secret="x",
                          http_client=NoSuchTenant("x"))
    assert "[microsoft] tenant_id" in str(info.value)
    assert "contoso.onmicrosft.com" in str(info.value)


@pytest.mark.parametrize(("code", "description"), [
    (7000215, "Invalid client secret provided. Ensure the secret being sent in the request is "
              "the client secret value, not the client secret ID"),
    (7000222, "The provided client secret keys for app '11111111-1111-1111-1111-111111111111' "
              "are expired."),
])
def test_a_secret_to_replace_says_to_restart_the_worker(code: int, description: str) -> None:
    """Entra's answer for a wrong or expired secret says to restart the worker once the
    secret is replaced: it reads the secret when it starts (and Compose's `restart` keeps
    the old environment), so fixing the variable alone changes nothing."""
    error = translate_msal({
        "error": "invalid_client", "error_codes": [code],
        "error_description": f"AADSTS{code}: {description}\r\nTrace ID: 3427eb4d\r\n"})
    text = str(error)
    assert "ONETOONE_MICROSOFT_CLIENT_SECRET" in text and "restart the worker" in text
    for command in ("systemctl restart onetoone",
                    "docker compose up -d --force-recreate worker",
                    "kubectl rollout restart deployment/onetoone"):
        assert command in text, text
