"""Shared plumbing of the sandbox Graph: requests, errors, OData query options, formats.

Nothing here knows about users or events; the handlers in ``sandbox_directory``,
``sandbox_calendar`` and ``sandbox_mail`` build on it.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from service.domain.timezones import to_iana

# An extract of Microsoft's published Graph v1.0 schemas ships with the package (see
# schemas/README.md), so every clone and install validates request bodies the same way.
SCHEMAS_FILE = Path(__file__).resolve().parent / "schemas" / "graph-v1.0-extract.json"


class GraphFault(Exception):
    """A Graph error response: raised by handlers, turned into Graph's error JSON."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str, code: str = "BadRequest") -> GraphFault:
    return GraphFault(400, code, message)


@dataclass
class Request:
    """One request (top-level or a $batch sub-request) as the handlers see it."""

    method: str
    path: str  # without /v1.0, e.g. /users/x/events
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Any
    base: str  # scheme://host/v1.0, for absolute @odata.nextLink
    segments: list[str] = field(default_factory=list)

    @property
    def prefer_zone(self) -> str:
        """The zone name of ``Prefer: outlook.timezone`` (default UTC)."""
        match = re.search(r'outlook\.timezone\s*=\s*"([^"]+)"', self.headers.get("prefer", ""),
                          re.I)
        return match.group(1) if match else "UTC"

    @property
    def text_body(self) -> bool:
        """Whether ``Prefer: outlook.body-content-type="text"`` asks for text bodies."""
        match = re.search(r'outlook\.body-content-type\s*=\s*"?(\w+)"?',
                          self.headers.get("prefer", ""), re.I)
        return bool(match) and match.group(1).lower() == "text"

    def option(self, name: str) -> str | None:
        """A query option by name, with or without the ``$`` (Graph accepts both)."""
        for key in (f"${name}", name):
            if key in self.query:
                return self.query[key]
        return None


def parse_query(raw: str) -> dict[str, str]:
    """Query options, percent-decoded (kiota sends ``%24select``; people type ``$select``)."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        out[key.lower() if key.lower().lstrip("$") in _ODATA_OPTIONS else key] = value
    return out


_ODATA_OPTIONS = {"select", "filter", "expand", "top", "skip", "skiptoken", "orderby",
                  "count", "search"}


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# -- dates and zones ---------------------------------------------------------------------


def zone_of(name: str | None) -> ZoneInfo:
    """The ZoneInfo for a Graph zone name; 400 TimeZoneNotSupportedException if unknown."""
    try:
        return ZoneInfo(to_iana(name or "UTC"))
    except ValueError:
        raise GraphFault(
            400, "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        ) from None


def parse_dtz(value: Any, what: str) -> datetime:
    """An aware UTC datetime from a Graph ``dateTimeTimeZone`` object."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise bad_request(f"'{what}' must be an object with dateTime and timeZone.",
                          "ErrorInvalidRequest")
    zone = zone_of(value.get("timeZone") or "UTC")
    return parse_instant(value["dateTime"], zone, what)


def parse_instant(text: str, zone: Any = UTC, what: str = "dateTime") -> datetime:
    """An aware UTC datetime from ISO text (7 fractional digits, ``Z`` or offsets allowed)."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw, zone = raw[:-1], UTC
    if "." in raw:
        head, tail = raw.split(".", 1)
        digits = re.match(r"\d*", tail).group(0)  # type: ignore[union-attr]
        raw = f"{head}.{digits[:6]}" + tail[len(digits):] if digits else head + tail
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"The value '{text}' of '{what}' is not a valid date and time.",
                          "ErrorInvalidRequest") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def graph_time(instant: datetime) -> str:
    """Graph's dateTime text: local wall time with seven fractional digits, no offset."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond:06d}0"


def dtz(instant: datetime, zone_name: str) -> dict[str, str]:
    """A ``dateTimeTimeZone`` for an instant shown in ``zone_name`` (as the caller named it)."""
    return {"dateTime": graph_time(instant.astimezone(zone_of(zone_name))),
            "timeZone": zone_name}


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- OData: $select, $filter, paging -----------------------------------------------------


