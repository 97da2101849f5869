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


def test_soak_runs_a_tiny_org_for_two_weeks_with_no_invariant_broken() -> None:
    # benchmarks/soak.py: the whole loop with people acting in Outlook and the directory,
    # invariants checked after every tick; exit code 1 when one broke.
    done = subprocess.run([sys.executable, "-m", "benchmarks.soak", "--people", "20",
                           "--weeks", "2", "--seed", "3", "--outage-week", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=HANG_GUARD_SECONDS)
    assert "0 invariants broken" in done.stdout, done.stdout[-5000:] + done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipped while the worker was down" in done.stdout, done.stdout
