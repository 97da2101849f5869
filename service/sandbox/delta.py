"""``calendarView/delta``: what changed in a window of one calendar since a state token.

As Graph documents it (event: delta, v1.0): the first request names the window
(``startDateTime``/``endDateTime``, both required) and returns every event in it; each page
but the last carries an ``@odata.nextLink`` with a ``$skiptoken``, the last an
``@odata.deltaLink`` with a ``$deltatoken`` that encodes the window. A request with that token
returns only the events added or changed since (single events and exceptions in full: the
same properties as ``calendarView``), and ``{"id", "@removed": {"reason": "deleted"}}`` for
each one deleted, cancelled away or moved out of the window. But for one occurrence of a
series deleted or cancelled on its own: that changes only the series master (Graph's
change notifications say so too, microsoftgraph/microsoft-graph-docs#5520), and people who
tried it found no sign of the occurrence in a delta (#4501); the series' other instances
in the window are listed again, as after any change to its master (#6353), and the deleted
one is just not among them. (``TenantState.delta_removes_occurrences`` gives it an
``@removed`` as well, the documented form, so both can be tried.) ``$select``, ``$filter``,
``$orderby``, ``$expand`` and ``$search`` are not supported; ``Prefer: odata.maxpagesize``
sizes the pages. A token the service no longer knows gets ``410 Gone`` (the client starts
over with a full read).

State tokens live in the tenant's state (so a saved sandbox keeps them). Only the last few
tokens of each mailbox are kept, as a service that expires old sync states would.

An occurrence of a series that is not an exception comes with only its identity and times
(``@odata.type``, ``@odata.etag``, ``id``, ``seriesMasterId``, ``type``, ``start``, ``end``): no
body, attendees or subject, as people using the service report it
(microsoftgraph/microsoft-graph-docs#7632 and #22197); its other fields are the master's.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from service.sandbox.calendar import render
from service.sandbox.occurrences import calendar_index, split_occurrence_id
from service.sandbox.state import TenantState
from service.sandbox.wire import (
    UTC,
    GraphFault,
    Request,
    Response,
    bad_request,
    iso_utc,
    parse_instant,
)

DEFAULT_PAGE = 10
MAX_PAGE = 1000
KEEP_TOKENS = 8  # per mailbox: older sync states are gone (410), as they expire in Exchange
UNSUPPORTED = ("select", "filter", "orderby", "expand", "search", "top", "skip")
GONE = ("The sync state for this request is not found. Restart the synchronization with "
        "a new delta request.")


def _states(tenant: TenantState) -> dict[str, Any]:
    return tenant.state.setdefault("delta", {"seq": 0, "tokens": {}})


def _new_token(tenant: TenantState, uid: str, state: dict[str, Any]) -> str:
    """A fresh opaque token (the id counter of events is left alone)."""
    states = _states(tenant)
    states["seq"] += 1
    token = uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant.state['seed']}|delta|{states['seq']}").hex
    state["uid"], state["seq"] = uid, states["seq"]
    states["tokens"][token] = state
    mine = sorted((s["seq"], t) for t, s in states["tokens"].items() if s["uid"] == uid)
    for _seq, old in mine[:-KEEP_TOKENS]:
        del states["tokens"][old]
    return token


def forget_tokens(tenant: TenantState, uid: str | None = None) -> None:
    """Expire every sync state (of one mailbox, or all): the next use of a token is a 410."""
    states = _states(tenant)
    states["tokens"] = {t: s for t, s in states["tokens"].items()
                        if uid is not None and s["uid"] != uid}


def _page_size(request: Request) -> int:
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", request.headers.get("prefer", ""),
                      re.I)
    return max(1, min(MAX_PAGE, int(match.group(1)))) if match else DEFAULT_PAGE


def _fingerprint(item: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()


def _link(request: Request, name: str, token: str) -> str:
    return f"{request.base}{request.path}?{name}={token}"


def calendar_view_delta(tenant: TenantState, uid: str, request: Request) -> Response:
    for name in UNSUPPORTED:
        if request.option(name) is not None:
            raise bad_request(f"The query parameter '${name}' is not supported with delta "
                              "on calendarView.", "ErrorInvalidUrlQuery")
    skip, delta = request.option("skiptoken"), request.option("deltatoken")
    states = _states(tenant)["tokens"]
    if skip is not None or delta is not None:
        state = states.get(skip if skip is not None else delta or "")
        if state is None or state["uid"] != uid or (
                "pending" in state) != (skip is not None):
            raise GraphFault(410, "SyncStateNotFound", GONE)
        if skip is not None:
            return _next_page(tenant, uid, request, state)
        return _changes(tenant, uid, request, state["start"], state["end"], state["seen"])
    start, end = request.query.get("startDateTime"), request.query.get("endDateTime")
    if not start or not end:
        raise bad_request("This request requires a time window specified by the query string "
                          "parameters StartDateTime and EndDateTime.", "ErrorInvalidParameter")
    lo = iso_utc(parse_instant(start, UTC, "startDateTime"))
    hi = iso_utc(parse_instant(end, UTC, "endDateTime"))
    return _changes(tenant, uid, request, lo, hi, {})


def _changes(tenant: TenantState, uid: str, request: Request, lo: str, hi: str,
             seen: dict[str, str]) -> Response:
    """Everything added or changed in [lo, hi) since ``seen`` (id -> fingerprint), and a
    removal for each id no longer there."""
    current: dict[str, str] = {}
    changed: list[dict[str, Any]] = []
    for item in calendar_index(tenant, uid, parse_instant(lo), parse_instant(hi)):
        # Fingerprinted as stored (zone- and Prefer-independent), sent as asked for.
        mark = _fingerprint({k: v for k, v in item.event.items() if not k.startswith("_")})
        current[item.event["id"]] = mark
        if seen.get(item.event["id"]) != mark:
            changed.append(_as_listed(render(item.event, request, item)))
    changed += [{"@odata.type": "#microsoft.graph.event", "id": gone,
                 "@removed": {"reason": "deleted"}} for gone in seen if gone not in current
                and (tenant.delta_removes_occurrences or not _deleted_instance(tenant, uid,
                                                                                gone))]
    state = {"start": lo, "end": hi, "seen": current, "pending": changed}
    return _next_page(tenant, uid, request, state)


def _deleted_instance(tenant: TenantState, uid: str, event_id: str) -> bool:
    """Whether the id is of an occurrence deleted or cancelled on its own from a series
    still there (no sign of it in a delta: see the module's docstring)."""
    split = split_occurrence_id(event_id)
    if split is None:
        return False
    master = tenant.state["events"].get(uid, {}).get(split[0])
    return master is not None and iso_utc(split[1]) in (master.get("_cancelled") or ())


# What delta shows of an occurrence that is not an exception.
OCCURRENCE_FIELDS = ("@odata.type", "@odata.etag", "id", "seriesMasterId", "type", "start",
                     "end")


def _as_listed(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("type") != "occurrence":
        return event
    out = {k: event[k] for k in OCCURRENCE_FIELDS if k in event}
    out.setdefault("@odata.type", "#microsoft.graph.event")
    return out


def _next_page(tenant: TenantState, uid: str, request: Request, state: dict[str, Any]
               ) -> Response:
    size = _page_size(request)
    pending = list(state["pending"])
    body: dict[str, Any] = {
        "@odata.context": f"{request.base}/$metadata#Collection(event)",
        "value": pending[:size]}
    rest = pending[size:]
    base = {"start": state["start"], "end": state["end"], "seen": state["seen"]}
    if rest:
        body["@odata.nextLink"] = _link(request, "$skiptoken",
                                        _new_token(tenant, uid, {**base, "pending": rest}))
    else:
        body["@odata.deltaLink"] = _link(request, "$deltatoken",
                                         _new_token(tenant, uid, base))
    return Response(200, body)
