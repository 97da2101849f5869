"""Check request bodies against Microsoft's Graph v1.0 schemas (service/graph/schemas).

Graph rejects a property that does not exist on the type, and a value of the wrong type or
enum; jsonschema alone would let unknown properties through, so this walks the body too.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from service.sandbox.schemas import SCHEMAS_FILE as SCHEMAS


@cache
def _doc() -> dict[str, Any]:
    return json.loads(SCHEMAS.read_text())


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve(_doc()["schemas"][name])
    return schema


def _properties(schema: dict[str, Any]) -> dict[str, Any] | None:
    """All properties of an object schema, following allOf (base types) and anyOf wrappers."""
    schema = _resolve(schema)
    props: dict[str, Any] = {}
    found = False
    for part in schema.get("allOf", []):
        sub = _properties(part)
        if sub is not None:
            props.update(sub)
            found = True
    for part in schema.get("anyOf", []):
        sub = _properties(part)
        if sub:
            props.update(sub)
            found = True
    if "properties" in schema:
        props.update(schema["properties"])
        found = True
    return props if found else None


def unknown_properties(schema: dict[str, Any], body: Any, path: str = "") -> list[str]:
    """Paths of properties in ``body`` that the schema doesn't define."""
    out: list[str] = []
    schema = _resolve(schema)
    if isinstance(body, dict):
        props = _properties(schema)
        if props is None:
            return out
        lowered = {k.lower(): v for k, v in props.items()} if schema.get("x-ms-kind") else None
        for key, value in body.items():
            sub = props.get(key) if lowered is None else lowered.get(key.lower())
            if sub is None:
                out.append(f"{path}/{key}")
            else:
                out.extend(unknown_properties(sub, value, f"{path}/{key}"))
    elif isinstance(body, list):
        items = schema.get("items")
        if items is None:
            for part in schema.get("anyOf", []):
                items = _resolve(part).get("items") or items
        if items is not None:
            for i, value in enumerate(body):
                out.extend(unknown_properties(items, value, f"{path}[{i}]"))
    return out


def assert_valid(operation: str, body: dict[str, Any]) -> None:
    """Fail unless Graph would accept ``body`` for ``operation``.

    ``operation`` is a key of the schema file's operations, e.g. 'POST /users/{user-id}/events'.
    """
    target = _doc()["operations"][operation]
    if target.startswith("action:"):
        schema = _doc()["actions"][target.split(":", 1)[1]]
        # Action parameters bind case-insensitively (docs use camelCase, CSDL PascalCase).
        props = {k.lower(): v for k, v in schema["properties"].items()}
        body = {k: v for k, v in body.items()}
        for key in body:
            assert key.lower() in props, f"unknown action parameter {key}"
        for key, value in body.items():
            bad = unknown_properties(props[key.lower()], value, key)
            assert not bad, f"unknown properties: {bad}"
        return
    schema = _doc()["schemas"][target]
    bad = unknown_properties(schema, body)
    assert not bad, f"Graph would reject unknown properties: {bad}"
    resolver_doc = {"components": {"schemas": _doc()["schemas"]}}
    validator = jsonschema.Draft7Validator({**schema, **resolver_doc})
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, errors
