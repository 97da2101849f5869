"""A group's user members are read with an OData cast, which Entra ID serves only as an
advanced query: group-list-transitivemembers says "To filter the results on the OData type,
such as microsoft.graph.user ..., you must use the advanced query parameters. That is, the
ConsistencyLevel header set to eventual and the $count=true query string." Without them
Graph answers 400 Request_UnsupportedQuery, so `[pairs] group_id` and group cadences
failed on every sync against the real service. The sandbox now refuses the same way."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client
from service.sandbox import SandboxTenant, directory
from service.sandbox.wire import GraphFault, Request

GRAPH = "https://graph.microsoft.com/v1.0"


def documented(request: httpx.Request) -> httpx.Response:
    """Graph as documented: the cast needs ConsistencyLevel eventual and $count=true (on
    each page the header; $count on the first request, which the next links carry)."""
    advanced = (request.headers.get("ConsistencyLevel", "").lower() == "eventual"
                and request.url.params.get("$count") == "true")
    if request.url.path.endswith("/microsoft.graph.user") and not advanced:
        return httpx.Response(400, json={"error": {"code": "Request_UnsupportedQuery",
                                                   "message": "advanced query required"}})
    if request.url.params.get("$skiptoken"):
        return httpx.Response(200, json={"value": [{"@odata.type": "#microsoft.graph.user",
                                                    "id": "u2", "mail": "b@x.test"}]})
    return httpx.Response(200, json={
        "@odata.count": 2,
        "value": [{"@odata.type": "#microsoft.graph.user", "id": "u1", "mail": "a@x.test"}],
        "@odata.nextLink": str(request.url.copy_merge_params({"$skiptoken": "p2"}))})


@respx.mock
def test_group_reads_send_the_advanced_query_on_every_page() -> None:
    route = respx.get(url__regex=r".*/groups/g1/.*").mock(side_effect=documented)
    client = build_client(graph_url=GRAPH, token_provider=StaticTokenProvider("t"),
                          inner=httpx.AsyncHTTPTransport())

    async def go() -> tuple[set[str], list[str]]:
        ids = await client.group_member_ids("g1")
        users = await client.list_users(group_id="g1", with_managers=False)
        return ids, [u.id for u in users]

    ids, users = asyncio.run(go())
    assert ids == {"u1", "u2"} and users == ["u1", "u2"]
    assert route.call_count == 4
    assert all(c.request.headers["ConsistencyLevel"] == "eventual" for c in route.calls)


def test_the_sandbox_refuses_the_cast_without_the_advanced_query() -> None:
    tenant = SandboxTenant(seed="groups")
    group = tenant.add_group("Sales")["id"]
    path = f"/groups/{group}/transitiveMembers/microsoft.graph.user"
    with pytest.raises(GraphFault) as refused:
        directory.group_members(tenant, group, Request("GET", path, {"$select": "id"}, {},
                                                       None, GRAPH), cast=True)
    assert refused.value.status == 400 and refused.value.code == "Request_UnsupportedQuery"
    asked = Request("GET", path, {"$select": "id", "$count": "true"},
                    {"consistencylevel": "eventual"}, None, GRAPH)
    assert directory.group_members(tenant, group, asked, cast=True).status == 200
