"""Reading back notes the manager's own hands made hard: a pasted earlier agenda (marker lines
and all), display names changed since the agenda went in, note lines shaped like the
agenda's, labels in front of lines, and names in another Unicode form."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.domain import agenda as ag
from service.domain.agenda import AgendaPolicy, LastTime, Topic, build_agenda
from service.domain.body import END, MARKERS, START, block_text, find_block
from service.domain.htmltext import html_to_text
from service.domain.notes import ParsedNotes, parse_action, parse_block, resolve_owner
from service.domain.questions import Question
from service.render import render
from tests.unit.test_notes import MANAGER, MEETING, OPEN, REPORT, typed

LONDON = ZoneInfo("Europe/London")


def agenda_html(*, manager: str = MANAGER, report: str = REPORT, actions=OPEN,
                start: datetime = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON),
                last_time: LastTime | None = None) -> str:
    agenda = build_agenda(
        meeting_start=start, manager_name=manager, report_name=report,
        topics=[Topic(1, "Career plan", "report", date(2026, 11, 20)),
                Topic(2, "Budget", "manager", date(2026, 11, 21), carried=1)],
        open_actions=list(actions), meeting_number=3, last_development_on=None,
        policy=AgendaPolicy(), last_time=last_time,
        question=Question("q1", "work", "What would make next week a good one?"),
    )
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


def body_text(html: str) -> str:
    """The whole event body as Graph's text view gives it (Teams block below ours)."""
    return html_to_text(f"<html><body><p>Room 4</p>{html}<div>{'_' * 80}</div>"
                        "<div>Microsoft Teams meeting</div><div>Join the meeting now</div>"
                        "</body></html>")


def read(html: str, *, manager: str = MANAGER, report: str = REPORT,
         template_html: str | None = None, actions=OPEN) -> ParsedNotes:
    """The capture path: our block of the body, parsed with this agenda as the template."""
    inner = block_text(body_text(html))
    assert inner is not None
    template = html_to_text(template_html) if template_html else None
    return parse_block(inner, actions, meeting_date=MEETING, manager_name=manager,
                       report_name=report, template=template)


def tick(html: str, line_start: str) -> str:
    """Tick the first line starting so (ours: Last time's actions come before the Notes)."""
    assert line_start in html
    return html.replace(line_start, line_start.replace("[ ]", "[x]", 1), 1)


# -- 1. a pasted agenda, marker lines and all ------------------------------------------------


def previous_invite() -> list[str]:
    """Last meeting's invite as the manager copies it: its block, marker lines included,
    with what was typed into it then (one of its carried actions ticked there)."""
    html = agenda_html(start=datetime(2026, 11, 10, 10, 0, tzinfo=LONDON))
    html = tick(html, "[ ] Alex Jones – get the work done")
    html = typed(html, ["First meeting notes."],
                 ["Alex: book the course by 20 Dec", "Sam: send the Q1 plan by 1 Dec"])
    inner = block_text(html_to_text(html))
    assert inner is not None
    return [START, *inner.splitlines(), END]


@pytest.mark.parametrize("recalled", [False, True])
def test_pasted_agenda_loses_nothing_new_and_records_nothing_old(recalled: bool) -> None:
    """The manager pastes last meeting's invite into Notes, then types a note, a new action
    and ticks carried #5: all three count; the copy adds no action, ticks nothing (#6 was
    ticked in the copy), and its prompts and headings are not notes."""
    last = LastTime(start=datetime(2026, 11, 10, 10, 0, tzinfo=LONDON),
                    notes=("First meeting notes.",)) if recalled else None
    ours = agenda_html(last_time=last)
    html = tick(ours, "[ ] Sam Smith – send the Q1 plan")
    html = typed(html, ["Pasted from last time:", *previous_invite(), "Today: good progress."],
                 ["Alex: draft the Q1 budget by 29 Jan"])
    for template in (None, ours):
        parsed = read(html, template_html=template)
        assert [(a.owner, a.text, a.due) for a in parsed.new_actions] == [
            (REPORT, "draft the Q1 budget", date(2027, 1, 29))]
        assert parsed.closed_ids == {5}
        assert parsed.topics_discussed == set()
        # The copy's note is kept unless this agenda (the template) recalls it as last
        # time's: then it is known as that meeting's, recorded then.
        old = [] if recalled and template else ["First meeting notes."]
        assert parsed.notes == ["Pasted from last time:", *old, "Today: good progress."]


def test_one_pasted_end_line_drops_nothing_below_it() -> None:
    """A lone END (or START) line in Notes is not content and ends nothing early."""
    html = tick(agenda_html(), "[ ] Sam Smith – send the Q1 plan")
    html = typed(html, ["Talked about the move.", END, "More notes after it.", START,
                        "And after that."], ["Alex: send the plan by 20 Dec"])
    parsed = read(html)
    assert parsed.notes == ["Talked about the move.", "More notes after it.", "And after that."]
    assert [(a.owner, a.text) for a in parsed.new_actions] == [(REPORT, "send the plan")]
    assert parsed.closed_ids == {5}


