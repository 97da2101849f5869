"""Hostile or huge input never makes an agenda or a summary too large to send: the topics and
carried actions an agenda lists, and the actions agreed a summary lists, stay within a
number and a size, the ones that matter most first, with a line saying how many more there
are. Only what is rendered is capped (the callers pass every stored item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.domain.agenda import OpenAction, Topic, build_agenda
from service.domain.htmltext import html_to_text
from service.domain.list_fit import ACTIONS_CHARS, AGREED_CHARS, TOPICS_CHARS, TOPICS_SHOWN
from service.domain.notes import parse_block
from service.domain.summary_fit import agreed_within
from tests.unit.test_agenda import DEFAULT_POLICY, MANAGER, REPORT, START_AT, html_of

D = date(2026, 11, 2)


def agenda_of(topics=(), actions=(), shown: int | None = 12):
    return build_agenda(meeting_start=START_AT, manager_name=MANAGER, report_name=REPORT,
                        topics=list(topics), open_actions=list(actions), meeting_number=2,
                        last_development_on=None, policy=DEFAULT_POLICY, question=None,
                        actions_shown=shown)


def test_thousands_of_topics_list_the_reports_first_and_count_the_rest() -> None:
    manager = [Topic(n, f"manager topic {n}", "manager", D) for n in range(1, 4)]
    report = [Topic(n, f"report topic {n} " + "x" * 280, "report", D + timedelta(days=n % 7))
              for n in range(10, 5010)]
    agenda = agenda_of(manager + report)
    assert len(agenda.topics) == TOPICS_SHOWN
    assert all(t.topic.by == "report" for t in agenda.topics)  # the report's come first
    assert [t.topic.raised_on for t in agenda.topics] == [D] * TOPICS_SHOWN  # oldest first
    assert agenda.more_topics_text.startswith(
        f"+ {5003 - TOPICS_SHOWN} more topics, not listed here to keep the agenda short.")
    html = html_of(agenda)
    assert len(html) < 60_000
    assert agenda.more_topics_text in html_to_text(html).replace("\r\n", " ")
    # A handful is listed whole, with no such line.
    few = agenda_of(manager + report[:2])
    assert [t.topic.id for t in few.topics] == [10, 11, 1, 2, 3] and few.more_topics_text == ""


def test_topics_stay_within_their_size_too() -> None:
    long = [Topic(n, "y" * 2_000, "report", D) for n in range(1, 15)]
    agenda = agenda_of(long)
    assert sum(len(t.topic.text) for t in agenda.topics) <= TOPICS_CHARS
    assert agenda.more_topics_text.startswith(f"+ {14 - len(agenda.topics)} more topics")


def test_carried_actions_stay_within_a_size_newest_first() -> None:
    """Pasted action lines of tens of kilobytes each, [agenda] actions_shown at its maximum:
    the newest are listed whole (never cut: the parser knows them by their words), the
    older counted."""
    actions = [OpenAction(n, "Sam Smith", f"task {n} " + "z" * 5_000, None,
                          D + timedelta(days=n), 0) for n in range(1, 201)]
    agenda = agenda_of(actions=actions, shown=200)
    listed = [a.id for a in agenda.actions]
    assert listed == list(range(201 - len(listed), 201)) and 0 < len(listed) < 200
    assert sum(len(a.action.text) for a in agenda.actions) <= ACTIONS_CHARS
    assert agenda.more_actions_text.startswith(f"+ {200 - len(listed)} older open actions")
    assert len(html_of(agenda)) < 60_000


def test_the_line_on_topics_left_out_is_never_a_note() -> None:
    topics = [Topic(n, f"topic {n}", "report", D) for n in range(1, 40)]
    agenda = agenda_of(topics)
    text = html_to_text(html_of(agenda))
    parsed = parse_block(text, open_actions=[], meeting_date=START_AT.date(),
                         manager_name=MANAGER, report_name=REPORT)
    assert parsed.notes == []


@dataclass(frozen=True)
class _Agreed:
    owner: str
    text: str


def test_thousands_of_agreed_actions_list_the_first_typed_and_count_the_rest() -> None:
    agreed = [_Agreed("Rob", f"pasted action {n} " + "w" * 200) for n in range(5_000)]
    listed, more = agreed_within(agreed)
    assert listed == tuple(agreed[:len(listed)]) and 0 < len(listed) < 5_000
    assert sum(len(a.owner) + len(a.text) for a in listed) <= AGREED_CHARS
    assert more.startswith(f"+ {5_000 - len(listed)} more actions agreed, not in this email")
    assert agreed_within(agreed[:3]) == (tuple(agreed[:3]), "")


def test_one_item_too_long_to_list_hides_none_of_the_others() -> None:
    """A manager pastes a long document as one line under Actions agreed. That action alone
    is larger than the whole budget, so it is never listed; it used to end the list before
    anything was, so every later agenda carried no action at all (and, an action being
    ticked off in a meeting only on an agenda that lists it, none could be ticked there
    again), and that meeting's summary listed none of the actions agreed in it."""
    pasted = "pasted " + "z" * ACTIONS_CHARS
    actions = [OpenAction(n, "Sam Smith", f"task {n}", None, D, 0) for n in range(1, 4)]
    huge = OpenAction(4, "Sam Smith", pasted, None, D, 0)  # the newest
    agenda = agenda_of(actions=[*actions, huge])
    assert [a.id for a in agenda.actions] == [1, 2, 3]
    # (Not "older": the one left out is the newest.)
    assert agenda.more_actions_text.startswith("+ 1 more open action, not listed here")
    assert len(html_of(agenda)) < 60_000
    agreed = [_Agreed("Rob", "pasted " + "w" * AGREED_CHARS), _Agreed("Rob", "call Ann"),
              _Agreed("Mia", "book the room")]
    listed, more = agreed_within(agreed)
    assert listed == tuple(agreed[1:])
    assert more.startswith("+ 1 more action agreed, not in this email")
