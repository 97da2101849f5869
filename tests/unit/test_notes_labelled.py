"""Minutes kept in the Notes with "ACTION:" lines: a line there that starts with an action's
label is an action, as under Actions agreed; every other line stays a note, and the
agenda's own lines are never read so, however they are worded."""

from __future__ import annotations

from service.domain.body import END, START
from service.domain.notes import parse_block
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, OPEN, REPORT, read_back, typed


def test_a_labelled_line_in_the_notes_is_an_action() -> None:
    """"ACTION:", "Actions:", "AP:", "todo:" (any case, after a bullet or a number) before
    an action are read as it would be under Actions agreed; one naming no owner, another
    label ("AI:"), or the word without a colon is a note."""
    parsed = read_back(typed(AGENDA_HTML, [
        "Workload high.",
        "ACTION: Alex to book the course by Friday",
        "• Actions: Alex: draft the proposal",
        "1. AP: Sam – send the plan",
        "todo: sam to chase HR",
        "TODO: book the room",
        "AI: the new tool saves an hour a day",
        "Action items are piling up",
    ], []))
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Alex Jones", "book the course"), ("Alex Jones", "draft the proposal"),
        ("Sam Smith", "send the plan"), ("Sam Smith", "chase HR")]
    assert parsed.new_actions[0].due is not None
    assert parsed.notes == ["Workload high.", "TODO: book the room",
                            "AI: the new tool saves an hour a day", "Action items are piling up"]


def test_a_carried_action_labelled_in_the_notes_is_that_action() -> None:
    """Typed again there with a tick, a carried action is closed, not agreed a second time."""
    parsed = read_back(typed(AGENDA_HTML, ["Action: [x] Alex – book the course"], []))
    assert parsed.new_actions == [] and 7 in parsed.closed_ids


def test_the_agendas_own_lines_are_never_labelled_actions() -> None:
    """An organisation's template, or the series' own text, holding a line that starts
    "Action:" in the Notes: never an action, even where it stands twice (copied again)."""
    ours = ["Notes", "Action: Alex to bring the pre-read (our template's hint)",
            "TODO: Sam books the room each time (the series' text)"]
    template = f"{START}\n" + "\n".join(ours) + f"\n{END}\n"
    body = f"{START}\n" + "\n".join([*ours, *ours[1:]]) + f"\n{END}\n"
    parsed = parse_block(body, OPEN, meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT, template=template)
    assert parsed.new_actions == []
    assert parsed.notes == ours[1:]  # the copies typed again: notes, as typed
