"""The one clock seam. Only the worker loop and the CLI read the real time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    # How many seconds of this clock pass per wall-clock second (the worker scales its
    # intervals by it, so a simulated month keeps its rhythm of runs).
    speed: float

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, always aware UTC."""

    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Simulated time: ``start`` at wall-clock instant ``wall_start`` (Unix seconds), then
    ``speed`` times faster than the wall clock.

    Anchoring to a wall-clock instant rather than to process start keeps one timeline across
    processes, so a worker killed and restarted resumes where the simulation is, as a real
    worker resumes in real time. Only the sandbox tenant may run on it (see the CLI).
    """

    def __init__(self, start: datetime, wall_start: float, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware start")
        if speed <= 0:
            raise ValueError("ScaledClock needs a positive speed")
        self.start, self.wall_start, self.speed = start.astimezone(UTC), wall_start, speed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.wall_start) * self.speed)

    @classmethod
    def parse(cls, text: str) -> ScaledClock:
        """``START@WALL_EPOCHxSPEED``, e.g. ``2026-11-23T06:00:00+00:00@1795000000.5x14400``."""
        try:
            start_text, rest = text.strip().split("@", 1)
            wall_text, speed_text = rest.split("x", 1)
            return cls(datetime.fromisoformat(start_text), float(wall_text), float(speed_text))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not START@WALL_EPOCHxSPEED ({exc})") from None


class FixedClock:
    """A clock that says what it is told (tick --now, the demo, tests)."""

    speed = 1.0

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


class FileClock:
    """Simulated time read from a file that a test writes (an ISO-8601 instant per write).

    A crash test drives time step by step: it moves the clock on only after the worker has
    finished a run at the current instant, so how many meetings happen doesn't depend on how
    fast a (possibly busy) machine runs. ``speed`` still scales the worker's intervals so runs
    follow one another quickly.
    """

    def __init__(self, path: Path, speed: float) -> None:
        if speed <= 0:
            raise ValueError("FileClock needs a positive speed")
        self.path, self.speed = path, speed

    def now(self) -> datetime:
        at = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        if at.tzinfo is None:
            raise ValueError(f"{self.path} holds a time without a zone")
        return at.astimezone(UTC)

    @classmethod
    def parse(cls, text: str) -> FileClock:
        """``file:SPEED:PATH``, e.g. ``file:86400:/tmp/clock.txt``."""
        try:
            _, speed_text, path = text.strip().split(":", 2)
            return cls(Path(path), float(speed_text))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not file:SPEED:PATH ({exc})") from None