def select(item: dict[str, Any], request: Request, always: tuple[str, ...] = ("id",),
           known: frozenset[str] | None = None, type_name: str = "") -> dict[str, Any]:
    """The item limited to ``$select`` (plus ``id`` and OData annotations), if given.

    With ``known``, a name the type does not have is refused with 400, as Graph does
    (a ``$select`` whose commas were lost on the way arrives as one unknown name).
    """
    wanted = request.option("select")
    if not wanted:
        return item
    names = {n.strip() for n in wanted.split(",") if n.strip()}
    if known is not None:
        for name in sorted(names):
            if name not in known:
                raise bad_request(f"Could not find a property named '{name}' on type "
                                  f"'{type_name}'.", "RequestBroker--ParseUri")
    keep = names | set(always)
    return {k: v for k, v in item.items() if k in keep or k.startswith("@odata.")}


def top(request: Request, default: int, maximum: int) -> int:
    """The page size from ``$top`` (Graph rejects a size outside 1..maximum)."""
    raw = request.option("top")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Invalid page size specified: '{raw}'.",
                          "Request_UnsupportedQuery") from None
    if not 1 <= value <= maximum:
        raise bad_request(
            f"Invalid page size specified: '{raw}'. Must be between 1 and {maximum} inclusive.",
            "Request_UnsupportedQuery")
    return value


def page(items: list[dict[str, Any]], request: Request, size: int, *, token: str = "$skiptoken",
         context: str | None = None) -> dict[str, Any]:
    """One page of ``items`` with an absolute ``@odata.nextLink`` when more remain."""
    offset_text = request.option(token.lstrip("$")) or "0"
    try:
        offset = max(0, int(offset_text))
    except ValueError:
        raise bad_request(f"The {token} value '{offset_text}' is not valid.") from None
    body: dict[str, Any] = {}
    if context:
        body["@odata.context"] = context
    body["value"] = items[offset: offset + size]
    if offset + size < len(items):
        query = {k: v for k, v in request.query.items()
                 if k.lower().lstrip("$") not in ("skiptoken", "skip")}
        query[token] = str(offset + size)
        body["@odata.nextLink"] = (f"{request.base}{request.path}?"
                                   + urlencode(query, safe="$,()'/:"))
    return body


_EXT_ANY = re.compile(
    r"^\s*singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'((?:[^']|'')*)'"
    r"\s+and\s+\1/value\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$", re.I)
_CLAUSE = re.compile(r"^\s*([\w/]+)\s+eq\s+('(?:[^']|'')*'|true|false|null|-?\d+)\s*$", re.I)


@dataclass(frozen=True)
class Filter:
    """A parsed ``$filter``: equality clauses joined by ``and``, or an extended-property any()."""

    clauses: tuple[tuple[str, Any], ...] = ()
    ext_id: str | None = None
    ext_value: str | None = None

    def matches(self, item: dict[str, Any]) -> bool:
        if self.ext_id is not None:
            return any(p.get("id", "").lower() == self.ext_id.lower()
                       and p.get("value") == self.ext_value
                       for p in item.get("singleValueExtendedProperties") or [])
        for path, expected in self.clauses:
            value: Any = item
            for part in path.split("/"):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(expected, str) and isinstance(value, str):
                if value.lower() != expected.lower():  # Graph compares strings ignoring case
                    return False
            elif value != expected:
                return False
        return True


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    return int(text)


def parse_filter(text: str | None, allowed: set[str] | None = None) -> Filter:
    """A ``$filter`` the sandbox understands, or 400 naming what it cannot evaluate."""
    if not text:
        return Filter()
    ext = _EXT_ANY.match(text)
    if ext:
        return Filter(ext_id=ext.group(2).replace("''", "'"),
                      ext_value=ext.group(3).replace("''", "'"))
    clauses = []
    for part in _split_and(text):
        match = _CLAUSE.match(part)
        if not match or (allowed is not None and match.group(1) not in allowed):
            raise bad_request(f"Invalid filter clause: '{part.strip()}' is not supported.",
                              "BadRequest")
        clauses.append((match.group(1), _literal(match.group(2))))
    return Filter(clauses=tuple(clauses))


