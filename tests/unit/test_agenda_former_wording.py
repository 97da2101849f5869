"""Agendas already in calendars keep the wording of the version that wrote them: read back
after an upgrade (with no copy of the text kept, or with names changed since), none of their
lines is taken for the manager's notes. And the share line, the missed line and the question
bank follow the guidance review's wording."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.domain.agenda import AgendaPolicy, MissedMeeting, build_agenda
from service.domain.body import MARKERS
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block
from service.domain.questions import Question, QuestionRules, eligible
from service.domain.share import Share, share_line, share_wordings
from service.render import render

LONDON = ZoneInfo("Europe/London")

# An agenda as the version before the guidance review wrote it (its text view).
FORMER = "\n".join((
    "── onetoone agenda starts · please keep this line ──",
    "1-2-1 · Sam Smith & {r} Jones · Tuesday 15 December 2026, 10:00 GMT",
    "1-2-1 · Sam Smith & {r} Jones · the last one was missed (no notes recorded) and not "
    "rebooked · Tuesday 1 December 2026, 10:00 GMT",
    "Topics",
    "This is {r}'s time: {r}'s topics come first. Tick a topic's box once it has been "
    "discussed; anything not ticked carries over to next time.",
    "{share}",
    "How are you?",
    "How are things, at work and more generally?",
    "Last time's actions",
    "Tick what's done: change [ ] to [x]. Anything left unticked carries to next time.",
    "Development and growth",
    "What would {r} like to learn, try or take on next?",
    "Where would you like to be in a year or two?",
    "Notes",
    "Type notes below this line. After the meeting {r} is emailed what is typed here, and "
    "the Actions agreed go to you both.",
    "Typed by Sam",
    "Actions agreed",
    "One action per line: who, what, and by when if there's a date.",
    "── onetoone agenda ends · please keep this line ──", ""))
FORMER_SHARES = (
    "{r} hasn't added a topic yet — the first few minutes are theirs.",
    "Today's topic is {r}'s — great.",
    "All of today's topics are {r}'s — great.",
    "Most of today's topics are {r}'s — great.",
    "{r} hasn't added a topic yet — the first few minutes are theirs. Lately most topics "
    "have been Sam's: {r}, what's on your mind?",
    "Some of today's topics are {r}'s — theirs come first. Lately most topics have been "
    "Sam's: {r}, what's on your mind?",
)


@pytest.mark.parametrize("share", FORMER_SHARES)
@pytest.mark.parametrize("then", ["Alex", "Alexandra"])
def test_an_agenda_written_before_the_review_is_read_back_as_ours(share: str, then: str
                                                                  ) -> None:
    """Every line of the former wording is the agenda's, even under the name the report
    had when it was written: only what the manager typed is a note."""
    text = FORMER.format(r=then, share=share.format(r=then))
    parsed = parse_block(text, [], meeting_date=date(2026, 12, 15), manager_name="Sam Smith",
                         report_name="Alex Jones")
    assert parsed.notes == ["Typed by Sam"] and parsed.new_actions == []


@pytest.mark.parametrize("reason, rebooked, this", [
    ("cancelled", None, False), ("declined", datetime(2026, 12, 3, 9, tzinfo=LONDON), False),
    ("not_held", None, False), ("not_held", datetime(2026, 12, 3, 9, tzinfo=LONDON), False),
    ("not_held", None, True), ("cancelled", None, True)])
def test_the_missed_line_is_a_sentence_never_kept_as_a_note(
        reason: str, rebooked: datetime | None, this: bool) -> None:
    """The line about the last 1-2-1 is no second header, says "missed" only of one
    cancelled or declined, and is never read back as a note."""
    missed = MissedMeeting(datetime(2026, 12, 1, 10, tzinfo=LONDON), reason,
                           rebooked_start=rebooked, this_meeting=this)
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 15, 10, tzinfo=LONDON), manager_name="Sam Smith",
        report_name="Alex Jones", topics=[], open_actions=[], meeting_number=2,
        last_development_on=None, policy=AgendaPolicy(), question=None, missed=missed)
    line = agenda.missed_text
    assert not line.startswith("1-2-1 · ") and "Tuesday 1 December 2026" in line
    assert ("missed" in line) == (reason != "not_held")
    text = html_to_text(render("agenda.html.j2", agenda=agenda, markers=MARKERS))
    parsed = parse_block(text, [], meeting_date=date(2026, 12, 15), manager_name="Sam Smith",
                         report_name="Alex Jones")
    assert line in text and parsed.notes == []


def test_a_note_shaped_like_the_missed_line_is_kept_where_the_manager_types() -> None:
    """Only above the typing areas is such a line ours: typed under Notes it is a note."""
    typed = "The last 1-2-1, on Tuesday 1 December 2026, was missed (cancelled) by me."
    text = f"{MARKERS.start}\nNotes\n{typed}\n{MARKERS.end}\n"
    parsed = parse_block(text, [], meeting_date=date(2026, 12, 15), manager_name="Sam Smith",
                         report_name="Alex Jones")
    assert parsed.notes == [typed]


def test_without_a_way_to_add_topics_the_share_line_neither_asks_nor_nudges() -> None:
    """No topics mailbox: the report is not told they haven't added a topic, nor nudged
    after meetings led by the manager's topics; what they bring goes first."""
    line = share_line("Alex", "Sam", Share(0, 2), Share(0, 12, 6), topics_by_mail=False)
    assert line == "So far the topics are Sam's: anything Alex brings goes first."
    assert share_line("Alex", "Sam", Share(1, 3), Share(2, 12, 6),
                      topics_by_mail=False) == ("Some of today's topics are Alex's — theirs "
                                                "come first.")
    assert line in share_wordings("Alex", "Sam")


