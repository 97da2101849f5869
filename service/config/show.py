"""Showing settings: ``onetoone config`` rows, the example file / ``onetoone init``, ``--help``.

All three are generated from :data:`~service.config.keys.KEYS`, so they cannot drift from
what the loader accepts.
"""

from __future__ import annotations

import json
import textwrap
from datetime import time
from typing import Any

from service.config.keys import ENV_CONFIG, ENV_SECRET, GUID_EXAMPLE, KEYS, SECTIONS, Key
from service.config.settings import Settings
from service.domain.model import CadenceKind


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """Rows of (``section.key``, value, origin) for ``doctor``/``config show``; no secrets."""
    rows: list[tuple[str, str, str]] = []
    origins = dict(settings.origins)
    for k in KEYS:
        value = getattr(getattr(settings, k.section), k.key)
        origin = origins.get(k.name, "default")
        if k.secret:
            shown = "set" if value else "not set"
        elif k.name == "database.url":
            shown = settings.database.safe_url
        elif k.type == "auto" and value is None:
            shown = "auto"
        else:
            shown = _plain(value)
        if k.name in ("microsoft.authority", "microsoft.graph_url") and origin == "default":
            origin = f"default for cloud {settings.microsoft.cloud}"
        rows.append((k.name, shown, origin))
    return rows


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, CadenceKind):
        return value.value
    if isinstance(value, tuple):
        return ", ".join(
            f"{item[0]}={_plain(item[1])}" if isinstance(item, tuple) else _plain(item)
            for item in value
        )
    return str(value)


def as_toml(value: Any) -> str:
    """A value as TOML would spell it (for messages and the example file)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(as_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{as_toml(str(a))} = {as_toml(b)}" for a, b in value.items())
        return "{ " + ", ".join(pairs) + " }"
    return as_toml(str(value))


# The header still names service/config.py: config.example.toml must equal this text byte for
# byte (a test checks it), so the path changes there and here in one go.
_EXAMPLE_HEADER = f"""\
# onetoone configuration.
#
# Every key is shown with its default; uncomment a line to change it.
# Each key can also be set in the environment as ONETOONE_<SECTION>_<KEY>, which wins over
# this file, e.g. ONETOONE_POLICY_MINUTES=45 (lists: comma-separated; true/false for switches).
# The client secret is read ONLY from {ENV_SECRET}.
# Relative paths in this file are relative to this file's folder.
#
# Generated from KEYS in service/config/keys.py (`onetoone init` writes the same text).

"""


def render_example(*, commented: bool = True) -> str:
    """The annotated config file: every key, its help, its environment variable and default.

    ``commented=False`` writes the values as live lines (the tests load that to prove every
    default round-trips through the parser).
    """
    lead = "# " if commented else ""
    out: list[str] = [_EXAMPLE_HEADER]
    for section in SECTIONS:
        out.append(f"[{section}]\n")
        tables: list[Key] = []
        for k in KEYS:
            if k.section != section:
                continue
            if k.type == "table":
                tables.append(k)
                continue
            out.append(_help_comment(k))
            if k.env_only:
                out.append(f"# (not a file setting: set {k.env} in the environment)\n\n")
            else:
                out.append(f"{lead}{k.key} = {as_toml(k.default)}\n\n")
        for k in tables:
            out.append(f"[{k.section}.{k.key}]\n")
            out.append(_help_comment(k))
            name_ex, value_ex = k.example if k.example[0] else (GUID_EXAMPLE, "weekly")
            out.append(f'# "{name_ex}" = "{value_ex}"\n\n')
    return "".join(out).rstrip("\n") + "\n"


def _help_comment(k: Key) -> str:
    text = k.help
    if k.minimum is not None and k.maximum is not None:
        text += f" Range {k.minimum}..{k.maximum}."
    if k.type == "list":
        text += f" Environment: {k.env} (comma-separated)."
    elif k.type == "table" and k.example[0]:
        text += f" Environment: {k.env}={k.example[0]}={k.example[1]},<name>=<code>."
    elif k.type == "table":
        text += f" Environment: {k.env}=<guid>=weekly,<guid>=monthly."
    elif not k.env_only:
        text += f" Environment: {k.env}."
    return "".join(f"# {line}\n" for line in textwrap.wrap(text, width=94, break_on_hyphens=False))


STARTER_CONFIG: str = render_example()


def env_help() -> str:
    """The environment variables and what they set, for ``onetoone --help``."""
    lines = [
        "Settings come from the config file (--config, $ONETOONE_CONFIG or ./onetoone.toml)",
        "and these environment variables, which win over the file:",
        "",
    ]
    width = max(len(k.env) for k in KEYS)
    for k in KEYS:
        default = "(none)" if k.secret else as_toml(k.default)
        lines.append(f"  {k.env:<{width}}  [{k.section}] {k.key} (default {default})")
    lines.append(f"  {ENV_CONFIG:<{width}}  path of the config file")
    return "\n".join(lines)
