"""`[privacy] retain_months` is honoured by a tick, not only by the worker's daily job: an
organisation that runs `onetoone tick` from cron (operations.md: "Instead of the worker you
can run `onetoone tick` from cron") has its old text erased all the same, once per cut-off
day. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from service.store.models import NoteRow, OutboxRow
from tests.integration.test_mail import Scenario


def _texts(scenario: Scenario) -> tuple[list[str], list[str]]:
    with scenario.store.session() as s:
        notes = list(s.scalars(select(NoteRow.text).where(
            NoteRow.occurrence_id == scenario.occ.id)))
        mail = list(s.scalars(select(OutboxRow.body_html).where(
            OutboxRow.occurrence_id == scenario.occ.id)))
    return notes, mail


def test_a_tick_erases_text_older_than_retain_months(db_url: str, settings_for) -> None:
    scenario = Scenario(settings_for(db_url))
    scenario.type_notes()
    scenario.after_meeting()
    notes, mail = _texts(scenario)
    assert any("went well" in n for n in notes) and any("went well" in m for m in mail)
    on = scenario.settings
    scenario.settings = replace(on, privacy=replace(on.privacy, retain_months=1))
    # Six weeks on, the meeting is older than the one month kept: the tick cron runs erases.
    result = scenario.at(scenario.occ.end + timedelta(days=42))
    assert result.failed_steps == []
    notes, mail = _texts(scenario)
    assert notes and set(notes) == {"[erased]"}, notes
    assert mail and set(mail) == {"[erased]"}, mail


def test_ticks_erase_once_per_cut_off(tmp_path, settings_for, monkeypatch) -> None:
    """A tick every few minutes reads a mark, not every old note, until the cut-off moves."""
    from service.store.repo import Store

    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'once.db'}"))
    on = scenario.settings
    scenario.settings = replace(on, privacy=replace(on.privacy, retain_months=1))
    calls: list[object] = []
    real = Store.erase_older_than

    def counted(self, cutoff, now):
        calls.append(cutoff)
        return real(self, cutoff, now)

    monkeypatch.setattr(Store, "erase_older_than", counted)
    later = scenario.occ.end + timedelta(days=42)
    for minutes in (0, 15, 30):
        scenario.at(later + timedelta(minutes=minutes))
    scenario.at(later + timedelta(days=1))
    assert len(calls) == 2 and calls[0] != calls[1]
