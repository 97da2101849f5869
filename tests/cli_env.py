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


def cli_clock(monkeypatch: pytest.MonkeyPatch, at: str) -> None:
    """Commands run without --now (`preview`, `topics add`, `notes add`) read the clock: pin
    it to ``at``. A test's organisation is scheduled as of a fixed instant, and its series
    are booked some months ahead from then: on the real clock, "the next meeting" runs out
    on a day CI happens to run a year on, and such a test fails for the date alone."""
    from service.cli.context import parse_now
    from service.clock import SystemClock

    pinned = parse_now(at)
    monkeypatch.setattr(SystemClock, "now", lambda _self: pinned)