@pytest.mark.parametrize("report, total, expected", [
    (2, 3, "Some"), (3, 5, "Some"), (5, 9, "Some"), (3, 4, "Most"), (9, 10, "Most")])
def test_most_only_at_three_quarters(report: int, total: int, expected: str) -> None:
    """'Most' from the guidance's three quarters on; under it the neutral 'Some'."""
    assert share_line("Alex", "Sam", Share(report, total)).startswith(expected)


def test_hr_flag_needs_enough_meetings_and_topics_and_a_clear_lead() -> None:
    """Flagged under half over at least 8 topics and 3 held meetings; not on fewer, and not
    at 60%."""
    from service.domain.share import attention_words
    authors = {i: "report" if i % 3 == 0 else "manager" for i in range(1, 40)}
    held = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]  # 3 of 9 the report's
    assert attention_words(held, authors).startswith("report-led share 3/9 topics over "
                                                     "the last 3 held 1-2-1s")
    assert attention_words(held[:2], authors) == ""  # two meetings
    assert attention_words([[1, 2, 3], [4, 5, 6], [7]], authors) == ""  # seven topics
    sixty = {**authors, **dict.fromkeys((1, 2, 4, 7, 10, 13), "report")}
    held = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert attention_words([*held, [11, 12, 13, 14, 15]], sixty) == ""


def test_questions_that_look_back_wait_for_the_second_meeting() -> None:
    """"Since we last talked" is never asked at a pair's first meeting, and is asked after."""
    from service.domain.questions import looks_back
    bank = [Question("a", "check-in", "What's been on your mind most since we last talked?"),
            Question("b", "check-in", "Which piece of work are you proudest of since our last "
                                      "1-2-1?"),
            Question("c", "check-in", "What would make this week a good one?")]
    assert [q.id for q in bank if looks_back(q)] == ["a", "b"]
    assert [q.id for q in eligible(bank, QuestionRules(), new_starter=False, first=True)] == ["c"]
    assert len(eligible(bank, QuestionRules(), new_starter=False)) == 3


@pytest.mark.parametrize(("text", "back"), [
    ("What has changed since our previous 1-2-1?", True),
    ("Since we spoke last, what has gone well?", True),
    ("What's new since we met?", True),
    ("How did the plan we agreed last time go?", True),
    ("Since the last catch-up, anything blocking you?", True),
    ("When was the last time you took a proper break?", False),
    ("What would you like to be doing since joining?", False),
])
def test_an_organisations_own_wordings_that_look_back(text: str, back: bool) -> None:
    from service.domain.questions import looks_back
    assert looks_back(Question("q", "check-in", text)) is back
