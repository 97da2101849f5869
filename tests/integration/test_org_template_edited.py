"""An organisation edits its agenda.html.j2 while agendas written with the old version are
still in invites (and their notes still to be read back, up to a week after each meeting):
the lines of the agenda as it was written stay the agenda's, never the manager's notes -
not in the stored notes, not in the report's summary, not in the next agenda's "From the
notes". (The read-back used to know the agenda's lines only by rendering it again with the
current template, so the old version's own lines were read as typed by the manager.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from service.store.models import OccurrenceRow
from tests.integration.test_mail import START, Scenario
from tests.integration.test_org_template_broken import with_org_templates

BUILT_IN = Path(__file__).resolve().parents[2] / "templates" / "agenda.html.j2"
HEADER = "<p style=\"margin:0 0 8px 0;font-size:16px;\"><b>{{ agenda.header }}</b></p>\n"
# The organisation's own lines, one version and the next.
OLD_LINE = "Our 1-2-1 charter: this time is for growth, not a status report."
NEW_LINE = "Cameras on if you can: we are one team wherever we sit."


def org_template(line: str) -> str:
    """The built-in agenda with one line of the organisation's own below its header."""
    source = BUILT_IN.read_text(encoding="utf-8")
    assert HEADER in source
    return source.replace(HEADER, f"{HEADER}<p style=\"margin:0 0 8px 0;\">{line}</p>\n", 1)


def agenda_with_old_template(tmp_path: Path, settings_for, db_url: str) -> Scenario:
    """The mail tests' 1-2-1 whose agenda went in with the organisation's template."""
    scenario = with_org_templates(tmp_path, settings_for(db_url), "agenda.html.j2",
                                  org_template(OLD_LINE))
    scenario.at(START)
    scenario.at(START + timedelta(days=5))  # the first agendas are in
    scenario.rob = next(v for v in scenario.store.views()
                        if v.report.email == "rob@contoso.example")
    scenario.occ = scenario.store.pairing_occurrences(scenario.rob.pairing.id)[0]
    body = scenario.tenant.person_body("mia@contoso.example", scenario.occ.event_id)
    assert OLD_LINE in body, "the agenda did not go in with the organisation's template"
    return scenario


def test_template_edited_after_the_agenda_went_in_keeps_its_old_lines_out_of_the_notes(
        tmp_path, settings_for, db_url) -> None:
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    folder = scenario.settings.agenda.templates
    (folder / "agenda.html.j2").write_text(org_template(NEW_LINE), encoding="utf-8")
    scenario.type_notes()
    scenario.after_meeting()
    notes = [n.text for n in scenario.store.notes(scenario.occ.id)]
    assert notes == ["Confidential-ish but shared: went well"], notes
    (summary,) = scenario.summaries()
    assert OLD_LINE not in summary["body"]["content"]
    assert "went well" in summary["body"]["content"]


def test_meeting_written_before_its_text_was_kept_is_read_from_the_template(
        tmp_path, settings_for, db_url) -> None:
    """An agenda written by a version that did not keep its text: its lines are known by
    rendering it again, as before (the template unchanged, nothing of it becomes a note)."""
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    with scenario.store.session() as s, s.begin():
        s.execute(update(OccurrenceRow).values(agenda_text=None))
    scenario.type_notes()
    scenario.after_meeting()
    notes = [n.text for n in scenario.store.notes(scenario.occ.id)]
    assert notes == ["Confidential-ish but shared: went well"], notes


def test_forget_erases_the_agenda_as_written(tmp_path, settings_for, db_url) -> None:
    """The agenda kept with a meeting quotes the pair's topics and last notes: `forget`
    erases it with them, and the print of the words outside it (a hash of what someone kept
    there would confirm a guess at it)."""
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    scenario.type_notes()
    scenario.after_meeting()

    def kept() -> list[str | None]:
        with scenario.store.session() as s:
            return list(s.scalars(select(OccurrenceRow.agenda_text)
                                  .where(OccurrenceRow.agenda_text.is_not(None))))

    assert kept() and OLD_LINE in kept()[0]
    assert scenario.store.occurrence(scenario.occ.id).outside_print
    scenario.store.forget_person(scenario.rob.report.id, START + timedelta(days=30))
    with scenario.store.session() as s:
        mine = list(s.execute(select(OccurrenceRow.agenda_text, OccurrenceRow.outside_print)
                              .where(OccurrenceRow.series_id == scenario.rob.series.id)))
    assert mine and all(row == (None, None) for row in mine), mine


def test_retention_erases_the_agenda_as_written(tmp_path, settings_for, db_url) -> None:
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    scenario.type_notes()
    scenario.after_meeting()
    cutoff = scenario.occ.start + timedelta(minutes=1)
    scenario.store.erase_older_than(cutoff, cutoff + timedelta(days=400))
    with scenario.store.session() as s:
        old = list(s.scalars(select(OccurrenceRow.agenda_text).where(
            OccurrenceRow.start < cutoff)))
    assert old and all(text is None for text in old), old



def test_the_agenda_as_written_is_dropped_once_its_notes_are_past_rereading(
        tmp_path, settings_for, db_url) -> None:
    """Kept only while the notes may be read again ([agenda] recapture_days, default 7, and
    two days a last re-read may wait): a tick after that drops it, once a day; an edit made
    inside that time is still read with the lines as written."""
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    scenario.type_notes()
    scenario.after_meeting()

    def kept() -> str | None:
        with scenario.store.session() as s:
            return s.scalar(select(OccurrenceRow.agenda_text).where(
                OccurrenceRow.id == scenario.occ.id))

    scenario.at(scenario.occ.start + timedelta(days=8))  # a re-read may still come
    assert kept()
    scenario.at(scenario.occ.start + timedelta(days=12))
    assert kept() is None
    assert scenario.store.due_mark("agenda_text") is not None


def test_agenda_of_the_release_before_read_with_a_heading_outside_its_lines(
        tmp_path, settings_for, db_url) -> None:
    """An organisation's template with a heading above its start line, which the release
    before wrote into invites and this one refuses to write (each update would add the
    heading again): the agendas already in invites, written before their text was kept,
    still have their lines known by rendering it again. Not refusing to read them, which
    took the organisation's own lines for the manager's notes in the report's summary."""
    scenario = agenda_with_old_template(tmp_path, settings_for, db_url)
    with scenario.store.session() as s, s.begin():
        s.execute(update(OccurrenceRow).values(agenda_text=None))
    folder = scenario.settings.agenda.templates
    (folder / "agenda.html.j2").write_text(
        "<p><b>Contoso People Team</b></p>\n" + org_template(OLD_LINE), encoding="utf-8")
    scenario.type_notes()
    scenario.after_meeting()
    notes = [n.text for n in scenario.store.notes(scenario.occ.id)]
    assert notes == ["Confidential-ish but shared: went well"], notes
    (summary,) = scenario.summaries()
    assert OLD_LINE not in summary["body"]["content"]
