"""Graph's documented answer to an app blocked by an application access policy.

learn.microsoft.com/graph/auth-limit-mailbox-access, "Handling API errors" (source:
microsoftgraph/microsoft-graph-docs-contrib concepts/auth-limit-mailbox-access.md):

    {"error": {"code": "ErrorAccessDenied", "message": "Access to OData is disabled.",
               "innerError": {"request-id": "...", "date": "2019-05-24T10:16:21"}}}

"""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from service.errors import PermissionDenied
from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client

GRAPH = "https://graph.microsoft.com/v1.0"
DOC_BODY = {"error": {"code": "ErrorAccessDenied", "message": "Access to OData is disabled.",
                      "innerError": {"request-id": "2f038156-cf40-403d-8e46-831fe42a8229",
                                     "date": "2019-05-24T10:16:21"}}}


@respx.mock
def test_documented_access_policy_403_is_named_as_policy() -> None:
    async def no_sleep(_s: float) -> None:
        return None

    client = build_client(graph_url=GRAPH, token_provider=StaticTokenProvider("tok"),
                          inner=httpx.AsyncHTTPTransport(), sleep=no_sleep)
    respx.post(f"{GRAPH}/users/alex@contoso.com/calendar/getSchedule").mock(
        return_value=httpx.Response(403, json=DOC_BODY))
    with pytest.raises(PermissionDenied) as info:
        asyncio.run(client.request("POST", "/users/alex@contoso.com/calendar/getSchedule",
                                   body={}))
    text = str(info.value)
    # The policy message, not "it lacks the Calendars.ReadWrite permission or admin consent".
    assert "application access policy" in text and "does not include it" in text
    assert "lacks the" not in text

