"""OData query options the sandbox understands: $select, $top, paging, $filter, $expand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from service.sandbox.wire import Request, bad_request


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


# The documented forms (Graph's singleValueLegacyExtendedProperty "Get" page): the id with
# eq, and a string value with eq, ne, startswith or contains.
_EXT_ANY = re.compile(
    r"^\s*singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'((?:[^']|'')*)'"
    r"\s+and\s+(?:\1/value\s+(eq|ne)\s+'((?:[^']|'')*)'"
    r"|(startswith|contains)\(\s*\1/value\s*,\s*'((?:[^']|'')*)'\s*\))\s*\)\s*$", re.I)
_EXT_TESTS = {
    "eq": lambda value, wanted: value == wanted,
    "ne": lambda value, wanted: value != wanted,
    "startswith": lambda value, wanted: value.startswith(wanted),
    "contains": lambda value, wanted: wanted in value,
}
# A string collection's any() with eq, as Graph documents it for a user's proxyAddresses:
# proxyAddresses/any(x:x eq 'smtp:alias@contoso.com').
_ANY_EQ = re.compile(r"^\s*(\w+)/any\(\s*(\w+)\s*:\s*\2\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$",
                     re.I)
_COLLECTIONS = frozenset({"proxyAddresses"})  # filtered only with any()
_CLAUSE = re.compile(r"^\s*([\w/]+)\s+eq\s+('(?:[^']|'')*'|true|false|null|-?\d+)\s*$", re.I)


@dataclass(frozen=True)
class Filter:
    """A parsed ``$filter``: equality clauses joined by ``and``, or an extended-property any()."""

    clauses: tuple[tuple[str, Any], ...] = ()
    ext_id: str | None = None
    ext_value: str | None = None
    ext_op: str = "eq"
    any_eq: tuple[str, str] | None = None  # (collection, value)

    def matches(self, item: dict[str, Any]) -> bool:
        if self.any_eq is not None:
            name, wanted = self.any_eq
            return any(isinstance(v, str) and v.lower() == wanted.lower()
                       for v in item.get(name) or [])
        if self.ext_id is not None:
            # Graph compares the property's name exactly but its value ignoring case.
            test, wanted = _EXT_TESTS[self.ext_op], (self.ext_value or "").lower()
            return any(_same_property_id(p.get("id", ""), self.ext_id)
                       and test(str(p.get("value", "")).lower(), wanted)
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


def _same_property_id(stored: str, asked: str) -> bool:
    """Whether two extended property ids name one property: the kind and the property set
    GUID ignoring case, the ``Name`` exactly (Graph: "Filtering the string name (Name) in the
    id of an extended property is case-sensitive")."""
    head_s, _, name_s = stored.partition(" Name ")
    head_a, _, name_a = asked.partition(" Name ")
    return head_s.lower() == head_a.lower() and name_s == name_a


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
        op = (ext.group(3) or ext.group(5)).lower()
        value = ext.group(4) if ext.group(3) else ext.group(6)
        return Filter(ext_id=ext.group(2).replace("''", "'"),
                      ext_value=value.replace("''", "'"), ext_op=op)
    many = _ANY_EQ.match(text)
    if many and many.group(1) in _COLLECTIONS and (allowed is None or many.group(1) in allowed):
        return Filter(any_eq=(many.group(1), many.group(3).replace("''", "'")))
    clauses = []
    for part in _split_and(text):
        match = _CLAUSE.match(part)
        if not match or (allowed is not None and match.group(1) not in allowed) or (
                match.group(1) in _COLLECTIONS):
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
