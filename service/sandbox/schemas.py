"""Request bodies checked against Microsoft's published Graph v1.0 schemas."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.sandbox.validate import Check, compile_check
from service.sandbox.wire import GraphFault

try:  # with the sandbox, not on its first request (a tenant's first create paid ~50 ms)
    import jsonschema as _jsonschema

    JSONSCHEMA: Any = _jsonschema
except ImportError:  # a plain install (no test extras): the demo runs unchecked
    JSONSCHEMA = None

# An extract of Microsoft's published Graph v1.0 schemas ships with the package (see
# service/graph/schemas/README.md: the Graph payload tests read it too), so every clone and
# install validates request bodies the same way.
SCHEMAS_FILE = (Path(__file__).resolve().parents[1] / "graph" / "schemas"
                / "graph-v1.0-extract.json")


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """Microsoft's schemas: the packaged extract, or the file ONETOONE_GRAPH_SCHEMAS names."""
    override = os.environ.get("ONETOONE_GRAPH_SCHEMAS")
    return json.loads(Path(override or SCHEMAS_FILE).read_text(encoding="utf-8"))


def _strict(node: Any, schemas: dict[str, Any]) -> Any:
    """OpenAPI 3.0 -> JSON Schema: nullable types, allOf flattened, unknown properties refused.

    The OpenAPI ``anyOf: [$ref, {type: object, nullable: true}]`` wrapper would accept any
    object; it becomes ``anyOf: [$ref, {type: null}]`` so nested bodies are checked too.
    """
    if isinstance(node, list):
        return [_strict(n, schemas) for n in node]
    if not isinstance(node, dict):
        return node
    if "allOf" in node:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in node["allOf"]:
            part = schemas[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
            flat = _strict(part, schemas)
            merged["properties"].update(flat.get("properties", {}))
            if flat.get("title"):
                merged["title"] = flat["title"]
        merged["additionalProperties"] = False
        merged["patternProperties"] = {"^@": {}}
        return merged
    out = {k: _strict(v, schemas) for k, v in node.items()
           if k not in ("nullable", "x-ms-kind", "readOnly")}
    if "anyOf" in out:
        out["anyOf"] = [{"type": "null"} if _open_object(alt) else alt for alt in out["anyOf"]]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
        out["patternProperties"] = {"^@": {}}
    if out.get("type") == "number" and out.get("format") in ("int32", "int64"):
        out["type"] = "integer"
    if isinstance(out.get("type"), list) and "number" in out["type"] and node.get("format") in (
            "int32", "int64"):
        out["type"] = ["integer", "null"]
    return out


def _open_object(schema: dict[str, Any]) -> bool:
    """The OpenAPI converter's "any object or null" placeholder."""
    return (schema.get("type") in ("object", ["object", "null"])
            and "properties" not in schema and "$ref" not in schema)


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    """Every Graph type as strict JSON Schema (worked out once, shared by all validators)."""
    schemas = _document()["schemas"]
    return {key: _strict(value, schemas) for key, value in schemas.items()}


def _root(name: str) -> dict[str, Any]:
    components = _components()
    root = (components[name] if not name.startswith("action:")
            else _strict(_document()["actions"][name.split(":", 1)[1]], _document()["schemas"]))
    root = dict(root)
    root["components"] = {"schemas": components}
    return root


@lru_cache(maxsize=8)
def _validator(name: str) -> Any:
    if JSONSCHEMA is None:
        return None
    return JSONSCHEMA.Draft202012Validator(_root(name))


@lru_cache(maxsize=8)
def _quick(name: str) -> Check | None:
    """The compiled check for a type or action (None: a keyword it doesn't know; then every
    body goes to jsonschema)."""
    validator = _validator(name)
    if validator is None:
        return None
    validating = set(validator.VALIDATORS)
    if validator.format_checker is None:
        validating.discard("format")  # an annotation only, as jsonschema treats it here
    return compile_check(_root(name), validating)


def _odata_type(title: str | None) -> str:
    return f"Microsoft.OutlookServices.{(title or 'Item')[:1].upper()}{(title or 'Item')[1:]}"


def validate_body(body: Any, schema: str) -> None:
    """400 ``RequestBodyRead`` unless ``body`` is valid for the named Graph type or action."""
    if not isinstance(body, dict):
        raise GraphFault(400, "RequestBodyRead", "The request body must be a JSON object.")
    validator = _validator(schema)
    if validator is None:
        return
    if schema.startswith("action:"):
        # Action parameter names are matched without regard to case ("Comment"/"comment").
        body = {_action_key(schema, k): v for k, v in body.items()}
    quick = _quick(schema)
    if quick is not None and quick(body):
        return  # certainly valid; anything else gets jsonschema's verdict and its message
    errors = sorted(validator.iter_errors(body), key=lambda e: len(list(e.path)))
    if not errors:
        return
    error = errors[0]
    if error.validator == "anyOf":
        # Report the reason inside the $ref alternative, which is the meaningful one.
        deeper = [e for e in error.context if e.schema != {"type": "null"}]
        error = min(deeper, key=lambda e: len(list(e.absolute_path)), default=error)
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties") or {})
        extra = sorted(k for k in error.instance if k not in allowed and not k.startswith("@"))
        raise GraphFault(
            400, "RequestBodyRead",
            f"The property '{extra[0] if extra else '?'}' does not exist on type "
            f"'{_odata_type(error.schema.get('title'))}'. Make sure to only use property "
            "names that are defined by the type or mark the type as open type.",
        )
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    expected = error.schema.get("title") or error.schema.get("type") or "value"
    raise GraphFault(
        400, "RequestBodyRead",
        f"Cannot convert the literal '{error.instance}' to the expected type '{expected}' "
        f"(at '{where}'): {error.message}.",
    )


def _action_key(schema: str, key: str) -> str:
    params = (_document() or {"actions": {}})["actions"][schema.split(":", 1)[1]]["properties"]
    for name in params:
        if name.lower() == key.lower():
            return name
    return key


def action_params(body: Any) -> dict[str, Any]:
    """Action parameters by lower-cased name (Graph matches them without case)."""
    if not isinstance(body, dict):
        raise GraphFault(400, "RequestBodyRead", "The request body must be a JSON object.")
    return {k.lower(): v for k, v in body.items()}


@lru_cache(maxsize=8)
def property_names(schema: str) -> frozenset[str] | None:
    """Every property name of a Graph type (base types included), None without schemas."""
    doc = _document()
    schemas = doc["schemas"]
    names: set[str] = set()
    pending = [schemas[schema]]
    while pending:
        node = pending.pop()
        for part in node.get("allOf", [node]):
            if "$ref" in part:
                pending.append(schemas[part["$ref"].rsplit("/", 1)[1]])
            else:
                names.update(part.get("properties", {}))
    return frozenset(names)
