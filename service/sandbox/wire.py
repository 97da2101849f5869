"""Requests, responses, errors and date-times as the sandbox Graph speaks them.

Nothing here knows about users or events; every handler module builds on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from service.domain.timezones import to_iana

__all__ = ["UTC", "GraphFault", "Request", "Response"]


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
    def body_type(self) -> str | None:
        """What ``Prefer: outlook.body-content-type`` asks for ("text" or "html"), lower
        case; None when the request does not say."""
        match = re.search(r'outlook\.body-content-type\s*=\s*"?(\w+)"?',
                          self.headers.get("prefer", ""), re.I)
        return match.group(1).lower() if match else None

    @property
    def text_body(self) -> bool:
        """Whether ``Prefer: outlook.body-content-type="text"`` asks for text bodies."""
        return self.body_type == "text"

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


def error_body(code: str, message: str) -> dict[str, Any]:
    """Graph's error JSON."""
    return {"error": {"code": code, "message": message}}
