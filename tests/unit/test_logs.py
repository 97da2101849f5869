"""Logs: structured lines, and secrets never printed at any level."""

from __future__ import annotations

import json
import logging

from service.logs import JsonFormatter, TextFormatter, register_secret


def record(msg: str, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"msg": msg, "levelname": "DEBUG", "name": "t"})
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_line_has_event_and_fields() -> None:
    """A JSON line carries the stable event name and the structured fields."""
    line = json.loads(JsonFormatter().format(record("schedule.created", pairing="p-1")))
    assert line["event"] == "schedule.created" and line["pairing"] == "p-1"


def test_registered_secret_is_redacted_everywhere() -> None:
    """The client secret is replaced in messages and fields, JSON and text alike."""
    register_secret("S3cr3t-Value~xyz")
    rec = record("got S3cr3t-Value~xyz back", detail="S3cr3t-Value~xyz", client_secret="x")
    for formatter in (JsonFormatter(), TextFormatter()):
        out = formatter.format(rec)
        assert "S3cr3t-Value~xyz" not in out
        assert "***" in out


def test_bearer_tokens_are_redacted() -> None:
    """An Authorization header value never reaches a log line."""
    out = TextFormatter().format(record("header Authorization: Bearer eyJ0eXAiOiJKV1Qi.abc.def"))
    assert "eyJ0eXAiOiJKV1Qi" not in out