def test_block_runs_from_the_first_start_to_the_last_end_line() -> None:
    html = typed(agenda_html(), ["before", END, "after"], ["Alex: send the plan"])
    body = f"<html><body><p>Room 4</p>{html}<p>Teams</p></body></html>"
    inner = block_text(body_text(html))
    assert inner is not None and "after" in inner and "send the plan" in inner
    assert "Teams meeting" not in inner and "Room 4" not in inner
    a, b = find_block(body) or (0, 0)
    assert body[:a] == "<html><body><p>Room 4</p>" and body[b:] == "<p>Teams</p></body></html>"


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Asia/Tehran", "Asia/Colombo"])
def test_pasted_agenda_of_a_half_hour_zone_loses_its_header_too(zone: str) -> None:
    """Where the zone database names a zone by its offset alone, the header's time reads
    "10:00 UTC+05:45": a pasted copy's header (and, read without the template, this
    agenda's own) is the agenda's line, not a note mailed to the report."""
    tz = ZoneInfo(zone)
    earlier = typed(agenda_html(start=datetime(2026, 11, 10, 10, 0, tzinfo=tz)),
                    ["First meeting notes."], ["Alex: book the course by 20 Dec"])
    inner = block_text(html_to_text(earlier))
    assert inner is not None and ":00 UTC+0" in inner
    ours = agenda_html(start=datetime(2026, 12, 8, 10, 0, tzinfo=tz))
    html = typed(ours, ["Pasted:", START, *inner.splitlines(), END, "Today."], [])
    for template in (None, ours):
        parsed = read(html, template_html=template)
        assert parsed.notes == ["Pasted:", "First meeting notes.", "Today."]
        assert parsed.new_actions == []


# -- 2. display names changed after the agenda went in ---------------------------------------


def test_renamed_pair_prompts_are_not_read_back_as_notes() -> None:
    """Written for Sam and Alex, read back as Samuel and Alexandra (the directory changed):
    the prompts, the share line and the example are still the agenda's own."""
    html = typed(agenda_html(), ["Good meeting."], [])
    renamed = {"manager": "Samuel Smith", "report": "Alexandra Jones"}
    for template in (None, agenda_html(**renamed)):
        parsed = read(html, template_html=template, **renamed)
        assert parsed.notes == ["Good meeting."]
        assert parsed.new_actions == []


def test_for_example_is_never_an_owner() -> None:
    example = ag.actions_example("Samuel", "Alexandra")
    for line in (example, "For example: book the course"):
        action = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                              report_name=REPORT)
        assert action is None or not action.owner.casefold().startswith("for example")


# -- 3. note lines shaped like the agenda's own ----------------------------------------------


SHAPED = ["Finance added: “no new hires until March”",
          "Noise complaint — Facilities, raised 14 Nov 2026",
          "2 of 3 topics are Alex's",
          "From the notes: “the budget is frozen”",
          "No topics yet: the team is on leave"]


def test_note_lines_shaped_like_agenda_lines_are_kept() -> None:
    parsed = read(typed(agenda_html(), ["Good meeting overall.", *SHAPED], []))
    assert parsed.notes == ["Good meeting overall.", *SHAPED]


@pytest.mark.parametrize("heading", ["Recognition", "Feedback both ways", "Progress and obstacles",
                                     "Topics", "Last time", "How are you?"])
@pytest.mark.parametrize("with_template", [True, False])
def test_a_heading_of_ours_typed_in_the_notes_heads_their_notes(heading: str,
                                                               with_template: bool) -> None:
    """A manager heads some notes with one of the agenda's own headings: it is their word
    (the agenda's came before the Notes), and the lines under it stay notes, even lines
    shaped like the agenda's. They were read as our section, dropped, and with nothing else
    typed the meeting was recorded held without notes: no summary went."""
    html = agenda_html()
    typed_in = [heading, *SHAPED[:1], SHAPED[3], "Sam was great with the launch."]
    parsed = read(typed(html, typed_in, ["Rob: send the plan by 20 Dec"]),
                  template_html=html if with_template else None)
    assert parsed.notes == typed_in
    assert [a.text for a in parsed.new_actions] == ["send the plan"]


@pytest.mark.parametrize("with_template", [True, False])
def test_an_agenda_pasted_into_the_notes_without_its_marker_lines_is_still_ours(
        with_template: bool) -> None:
    """A run of the agenda's headings typed under Notes is an agenda pasted there (its
    marker lines left out): its headings and prompts are not the manager's notes."""
    ours = agenda_html()
    copy = [line for line in previous_invite() if line not in (START, END)]
    parsed = read(typed(ours, ["Pasted:", *copy, "Today: good."], []),
                  template_html=ours if with_template else None)
    assert parsed.notes == ["Pasted:", "First meeting notes.", "Today: good."]


