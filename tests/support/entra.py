"""Microsoft Entra and Graph's permission check, as the app meets them on the production path
(real msal over an httpx client, so respx answers for Entra).

Entra issues app-only tokens whose ``roles`` claim holds the application permissions an admin
has consented in Entra ID at that moment (``consented``); permissions granted through
Exchange RBAC for Applications never appear there. Graph refuses a sendMail from a mailbox
the app holds no Mail.Send for (neither in the token nor in an Exchange scope) with 403
ErrorAccessDenied, and one from a mailbox an application access policy leaves out with the
documented "Access to OData is disabled.".
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Collection, Iterable

import httpx
import respx

from service.graph.auth import MsalTokenProvider

AUTHORITY = "https://login.example.test/contoso.onmicrosoft.com"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"
CLIENT_ID = "11111111-1111-1111-1111-111111111111"
# What the guide's tenant-wide set-up (model A) consents.
EVERY_ROLE = ("User.Read.All", "Calendars.ReadWrite", "MailboxSettings.Read", "Mail.Send",
              "GroupMember.Read.All")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def app_token(roles: Iterable[str]) -> str:
    """An app-only access token as Entra issues it (signature not checked by anyone here)."""
    claims = {"aud": "https://graph.microsoft.com", "appid": CLIENT_ID, "idtyp": "app"}
    if roles := list(roles):  # (Entra leaves the claim out when nothing is consented)
        claims["roles"] = roles
    return f"{_b64({'typ': 'JWT', 'alg': 'RS256'})}.{_b64(claims)}.c2lnbmF0dXJl"


def roles_of(request: httpx.Request) -> set[str]:
    """The permissions Graph reads in a request's bearer token."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    payload = token.split(".")[1]
    return set(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
               .get("roles", []))


def entra(router: respx.MockRouter, consented: Callable[[], Iterable[str]]) -> None:
    """Entra's OIDC discovery and token endpoint, issuing tokens with what is consented."""
    router.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration").respond(json={
        "token_endpoint": TOKEN_URL, "issuer": f"{AUTHORITY}/v2.0",
        "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize"})
    router.post(TOKEN_URL).mock(side_effect=lambda _request: httpx.Response(200, json={
        "token_type": "Bearer", "expires_in": 3599, "access_token": app_token(consented())}))


def signed_in(graph_url: str) -> MsalTokenProvider:
    """The app's token provider, msal asking Entra over httpx (answered by ``entra``)."""
    return MsalTokenProvider(authority=AUTHORITY, client_id=CLIENT_ID, graph_url=graph_url,
                             client_secret="s3cret", http_client=httpx.Client())


def graph_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message,
                                                  "innerError": {"request-id": "r1"}}})


ACCESS_DENIED = (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
POLICY_DENIED = (403, "ErrorAccessDenied", "Access to OData is disabled.")


class SendingChecked(httpx.AsyncBaseTransport):
    """Graph (``inner``: the sandbox tenant) checking the app's right to send as a mailbox:
    Mail.Send in the token, or an Exchange RBAC assignment scoped to ``rbac_scope`` (the
    mailboxes, by directory id or address); ``policy_out``: mailboxes an application
    access policy leaves out, whatever the grant."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, rbac_scope: Collection[str] = (),
                 policy_out: Collection[str] = ()) -> None:
        self.inner = inner
        self.rbac_scope = {m.lower() for m in rbac_scope}
        self.policy_out = {m.lower() for m in policy_out}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        found = re.search(r"/users/([^/]+)/sendMail$", request.url.path)
        if found:
            mailbox = found.group(1).lower()
            if mailbox in self.policy_out:
                return graph_error(*POLICY_DENIED)
            if "Mail.Send" not in roles_of(request) and mailbox not in self.rbac_scope:
                return graph_error(*ACCESS_DENIED)
        return await self.inner.handle_async_request(request)
