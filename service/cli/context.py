"""What every command gets: the settings (loaded on first use) and the one clock read."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from service.clock import Clock, SystemClock
from service.errors import ConfigError

if TYPE_CHECKING:  # imported when first used (see `settings`), like the CLI's other modules
    from service.config import Settings


# The years a date or instant given on the command line may fall in: the jobs reach a year
# (and reports six months) either side, which past Python's year 1 or 9999 is an
# OverflowError, not an answer.
YEARS = range(1900, 3000)


def in_years(day: date, value: str, option: str | None = None) -> None:
    """Refuse a date from the command line outside YEARS, naming it."""
    if day.year not in YEARS:
        raise click.BadParameter(f"{value!r} is out of range: use a date in the years "
                                 f"{YEARS.start}–{YEARS.stop - 1}", param_hint=option)


def day_in_years(_ctx: click.Context, param: click.Parameter, value: datetime | None
                 ) -> datetime | None:
    """A click callback for a click.DateTime option: refused outside YEARS."""
    if value is not None:
        in_years(value.date(), value.date().isoformat(), f"'{(param.opts or [''])[0]}'")
    return value


def parse_now(value: str, option: str = "'--now'") -> datetime:
    """An ISO-8601 instant from --now (or ``option``; no zone = UTC), as aware UTC."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 instant; use e.g. 2026-12-01T09:00:00Z",
            param_hint=option) from exc
    in_years(parsed.date(), value, option)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class Ctx:
    """The click context object. ``worker``: the command is the long-running worker, whose
    log lines are its output; a one-shot command's output is its table."""

    def __init__(self, config: str | None, verbose: bool, *, worker: bool = False,
                 clock: Clock | None = None) -> None:
        self.config_path = config
        self.verbose = verbose
        self.worker = worker
        self._clock: Clock = clock or SystemClock()
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from service.config import load_config
            from service.logs import configure

            self._settings = load_config(self.config_path)
            configure(self._log_level(self._settings), self._settings.worker.log_format)
        return self._settings

    def _log_level(self, settings: Settings) -> str:
        """--verbose: DEBUG. A one-shot command on a terminal shows its own table, not a
        screen of info lines, unless the log settings were set (then they are honoured)."""
        if self.verbose:
            return "DEBUG"
        level: str = settings.worker.log_level
        asked = any(settings.origin(k) != "default"
                    for k in ("worker.log_level", "worker.log_format"))
        if self.worker or asked or not sys.stderr.isatty():
            return level
        return max(level.upper(), "WARNING", key=logging.getLevelName)

    def now(self, now_text: str | None = None) -> datetime:
        """The instant a command runs as: --now when given, else the clock. The one place a
        command reads the time; everything below gets it passed in."""
        return parse_now(now_text) if now_text else self._clock.now()

    def worker_clock(self) -> Clock | None:
        """The worker's clock from ONETOONE_TEST_CLOCK (crash tests run months in minutes),
        or None for real time. Refused against a real tenant: simulated time would book and
        mail real people on the wrong days."""
        from service.clock import FileClock, ScaledClock

        text = os.environ.get("ONETOONE_TEST_CLOCK", "").strip()
        if not text:
            return None
        if not self.settings.is_sandbox:
            raise ConfigError("ONETOONE_TEST_CLOCK is set but [microsoft] points at a real "
                              "tenant; a simulated clock only runs against the sandbox: unset it")
        try:
            return FileClock.parse(text) if text.startswith("file:") else ScaledClock.parse(text)
        except ValueError as exc:
            raise ConfigError(f"ONETOONE_TEST_CLOCK: {exc}") from None
