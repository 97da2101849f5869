"""What `onetoone pairs` and `status` show: emails to use as PAIR, times in each series' zone,
meetings onetoone moved or rebooked, and pairs that missed two in a row."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.config import load_config
from service.domain.series import occurrences as series_occurrences
from service.store.db import make_engine
from service.store.repo import PairingView, Store
from tests.cli_env import cli_env

SOPHIE = "sophie.turner@contoso.example"  # weekly with Priya (a new starter)
OLIVIA = "olivia.chen@contoso.example"  # monthly with Marcus, in New York
EMAIL = re.compile(r"[a-z.]+@contoso\.example")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The demo organisation scheduled as of Mon 23 Nov 2026, in tmp_path."""
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    result = runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"])
    assert result.exit_code == 0, result.output
    return runner


def store() -> Store:
    return Store(make_engine(load_config(None).database.url))


def pair_of(report_email: str) -> PairingView:
    """The pair with the series it meets on now: a new starter's is the weekly one, which
    the follow-on booked with it (from when their weeks end) supersedes."""
    view = next(v for v in store().views() if v.report.email == report_email)
    held = [s for s in store().pairing_series(view.pairing.id)
            if s.status in ("active", "superseded")]
    return replace(view, series=min(held, key=lambda s: s.first_date, default=None))


def slots(view: PairingView, weeks: int = 6) -> list[tuple[datetime, datetime]]:
    """The series' own meeting times from its first date, as Outlook lists them."""
    assert view.series is not None
    start = datetime.combine(view.series.first_date, datetime.min.time(), UTC)
    return series_occurrences(view.series, start, start + timedelta(weeks=weeks))


def record(view: PairingView, rows: list[dict]) -> None:
    """Store occurrences as the occurrence sync and capture jobs would have left them."""
    assert view.series is not None
    items = [{"event_id": f"evt-{n}", "original_start": r["start"], **r}
             for n, r in enumerate(rows)]
    store().upsert_occurrences(view.series.id, items, datetime(2026, 11, 23, tzinfo=UTC))


def status(runner: CliRunner, now: str) -> str:
    result = runner.invoke(cli, ["status", "--now", now])
    assert result.exit_code == 0, result.output
    return result.output


