"""benchmarks/demo.py still runs against the current code (one demo run, a few sandbox
calls; its figures are for people, and timing assertions have no place in tests)."""

from __future__ import annotations

import subprocess
import sys

from tests.acceptance.test_benchmarks import HANG_GUARD_SECONDS, ROOT


def test_demo_benchmark_runs_and_prints_its_figures() -> None:
    """It prints the demo's wall time against its 10 s target and the sandbox's read rates."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.demo", "--runs", "1",
                           "--calls", "5"], cwd=ROOT, capture_output=True, text=True,
                          timeout=HANG_GUARD_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    for figure in ("wall s", "10.0", "median/target", "getSchedule", "calendarView"):
        assert figure in done.stdout, done.stdout