HEADER = "1-2-1 · Sam Smith & Alex Jones · Tuesday 8 December, 10:00 GMT"
# An organisation's own template: the typing areas first, the agenda after them.
ORG = [HEADER, "Notes", "Actions agreed", "Topics", "Career plan", "How are you?",
       "Progress and obstacles"]


def test_an_organisations_typing_areas_first_keep_its_headings_after_them() -> None:
    """With Notes first, the agenda's headings after it are ours, even with an earlier
    agenda pasted (markers and all) into the Notes, whose headings are its own."""
    old = [START, HEADER.replace("8 December", "10 November"), "Notes", "old note",
           "Actions agreed", "Topics", "Career plan", "How are you?", "Progress and obstacles",
           END]
    for body, notes in (([HEADER, "Notes", "Good chat.", *ORG[2:]], ["Good chat."]),
                        ([HEADER, "Notes", "Good chat.", *old, *ORG[2:]],
                         ["Good chat.", "old note"])):
        parsed = parse_block("\n".join(body), [], meeting_date=MEETING, manager_name=MANAGER,
                             report_name=REPORT, template="\n".join([START, *ORG, END]))
        assert parsed.notes == notes


def test_agenda_shaped_lines_outside_the_notes_are_still_ours() -> None:
    """Where the agenda writes them (Topics, Last time), such lines are still skipped."""
    text = "\r\n".join(["Topics", "2 of 3 topics are Alex's", "Last time", *SHAPED[:2],
                        "Notes", "a note"])
    parsed = parse_block(text, OPEN, meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT)
    assert parsed.notes == ["a note"]


# -- 4. labels are not owners ----------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "Note: the room is booked for Friday",
    "FYI: HR has the form",
    "Update: the plan slipped a week",
    "Question: can we move to Thursdays",
    "Re: the offsite - moved to May",
    "Deadline: budget sign-off by 12 Dec",
    "Update: Sam - send it",
])
def test_labels_under_actions_agreed_are_never_owners(line: str) -> None:
    text = f"Actions agreed\r\n{line}\r\n"
    parsed = parse_block(text, OPEN, meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT)
    label = line.split(":")[0].casefold()
    assert all(not a.owner.casefold().startswith(label) for a in parsed.new_actions)
    kept = parsed.notes + [a.line for a in parsed.new_actions]
    assert line in kept  # nothing typed is lost


def test_names_still_own_actions() -> None:
    for line, owner in [("Sam: send the plan", MANAGER), ("Jo from HR: confirm the dates",
                                                          "Jo from HR")]:
        action = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                              report_name=REPORT)
        assert action is not None and action.owner == owner


# -- 5. names in another Unicode form --------------------------------------------------------


@pytest.mark.parametrize(("directory", "typed_name"), [
    ("Zoe\u0301 Chen", "Zo\u00e9"), ("Zo\u00e9 Chen", "Zoe\u0301"), ("ZOE\u0301 Chen", "zoé")])
def test_owner_matches_across_unicode_forms(directory: str, typed_name: str) -> None:
    assert resolve_owner(typed_name, MANAGER, directory) == directory
    for line in (f"{typed_name} to send the plan by Friday", f"{typed_name}: book the course"):
        action = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                              report_name=directory)
        assert action is not None and action.owner == directory, line


def test_pasted_copy_holds_no_marker_of_ours_in_the_notes() -> None:
    """The sentinel lines of a pasted copy never show in the notes."""
    html = typed(agenda_html(), previous_invite(), [])
    parsed = read(html)
    assert not any(re.search("onetoone agenda", n, re.I) for n in parsed.notes)


def test_a_long_typed_line_of_ampersands_and_dots_is_a_note_read_in_linear_work() -> None:
    """A line starting like our header, with thousands of "&" and "·" but no time at its
    end, is the manager's note: tried as ``.+ & .+ · .+`` it took minutes (cubic)."""
    pasted = "1-2-1 · " + "R & D · " * 5_000 + "ops"
    parsed = read(typed(agenda_html(), ["Good meeting.", pasted], []))
    assert parsed.notes == ["Good meeting.", pasted]


def test_thousands_of_pasted_marker_lines_are_read_in_linear_work() -> None:
    """A body of copies pasted into one another, marker lines and all (a few MB, as Graph
    allows an invite): each END line dropped the copies it held by rebuilding the list of
    them, and each of ours was looked for among them, so 40,000 copies took minutes per
    read (quadratic), on every read of that meeting. Now one pass: what they typed is kept.
    (How the time grows with the copies: `python benchmarks/text.py`.)"""
    copies = [START, "x", END] * 40_000
    html = typed(agenda_html(), ["Before the copies.", *copies, "After them."], [])
    parsed = read(html)
    assert parsed.notes[0] == "Before the copies." and parsed.notes[-1] == "After them."
    assert parsed.notes.count("x") == 40_000 and not parsed.new_actions
