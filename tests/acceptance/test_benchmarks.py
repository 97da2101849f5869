"""The benchmarks still run against the current code (tiny sizes; figures not checked here:
they are for people, and timing assertions have no place in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_SECONDS = 900  # only a hung benchmark reaches it


@pytest.mark.parametrize("args", [
    ["benchmarks.agenda", "--pairs", "3", "--weeks", "2"],
    ["benchmarks.schedule", "--pairs", "10", "--latency", "0"],
    ["benchmarks.idle", "--pairs", "10", "20"],
])
def test_benchmark_runs_and_prints_its_figures(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=HANG_GUARD_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "request" in done.stdout.lower(), done.stdout
