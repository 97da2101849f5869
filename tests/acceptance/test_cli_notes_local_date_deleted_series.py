"""`notes add --date` takes the meeting's own zone also when the pair has no live series
(the manager deleted it in Outlook: the pair is still found, its meetings still stored)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import NoteRow, OccurrenceRow
from service.store.repo import Store
from tests.acceptance.test_cli_notes_local_date import JAMAL
from tests.acceptance.test_cli_notes_local_date import (
    test_notes_add_date_is_the_meetings_local_date as sydney_setup,
)


def test_notes_add_date_after_the_series_was_deleted(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sydney_setup(tmp_path, monkeypatch)  # a Sydney pair, its Tue 12 Jan 10:00 meeting held
    engine = make_engine(f"sqlite:///{tmp_path / 'onetoone.db'}")
    store = Store(engine)
    view = store.find_pairing(JAMAL)
    assert view.series is not None and view.series.time_zone != "UTC"
    from datetime import UTC, datetime
    store.mark_series_deleted(view.series.id, datetime(2027, 1, 13, tzinfo=UTC))
    assert store.find_pairing(JAMAL).series is None  # still found: notes can be added

    added = CliRunner().invoke(cli, ["notes", "add", JAMAL, "--date", "2027-01-12"],
                               input="Wrote this up late.\n")
    assert added.exit_code == 0, added.output
    assert "the meeting on 12 Jan 2027" in added.output
    with engine.connect() as c:
        occ = c.scalar(select(NoteRow.occurrence_id)
                       .where(NoteRow.text == "Wrote this up late."))
        start = c.scalar(select(OccurrenceRow.start).where(OccurrenceRow.id == occ))
    assert str(start).startswith("2027-01-11 23:00")
