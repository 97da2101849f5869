"""The demo shows where it is in the simulated weeks on a terminal, and draws nothing when
its output goes to a file or a pipe. (Short walks: the whole demo is timed by
benchmarks/demo.py, not here.)"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from service.demo import run_demo

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
WALK = timedelta(days=3)  # seven ticks, twelve hours apart


def test_on_a_terminal_a_bar_shows_the_simulated_day(tmp_path: Path) -> None:
    """A terminal sees the bar with the week, the simulated day and the ticks done; it is
    cleared when the walk ends, and the summary follows."""
    screen = io.StringIO()
    run_demo(tmp_path / "out", NOW, Console(file=screen, force_terminal=True, width=120,
                                            color_system=None), walk=WALK)
    text = screen.getvalue()
    days = re.findall(r"Week (\d) of (\d): (\w{3} \d\d \w{3} \d\d:\d\d) UTC", text)
    assert days, text[:2000]
    assert {(week, weeks) for week, weeks, _ in days} == {("1", "1")}
    assert {day for _, _, day in days} <= {f"{NOW + timedelta(hours=12 * n):%a %d %b %H:%M}"
                                           for n in range(7)}
    assert "7/7" in text
    assert "created 9 series, adopted 1" in text  # the summary, after the bar
    assert (tmp_path / "out" / "index.html").exists()


def test_to_a_file_nothing_is_drawn_but_the_summary(tmp_path: Path) -> None:
    """Output that is not a terminal (a log, a pipe, CI) gets the summary and no bar."""
    log = io.StringIO()
    run_demo(tmp_path / "out", NOW, Console(file=log, force_terminal=False, width=120),
             walk=WALK)
    text = log.getvalue()
    assert "created 9 series, adopted 1" in text
    assert "Week " not in text and "7/7" not in text and "\x1b[" not in text
