"""What goes in an agenda, and how the template renders it (escaping, Outlook-safe HTML)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.agenda import (
    ACTIONS_AGREED,
    CHECK_IN,
    DEVELOPMENT,
    FEEDBACK,
    LAST_ACTIONS,
    NOTES,
    PROGRESS,
    QUESTION,
    RECOGNITION,
    TOPICS,
    Agenda,
    AgendaPolicy,
    OpenAction,
    Topic,
    build_agenda,
    development_due,
    material_change,
)
from service.domain.body import END, MARKERS, START
from service.domain.htmltext import html_to_text
from service.domain.questions import Question
from service.render import render

LONDON = ZoneInfo("Europe/London")
START_AT = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)  # a Tuesday
MANAGER, REPORT = "Sam Smith", "Alex Jones"
DEFAULT_POLICY = AgendaPolicy()
QUESTION_1 = Question(id="work-01", theme="work", text="What would make next week a good one?")


def make(*, topics=(), actions=(), number=1, last_dev=None, policy=DEFAULT_POLICY,
         question=QUESTION_1, start=START_AT, manager=MANAGER, report=REPORT) -> Agenda:
    return build_agenda(meeting_start=start, manager_name=manager, report_name=report,
                        topics=list(topics), open_actions=list(actions), meeting_number=number,
                        last_development_on=last_dev, policy=policy, question=question)


def html_of(agenda: Agenda) -> str:
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


def test_report_topics_first_then_manager_stable_by_date() -> None:
    """The report's topics come first, each group ordered by raised_on, ties as given."""
    d = date(2026, 11, 1)
    topics = [
        Topic(1, "m-late", "manager", d + timedelta(days=5)),
        Topic(2, "r-late", "report", d + timedelta(days=3)),
        Topic(3, "m-early", "manager", d),
        Topic(4, "r-early-a", "report", d),
        Topic(5, "r-early-b", "report", d),
    ]
    agenda = make(topics=topics)
    assert [t.topic.text for t in agenda.topics] == [
        "r-early-a", "r-early-b", "r-late", "m-early", "m-late"]
    assert agenda.report_share == pytest.approx(3 / 5)
    # 3 of 5 is under the guidance's three quarters: not "most", and no praise.
    assert agenda.share_text == "Some of today's topics are Alex's — theirs come first."


def test_share_text_without_topics_invites_the_report() -> None:
    """With no topics the agenda invites the report to bring theirs."""
    agenda = make()
    assert agenda.report_share == 0.0
    assert "Alex" in agenda.share_text and "bring" in agenda.share_text


def test_sections_in_guidance_order_with_development() -> None:
    """Standing sections appear in the required order; Notes and Actions agreed last."""
    agenda = make(number=3)
    assert agenda.section_keys == (TOPICS, CHECK_IN, LAST_ACTIONS, PROGRESS, RECOGNITION,
                                   DEVELOPMENT, FEEDBACK, QUESTION, NOTES, ACTIONS_AGREED)
    assert agenda.covers_development


def test_sections_without_development_or_question() -> None:
    """Development is left out when not due; the question section only with a question."""
    agenda = make(number=1, question=None)
    assert DEVELOPMENT not in agenda.section_keys
    assert QUESTION not in agenda.section_keys
    assert not agenda.covers_development


@pytest.mark.parametrize(
    ("number", "last_dev", "expected"),
    [
        (1, None, False),  # a new pair starts with the day-to-day
        (2, None, False),
        (3, None, True),  # every 3rd meeting
        (4, None, True),  # never covered and past the 3rd
        (4, date(2026, 11, 24), False),  # covered 14 days ago
        (5, date(2026, 10, 9), True),  # exactly 60 days ago
        (5, date(2026, 10, 10), False),  # 59 days ago
        (6, date(2026, 12, 1), True),  # every 3rd, however recent
    ],
)
def test_development_cadence(number: int, last_dev: date | None, expected: bool) -> None:
    """Development: every Nth meeting, or when not covered for development_max_days."""
    assert make(number=number, last_dev=last_dev).covers_development is expected


@given(every=st.integers(1, 8), max_days=st.integers(1, 120), number=st.integers(1, 200),
       gap=st.one_of(st.none(), st.integers(0, 400)))
def test_development_cadence_property(every: int, max_days: int, number: int,
                                      gap: int | None) -> None:
    """Development never goes more than `every` meetings or `max_days` without coverage."""
    policy = AgendaPolicy(development_every=every, development_max_days=max_days)
    meeting = date(2027, 3, 1)
    last = None if gap is None else meeting - timedelta(days=gap)
    due = development_due(meeting_date=meeting, meeting_number=number,
                          last_development_on=last, policy=policy)
    if number % every == 0 or (gap is not None and gap >= max_days):
        assert due
    if gap is None and number >= every:
        assert due


def test_policy_validated() -> None:
    """A development cadence below 1 is refused."""
    with pytest.raises(ValueError):
        AgendaPolicy(development_every=0)


def test_naive_start_refused() -> None:
    """meeting_start must be timezone-aware."""
    with pytest.raises(ValueError, match="aware"):
        make(start=datetime(2026, 12, 8, 10, 0))


