"""The report's words never rewrite the manager's record (issue 9, items 2, 3 and 8).

The agenda's own lines are recognised as ours before anything inside them is read as a
tick: only a change the manager made to one of them counts. The block's sentinel words
inside a topic, an action, a name or a question never open or close the block.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

import pytest

from service.domain.agenda import AgendaPolicy, OpenAction, Topic, build_agenda
from service.domain.body import MARKERS, block_text, find_block, fingerprint, replace_block
from service.domain.htmltext import html_to_text
from service.domain.notes import ParsedNotes, parse_action, parse_block
from service.domain.questions import Question
from service.render import render

MEETING = date(2026, 12, 8)
MANAGER, REPORT = "Sam Smith", "Alex Jones"
HOSTILE_TOPICS = ["Budget (#1) done?", "[x] the rota", "finished the migration, what next",
                  "is the review complete", "done and dusted",
                  "── onetoone agenda ends · please keep this line ──",
                  "onetoone agenda starts again?", "~~struck~~ plans",
                  "what we discussed, covered and talked about"]
ACTIONS = [
    OpenAction(1, "Sam Smith", "send the Q1 plan", None, date(2026, 11, 1), 0),
    OpenAction(2, "Closed Loop Ltd", "deliver ~~old~~ new kit", None, date(2026, 11, 2), 1),
    OpenAction(3, "Alex Jones", "finish onetoone agenda ends review", date(2026, 12, 1),
               date(2026, 11, 3), 0),
]


def agenda_html(topics=HOSTILE_TOPICS, actions=ACTIONS, manager=MANAGER, report=REPORT,
                question="What does onetoone agenda ends mean to you?") -> str:
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        manager_name=manager, report_name=report,
        topics=[Topic(10 + i, text, "report", date(2026, 11, 20)) for i, text in
                enumerate(topics)],
        open_actions=list(actions), meeting_number=3, last_development_on=None,
        policy=AgendaPolicy(), question=Question("q1", "work", question),
    )
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


def outlook(html: str) -> str:
    """The event body as Exchange hands it back as text, with a Teams block below."""
    body = (f"<html><body><div>{html}</div><div>{'_' * 80}</div>"
            "<div>Microsoft Teams meeting</div></body></html>")
    return html_to_text(body)


def typed(html: str, notes: list[str], actions: list[str] = ()) -> str:
    def paras(lines) -> str:
        return "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in lines)

    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + paras(notes), html)
    return re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras(actions),
                  html)


def read(body_text: str, *, template: str | None = None, actions=ACTIONS,
         manager=MANAGER, report=REPORT) -> ParsedNotes:
    inner = block_text(body_text)
    assert inner is not None
    return parse_block(inner, actions, meeting_date=MEETING, manager_name=manager,
                       report_name=report, template=template)


@pytest.mark.parametrize("with_template", [False, True])
def test_the_reports_words_tick_nothing(with_template: bool) -> None:
    """An untouched agenda whose topics say "(#1) done", "[x]", "finished", "complete" and
    the end-marker words: nothing closed, nothing discussed, no note, nothing lost."""
    html = agenda_html()
    template = html_to_text(html) if with_template else None
    parsed = read(outlook(html), template=template)
    assert parsed.closed_ids == set()
    assert parsed.topics_discussed == set()
    assert parsed.notes == [] and parsed.new_actions == []
    assert parsed.still_open_ids == {1, 2, 3} and parsed.missing_ids == set()


@pytest.mark.parametrize("with_template", [False, True])
def test_only_the_managers_change_counts(with_template: bool) -> None:
    """Ticking the box of one topic and one action, or appending "done", counts - for that
    line only - and the manager's typed notes are read whole."""
    html = agenda_html()
    template = html_to_text(html) if with_template else None
    edited = (html.replace("[ ] <bdi>Budget (#1) done?", "[x] <bdi>Budget (#1) done?")
              .replace("(#2)</p>", "(#2) done</p>"))
    edited = typed(edited, ["We said onetoone agenda ends is a strange topic",
                            "For example: the rota"], ["Action: Ben: send the plan"])
    parsed = read(outlook(edited), template=template)
    assert parsed.topics_discussed == {10}
    assert parsed.closed_ids == {2}
    assert parsed.notes == ["We said onetoone agenda ends is a strange topic",
                            "For example: the rota"]
    assert [(a.owner, a.text) for a in parsed.new_actions] == [("Ben", "send the plan")]


def test_a_done_word_appended_to_a_topic_is_a_tick() -> None:
    html = agenda_html().replace("(topic #12)</p>", "(topic #12) done</p>")
    assert read(outlook(html)).topics_discussed == {12}
    html = agenda_html().replace("[ ] <bdi>is the review", "x <bdi>is the review")
    assert read(outlook(html), template=html_to_text(agenda_html())).topics_discussed == {13}


@pytest.mark.parametrize("typed", ["discussed", "Covered", "- talked about it",
                                   "discussed, back in January"])
def test_discussed_typed_after_a_topic_is_a_tick(typed: str) -> None:
    """A manager notes a topic was discussed in words as often as with a tick; what else
    they typed there is kept as the topic's note, without the word."""
    html = agenda_html().replace("(topic #12)</p>", f"(topic #12) {typed}</p>")
    parsed = read(outlook(html))
    assert parsed.topics_discussed == {12}
    rest = [n for n in parsed.notes if n.startswith("(topic #12)")]
    assert rest == (["(topic #12) back in January"] if "January" in typed else []), rest


def test_discussed_after_an_action_is_a_note_not_a_tick() -> None:
    """For an action "discussed" is not "done": the action stays open, the words a note."""
    html = agenda_html().replace("(#2)</p>", "(#2) discussed with HR</p>")
    parsed = read(outlook(html))
    assert 2 not in parsed.closed_ids
    assert "(#2) discussed with HR" in parsed.notes


def test_owner_and_text_words_are_not_ticks_at_first_read() -> None:
    """"Closed Loop Ltd" and text with ``~~`` are the action's own words."""
    line = "[ ] Closed Loop Ltd – deliver ~~old~~ new kit – no due date · carried 1× (#2)"
    parsed = parse_block(f"Last time's actions\n{line}\n", ACTIONS, meeting_date=MEETING,
                         manager_name=MANAGER, report_name=REPORT)
    assert parsed.closed_ids == set() and parsed.notes == []
    parsed = parse_block(f"Last time's actions\n{line.replace('[ ]', '[x]')}\n", ACTIONS,
                         meeting_date=MEETING, manager_name=MANAGER, report_name=REPORT)
    assert parsed.closed_ids == {2}


@pytest.mark.parametrize("where", ["topic", "manager", "report", "question", "action"])
def test_marker_words_in_user_text_keep_the_block_whole(where: str) -> None:
    """The sentinel words in any user text: the block is found whole, rewritten in place,
    and the manager's notes below that text are read."""
    words = "── onetoone agenda ends · please keep this line ──"
    kwargs: dict = {"topics": ["fine"], "actions": ACTIONS[:1]}
    manager, report = MANAGER, REPORT
    if where == "topic":
        kwargs["topics"] = [words]
    elif where == "manager":
        manager = f"Sam {words}"
    elif where == "report":
        report = f"Alex onetoone agenda starts {words}"
    elif where == "question":
        kwargs["question"] = words
    else:
        kwargs["actions"] = [OpenAction(1, "Sam Smith", words, None, date(2026, 11, 1), 0)]
    html = agenda_html(manager=manager, report=report, **kwargs)
    body = f"<html><body><p>Room 4</p>{html}<p>Teams</p></body></html>"
    a, b = find_block(body)  # type: ignore[misc]
    assert body[a:b].endswith("</div>") and "Teams" not in body[a:b]
    assert replace_block(body, html) == body
    notes = read(outlook(typed(html, ["the real note"])), actions=kwargs["actions"],
                 manager=manager, report=report).notes
    assert notes == ["the real note"]
    # the fingerprint covers the whole block, not the part before the words
    assert fingerprint(block_text(outlook(html)) or "") != fingerprint(
        block_text(outlook(typed(html, ["x"]))) or "")


def test_sentinels_still_match_as_their_own_lines() -> None:
    """A re-typed sentinel line (case, spacing, decoration) still counts; a mention doesn't."""
    text = ("top\nONETOONE  agenda starts\nnote one\nsee onetoone agenda ends below\n"
            "--- onetoone agenda ends · please keep this line ---\nafter")
    assert block_text(text) == "note one\nsee onetoone agenda ends below\n"


@pytest.mark.parametrize("line, owner, text", [
    ("Action: Ben: send the plan", "Ben", "send the plan"),
    ("AP: Ben: send the plan", "Ben", "send the plan"),
    ("TODO: Alex: book the course", REPORT, "book the course"),
    ("Action point: [ ] Sam – call Jo", MANAGER, "call Jo"),
    ("Ben: send the plan", "Ben", "send the plan"),
])
def test_action_labels_are_not_owners(line: str, owner: str, text: str) -> None:
    got = parse_action(line, meeting_date=MEETING, manager_name=MANAGER, report_name=REPORT)
    assert got is not None and (got.owner, got.text) == (owner, text)


def test_a_typed_for_example_line_is_kept_and_ours_dropped() -> None:
    from service.domain.agenda import actions_example

    text = "\n".join(["Notes", "For example: the Leeds office", "Actions agreed",
                      actions_example("Sam", "Alex"),
                      actions_example("Sam", "Alex").replace("[ ]", "[x]")])
    parsed = parse_block(text, [], meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT)
    assert parsed.notes == ["For example: the Leeds office"]
    assert parsed.new_actions == []


def test_bare_cr_lines_parse_like_lf() -> None:
    html = typed(agenda_html(), ["one", "two"], ["Sam: call Jo"])
    lf = read(outlook(html))
    cr = read(outlook(html).replace("\r\n", "\r"))
    assert cr == lf and lf.notes == ["one", "two"]


def test_lines_an_earlier_version_wrote_are_still_ours() -> None:
    """An invite written before an upgrade carries the prompt and example wording of then:
    read back after it, those lines are not notes or actions."""
    from service.domain.agenda import FORMER_PROMPTS
    from service.domain.wording import first_name

    r, m = first_name(REPORT), first_name(MANAGER)
    text = "\n".join(["Topics", FORMER_PROMPTS[0].format(r=r, m=m), "Notes", "a real note",
                      "Actions agreed", FORMER_PROMPTS[1].format(r=r, m=m)])
    parsed = parse_block(text, [], meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT)
    assert parsed.notes == ["a real note"] and parsed.new_actions == []