def _split_and(text: str) -> list[str]:
    """Split on `` and `` outside quoted literals."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        if not quoted and text[i: i + 5].lower() == " and ":
            parts.append(current)
            current, i = "", i + 5
            continue
        current += ch
        i += 1
    parts.append(current)
    return parts


_EXPAND_EXT = re.compile(
    r"singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*id\s+eq\s+'((?:[^']|'')*)'\s*\))?",
    re.I)


def expanded_ext_props(item: dict[str, Any], request: Request) -> list[dict[str, Any]] | None:
    """The extended properties ``$expand`` asks for (None: not expanded, so left out)."""
    match = _EXPAND_EXT.search(request.option("expand") or "")
    if not match:
        return None
    props = item.get("singleValueExtendedProperties") or []
    if match.group(1) is None:
        return [dict(p) for p in props]
    wanted = match.group(1).replace("''", "'").lower()
    return [dict(p) for p in props if p.get("id", "").lower() == wanted]


# -- bodies ------------------------------------------------------------------------------

# A run of block-level tags is one line break; each <br> is one more.
_BLOCK = re.compile(
    r"(?:\s*</?(?:p|div|tr|li|ul|ol|h[1-6]|table|tbody|blockquote|hr|pre)\b[^>]*>\s*)+", re.I)
_BREAK = re.compile(r"<br\b[^>]*>", re.I)
_DROP = re.compile(r"<(head|style|script|title)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_LINK = re.compile(r"<a\b[^>]*\bhref\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """Text as Exchange renders an HTML body for ``outlook.body-content-type="text"``.

    Block elements become line breaks, links become ``text<url>``, entities are decoded
    (``&nbsp;`` to U+00A0, as Exchange keeps it), and runs of blank lines collapse.
    """
    text = _DROP.sub("", content)
    text = re.sub(r"\s*\n\s*", " ", text)  # source line breaks are not text line breaks
    # Markers keep the "<url>" Exchange writes after a link from being stripped as a tag.
    text = _LINK.sub(lambda m: f"{m.group(2)}\x01{m.group(1)}\x02", text)
    text = _BREAK.sub("\n", _BLOCK.sub("\n", text))
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\x01", "<").replace("\x02", ">")
    lines = [line.rstrip(" ") for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def text_to_html(text: str) -> str:
    """An HTML body for a text one (Exchange stores event bodies as HTML)."""
    lines = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))
    return f"<html><head></head><body>{lines}</body></html>"


def preview(content: str, content_type: str) -> str:
    """Graph's ``bodyPreview``: the first 255 characters of the text."""
    text = html_to_text(content) if content_type.lower() == "html" else content
    return re.sub(r"\s+", " ", text).strip()[:255]


# -- request-body validation against Microsoft's schemas ---------------------------------


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """Microsoft's schemas: the packaged extract, or the file ONETOONE_GRAPH_SCHEMAS names."""
    override = os.environ.get("ONETOONE_GRAPH_SCHEMAS")
    return json.loads(Path(override or SCHEMAS_FILE).read_text())


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


@lru_cache(maxsize=8)
def _validator(name: str) -> Any:
    try:
        import jsonschema
    except ImportError:  # a plain install (no test extras): the demo runs unchecked
        return None
    doc = _document()
    schemas = doc["schemas"]
    components = {key: _strict(value, schemas) for key, value in schemas.items()}
    root = (components[name] if not name.startswith("action:")
            else _strict(doc["actions"][name.split(":", 1)[1]], schemas))
    root = dict(root)
    root["components"] = {"schemas": components}
    return jsonschema.Draft202012Validator(root)


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