def row_of(output: str, email: str) -> str:
    """The table lines of the pair whose report has ``email`` (a row spans several lines)."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if email in line)
    block = [lines[at - 1], lines[at]]
    for line in lines[at + 1:]:
        if line.startswith("└") or re.match(r"│ [A-Z][a-z]+ [A-Z][a-z]+ +│", line):
            break
        block.append(line)
    return "\n".join(block)


def details_of(output: str, email: str, compromises: bool = False) -> str:
    """The lines under the table about the pair whose report has ``email`` (without the
    "booked at a compromise time" ones unless ``compromises``: the demo organisation's busy
    calendars make some series' times compromises, which these tests are not about)."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.endswith(f"<{email}>:"))
    block = []
    for line in lines[at + 1:]:
        if not line.startswith("  "):
            break
        if compromises or not line.strip().startswith("booked at a compromise time:"):
            block.append(line.strip())
    return "\n".join(block)


def test_pairs_and_status_show_both_emails(runner: CliRunner) -> None:
    """Each row names the manager's and the report's email; every report email shown works
    as a PAIR argument."""
    listed = runner.invoke(cli, ["pairs", "--now", "2026-11-23T10:00:00Z"])
    assert listed.exit_code == 0, listed.output
    shown = status(runner, "2026-11-23T10:00:00Z")
    for output in (listed.output, shown):
        assert "priya.sharma@contoso.example" in output and SOPHIE in output
        assert "marcus.johnson@contoso.example" in output
        assert "the report's email" in output
    reports = {v.report.email for v in store().views(["active"])}
    assert reports <= set(EMAIL.findall(shown))
    for email in sorted(reports):
        result = runner.invoke(cli, ["actions", "--pair", email])
        assert result.exit_code == 0, (email, result.output)


def test_pair_argument_forms(runner: CliRunner) -> None:
    """PAIR is the report's email in any case and spacing, or manager/report emails."""
    for ref, topic in ((f"  {SOPHIE.upper()} ", "Rota"),
                       (f"priya.sharma@contoso.example/{SOPHIE}", "Rota for May")):
        # (Two topics: the same one twice would be "already on the list".)
        result = runner.invoke(cli, ["topics", "add", ref, topic])
        assert result.exit_code == 0, result.output
        assert "Added for Priya Sharma & Sophie Turner" in result.output
    # Priya is a report too: her email is her pair with Eleanor, who reports to nobody.
    mine = runner.invoke(cli, ["topics", "add", "priya.sharma@contoso.example", "Hiring"])
    assert "Added for Eleanor Whitfield & Priya Sharma" in mine.output
    wrong = runner.invoke(cli, ["topics", "add", "eleanor.whitfield@contoso.example", "x"])
    assert wrong.exit_code == 1 and "report's email" in wrong.output


def test_times_are_in_the_series_zone_with_the_zone_named(runner: CliRunner) -> None:
    """A New York series' next meeting is shown in New York time, a London one in London's."""
    shown = status(runner, "2026-11-23T10:00:00Z")
    for email, zone in ((SOPHIE, "Europe/London"), ("olivia.chen@contoso.example",
                                                    "America/New_York")):
        view = pair_of(email)
        assert view.series is not None and view.series.time_zone == zone
        first = slots(view)[0][0].astimezone(ZoneInfo(zone))
        row = row_of(shown, email)
        assert f"{first:%a %d %b %H:%M}" in row and zone in row
    # (Only the two lines of the worker's last runs above the table are in UTC.)
    runs, table = shown.split("\n", 2)[:2], shown.split("\n", 2)[2]
    assert all(line.startswith("last ") for line in runs) and "UTC" not in table


def test_moved_rebooked_and_missed_two_in_a_row(runner: CliRunner) -> None:
    """Status shows a meeting onetoone moved (with why), flags two misses in a row, and a
    held rebooking both shows and ends the run."""
    view = pair_of(SOPHIE)
    london = ZoneInfo("Europe/London")
    (s1, e1), (s2, e2), (s3, e3), (s4, e4), (s5, e5) = slots(view)[:5]
    moved_to = s5 - timedelta(days=1)
    record(view, [
        {"start": s1, "end": e1, "status": "held"},
        {"start": s2, "end": e2, "status": "cancelled"},
        {"start": s3, "end": e3, "status": "declined"},
        {"start": s4, "end": e4, "status": "held_no_notes"},
        {"start": moved_to, "original_start": s5, "end": e5 - timedelta(days=1),
         "status": "moved", "moved_reason": "Priya Sharma is out of office"},
    ])
    shown = status(runner, (e3 + timedelta(hours=1)).isoformat())
    assert "missed 2 in a row" in row_of(shown, SOPHIE)
    assert "1 moved" in row_of(shown, SOPHIE)
    assert details_of(shown, SOPHIE) == (
        f"{moved_to.astimezone(london):%a %d %b %H:%M} Europe/London (was "
        f"{s5.astimezone(london):%a %d %b %H:%M}) moved: Priya Sharma is out of office")
    assert shown.count("in a row") == 1  # nobody else missed anything
    shown = status(runner, (e4 + timedelta(hours=1)).isoformat())
    assert "missed 3 in a row" in row_of(shown, SOPHIE)

    missed = next(o for o in store().pairing_occurrences(view.pairing.id) if o.start == s4)
    rebooked = s4 + timedelta(days=1, hours=1)
    record(view, [{"start": rebooked, "end": rebooked + timedelta(minutes=30),
                   "status": "held", "rebook_of": missed.id}])
    shown = status(runner, (rebooked + timedelta(hours=2)).isoformat())
    assert "in a row" not in shown
    assert "1 rebooked" in row_of(shown, SOPHIE)
    assert (f"{rebooked.astimezone(london):%a %d %b %H:%M} Europe/London rebooked for the "
            f"missed {s4.astimezone(london):%a %d %b} (held)") in details_of(shown, SOPHIE)


def test_next_meeting_says_when_onetoone_moved_it(runner: CliRunner) -> None:
    """The next-meeting cell says a meeting was moved; the reason is listed under the table."""
    view = pair_of(SOPHIE)
    (s1, e1) = slots(view)[0]
    record(view, [{"start": s1 + timedelta(days=1), "original_start": s1,
                   "end": e1 + timedelta(days=1), "status": "moved",
                   "moved_reason": "moved: bank holiday"}])
    shown = status(runner, "2026-11-23T10:00:00Z")
    assert "(moved)" in row_of(shown, SOPHIE)
    assert details_of(shown, SOPHIE).endswith(") moved: bank holiday")


def test_meetings_after_an_ended_series_are_not_missed(runner: CliRunner) -> None:
    """Rows of an ended series dated after its end left Outlook with it: not counted missed."""
    view = pair_of(SOPHIE)
    assert view.series is not None
    (s1, e1), (s2, e2), (s3, e3) = slots(view)[:3]
    record(view, [{"start": s1, "end": e1, "status": "held"},
                  {"start": s2, "end": e2, "status": "cancelled"},
                  {"start": s3, "end": e3, "status": "cancelled"}])
    assert "missed 2 in a row" in status(runner, (e3 + timedelta(hours=1)).isoformat())
    store().end_series(view.series.id, e1, s1.date())
    assert "in a row" not in status(runner, (e3 + timedelta(hours=1)).isoformat())


def _cell(output: str, email: str, column: str) -> str:
    """One cell of a pair's table row, its wrapped lines joined by spaces."""
    header = next(line for line in output.splitlines() if "┃" in line and column in line)
    at = [c.strip() for c in header.split("┃")].index(column)
    parts = [line.split("│")[at].strip() for line in row_of(output, email).splitlines()
             if line.count("│") == header.count("┃")]
    return " ".join(p for p in parts if p)


def test_a_series_still_being_created_is_not_shown_as_scheduled(
        runner: CliRunner) -> None:
    """A pair whose series creation was killed (only the intent is stored) shows as not
    scheduled yet in `pairs` and `status`, not with the slot it was meant to have."""
    view = pair_of(OLIVIA)
    assert view.series is not None
    store().update_series(view.series.id, datetime(2026, 11, 23, tzinfo=UTC),
                          status="creating", event_id=None)
    listed = runner.invoke(cli, ["pairs", "--now", "2026-11-23T10:00:00Z"])
    assert listed.exit_code == 0, listed.output
    assert _cell(listed.output, OLIVIA, "series") == "being created (not scheduled yet)"
    shown = _cell(status(runner, "2026-11-23T10:00:00Z"), OLIVIA, "next meeting")
    assert shown == "not scheduled yet (being created)"


def test_a_superseded_series_holds_the_next_meetings(
        runner: CliRunner) -> None:
    """After an extension the pair meets on the superseded series until the follow-on
    starts: `status` shows its next meeting, `pairs` its slot with the follow-on's start."""
    from service.jobs.schedule import follow_on

    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    view = pair_of(OLIVIA)
    old = view.series
    assert old is not None
    new = store().begin_follow_on(old.id, follow_on(old, now, 12, 6, view.pairing.key))
    assert new is not None and new.first_date > old.range_end
    listed = runner.invoke(cli, ["pairs", "--now", now.isoformat()])
    assert _cell(listed.output, OLIVIA, "series").endswith(
        f"from {old.first_date} (follow-on being created)")
    store().activate_series(new.id, event_id="evt-follow-on", ical_uid=None, now=now)
    listed = runner.invoke(cli, ["pairs", "--now", now.isoformat()])
    assert _cell(listed.output, OLIVIA, "series").endswith(
        f"from {old.first_date} (follow-on from {new.first_date})")
    first = slots(PairingView(view.pairing, view.manager, view.report, old))[0][0]
    shown = _cell(status(runner, now.isoformat()), OLIVIA, "next meeting")
    assert shown == f"{first.astimezone(ZoneInfo(old.time_zone)):%a %d %b %H:%M} {old.time_zone}"