def test_overdue_and_carried_markers() -> None:
    """Actions due before the meeting date are overdue; the line shows owner, due, carried."""
    actions = [
        OpenAction(7, "Sam Smith", "send the Q1 plan", date(2026, 12, 7), date(2026, 11, 1), 2),
        OpenAction(8, "Alex Jones", "book the course", date(2026, 12, 8), date(2026, 11, 2), 0),
        OpenAction(9, "Alex Jones", "read the book", None, date(2026, 11, 3), 1),
    ]
    agenda = make(actions=actions)
    overdue = {a.id: a.overdue for a in agenda.actions}
    assert overdue == {7: True, 8: False, 9: False}
    assert agenda.overdue_count == 1
    lines = [a.line for a in agenda.actions]
    assert lines[0] == ("[ ] Sam Smith – send the Q1 plan – due 7 Dec 2026 · overdue"
                        " · carried 2× (#7)")
    assert lines[1] == "[ ] Alex Jones – book the course – due 8 Dec 2026 (#8)"
    assert lines[2] == "[ ] Alex Jones – read the book – no due date · carried 1× (#9)"
    text = html_to_text(html_of(agenda))
    for line in lines:  # the text view shows exactly the line the parser expects
        assert line in text


def test_only_the_newest_open_actions_are_listed() -> None:
    """``actions_shown`` lists the newest, oldest first, and says how many older ones wait."""
    d = date(2026, 11, 1)
    actions = [OpenAction(n, "Sam Smith", f"task {n}", None, d + timedelta(days=n // 2), 0)
               for n in range(1, 8)]

    def shown(limit: int | None) -> Agenda:
        return build_agenda(meeting_start=START_AT, manager_name=MANAGER, report_name=REPORT,
                            topics=[], open_actions=actions, meeting_number=2,
                            last_development_on=None, policy=DEFAULT_POLICY, question=None,
                            actions_shown=limit)

    assert [a.id for a in shown(None).actions] == list(range(1, 8))
    assert shown(None).more_actions_text == shown(7).more_actions_text == ""
    agenda = shown(3)
    assert [a.id for a in agenda.actions] == [5, 6, 7]
    assert agenda.more_actions_text.startswith(
        "+ 4 older open actions, raised 3 Nov 2026 or before, not listed here")
    assert shown(6).more_actions_text.startswith("+ 1 older open action, raised 1 Nov 2026")
    assert agenda.more_actions_text in html_to_text(html_of(agenda)).replace("\r\n", " ")
    with pytest.raises(ValueError):
        shown(0)


def test_material_change_only_when_a_topic_is_added() -> None:
    """A new topic is a material change; removing one or changing actions is not."""
    d = date(2026, 11, 1)
    t1, t2 = Topic(1, "a", "report", d), Topic(None, "b", "manager", d)
    old = make(topics=[t1])
    assert material_change(old, make(topics=[t1, t2]))
    assert not material_change(make(topics=[t1, t2]), old)
    assert not material_change(old, make(topics=[t1], actions=[
        OpenAction(1, "Sam", "x", None, d, 0)]))
    assert not material_change(make(topics=[t2]), make(topics=[Topic(None, " b ", "manager", d)]))


def test_topic_by_validated() -> None:
    """A topic must be raised by the report or the manager."""
    with pytest.raises(ValueError):
        Topic(1, "x", "someone", date(2026, 1, 1))


# -- rendering ------------------------------------------------------------------------------


def test_render_escapes_people_text() -> None:
    """Topics, names, actions and the question containing HTML/script appear as text."""
    evil = '<script>alert("x")</script><img src="https://evil.example/x.png">'
    agenda = make(
        topics=[Topic(1, evil, "report", date(2026, 11, 1))],
        actions=[OpenAction(2, f"Sam {evil}", evil, None, date(2026, 11, 1), 0)],
        question=Question("q", "work", evil),
        manager=f"Sam {evil}", report="Alex <b>Jones</b>",
        number=3,
    )
    out = html_of(agenda)
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "<b>Jones</b>" not in out
    assert "&lt;script&gt;" in out
    assert evil in html_to_text(out)  # and reads back as the text typed


def test_render_is_outlook_safe() -> None:
    """No scripts, classes, external images or stylesheets; markers bracket the block."""
    agenda = make(topics=[Topic(1, "Career", "report", date(2026, 11, 1))], number=3,
                  actions=[OpenAction(5, "Sam", "x", date(2026, 1, 1), date(2025, 12, 1), 1)])
    out = html_of(agenda)
    assert not re.search(r"<(script|style|link|img)\b", out, re.I)
    assert " class=" not in out
    text = html_to_text(out).split("\r\n")
    assert text[0] == START and text[-1] == END
    for title in ("Topics", "How are you?", "Last time's actions", "Progress and obstacles",
                  "Recognition", "Development and growth", "Feedback both ways", "Notes",
                  "Actions agreed"):
        assert title in text
    assert any(line.startswith("For example: Alex: book the course by Friday") for line in text)
    assert "Today's topic is Alex's." in text


def test_render_with_sandboxed_org_folder(tmp_path) -> None:
    """The template renders the same through the sandboxed environment (org folders)."""
    agenda = make(topics=[Topic(1, "<i>x</i>", "report", date(2026, 11, 1))])
    out = render("agenda.html.j2", folder=str(tmp_path), agenda=agenda, markers=MARKERS)
    assert out == html_of(agenda)


def test_meeting_time_names_its_zone() -> None:
    """Both people read one invite body; the time says which zone it is in."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from service.domain.agenda import format_when

    winter = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("Europe/London"))
    summer = datetime(2027, 6, 1, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert format_when(winter) == "Tuesday 1 December 2026, 15:00 GMT"
    assert format_when(summer) == "Tuesday 1 June 2027, 10:00 EDT"
    # Zones the database names only by their offset read as offsets from UTC.
    istanbul = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Istanbul"))
    assert format_when(istanbul) == "Tuesday 1 December 2026, 10:00 UTC+03"
    kathmandu = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kathmandu"))
    assert format_when(kathmandu) == "Tuesday 1 December 2026, 10:00 UTC+05:45"
    sao_paulo = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert format_when(sao_paulo) == "Tuesday 1 December 2026, 10:00 UTC-03"
