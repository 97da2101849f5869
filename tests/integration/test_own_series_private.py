"""A pair's own series marked private in Outlook keeps its subject private: onetoone reads
the manager's calendar with application access, which Graph answers in full (a private
event's subject and body included), while everyone else Outlook shows it to sees "Private
appointment". What such a series is called ("Rob – return to work after sick leave", "PIP
check-in") is the pair's, so the run's output, the pairing's note and `onetoone status` say
it is private instead of quoting it; a series not marked private is still named, so an
admin can find it.

Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_env
from tests.integration.test_adoption_search import _run
from tests.integration.test_own_series import MIA, ROB, _own, _view
from tests.integration.test_schedule_job import NOW, org

PAIR = "Mia Manager & Rob Report"
SECRET = "Rob return to work after sick leave"


@pytest.mark.parametrize("case", ["by_report", "every_three_weeks"])
def test_a_private_series_left_alone_is_not_named(db_url: str, settings_for: Any, case: str,
                                                  tmp_path: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = org()
    if case == "by_report":
        _own(tenant, ROB, [MIA], interval=1, subject=SECRET, sensitivity="private")
    else:
        _own(tenant, MIA, [ROB], interval=3, subject=SECRET, sensitivity="private")
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    left = [line for line in first.schedule.own_series if line.startswith(PAIR)]
    assert len(left) == 1 and "private" in left[0]
    assert SECRET not in left[0]
    note = _view(db_url, ROB).pairing.note
    assert "private" in note and "onetoone pairs reset" in note
    assert SECRET not in note

    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0, status.output
    assert "their own series" in status.output and SECRET not in status.output


def test_a_private_series_adopted_is_not_named_in_its_note(db_url: str,
                                                           settings_for: Any) -> None:
    tenant = org()
    _own(tenant, MIA, [ROB], subject=SECRET, sensitivity="private")
    first = _run(settings_for(db_url), tenant, NOW)
    assert PAIR in first.schedule.adopted
    series = _view(db_url, ROB).series
    assert series is not None and "own series" in series.slot_note
    assert SECRET not in series.slot_note


def test_a_series_not_marked_private_is_still_named(db_url: str, settings_for: Any) -> None:
    tenant = org()
    _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia")
    first = _run(settings_for(db_url), tenant, NOW)
    assert any("'Rob's 1:1 with Mia'" in line for line in first.schedule.own_series)
    assert "'Rob's 1:1 with Mia'" in _view(db_url, ROB).pairing.note
