"""A compiled yes/no check for the strict Graph schemas, in front of jsonschema.

jsonschema walks the schema afresh for every body (about 3 ms for an event). Compiled once
into closures, the same rules take a few microseconds, so the sandbox checks every create
without costing the benchmark its CPU. The check answers only "certainly valid": any
body it does not pass goes to jsonschema, which decides and words the error, so the sandbox
refuses exactly what it refused before. Each keyword below follows jsonschema's Draft
2020-12 semantics (its type checker: a bool is not a number, 30.0 is an integer; patterns
by ``re.search``); a schema using a validating keyword not handled here compiles to
``None`` (always jsonschema), and keywords jsonschema ignores are ignored here too.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Collection
from typing import Any

Check = Callable[[Any], bool]

_TYPES: dict[str, Check] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: ((isinstance(v, int) and not isinstance(v, bool))
                          or (isinstance(v, float) and v.is_integer())),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}
_REF_PREFIX = "#/components/schemas/"


class _Unsupported(Exception):
    """A keyword (or keyword value) the compiled check doesn't model."""


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


class _Compiler:
    def __init__(self, root: dict[str, Any], validating: Collection[str]) -> None:
        self.components: dict[str, Any] = root.get("components", {}).get("schemas", {})
        self.validating = frozenset(validating)
        self.refs: dict[str, Check] = {}

    def ref(self, target: str) -> Check:
        if not target.startswith(_REF_PREFIX) or target[len(_REF_PREFIX):] not in self.components:
            raise _Unsupported(target)
        name = target[len(_REF_PREFIX):]
        if name not in self.refs:
            self.refs[name] = _never  # a placeholder while the (maybe recursive) type compiles
            self.refs[name] = self.schema(self.components[name])
        refs = self.refs
        return lambda v: refs[name](v)

    def schema(self, node: Any) -> Check:
        if node is True or node == {}:
            return _always
        if node is False:
            return _never
        if not isinstance(node, dict):
            raise _Unsupported(repr(node))
        checks = [self.keyword(key, value, node) for key, value in node.items()
                  if key in self.validating]
        checks = [c for c in checks if c is not _always]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    def keyword(self, key: str, value: Any, node: dict[str, Any]) -> Check:
        handler = getattr(self, "kw_" + key.lstrip("$"), None)
        if handler is None:
            raise _Unsupported(key)
        check: Check = handler(value, node)
        return check

    def kw_ref(self, value: Any, _node: dict[str, Any]) -> Check:
        return self.ref(value)

    def kw_type(self, value: Any, _node: dict[str, Any]) -> Check:
        names = value if isinstance(value, list) else [value]
        tests = [_TYPES[n] for n in names]
        return lambda v: any(t(v) for t in tests)

    def kw_enum(self, value: Any, _node: dict[str, Any]) -> Check:
        if not all(e is None or isinstance(e, str) for e in value):
            raise _Unsupported("enum")  # jsonschema's equality for other values differs
        strings, null = frozenset(e for e in value if e is not None), None in value
        return lambda v: (v is None and null) or (isinstance(v, str) and v in strings)

    def kw_pattern(self, value: str, _node: dict[str, Any]) -> Check:
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def kw_minimum(self, value: Any, _node: dict[str, Any]) -> Check:
        number = _TYPES["number"]
        return lambda v: not number(v) or not v < value

    def kw_maximum(self, value: Any, _node: dict[str, Any]) -> Check:
        number = _TYPES["number"]
        return lambda v: not number(v) or not v > value

    def kw_required(self, value: list[str], _node: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, dict) or all(k in v for k in value)

    def kw_items(self, value: Any, node: dict[str, Any]) -> Check:
        if "prefixItems" in node:
            raise _Unsupported("prefixItems")
        item = self.schema(value)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

    def kw_properties(self, value: dict[str, Any], _node: dict[str, Any]) -> Check:
        props = [(k, self.schema(s)) for k, s in value.items()]
        props = [(k, c) for k, c in props if c is not _always]
        return lambda v: not isinstance(v, dict) or all(c(v[k]) for k, c in props if k in v)

    def kw_patternProperties(self, value: dict[str, Any], _node: dict[str, Any]) -> Check:
        pats = [(re.compile(p).search, self.schema(s)) for p, s in value.items()]
        pats = [(p, c) for p, c in pats if c is not _always]
        if not pats:
            return _always
        return lambda v: not isinstance(v, dict) or all(
            c(x) for k, x in v.items() for p, c in pats if p(k))

    def kw_additionalProperties(self, value: Any, node: dict[str, Any]) -> Check:
        known = frozenset(node.get("properties", {}))
        joined = "|".join(node.get("patternProperties", {}))
        search = re.compile(joined).search if joined else None
        extra_ok = self.schema(value)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            return all(extra_ok(x) for k, x in v.items()
                       if k not in known and not (search is not None and search(k)))
        return check

    def kw_anyOf(self, value: list[Any], _node: dict[str, Any]) -> Check:
        alts = [self.schema(s) for s in value]
        return lambda v: any(a(v) for a in alts)

    def kw_oneOf(self, value: list[Any], _node: dict[str, Any]) -> Check:
        alts = [self.schema(s) for s in value]
        return lambda v: sum(1 for a in alts if a(v)) == 1

    def kw_allOf(self, value: list[Any], _node: dict[str, Any]) -> Check:
        parts = [self.schema(s) for s in value]
        return lambda v: all(p(v) for p in parts)


def compile_check(root: dict[str, Any], validating: Collection[str]) -> Check | None:
    """A check that is True only for bodies valid against ``root`` (its ``$ref``s point into
    ``root["components"]["schemas"]``). ``validating``: the keywords the real validator
    acts on (the rest are annotations to it, and ignored here). None when the schema uses
    one this module doesn't model."""
    try:
        return _Compiler(root, validating).schema(root)
    except (_Unsupported, KeyError, re.error):
        return None


__all__ = ["Check", "compile_check"]
