"""Acceptance: the installed command run as a user would, in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.acceptance.test_crash import HANG_GUARD_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def onetoone(*args: str, cwd: Path, env: dict[str, str] | None = None,
             demo_walk_hours: float | None = None) -> subprocess.CompletedProcess[str]:
    """``demo_walk_hours``: `onetoone demo` walks that many simulated hours, not six weeks
    (tests/support/short_demo.py)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ONETOONE_")}
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    command = ["-m", "service"] if demo_walk_hours is None else [
        str(ROOT / "tests" / "support" / "short_demo.py"), str(demo_walk_hours)]
    try:
        return subprocess.run([sys.executable, *command, *args], cwd=cwd, env=full_env,
                              capture_output=True, text=True, timeout=HANG_GUARD_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang guard: `onetoone {' '.join(args)}` still running after "
                    f"{HANG_GUARD_SECONDS} s")


def test_demo_runs_and_second_run_creates_nothing(tmp_path: Path) -> None:
    """`onetoone demo` schedules the sandbox org, writes HTML, and is idempotent.

    The first run is the command a newcomer types, six weeks walked: the loop's summaries
    reach the reports. The run again walks its first tick only: what it checks (no series
    created, the folder replaced) the six weeks do not change. (The weeks' story is
    tests/acceptance/test_demo_pages.py's.)"""
    first = onetoone("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    # Ten pairs: nine booked, and Eleanor's own series with Hannah adopted as it stands.
    assert "created 9 series, adopted 1" in first.stdout
    sent = re.search(r"Reports received (\d+) summar", first.stdout)
    assert sent is not None and int(sent.group(1)) > 0, first.stdout[-2000:]
    index = tmp_path / "demo-out" / "index.html"
    assert index.exists()
    pages = list((tmp_path / "demo-out" / "people").glob("*.html"))
    assert len(pages) >= 11
    priya = (tmp_path / "demo-out" / "people" / "priya-sharma.html").read_text()
    assert priya.count('class="one"') >= 12  # a weekly new starter and three monthly reports
    # The folder is marked as the demo's own: the run again, with no --force, may replace it.
    assert (tmp_path / "demo-out" / ".onetoone-output").is_file()
    second = onetoone("demo", cwd=tmp_path, demo_walk_hours=0)
    assert second.returncode == 0, second.stderr
    assert "created 0 series" in second.stdout


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    """A bad value stops the command with the file, line, key and fix; exit code 1."""
    (tmp_path / "onetoone.toml").write_text('[policy]\ndefault_cadence = "daily"\n')
    result = onetoone("tick", cwd=tmp_path)
    assert result.returncode == 1
    assert "onetoone.toml:2: [policy] default_cadence" in result.stderr
    assert "weekly, fortnightly, monthly" in result.stderr
    assert not (tmp_path / "onetoone.db").exists()


def test_tick_dry_run_then_real_run(tmp_path: Path) -> None:
    """tick --dry-run reports and changes nothing; tick --now then creates the series."""
    dry = onetoone("tick", "--dry-run", "--now", "2026-11-23T09:00:00Z", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "(dry run) would have created 9, adopted 1" in dry.stdout
    # each planned series is shown, in its manager's zone (Marcus works in New York)
    rows = [line for line in dry.stdout.splitlines() if "│" in line and " & " in line]
    assert sum("Europe/London" in r or "America/New_York" in r for r in rows) == 9
    real = onetoone("tick", "--now", "2026-11-23T09:00:00Z", cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    assert "created 9, adopted 1" in real.stdout
    again = onetoone("tick", "--now", "2026-11-23T10:00:00Z", cwd=tmp_path)
    assert "created 0" in again.stdout


def test_dry_run_plans_exactly_the_series_the_real_run_creates(tmp_path: Path) -> None:
    """Same slots, zones and days: the dry run uses the working hours it just read."""
    def rows(out: str) -> list[str]:
        return sorted(line for line in out.splitlines() if " & " in line and "│" in line)

    dry = onetoone("schedule", "--dry-run", "--now", "2026-11-23T09:00:00Z", cwd=tmp_path)
    real = onetoone("schedule", "--now", "2026-11-23T09:00:00Z", cwd=tmp_path)
    assert dry.returncode == 0 and real.returncode == 0, dry.stderr + real.stderr
    assert len(rows(real.stdout)) == 9  # (and Eleanor & Hannah's own series adopted)
    assert rows(dry.stdout) == rows(real.stdout)
    assert "America/New_York" in "".join(rows(dry.stdout))  # Marcus works in New York


def test_init_writes_a_loadable_config(tmp_path: Path) -> None:
    """`onetoone init` writes a starter file that `onetoone config` accepts."""
    assert onetoone("init", cwd=tmp_path).returncode == 0
    shown = onetoone("config", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "policy.default_cadence" in shown.stdout


def test_secret_in_file_is_refused_without_echo(tmp_path: Path) -> None:
    """A client secret written into the file is refused, and never printed."""
    (tmp_path / "onetoone.toml").write_text('[microsoft]\nclient_secret = "hunter2-secret"\n')
    result = onetoone("doctor", cwd=tmp_path)
    assert result.returncode == 1
    assert "ONETOONE_MICROSOFT_CLIENT_SECRET" in result.stderr
    assert "hunter2-secret" not in result.stderr + result.stdout


@pytest.mark.parametrize("cmd", [["--help"], ["tick", "--help"], ["demo", "--help"]])
def test_help_mentions_environment(cmd: list[str], tmp_path: Path) -> None:
    """--help works for the group and commands; the group help explains ONETOONE_* vars."""
    result = onetoone(*cmd, cwd=tmp_path)
    assert result.returncode == 0
    if cmd == ["--help"]:
        assert "ONETOONE_MICROSOFT_CLIENT_SECRET" in result.stdout


def test_simulated_clock_is_refused_against_a_real_tenant(tmp_path: Path) -> None:
    """ONETOONE_TEST_CLOCK (the crash tests' fast clock) never drives a real tenant."""
    result = onetoone("run", cwd=tmp_path, env={
        "ONETOONE_TEST_CLOCK": "2026-11-23T06:00:00+00:00@0x100",
        "ONETOONE_MICROSOFT_TENANT_ID": "11111111-2222-3333-4444-555555555555",
        "ONETOONE_MICROSOFT_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
        "ONETOONE_MICROSOFT_CLIENT_SECRET": "not-used", "ONETOONE_WORKER_HEALTH_PORT": "0"})
    assert result.returncode == 1
    assert "ONETOONE_TEST_CLOCK" in result.stderr and "sandbox" in result.stderr
    bad = onetoone("run", cwd=tmp_path, env={"ONETOONE_TEST_CLOCK": "tomorrow",
                                              "ONETOONE_WORKER_HEALTH_PORT": "0"})
    assert bad.returncode == 1 and "START@WALL_EPOCHxSPEED" in bad.stderr


def test_a_run_as_of_another_instant_is_refused_against_a_real_tenant(tmp_path: Path
                                                                       ) -> None:
    """`tick --now` far from the clock would end, re-book and mail real people: against a
    real tenant it is refused before anything is read (no network here), naming --now and
    --dry-run; the sandbox takes any instant."""
    real = {"ONETOONE_MICROSOFT_TENANT_ID": "11111111-2222-3333-4444-555555555555",
            "ONETOONE_MICROSOFT_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
            "ONETOONE_MICROSOFT_CLIENT_SECRET": "not-used"}
    for cmd in ("tick", "schedule"):
        result = onetoone(cmd, "--now", "2020-01-01T09:00:00Z", cwd=tmp_path, env=real)
        assert result.returncode == 1, result.stderr
        assert "--now 2020-01-01T09:00:00Z is" in result.stderr and "behind" in result.stderr
        assert "--dry-run" in result.stderr and "Traceback" not in result.stderr
    assert onetoone("tick", "--now", "2020-01-01T09:00:00Z", cwd=tmp_path).returncode == 0
    # Minutes off are refused too: replicas judge one another's claims (2 minutes for a
    # plan) by their own instants, so a run a few minutes ahead would take over pairs a
    # worker holds this moment.
    soon = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = onetoone("tick", "--now", soon, cwd=tmp_path, env=real)
    assert result.returncode == 1 and "minutes ahead of" in result.stderr, result.stderr


def test_status_now_is_parsed_like_tick(tmp_path: Path) -> None:
    """`status --now` takes the same instants as `tick --now` (no zone = UTC), or says why."""
    assert onetoone("tick", "--now", "2026-11-23T09:00:00Z", cwd=tmp_path).returncode == 0
    for instant in ("2026-12-01T09:00:00", "2026-12-01", "2026-12-01T09:00:00+01:00"):
        shown = onetoone("status", "--now", instant, cwd=tmp_path)
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    bad = onetoone("status", "--now", "garbage", cwd=tmp_path)
    assert bad.returncode == 2 and "not an ISO-8601 instant" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_run_with_the_health_port_taken_says_which_setting(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = onetoone("run", cwd=tmp_path, env={"ONETOONE_WORKER_HEALTH_PORT": str(port)})
    assert result.returncode == 1
    assert "health_port" in result.stderr and "ONETOONE_WORKER_HEALTH_PORT" in result.stderr
    assert "Traceback" not in result.stderr
