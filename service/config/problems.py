"""A value on its way through the loader, and the problems a check can find with it.

Checks raise :class:`Bad` (or :class:`BadMany`); the loader turns each into one line of the
:class:`~service.errors.ConfigError` it raises, so every problem is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Bad(Exception):
    """One problem with one value: ``problem`` follows "[s] k = value", ``fix`` says what to do.

    ``label``/``value`` replace the key name and value in the message when the problem is with
    one entry of a list or table.
    """

    def __init__(self, problem: str, fix: str, *, label: str | None = None, value: Any = None,
                 entry: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.label = label
        self.value = value
        self.entry = entry  # the table entry's name, to find its line in the file


class BadMany(Exception):
    """Several problems with one list or table value, each reported on its own line."""

    def __init__(self, problems: list[Bad]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Raw:
    """A value before validation, with where it came from."""

    value: Any
    origin: str  # "default", the file path as given, or "env NAME"
    where: str  # prefix for messages: "file:line", "file", "NAME" or "defaults"
    base: Path | None = None  # folder that relative paths are relative to (file values only)
    from_env: bool = False
    # Where the value an environment variable replaced was written ("file:line"), if it was:
    # a message about the variable's value names the line the admin would otherwise read.
    overrides: str | None = None
