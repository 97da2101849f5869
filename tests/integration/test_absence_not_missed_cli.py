"""Through the CLI, on SQLite and PostgreSQL: meetings the absences job skipped for a long
absence (stored, as the read-back leaves them, as held without notes) are not "missed" in
`status`, not under needs attention in `report` (JSON, CSV, HTML), and `evidence` says
what they were. A second pair with the same meetings and no absence is still flagged, so
the flag itself is shown to work on the same data."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.status import AbsenceState, OccurrenceStatus
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.cli_env import cli_env

NOW = datetime(2027, 2, 6, 9, 0, tzinfo=UTC)
ADA, BEA = "ada@x.example", "bea@x.example"  # on leave 18 Jan - 5 Feb; not on leave


def weekly(n: int) -> datetime:
    """The n-th Wednesday 11:30 (London, UTC in winter) from 13 Jan 2027 (n=0)."""
    return datetime(2027, 1, 13, 11, 30, tzinfo=UTC) + timedelta(weeks=n)


def pair(store: Store, report_id: str, email: str, name: str, absent: bool) -> None:
    """A weekly pair with Mia: held 13 Jan, three meetings passed with nothing typed (skipped
    for the leave when ``absent``), 10 Feb still to come."""
    created = datetime(2027, 1, 4, tzinfo=UTC)
    p = store.upsert_pairing(key=f"m|{report_id}", manager_id="m", report_id=report_id,
                             cadence="weekly", minutes=30, reason="", source="directory",
                             now=created)
    series = store.begin_series(SeriesRecord(
        pairing_id=p.id, mailbox="m", transaction_id=f"t-{report_id}", cadence="weekly",
        minutes=30, weekday=2, start_time="11:30", time_zone="Europe/London",
        first_date=date(2027, 1, 13), range_end=date(2027, 12, 29), created_at=created,
        updated_at=created))
    store.activate_series(series.id, event_id=f"ev-{report_id}", ical_uid=None, now=created)
    statuses = [OccurrenceStatus.HELD, *[OccurrenceStatus.HELD_NO_NOTES] * 3,
                OccurrenceStatus.SCHEDULED]
    store.upsert_occurrences(series.id, [
        {"event_id": f"ev-{report_id}-{n}", "original_start": weekly(n), "start": weekly(n),
         "end": weekly(n) + timedelta(minutes=30), "status": status}
        for n, status in enumerate(statuses)], created)
    for occ in store.pairing_occurrences(p.id):
        skipped = absent and occ.status == OccurrenceStatus.HELD_NO_NOTES
        store.update_occurrence(occ.id, created, absence_state=(
            AbsenceState.SKIPPED if skipped else AbsenceState.CLEAR))


@pytest.fixture
def runner(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    hired, joined = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)
    store.upsert_people([PersonUpdate("m", "mia@x.example", "Mia Manager", hired, True),
                         PersonUpdate("r1", ADA, "Ada Away", joined, False),
                         PersonUpdate("r2", BEA, "Bea Here", joined, False)],
                        datetime(2027, 1, 4, tzinfo=UTC))
    pair(store, "r1", ADA, "Ada Away", absent=True)
    pair(store, "r2", BEA, "Bea Here", absent=False)
    engine.dispose()
    return CliRunner()


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def row_of(output: str, email: str) -> str:
    """A pair's table row: the names' line and the emails' line below it."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if email in line)
    return "\n".join(lines[at - 1:at + 1])


def test_status_does_not_count_an_absence_as_missed(runner: CliRunner) -> None:
    shown = run(runner, "status", "--now", NOW.isoformat())
    assert "Ada Away" in row_of(shown, ADA) and "in a row" not in row_of(shown, ADA)
    assert "missed 3 in a row" in row_of(shown, BEA)


def test_report_does_not_flag_a_pair_for_an_absence(runner: CliRunner) -> None:
    period = ("--now", NOW.isoformat(), "--from", "2027-01-11", "--to", "2027-02-06")
    run(runner, "report", *period, "--format", "json", "--out", "j")
    pairs = {p["report_email"]: p for p in json.loads(Path("j/report.json").read_text(
        encoding="utf-8"))["pairs"]}
    ada, bea = pairs[ADA], pairs[BEA]
    assert ada["needs_attention"] == ""
    assert (ada["planned"], ada["held"], ada["missed"], ada["longest_gap_days"]) == (1, 1, 0, 2)
    assert ada["skipped_for_absence"] == 3
    assert (bea["planned"], bea["missed"], bea["longest_gap_days"]) == (4, 3, 23)
    assert bea["needs_attention"] == ("no held 1-2-1 for 23 days (cadence weekly); "
                                      "missed 3 in a row")

    run(runner, "report", *period, "--format", "csv", "--out", "c")
    with open("c/attention.csv", encoding="utf-8", newline="") as f:
        assert [r["report"] for r in csv.DictReader(f)] == ["Bea Here"]

    run(runner, "report", *period, "--out", "h")
    index = Path("h/index.html").read_text(encoding="utf-8")
    attention = index[index.index("Needs attention"):index.index("Held and missed per")]
    assert "Bea Here" in attention and "Ada Away" not in attention


def test_evidence_says_the_meetings_were_skipped_for_an_absence(runner: CliRunner) -> None:
    run(runner, "evidence", ADA, "--from", "2027-01-11", "--to", "2027-02-06", "--now",
        NOW.isoformat(), "--out", "ada.html")
    text = Path("ada.html").read_text(encoding="utf-8")
    assert text.count("skipped for a long absence (no notes recorded)") == 3
    assert "passed, no notes recorded" not in text
