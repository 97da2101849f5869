"""Logging set-up for the entry points (CLI and worker). Library code only logs.

One line per event with a stable event name and structured fields: JSON when stdout is not
a terminal (containers, systemd), readable text otherwise. Anything that looks like a secret
is redacted at the formatter, whatever the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from service.domain.text import for_one_line, for_terminal

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SECRET_KEYS = re.compile(r"secret|password|token|authorization|assertion|private", re.I)
_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Never print this value in any log line (e.g. the client secret)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def _scrub(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return re.sub(r"(Bearer\s+)[A-Za-z0-9._\-]+", r"\1***", text)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        out[key] = "***" if _SECRET_KEYS.search(key) else value
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        data.update(_fields(record))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return _scrub(json.dumps(data, default=str))


class TextFormatter(logging.Formatter):
    """One line per event for a terminal. Field values name people and quote what Graph
    said: each is cleaned to one line (`for_one_line`), so an escape sequence or a bidi
    mark in a name can't act on the terminal, nor a line break in it fake another event.
    (JSON escapes all of these itself.)"""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={for_one_line(str(v))}" for k, v in _fields(record).items())
        line = f"{record.levelname.lower():7} {for_one_line(record.getMessage())} {extra}"
        if record.exc_info:
            line = line.rstrip() + "\n" + for_terminal(self.formatException(record.exc_info))
        return _scrub(line.rstrip())


def configure(level: str = "INFO", fmt: str = "auto", *, to: Path | None = None) -> None:
    """Configure the root logger once, for an entry point (``to``: a file of JSON lines
    instead of stderr, as the demo keeps its story on the screen)."""
    use_json = to is not None or fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler: logging.Handler = (logging.FileHandler(to, mode="w", encoding="utf-8")
                                if to is not None else logging.StreamHandler(sys.stderr))
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries log every HTTP request and migration step; our own events say what matters.
    # (httpcore and hpack would print headers at DEBUG, so they never go below WARNING.)
    for noisy in ("httpx", "msal", "urllib3", "azure", "kiota_http", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for never in ("httpcore", "hpack"):
        logging.getLogger(never).setLevel(logging.WARNING)
