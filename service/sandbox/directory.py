"""The sandbox's directory (users, managers, groups) and mailbox settings endpoints."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from service.sandbox.odata import page, parse_filter, select, top
from service.sandbox.state import TenantState, has_mailbox, not_found
from service.sandbox.wire import GraphFault, Request, Response, bad_request

# What GET /users returns without $select (Graph's documented default set).
DEFAULT_USER_FIELDS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail",
                       "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                       "userPrincipalName", "id")
USER_FILTER_FIELDS = {"accountEnabled", "userType", "mail", "userPrincipalName", "id",
                      "displayName", "department", "jobTitle",
                      "proxyAddresses"}  # (a collection: only with any(), as Graph)
# Names $select may use on a user (the ones the sandbox keeps, and other common ones).
USER_PROPERTIES = frozenset({
    *DEFAULT_USER_FIELDS, "accountEnabled", "userType", "employeeHireDate", "department",
    "companyName", "city", "country", "usageLocation", "employeeId", "employeeType",
    "createdDateTime", "mailNickname", "otherMails", "proxyAddresses", "ageGroup",
    "onPremisesSamAccountName", "onPremisesImmutableId", "state", "streetAddress",
    "postalCode", "faxNumber", "imAddresses", "employeeLeaveDateTime", "showInAddressList",
})
_EXPAND_MANAGER = re.compile(r"manager(?:\(\s*\$select\s*=\s*([^)]*)\))?", re.I)


def user_json(user: dict[str, Any]) -> dict[str, Any]:
    """Every directory property the sandbox keeps for a user, as Graph names them."""
    return {
        "id": user["id"],
        "businessPhones": [],
        "displayName": user["displayName"],
        "givenName": user.get("givenName"),
        "surname": user.get("surname"),
        "jobTitle": user.get("jobTitle"),
        "mail": user["mail"],
        "mobilePhone": None,
        "officeLocation": user.get("officeLocation"),
        "preferredLanguage": "en-GB",
        "userPrincipalName": user["userPrincipalName"],
        "proxyAddresses": list(user.get("proxyAddresses")
                               or ([f"SMTP:{user['mail']}"] if has_mailbox(user) else [])),
        "accountEnabled": user["accountEnabled"],
        "userType": user["userType"],
        "employeeHireDate": user.get("employeeHireDate"),
        "department": user.get("department"),
    }


def _shape(user: dict[str, Any], request: Request, tenant: TenantState) -> dict[str, Any]:
    full = user_json(user)
    if request.option("select"):
        out = select(full, request, known=USER_PROPERTIES, type_name="microsoft.graph.user")
    else:
        out = {k: full[k] for k in DEFAULT_USER_FIELDS}
    expand = _EXPAND_MANAGER.search(request.option("expand") or "")
    if expand:
        manager = tenant.state["users"].get(user.get("manager_id") or "")
        if manager is not None:
            shown = user_json(manager)
            if expand.group(1):
                names = {n.strip() for n in expand.group(1).split(",")} | {"id"}
                shown = {k: v for k, v in shown.items() if k in names}
            out["manager"] = {"@odata.type": "#microsoft.graph.user", **shown}
    return out


# The most directory objects a page holds when the request has $expand, whatever $top says
# (a documented limit of $expand on directory objects: learn.microsoft.com/graph/
# query-parameters#expand, known issue 13635): a directory read with the manager expanded
# costs a request per 100 users, not per 999.
EXPAND_PAGE = 100


def _page_size(request: Request) -> int:
    size = top(request, 100, 999)
    return min(size, EXPAND_PAGE) if request.option("expand") else size


def list_users(tenant: TenantState, request: Request) -> Response:
    """GET /users: $filter, $select, $expand=manager, $top (1..999; at most 100 with
    $expand) and $skiptoken paging."""
    select({}, request, known=USER_PROPERTIES, type_name="microsoft.graph.user")
    wanted = parse_filter(request.option("filter"), USER_FILTER_FIELDS)
    size = _page_size(request)
    users = [u for u in tenant.state["users"].values() if wanted.matches(user_json(u))]
    shaped = [_shape(u, request, tenant) for u in users]
    return Response(200, page(shaped, request, size,
                              context=f"{request.base}/$metadata#users"))


# Users per users/delta page. Graph documents no page size and does not support $top on
# users/delta; tenants report pages of "200 or fewer" users, with $top ignored
# (learn.microsoft.com Q&A on users delta paging). A first full read of 1,200 users is thus
# 6 pages one after another.
USERS_DELTA_PAGE = 200
# How many delta tokens (and paging rounds) are remembered: older ones are expired, as
# Graph's are after a while, and answer 410 so the client must read everything again.
DELTA_TOKENS_KEPT = 4


def _delta_state(tenant: TenantState) -> dict[str, Any]:
    return tenant.state.setdefault("userDelta", {"counter": 0, "tokens": {}, "rounds": {}})


def expire_delta_tokens(tenant: TenantState) -> None:
    """Forget every users/delta token (the next request with one gets 410 Gone)."""
    state = _delta_state(tenant)
    state["tokens"].clear()
    state["rounds"].clear()


def _fingerprint(user: dict[str, Any]) -> str:
    full = {**user_json(user), "manager": user.get("manager_id")}
    return hashlib.sha1(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _sync_gone() -> GraphFault:
    return GraphFault(410, "syncStateNotFound", "The sync state generation is not found or "
                      "has expired. Start the synchronization again without a delta token.")


def _remember(table: dict[str, Any], key: str, value: Any) -> None:
    table[key] = value
    while len(table) > DELTA_TOKENS_KEPT:
        del table[next(iter(table))]


def _delta_item(tenant: TenantState, uid: str, names: list[str]) -> dict[str, Any]:
    user = tenant.state["users"].get(uid)
    if user is None:
        # Deleted (soft: restorable for 30 days), as Graph reports it in a delta round.
        return {"id": uid, "@removed": {"reason": "changed"}}
    full = user_json(user)
    out = {k: full[k] for k in names if k in full}
    out["id"] = user["id"]
    if "manager" in names:
        manager = user.get("manager_id")
        out["manager@delta"] = ([{"@odata.type": "#microsoft.graph.user", "id": manager}]
                                if manager else [])
    return out


def users_delta(tenant: TenantState, request: Request) -> Response:
    """GET /users/delta: a first round lists every user; a round from a ``$deltatoken`` lists
    users added, changed (with ``manager@delta`` when ``manager`` was selected) or removed
    (``@removed``) since. Pages carry ``@odata.nextLink`` ($skiptoken), the last page an
    ``@odata.deltaLink``; the query options of the first request live in the tokens. An
    unknown or expired token answers 410 Gone."""
    state = _delta_state(tenant)
    size = USERS_DELTA_PAGE  # $top is not honoured here (see USERS_DELTA_PAGE)
    skip, delta = request.option("skiptoken"), request.option("deltatoken")
    if skip:
        round_id, _, offset_text = skip.partition(".")
        round_ = state["rounds"].get(round_id)
        if round_ is None or not offset_text.isdigit():
            raise _sync_gone()
        offset = int(offset_text)
    else:
        if delta:
            base = state["tokens"].get(delta)
            if base is None:
                raise _sync_gone()
            names, seen = base["select"], base["seen"]
        else:
            wanted = request.option("select")
            names = ([n.strip() for n in wanted.split(",") if n.strip()] if wanted
                     else list(DEFAULT_USER_FIELDS))
            for name in names:
                if name not in USER_PROPERTIES and name != "manager":
                    raise bad_request(f"Could not find a property named '{name}' on type "
                                      "'microsoft.graph.user'.", "RequestBroker--ParseUri")
            seen = {}
        now = {uid: _fingerprint(u) for uid, u in tenant.state["users"].items()}
        ids = [uid for uid, fp in now.items() if seen.get(uid) != fp]
        ids += [uid for uid in seen if uid not in now]
        state["counter"] += 1
        token = f"t{state['counter']}"
        _remember(state["tokens"], token, {"select": names, "seen": now})
        round_id, offset = token, 0
        round_ = {"ids": ids, "select": names, "token": token}
        _remember(state["rounds"], round_id, round_)
    body: dict[str, Any] = {
        "@odata.context": f"{request.base}/$metadata#users",
        "value": [_delta_item(tenant, uid, round_["select"])
                  for uid in round_["ids"][offset: offset + size]],
    }
    if offset + size < len(round_["ids"]):
        body["@odata.nextLink"] = (f"{request.base}/users/delta?$skiptoken={round_id}."
                                   f"{offset + size}")
    else:
        body["@odata.deltaLink"] = f"{request.base}/users/delta?$deltatoken={round_['token']}"
    return Response(200, body)


def get_user(tenant: TenantState, key: str, request: Request) -> Response:
    return Response(200, _shape(tenant.directory_user(key), request, tenant))


def get_manager(tenant: TenantState, key: str, request: Request) -> Response:
    user = tenant.directory_user(key)
    manager = tenant.state["users"].get(user.get("manager_id") or "")
    if manager is None:
        raise not_found("manager")
    body = {"@odata.type": "#microsoft.graph.user", **_shape(manager, request, tenant)}
    return Response(200, body)


def direct_reports(tenant: TenantState, key: str, request: Request) -> Response:
    user = tenant.directory_user(key)
    reports = [u for u in tenant.state["users"].values() if u.get("manager_id") == user["id"]]
    shaped = [{"@odata.type": "#microsoft.graph.user", **_shape(u, request, tenant)}
              for u in reports]
    return Response(200, page(shaped, request, _page_size(request)))


def group_members(tenant: TenantState, group_id: str, request: Request,
                  cast: bool = False) -> Response:
    """A group's (transitive) user members, paged. Groups are flat in the sandbox.

    ``cast``: read as .../microsoft.graph.user, which Entra ID serves only as an advanced
    query (ConsistencyLevel: eventual, and $count=true on the first request), as
    group-list-transitivemembers documents; without them, 400 Request_UnsupportedQuery."""
    group = tenant.state["groups"].get(group_id)
    if group is None:
        raise not_found(group_id)
    counted = (request.option("count") or "").lower() == "true"
    if cast and (request.headers.get("consistencylevel", "").lower() != "eventual"
                 or (request.option("skiptoken") is None and not counted)):
        raise bad_request("The OData cast on members is an advanced query: send "
                          "'ConsistencyLevel: eventual' and $count=true.",
                          "Request_UnsupportedQuery")
    members = [u for u in tenant.state["users"].values() if group_id in u.get("groups", [])]
    shaped = [{"@odata.type": "#microsoft.graph.user", **_shape(u, request, tenant)}
              for u in members]
    body = page(shaped, request, _page_size(request))
    if counted:
        body = {"@odata.count": len(shaped), **body}
    return Response(200, body)


def mailbox_settings(tenant: TenantState, key: str, request: Request) -> Response:
    user = tenant.mailbox(key)
    body = {"@odata.context": f"{request.base}/$metadata#users('{user['id']}')/mailboxSettings",
            **copy.deepcopy(user["mailboxSettings"])}
    if request.option("select"):
        body = select(body, request, always=())
    return Response(200, body)


def calendar(tenant: TenantState, key: str, request: Request) -> Response:
    user = tenant.mailbox(key)
    body = {
        "id": f"AAMkCal{user['id'].replace('-', '')}",
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": True,
        "changeKey": "sandbox",
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "isTallyingResponses": True,
        "isRemovable": False,
        "owner": {"name": user["displayName"], "address": user["mail"]},
        **copy.deepcopy(user["calendar"]),
    }
    return Response(200, select(body, request))
