"""`forget` stays forgotten: a meeting read back before the erasure is never read back
again, so notes and actions the manager still has in Outlook (and edits within the re-read
window) are not imported a second time, and no erased action comes back open into the next
agenda. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from service.domain.status import ActionStatus
from service.store.models import ActionRow, NoteRow, NoteVersionRow, OccurrenceRow
from tests.integration.test_capture_edits import LAST_READ, edit, next_read, weekly


def _words(scenario) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    with scenario.store.session() as s:
        notes = list(s.scalars(select(NoteRow.text)))
        actions = [(a.text, a.status) for a in s.scalars(select(ActionRow))]
        versions = list(s.scalars(select(NoteVersionRow.notes)))
    return notes, actions, versions


def test_edits_after_forget_are_not_read_back(db_url: str, settings_for) -> None:
    scenario = weekly(settings_for, db_url)
    scenario.type_notes()
    scenario.after_meeting()
    notes, actions, _ = _words(scenario)
    assert any("went well" in n for n in notes) and actions  # read back before the erasure
    erased_at = scenario.occ.end + timedelta(hours=2)
    scenario.store.forget_person(scenario.rob.report.id, erased_at)
    # Mia improves her notes the next morning, inside the re-read window.
    edit(scenario, "shared: went well", "shared: went very well")
    scenario.after_meeting(hours=next_read(scenario))
    scenario.after_meeting(hours=LAST_READ + 2)
    notes, actions, versions = _words(scenario)
    assert set(notes) == {"[erased]"}
    assert set(versions) == {"[erased]"}
    assert all(text == "[erased]" and status == ActionStatus.DONE
               for text, status in actions), actions
    assert not [a for a in scenario.store.open_actions(scenario.rob.pairing.id)
                if a.raised_occurrence_id == scenario.occ.id]
    with scenario.store.session() as s:
        row = s.get(OccurrenceRow, scenario.occ.id)
        assert row is not None
        # Nothing left to confirm a guess at the notes either.
        assert row.captured_fingerprint in (None, "[erased]")
        assert row.read_back_at is None


def test_no_summary_of_erased_notes(db_url: str, settings_for) -> None:
    """Summaries were off when the meeting was read back, and the report was forgotten
    before an admin turned them on: no summary of the erased notes goes out."""
    scenario = weekly(settings_for, db_url)
    on = scenario.settings
    scenario.settings = replace(on, mail=replace(on.mail, summaries=False))
    scenario.type_notes()
    scenario.after_meeting()
    assert scenario.summaries() == []
    scenario.store.forget_person(scenario.rob.report.id,
                                 scenario.occ.end + timedelta(hours=2))
    scenario.settings = on
    scenario.after_meeting(hours=3)
    assert scenario.summaries() == []
    assert not any("[erased]" in m["body"]["content"]
                   for m in scenario.tenant.messages("rob@contoso.example"))


def test_a_read_under_way_when_forget_runs_stores_nothing(db_url: str, settings_for,
                                                          monkeypatch) -> None:
    """`forget` runs while a re-read of a meeting already read back is under way (its event
    fetched, nothing stored yet): what the read found is not stored, no action comes back,
    and the meeting stays sealed."""
    from service.jobs import capture

    scenario = weekly(settings_for, db_url)
    scenario.type_notes()
    scenario.after_meeting()
    edit(scenario, "shared: went well", "shared: went very well")
    real = capture._capture_one

    raced: list[int] = []

    async def forgotten_meanwhile(ctx, view, occ, *args, **kwargs):
        if occ.id == scenario.occ.id:
            raced.append(occ.id)
            scenario.store.forget_person(scenario.rob.report.id, occ.end + timedelta(hours=20))
        return await real(ctx, view, occ, *args, **kwargs)

    monkeypatch.setattr(capture, "_capture_one", forgotten_meanwhile)
    result = scenario.after_meeting(hours=next_read(scenario))
    assert raced and result.capture.failed == []
    notes, actions, versions = _words(scenario)
    assert set(notes) == {"[erased]"} and set(versions) == {"[erased]"}
    assert all(text == "[erased]" for text, _status in actions), actions
    with scenario.store.session() as s:
        row = s.get(OccurrenceRow, scenario.occ.id)
        assert row is not None
        assert row.captured_fingerprint == "[erased]" and row.read_back_at is None


def test_why_a_meeting_moved_goes_with_the_person(db_url: str, settings_for) -> None:
    """Why onetoone moved a meeting names the person and their absence ("out of office: Rob
    Report"): `forget` erases it, and `status` still shows that the meeting moved."""
    from sqlalchemy import update

    scenario = weekly(settings_for, db_url)
    with scenario.store.session() as s, s.begin():
        s.execute(update(OccurrenceRow).where(OccurrenceRow.id == scenario.occ.id)
                  .values(moved_reason="out of office: Rob Report"))
    scenario.store.forget_person(scenario.rob.report.id, scenario.occ.start)
    row = scenario.store.occurrence(scenario.occ.id)
    assert row is not None and row.moved_reason == "[erased]"
