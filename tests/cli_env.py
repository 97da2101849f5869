"""The environment a CLI test runs the `onetoone` commands in, as a newcomer's shell would be."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def cli_env(monkeypatch: pytest.MonkeyPatch, folder: Path | None, columns: int) -> None:
    """Work in ``folder`` (None: stay), with a terminal ``columns`` wide (rich would wrap
    table cells at 80) and no ONETOONE_ variable from the machine running the tests (a
    setting there would change what the command reads)."""
    if folder is not None:
        monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", str(columns))
    for key in [k for k in os.environ if k.startswith("ONETOONE_")]:
        monkeypatch.delenv(key)
