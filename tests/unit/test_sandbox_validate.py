"""The sandbox's compiled schema check agrees with jsonschema on every body it is shown.

It may only say "valid" when jsonschema finds no error (else the sandbox would accept what
Graph refuses); and it should say "valid" whenever jsonschema does (else it saves nothing).
Bodies: a real event create, a getSchedule and a sendMail, and thousands of mutations of
them (wrong types, bools for numbers, unknown and annotation properties, bad enum values,
nulls, hostile strings, nested damage).
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from service.sandbox import schemas
from service.sandbox.validate import compile_check
from service.sandbox.wire import GraphFault

EVENT: dict[str, Any] = {
    "subject": "1-2-1: Ana / Bo",
    "body": {"contentType": "html", "content": "<p>Agenda</p>"},
    "start": {"dateTime": "2026-10-06T10:00:00", "timeZone": "Europe/London"},
    "end": {"dateTime": "2026-10-06T10:30:00", "timeZone": "Europe/London"},
    "recurrence": {
        "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"],
                    "index": "second", "firstDayOfWeek": "monday"},
        "range": {"type": "endDate", "startDate": "2026-10-13", "endDate": "2027-10-13"},
    },
    "attendees": [{"emailAddress": {"address": "bo@example.com", "name": "Bo"},
                   "type": "required"}],
    "isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness",
    "transactionId": "pair-1-2026", "showAs": "busy", "reminderMinutesBeforeStart": 15,
    "isReminderOn": True, "allowNewTimeProposals": False, "categories": ["1-2-1"],
    "singleValueExtendedProperties": [{"id": "String {0} Name onetoone", "value": "x"}],
    "location": {"displayName": "Room 1"},
}
SCHEDULE: dict[str, Any] = {
    "schedules": ["a@example.com", "b@example.com"],
    "startTime": {"dateTime": "2026-10-06T00:00:00", "timeZone": "UTC"},
    "endTime": {"dateTime": "2026-11-06T00:00:00", "timeZone": "UTC"},
    "availabilityViewInterval": 30,
}
MAIL: dict[str, Any] = {
    "message": {"subject": "Prep", "body": {"contentType": "text", "content": "hi"},
                "toRecipients": [{"emailAddress": {"address": "a@example.com"}}]},
    "saveToSentItems": False,
}
ODD = [None, True, False, 0, 1, -1, 2**31, 2**63, 1.5, 30.0, float("nan"), "", "x",
       "tuesday", "second", "busy", "html", "\u202e\x00<script>", "@odata.type", [], [None],
       ["tuesday", 3], {}, {"@odata.type": "#microsoft.graph.x"}, {"unknown": 1},
       {"dateTime": 5}, {"address": None}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _mutate(rng: random.Random, body: dict[str, Any]) -> Any:
    body = copy.deepcopy(body)
    for _ in range(rng.choice((1, 1, 2, 3))):
        path = rng.choice(_paths(body))
        if not path:
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        what = rng.random()
        if what < 0.6:
            parent[last] = copy.deepcopy(rng.choice(ODD))
        elif what < 0.75 and isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent, dict):
            parent[rng.choice(("extra", "@odata.etag", "Subject", "id", "@x"))] = rng.choice(ODD)
        else:
            parent.append(copy.deepcopy(rng.choice(ODD)))
    return body


def _keyed(name: str, body: dict[str, Any]) -> dict[str, Any]:
    # Actions are matched without case, as validate_body does before checking.
    if name.startswith("action:"):
        return {schemas._action_key(name, k): v for k, v in body.items()}
    return body


@pytest.mark.parametrize(("name", "body"), [("microsoft.graph.event", EVENT),
                                            ("action:getSchedule", SCHEDULE),
                                            ("action:sendMail", MAIL)])
def test_compiled_check_agrees_with_jsonschema(name: str, body: dict[str, Any]) -> None:
    validator, quick = schemas._validator(name), schemas._quick(name)
    assert validator is not None and quick is not None
    rng = random.Random(name)
    verdicts = {True: 0, False: 0}
    for i in range(1000):
        candidate = _keyed(name, body if i == 0 else _mutate(rng, body))
        valid = not any(True for _ in validator.iter_errors(candidate))
        assert quick(candidate) == valid, candidate
        verdicts[valid] += 1
    assert verdicts[True] > 20 and verdicts[False] > 200  # both sides were exercised


def test_refused_bodies_still_get_graphs_error() -> None:
    bad = dict(EVENT, showAs="sort-of")
    with pytest.raises(GraphFault) as info:
        schemas.validate_body(bad, "microsoft.graph.event")
    assert info.value.status == 400 and "sort-of" in info.value.message
    with pytest.raises(GraphFault):
        schemas.validate_body(dict(EVENT, colour="red"), "microsoft.graph.event")
    schemas.validate_body(EVENT, "microsoft.graph.event")


def test_unmodelled_keywords_leave_it_to_jsonschema() -> None:
    assert compile_check({"type": "string", "maxLength": 3}, {"type", "maxLength"}) is None
    assert compile_check({"$ref": "#/elsewhere"}, {"$ref"}) is None
    # Keywords the real validator ignores are ignored here too.
    check = compile_check({"type": "string", "format": "date-time", "title": "t"}, {"type"})
    assert check is not None and check("not a date") and not check(3)


def test_types_are_jsonschemas() -> None:
    from service.sandbox.validate import _TYPES

    validator = schemas._validator("microsoft.graph.event")
    for value in [*ODD, 2.0, -0.0, float("inf"), 10**30, "3"]:
        for name, test in _TYPES.items():
            assert test(value) == validator.is_type(value, name), (name, value)
