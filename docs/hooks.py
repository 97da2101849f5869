"""MkDocs hook: writes the reference pages from the code at build time.

The configuration reference comes from the key table (``service.config.KEYS``) and the
command-line reference from click's command tree, so neither can drift from what the code
accepts. A page asks for a table with a marker line (see ``MARKERS``); the hook replaces it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

# mkdocs loads this file by path; the checkout must win over any other installed copy.
_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

CONFIG_MARKER = "<!-- generated: configuration keys -->"
CLI_MARKER = "<!-- generated: command line -->"


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return _prose(text).replace("|", "\\|")


def _prose(text: str) -> str:
    """One line of plain text, with ``<NAME>`` shown rather than read as an HTML tag."""
    return " ".join(text.split()).replace("<", "&lt;").replace(">", "&gt;")


def _default(key: Any) -> str:
    if key.secret or key.env_only:
        return "(none — environment only)"
    if key.type == "table":
        return "(empty table)" if not key.default else f"`{_cell(json.dumps(key.default))}`"
    if key.type == "bool":
        return "`true`" if key.default else "`false`"
    if key.type == "list":
        return f"`{json.dumps(list(key.default))}`"
    if key.type == "str":
        return f"`{json.dumps(key.default)}`"
    return f"`{key.default}`"


def _env(key: Any) -> str:
    if key.type == "list":
        return f"`{key.env}` (comma-separated)"
    if key.type == "table":
        name, value = key.example if key.example[0] else ("<guid>", "weekly")
        return f"`{key.env}` (`{name}={value},...`)"
    return f"`{key.env}`"


def _meaning(key: Any) -> str:
    text = key.help
    if key.minimum is not None and key.maximum is not None:
        text += f" Range {key.minimum}–{key.maximum}."
    return _cell(text)


def config_reference() -> str:
    """The table of every setting: section, key, default, environment variable, meaning."""
    from service.config import KEYS

    lines = [
        "| Section | Key | Default | Environment variable | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in KEYS:
        lines.append(
            f"| `{key.section}` | `{key.key}` | {_default(key)} | {_env(key)} | {_meaning(key)} |"
        )
    return "\n".join(lines) + "\n"


def root_command() -> click.Command:
    """The ``onetoone`` click group (the console script's command tree)."""
    import service.cli

    for name in ("cli", "main"):
        command = getattr(service.cli, name, None)
        if isinstance(command, click.Command):
            return command
    raise LookupError("service.cli exposes no click command named cli or main")


def walk(
    command: click.Command, parent: click.Context | None = None, name: str = "onetoone"
) -> Iterator[tuple[click.Context, click.Command]]:
    """Every command under ``command`` (itself first), each with a context for its usage."""
    ctx = click.Context(command, info_name=name, parent=parent, **command.context_settings)
    yield ctx, command
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, ctx, sub_name)


def _options(ctx: click.Context, command: click.Command) -> list[str]:
    rows = []
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, text = record
        rows.append(f"| `{_cell(names)}` | {_cell(text)} |")
    if not rows:
        return []
    return ["| Option | Meaning |", "| --- | --- |", *rows, ""]


def _help_text(command: click.Command) -> list[str]:
    # click's "\b" marks a paragraph it must not rewrap; Markdown needs no such hint.
    text = (command.help or command.short_help or "").replace("\b\n", "")
    paragraphs = [_prose(p) for p in text.split("\n\n") if p.strip()]
    return [line for p in paragraphs for line in (p, "")]


def cli_reference() -> str:
    """One section per command: its usage, its help text and its options, from click."""
    out: list[str] = []
    for ctx, command in walk(root_command()):
        out += [f"### `{ctx.command_path}`", ""]
        usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
        out += ["```", usage, "```", ""]
        out += _help_text(command)
        out += _options(ctx, command)
    return "\n".join(out)


GENERATORS: dict[str, Callable[[], str]] = {
    CONFIG_MARKER: config_reference,
    CLI_MARKER: cli_reference,
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace each marker line with the table it names."""
    for marker, generate in GENERATORS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown
