"""Reading back what the manager typed: notes, new actions, ticked carried actions."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from service.domain import agenda as ag
from service.domain.agenda import AgendaPolicy, OpenAction, Topic, build_agenda, format_date
from service.domain.body import MARKERS, block_text
from service.domain.htmltext import html_to_text
from service.domain.notes import (
    ParsedNotes,
    parse_action,
    parse_block,
    parse_due,
    resolve_owner,
    split_due,
)
from service.domain.questions import Question
from service.domain.wording import MONTHS, MONTHS_LONG, first_name
from service.render import render

MEETING = date(2026, 12, 8)  # a Tuesday
MANAGER, REPORT = "Sam Smith", "Alex Jones"
OPEN = [
    OpenAction(5, "Sam Smith", "send the Q1 plan", date(2026, 12, 1), date(2026, 11, 1), 1),
    OpenAction(6, "Alex Jones", "get the work done", None, date(2026, 11, 2), 0),
    OpenAction(7, "Alex Jones", "book the course", date(2026, 12, 20), date(2026, 11, 3), 2),
]


def agenda_html(actions=OPEN) -> str:
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        manager_name=MANAGER, report_name=REPORT,
        topics=[Topic(1, "Career plan", "report", date(2026, 11, 20)),
                Topic(2, "Budget", "manager", date(2026, 11, 21), carried=1)],
        open_actions=list(actions), meeting_number=3, last_development_on=None,
        policy=AgendaPolicy(),
        question=Question("q1", "work", "What would make next week a good one?"),
    )
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


AGENDA_HTML = agenda_html()


def typed(html: str, notes: list[str], actions: list[str], *, nbsp: bool = False,
          bullets: bool = False) -> str:
    """Type lines into the Notes and Actions agreed areas as Outlook stores them.

    One paragraph per line; ``nbsp`` spaces as Outlook's ``&nbsp;``; ``bullets`` notes as a
    bulleted list.
    """
    def cell(line: str) -> str:
        out = escape(line)
        return out.replace(" ", "&nbsp;") if nbsp else out

    def paras(lines: list[str], as_list: bool = False) -> str:
        if as_list and lines:
            return "<ul>" + "".join(f"<li>{cell(line)}</li>" for line in lines) + "</ul>"
        return "".join(f'<p style="margin:0;">{cell(line)}</p>' for line in lines)

    html = re.sub(r'(id="onetoone-notes"[^>]*>)',
                  lambda m: m.group(1) + paras(notes, bullets), html)
    return re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras(actions),
                  html)


def parse(text: str, actions=OPEN, **kw) -> ParsedNotes:
    return parse_block(text, actions, meeting_date=MEETING, manager_name=MANAGER,
                       report_name=REPORT, **kw)


def read_back(html: str) -> ParsedNotes:
    """The capture path: Exchange-style text of the body, our block, parsed."""
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'</head><body><div class="x_elementToProof">{html}</div>'
            '<div>' + "_" * 80 + "</div><div>Microsoft Teams meeting</div></body></html>")
    inner = block_text(html_to_text(body))
    assert inner is not None
    return parse(inner)


def norm(s: str) -> str:
    return " ".join(s.split())


# -- the untouched agenda -------------------------------------------------------------------


def test_untouched_agenda_gives_nothing() -> None:
    """The agenda as injected yields no notes, no actions, and every action still open."""
    parsed = read_back(AGENDA_HTML)
    assert parsed.notes == []
    assert parsed.new_actions == []
    assert parsed.closed_ids == set()
    assert parsed.still_open_ids == {5, 6, 7}
    assert parsed.missing_ids == set()
    assert parsed.topics_discussed == set()


def test_issue_examples() -> None:
    """The examples from the issue and the agenda's own hint parse as documented."""
    html = typed(AGENDA_HTML, ["Alex is keen on the leadership course."], [
        "Sam: send the Q1 plan by 12 Dec",
        "[ ] Alex – book the course – 2026-12-12",
        "- Alex - book the course - due 12/12/2026",
        "• Sam to send the deck by Friday",
        "1. Alex: draft the proposal",
        "I'll chase HR next week",
        "you: update the wiki",
        "Jo Bloggs: share the template by 3 Jan",
    ])
    parsed = read_back(html)
    got = [(a.owner, a.text, a.due) for a in parsed.new_actions]
    assert got == [
        (MANAGER, "send the Q1 plan", date(2026, 12, 12)),
        (REPORT, "book the course", date(2026, 12, 12)),
        (REPORT, "book the course", date(2026, 12, 12)),
        (MANAGER, "send the deck", date(2026, 12, 11)),
        (REPORT, "draft the proposal", None),
        (MANAGER, "chase HR", MEETING + timedelta(days=7)),
        (REPORT, "update the wiki", None),
        ("Jo Bloggs", "share the template", date(2027, 1, 3)),
    ]
    assert parsed.notes == ["Alex is keen on the leadership course."]


@pytest.mark.parametrize("tick", ["[x]", "[X]", "[ x ]", "[✓]", "[✔]", "☑", "✔", "✓", "✅", "x",
                                  "[done]"])
def test_ticked_carried_actions_close(tick: str) -> None:
    """Each tick style closes the carried action; the others stay open."""
    html = AGENDA_HTML.replace("[ ] Sam Smith – send the Q1 plan", f"{tick} Sam Smith – send "
                               "the Q1 plan")
    parsed = read_back(html)
    assert parsed.closed_ids == {5}
    assert parsed.still_open_ids == {6, 7}
    assert parsed.notes == []


@pytest.mark.parametrize("carried_first", [True, False])
def test_a_carried_action_ticked_done_and_agreed_again_is_a_new_action(
        carried_first: bool) -> None:
    """#7 ticked done and "Alex: book the course" agreed at the same meeting, above or below
    it: #7 closes and the line is a new open action, not #7 typed again."""
    carried = "[x] Alex Jones – book the course – due 20 Dec 2026 (#7)"
    agreed = ["Actions agreed", "Alex: book the course", "Sam: send the Q1 plan"]
    lines = [carried, *agreed] if carried_first else [*agreed, carried]
    parsed = parse("\n".join(lines))
    assert parsed.closed_ids == {7}
    assert [(a.owner, a.text, a.done) for a in parsed.new_actions] == [
        (REPORT, "book the course", False)]  # #5, typed again and still open, is #5
    assert parsed.still_open_ids == {5, 6}


@pytest.mark.parametrize("edit", [
    lambda line: line + " done",
    lambda line: line.replace("(#5)", "(done) (#5)"),
    lambda line: "DONE " + line,
    lambda line: "~~" + line + "~~",
    lambda line: line.replace("[ ]", "").strip(),  # box removed: not a tick
])
def test_done_words_and_strikethrough(edit) -> None:
    """'done', '(done)' and ~~strikethrough~~ close; deleting the box alone does not."""
    line = "[ ] Sam Smith – send the Q1 plan – due 1 Dec 2026 · overdue · carried 1× (#5)"
    edited = edit(line)
    parsed = parse(f"Last time's actions\r\n{edited}\r\n")
    expected = set() if edited.startswith("Sam Smith") else {5}
    assert parsed.closed_ids == expected
    assert parsed.notes == []


def test_done_inside_action_text_is_not_a_tick() -> None:
    """The word 'done' inside the action's own text does not close it."""
    parsed = read_back(AGENDA_HTML)
    assert 6 in parsed.still_open_ids  # "get the work done"
    html = AGENDA_HTML.replace("[ ] Alex Jones – get the work done", "[x] Alex Jones – get the "
                               "work done")
    assert read_back(html).closed_ids == {6}


def test_comment_after_carried_action_is_kept() -> None:
    """Words typed after a carried action's marker become a note, not lost."""
    parsed = parse("[x] Sam Smith – send the Q1 plan – due 1 Dec 2026 (#5) – sent Monday\r\n")
    assert parsed.closed_ids == {5}
    assert parsed.notes == ["(#5) sent Monday"]


def test_topics_ticked_are_discussed() -> None:
    """A ticked topic is reported as discussed; the others carry over."""
    html = AGENDA_HTML.replace("[ ] <bdi>Career plan", "[x] <bdi>Career plan")
    assert read_back(html).topics_discussed == {1}


def test_an_x_in_place_of_the_box_ticks_but_an_x_starting_the_topic_does_not() -> None:
    """"x" typed over a topic's box marks it discussed; a topic whose own words start with
    an X ("X-ray results"), its box deleted, is not (read against the agenda as written)."""
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        manager_name=MANAGER, report_name=REPORT,
        topics=[Topic(1, "X-ray results", "report", date(2026, 11, 20))], open_actions=[],
        meeting_number=3, last_development_on=None, policy=AgendaPolicy(), question=None)
    html = render("agenda.html.j2", agenda=agenda, markers=MARKERS)
    written = block_text(html_to_text(html))

    def discussed(edit: str) -> set[int]:
        # (The topic's words are in a <bdi> of their own: the edit is of the text.)
        edited = html.replace("[ ] <bdi>X-ray", edit.replace("X-ray", "<bdi>X-ray"))
        inner = block_text(html_to_text(edited))
        return parse(inner or "", actions=[], template=written).topics_discussed

    assert discussed("[ ] X-ray") == set()
    assert discussed("X-ray") == set()  # the box deleted: not a tick
    assert discussed("x X-ray") == {1}
    assert discussed("[x] X-ray") == {1}


def test_deleted_action_line_is_missing_but_open() -> None:
    """An action whose line was deleted stays open and is reported missing."""
    text = html_to_text(AGENDA_HTML)
    text = "\r\n".join(line for line in text.split("\r\n") if "(#6)" not in line)
    parsed = parse(block_text(text) or "")
    assert parsed.missing_ids == {6}
    assert parsed.still_open_ids == {5, 6, 7}


def test_actions_left_out_stay_open_and_their_line_is_never_a_note() -> None:
    """With more open actions than an agenda lists, the line saying so is ours wherever its
    count or date no longer matches (a re-read after some were done): never a note."""
    many = [OpenAction(10 + n, "Alex Jones", f"task {n}", None, date(2026, 11, 1 + n), 0)
            for n in range(15)]
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        manager_name=MANAGER, report_name=REPORT, topics=[], open_actions=many,
        meeting_number=3, last_development_on=None, policy=AgendaPolicy(), question=None,
        actions_shown=12)
    html = render("agenda.html.j2", agenda=agenda, markers=MARKERS)
    assert "+ 3 older open actions, raised 3 Nov 2026 or before" in norm(html_to_text(html))
    # (The line's other form, when the one left out is the newest, too large to list.)
    other = html.replace("+ 3 older open actions, raised 3 Nov 2026 or before,",
                         "+ 3 more open actions,")
    assert other != html
    for shown in (html, html.replace("+ 3 older", "+ 5 older").replace("3 Nov", "9 Nov"),
                  other):
        parsed = parse_block(block_text(html_to_text(typed(shown, ["Went well."], []))) or "",
                             many, meeting_date=MEETING, manager_name=MANAGER,
                             report_name=REPORT)
        assert parsed.notes == ["Went well."]
        assert parsed.missing_ids == {10, 11, 12}
        assert parsed.still_open_ids == {a.id for a in many}


def test_survives_outlook_text_mangling() -> None:
    """NBSP, bullets, numbering, CRLF, blank lines and moved sections all parse."""
    text = (
        "Actions agreed\r\n\r\n\r\n"
        "•\u00a0Sam:\u00a0send\u00a0the deck by Fri 11 Dec\r\n"
        "1) Alex – read the book\r\n"
        "\u00a0\r\n"
        "Notes:\r\n"
        "* first point\r\n"
        "· second point\r\n"
        "  - third\u00a0point  \r\n"
        "Actions:\r\n"
        "2.\tme: phone Jo tomorrow\r\n"
    )
    parsed = parse(text)
    assert [(a.owner, a.text, a.due) for a in parsed.new_actions] == [
        (MANAGER, "send the deck", date(2026, 12, 11)),
        (REPORT, "read the book", None),
        (MANAGER, "phone Jo", date(2026, 12, 9)),
    ]
    assert parsed.notes == ["first point", "second point", "third point"]


def test_unreadable_action_line_kept_as_note() -> None:
    """A line under Actions agreed that is not an action is kept as a note."""
    parsed = parse("Actions agreed\r\nGood meeting, nothing else.\r\n??\r\n")
    assert parsed.new_actions == []
    assert parsed.notes == ["Good meeting, nothing else.", "??"]


def test_hint_lines_ignored_even_when_moved() -> None:
    """The agenda's hints, prompts and example line are never notes or actions."""
    example = ag.actions_example("Sam", "Alex")
    text = "\r\n".join(["Notes", example, ag.NOTES_HINT, ag.ACTIONS_HINT,
                        "How is the workload: about right, too much, too little?",
                        "Actions agreed", example, ag.LAST_ACTIONS_HINT, ag.FOOTER])
    parsed = parse(text)
    assert parsed.notes == [] and parsed.new_actions == []


def test_template_lines_recognised_when_given() -> None:
    """With the injected block as `template`, an organisation's custom lines are skipped."""
    custom = "Our values: be kind\r\nNotes\r\n"
    text = custom + "Real note\r\n"
    assert parse(text).notes == ["Our values: be kind", "Real note"]
    assert parse(text, template=custom).notes == ["Real note"]


def test_whole_body_accepted() -> None:
    """A whole body (with Teams block) is narrowed to our block before parsing."""
    body = "Room 4\r\n" + html_to_text(typed(AGENDA_HTML, ["n1"], ["Sam: x"])) + \
        "\r\n" + "_" * 80 + "\r\nMicrosoft Teams meeting\r\nJoin the meeting now\r\n"
    parsed = parse(body)
    assert parsed.notes == ["n1"]
    assert [(a.owner, a.text) for a in parsed.new_actions] == [(MANAGER, "x")]


def test_parse_twice_same_result() -> None:
    """Parsing the same text twice gives equal results (re-reading changes nothing)."""
    text = html_to_text(typed(AGENDA_HTML, ["a", "b"], ["Sam: x by Friday", "junk"]))
    assert parse(text) == parse(text)


# -- dates and owners -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-12", date(2026, 12, 12)),
    ("12/12/2026", date(2026, 12, 12)),
    ("3/1/2027", date(2027, 1, 3)),  # day/month: UK
    ("03.01.27", date(2027, 1, 3)),
    ("12/12", date(2026, 12, 12)),
    ("1/12", date(2027, 12, 1)),  # 1 Dec 2026 has passed: next year
    ("12 Dec", date(2026, 12, 12)),
    ("8 Dec", date(2026, 12, 8)),  # on the meeting day itself
    ("7 Dec", date(2027, 12, 7)),
    ("Dec 12", date(2026, 12, 12)),
    ("12th December 2026", date(2026, 12, 12)),
    ("December 12, 2027", date(2027, 12, 12)),
    ("Fri 11 Dec", date(2026, 12, 11)),
    ("Friday, 11 December 2026", date(2026, 12, 11)),
    ("by Friday", date(2026, 12, 11)),
    ("Tuesday", date(2026, 12, 15)),  # the meeting is on a Tuesday: next one
    ("next Friday", date(2026, 12, 18)),
    ("next Monday", date(2026, 12, 14)),
    ("next week", date(2026, 12, 15)),
    ("today", MEETING),
    ("tomorrow", date(2026, 12, 9)),
    ("end of week", date(2026, 12, 11)),
    ("end of next week", date(2026, 12, 18)),
    ("end of month", date(2026, 12, 31)),
    ("in 3 days", date(2026, 12, 11)),
    ("in two weeks", date(2026, 12, 22)),
    ("due: 2026-12-12", date(2026, 12, 12)),
    ("29 Feb", date(2028, 2, 29)),
    ("31/02/2027", None),
    ("soon", None),
    ("12", None),
    ("Q1", None),
])
def test_parse_due(text: str, expected: date | None) -> None:
    """Due dates in common formats; day/month order; year-less means next on/after meeting."""
    assert parse_due(text, MEETING) == expected


def test_owner_resolution() -> None:
    """First or full names, me/I, you; others kept as written; shared first names need more."""
    assert resolve_owner("alex", MANAGER, REPORT) == REPORT
    assert resolve_owner("Sam Smith", MANAGER, REPORT) == MANAGER
    assert resolve_owner("I", MANAGER, REPORT) == MANAGER
    assert resolve_owner("you", MANAGER, REPORT) == REPORT
    assert resolve_owner("Jo", MANAGER, REPORT) is None
    assert resolve_owner("Sam", "Sam Smith", "Sam Jones") is None
    assert resolve_owner("Sam Jones", "Sam Smith", "Sam Jones") == "Sam Jones"
    action = parse_action("Facilities: fix the door", meeting_date=MEETING,
                          manager_name=MANAGER, report_name=REPORT)
    assert action is not None and action.owner == "Facilities"


@pytest.mark.parametrize(("line", "due"), [
    ("Alex: send the plan by the end of the week", date(2026, 12, 11)),
    ("Alex: send the plan by the end of next week", date(2026, 12, 18)),
    ("Alex: send the plan by the end of the month", date(2026, 12, 31)),
    ("Alex: send the plan - the end of the week", date(2026, 12, 11)),
    ("Alex: send the plan by the 12th of December", date(2026, 12, 12)),
])
def test_the_before_a_due_date_is_no_part_of_the_action(line: str, due: date) -> None:
    """"By the end of the week" is how people say it: the due date is read whole, and the
    action's words stop before "by" (not "send the plan by the", in every summary and
    agenda after)."""
    action = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                          report_name=REPORT)
    assert action is not None and (action.owner, action.text, action.due) == (
        REPORT, "send the plan", due)


def test_a_new_action_struck_through_is_agreed_and_done() -> None:
    """Outlook's strikethrough (``~~`` in the text view) on a new action line says it is
    done already, as a ticked box does; with a box or without one."""
    for line in ("~~Alex: send the plan~~", "[ ] ~~Alex: send the plan~~",
                 "[x] Alex: send the plan"):
        action = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                              report_name=REPORT)
        assert action is not None and (action.owner, action.text, action.done) == (
            REPORT, "send the plan", True), line
    plain = parse_action("Alex: send the plan", meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT)
    assert plain is not None and not plain.done


def test_sentences_are_not_verb_actions() -> None:
    """'X to ...' needs X to be one of the pair, so ordinary sentences are not actions."""
    assert parse_action("Plan to revisit this", meeting_date=MEETING, manager_name=MANAGER,
                        report_name=REPORT) is None


# -- property tests -------------------------------------------------------------------------

WORD = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S"),
                           exclude_characters="[]#~•·◦▪*"),
    min_size=1, max_size=8,
)
TEXT = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
DUE = st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)))


def _due_forms(d: date) -> list[str]:
    forms = [format_date(d), d.isoformat(), f"{d.day}/{d.month}/{d.year}",
             f"{d.day} {MONTHS_LONG[d.month - 1]} {d.year}",
             f"{MONTHS_LONG[d.month - 1]} {d.day}, {d.year}"]
    if MEETING <= d < date(MEETING.year + 1, MEETING.month, MEETING.day):
        forms.append(f"{d.day} {MONTHS[d.month - 1]}")  # year-less
    return forms


def _owner_forms(owner: str) -> list[str]:
    pronoun = "me" if owner == MANAGER else "you"
    return [owner, owner.split()[0], pronoun]


def _render_action(owner_word: str, text: str, due: str | None, style: int) -> str:
    if style == 0:
        return f"{owner_word}: {text}" + (f" by {due}" if due else "")
    if style == 1:
        return f"[ ] {owner_word} – {text}" + (f" – {due}" if due else "")
    if style == 2:
        return f"- {owner_word} - {text}" + (f" - due {due}" if due else "")
    if style == 3:
        return f"• {owner_word} will {text}" + (f" by {due}" if due else "")
    return f"{style}. {owner_word}: {text}" + (f" (due {due})" if due else "")


def _plain(text: str) -> bool:
    """Text that reads as itself: no date-like tail, no separators at its ends."""
    stripped = text.strip(" –—-,;:()")
    return (stripped == text and text[:1].isalnum() and split_due(text, MEETING)[1] is None
            and not re.search(r"\(\s*(?:topic\s*)?#", text, re.I))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    notes=st.lists(TEXT, max_size=5),
    actions=st.lists(st.tuples(st.sampled_from([MANAGER, REPORT]), TEXT, DUE,
                               st.integers(0, 7), st.integers(0, 9), st.integers(0, 9)),
                     max_size=6),
    nbsp=st.booleans(),
    bullets=st.booleans(),
)
def test_round_trip_property(notes: list[str], actions: list[tuple], nbsp: bool,
                             bullets: bool) -> None:
    """Notes and actions typed into the agenda come back after HTML->text and parsing."""
    key = ag.prompts("Sam", "Alex")
    for n in notes:
        assume(_plain(n) and n.casefold().strip(" :") not in {
            "notes", "actions", "actions agreed", "note", "next steps", "action points",
            "agreed actions", "new actions", "action items", "meeting notes"}
            and n.casefold().rstrip(":") not in {t.casefold() for t in ag.TITLES.values()}
            and all(n != p for ps in key.values() for p in ps))
    lines = []
    expected = []
    for owner, text, due, style, owner_pick, due_pick in actions:
        assume(_plain(text))
        owner_word = _owner_forms(owner)[owner_pick % 3]
        if style == 3 and owner_word == "me":
            owner_word = "I"
        due_text = None
        if due is not None:
            forms = _due_forms(due)
            due_text = forms[due_pick % len(forms)]
        lines.append(_render_action(owner_word, text, due_text, style))
        expected.append((owner, norm(text), due))
    parsed = read_back(typed(AGENDA_HTML, notes, lines, nbsp=nbsp, bullets=bullets))
    assert [norm(n) for n in parsed.notes] == [norm(n) for n in notes]
    assert [(a.owner, norm(a.text), a.due) for a in parsed.new_actions] == expected
    assert parsed.still_open_ids == {5, 6, 7}


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    """Any text parses without raising, and parsing is deterministic."""
    first = parse(text)
    assert parse(text) == first


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                                exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e"
                                                "\x85\u2028\u2029"),
                        max_size=40), max_size=12),
       st.sampled_from(["Notes", "Actions agreed"]))
def test_no_line_is_lost(lines: list[str], heading: str) -> None:
    """Every non-empty, non-agenda line ends up as a note, an action or a tick."""
    text = heading + "\r\n" + "\r\n".join(lines)
    parsed = parse(text, actions=[])
    produced = [norm(n) for n in parsed.notes] + [norm(a.line) for a in parsed.new_actions]
    # Format characters (a tag space, a zero-width joiner) are dropped from both sides: a
    # note keeps them as typed, and "0<tag space>0" must still be found as "00".
    pool = "".join(ch for ch in " \n ".join(produced) if unicodedata.category(ch) != "Cf")
    for line in lines:
        words = norm("".join(ch for ch in line.replace("\u00a0", " ")
                             if unicodedata.category(ch) != "Cf"))
        if not words.strip(" •·◦▪▫●○■▸►‣⁃∙-*–—>_#:"):
            continue
        # A list's number or letter alone ("0.", "b)") is an empty list item: nothing typed.
        if re.fullmatch(r"\(?(?:\d{1,3}|[a-z]|[ivx]{2,5})[.)]|\(\d{1,3}\)",
                        words.strip(" :*_#"), re.I):
            continue
        if _is_agenda_line(words):
            continue
        # the line's last word survives somewhere (bullets/numbering may be trimmed)
        core = re.sub(r"^[\s•·◦▪▫●○■▸►‣⁃∙*–—>-]+", "", words) or words
        assert core.split()[-1].strip("*_#:") in pool or words in pool, (line, parsed)


def _is_agenda_line(line: str) -> bool:
    """Lines the parser deliberately skips: headings, hints, prompts, markers, sentinels."""
    edges = " *_#:•·◦▪▫●○■▸►‣⁃∙-–—>"
    key = line.casefold().strip(edges)
    headings = {t.casefold() for t in ag.TITLES.values()} | {
        "notes", "actions", "actions agreed", "note", "next steps", "action points",
        "agreed actions", "new actions", "action items", "meeting notes",
        "notes from the meeting", "actions agreed today"}
    # Stripped as the key is: "We talked about:" typed as "WE TALKED ABOUT" is that line.
    statics = {h.casefold().strip(edges) for h in ag.HINTS} | {
        p.casefold().strip(edges) for ps in ag.prompts("Sam", "Alex").values() for p in ps}
    return (key in headings or key in statics or key.startswith("for example:")
            or bool(re.search(r"onetoone\s+agenda\s+(starts|ends)", line, re.I))
            or bool(re.search(r"\(\s*topic\s*#\s*\d", line, re.I))
            or bool(re.match(r"^1-2-1 · .+ & .+ · .+, \d{1,2}:\d{2}$", line))
            or bool(re.match(r"^\d+ of \d+ topics? (is|are) .+'s$|^no topics yet: ", line,
                             re.I))
            or bool(re.search(r"— [^—]+, raised \d{1,2} [A-Z][a-z]{2} \d{4}", line)))


def test_hint_with_its_boxes_replaced_is_still_the_agendas_own_line() -> None:
    """Find/replace of "[ ]" with "[x]" across the invite also rewrites the hint; it must not
    become a note in the summary."""
    from service.domain.agenda import LAST_ACTIONS_HINT

    for box in ("[x]", "[X]", "☑", "[ x ]"):
        text = (f"Last time's actions\n{LAST_ACTIONS_HINT.replace('[ ]', box)}\nNotes\n"
                "went fine\nActions agreed\nSam: send the plan")
        parsed = parse_block(text, [], meeting_date=date(2026, 11, 23),
                             manager_name="Mia Manager", report_name="Sam Lee")
        assert parsed.notes == ["went fine"], box


def test_last_times_recalled_lines_and_the_private_address_are_ours_by_shape() -> None:
    """The previous meeting's notes were edited after this agenda went in: the lines it
    recalled no longer match a re-render, and still are never read as this meeting's notes;
    a line typed beside them is."""
    block = "\n".join([
        "Last time",
        "From the notes: “Talked about the roadmap (old wording)”",
        "Alex added: “Thanks — I'll bring the numbers”",
        "A note for the manager's own record only: the manager emails it to "
        "onetoone+p.0123456789@contoso.example. It is kept by onetoone.",
        "Notes",
        "Agreed to revisit the budget",
    ])
    parsed = parse(block)
    assert parsed.notes == ["Agreed to revisit the budget"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Dec 2026", date(2026, 12, 31)),
    ("December 2026", date(2026, 12, 31)),
    ("Jan 2027", date(2027, 1, 31)),
    ("Feb. 2028", date(2028, 2, 29)),
    ("Dec 26", date(2026, 12, 26)),  # two digits: still the day
])
def test_a_month_and_year_is_the_end_of_that_month(text: str, expected: date) -> None:
    """"by Dec 2026" is by the end of December: not the 20th (the year's first two digits
    read as the day, the rest as a two-digit year), which the agenda then shows as overdue
    from 21 December and the summary mails as the due date."""
    assert parse_due(text, MEETING) == expected
    assert split_due(f"finish the course by {text}", MEETING) == ("finish the course",
                                                                   expected)


@pytest.mark.parametrize(("typed", "expected"), [
    ("book the room for tomorrow", ("book the room", date(2026, 12, 9))),
    ("slides for next week", ("slides", date(2026, 12, 15))),
    ("plan for this Friday", ("plan", date(2026, 12, 11))),
    # A "for" that is part of the action stays: before a dated tail, or not the last word.
    ("cover for Sam in two weeks", ("cover for Sam", date(2026, 12, 22))),
    ("budget for - 12 Dec", ("budget for", date(2026, 12, 12))),
])
def test_a_for_before_a_relative_date_is_the_dates_not_the_actions(
        typed: str, expected: tuple[str, date]) -> None:
    """'book the room for tomorrow' is the action 'book the room', due tomorrow: not one
    that reads 'book the room for' in the summary and the next agenda."""
    assert split_due(typed, MEETING) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("send the plan at the end of the week", ("send the plan", date(2026, 12, 11))),
    ("draft the budget for the end of the month", ("draft the budget", date(2026, 12, 31))),
    ("chase HR at the end of next week", ("chase HR", date(2026, 12, 18))),
    ("chase HR the end of the week", ("chase HR", date(2026, 12, 11))),
    # An "at" or "for" that is part of the action stays.
    ("look at the draft by the end of the week", ("look at the draft", date(2026, 12, 11))),
    ("cover for Sam at the end of the month", ("cover for Sam", date(2026, 12, 31))),
])
def test_the_end_of_the_week_with_at_or_for_is_the_dates_not_the_actions(
        typed: str, expected: tuple[str, date]) -> None:
    """'at the end of the week' and 'for the end of the month' are how people say it: the
    action is 'send the plan', not 'send the plan at the' in the summary and every agenda
    after (the two newest fixes, 'by the end of the week' and 'for tomorrow', each left
    this half)."""
    assert split_due(typed, MEETING) == expected


def test_last_comma_first_display_names_give_the_first_name() -> None:
    """Directories synced from Active Directory often name people "Last, First" (and "Last,
    First (Team)"). The agenda and mails address people by first name, and an action typed
    for the report's first name is theirs: "Okafor," is neither."""
    assert first_name("Okafor, Ben") == "Ben"
    assert first_name("Okafor, Ben (Sales)") == "Ben"
    assert first_name("Okafor,Ben") == "Ben"
    assert first_name("Okafor,") == "Okafor"
    assert first_name("Ben Okafor, PhD") == "Ben"  # a comma later on is not the format
    assert first_name("Ben Okafor") == "Ben"
    manager, report = "Silva, Ana", "Okafor, Ben"
    assert "This is Ben's time" in " ".join(ag.prompts("Ana", "Ben")[ag.TOPICS])
    assert resolve_owner("Ben", manager, report) == report
    assert resolve_owner("ana", manager, report) == manager
    action = parse_action("Ben: book the course", meeting_date=MEETING,
                          manager_name=manager, report_name=report)
    assert action is not None and action.owner == report
