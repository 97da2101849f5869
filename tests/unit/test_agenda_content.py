"""The agenda's content rules (issue 12, parts 3-6), pure: Last time's lines, the report-led
share and its wording, the compact layout's sections, and which questions suit a pair."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain import agenda as ag
from service.domain.agenda import (
    COMPACT,
    DEVELOPMENT,
    FEEDBACK,
    LAST_TIME,
    PROGRESS,
    RECOGNITION,
    AgendaPolicy,
    LastTime,
    Topic,
    build_agenda,
    focus_area,
)
from service.domain.body import MARKERS, block_text, clean_line
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block
from service.domain.questions import (
    QuestionRules,
    eligible,
    is_new_starter,
    load_bank,
    pick_question,
)
from service.domain.recall import clip, quoted
from service.domain.share import WINDOW, Share, measure, share_line, share_wordings
from service.errors import ConfigError
from service.render import default_folder, render

LONDON = ZoneInfo("Europe/London")
MEETING = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)
BEFORE = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
MANAGER, REPORT = "Sam Smith", "Alex Jones"
BANK = load_bank((default_folder() / "questions.toml").read_text(encoding="utf-8"))


def agenda(*, last_time: LastTime | None = None, layout: str = ag.FULL, number: int = 1,
           topics: tuple[Topic, ...] = (), mailed: str = ag.MAILED_BOTH,
           recent: Share | None = None) -> ag.Agenda:
    return build_agenda(meeting_start=MEETING, manager_name=MANAGER, report_name=REPORT,
                        topics=list(topics), open_actions=[], meeting_number=number,
                        last_development_on=None, policy=AgendaPolicy(), question=BANK[0],
                        last_time=last_time, layout=layout, mailed=mailed, recent=recent)


def text_of(a: ag.Agenda) -> str:
    return block_text(html_to_text(render("agenda.html.j2", agenda=a, markers=MARKERS))) or ""


# -- Last time --------------------------------------------------------------------------------


def test_the_reports_topics_come_before_last_time() -> None:
    """The report goes first: Topics opens every agenda; Last time comes after the check-in,
    just before last time's actions; a pair's first agenda has none."""
    assert LAST_TIME not in agenda().section_keys
    assert agenda().section_keys[0] == ag.TOPICS
    recalled = agenda(last_time=LastTime(BEFORE, notes=("Went well",)))
    assert recalled.section_keys[:4] == (ag.TOPICS, ag.CHECK_IN, LAST_TIME, ag.LAST_ACTIONS)
    lines = text_of(recalled).replace("\r", "").split("\n")
    assert lines[1] == "Topics"
    at = lines.index("Last time")
    assert lines[at:at + 3] == ["Last time",
                          "1-2-1 · Sam Smith & Alex Jones · last time · "
                          "Tuesday 1 December 2026, 10:00 GMT",
                          "From the notes: “Went well”"]


def test_last_time_shows_a_few_lines_clipped_and_inert() -> None:
    """At most four topics (then "…and more."), three notes and two of the report's
    comments; each one line; a "(#12)" in people's words can't tick action 12."""
    topics = tuple(Topic(i, f"Topic {i} (#12) done", "report" if i % 2 else "manager",
                         date(2026, 11, 20)) for i in range(1, 7))
    notes = ("(#12) waiting on finance", "line\ntwo", "three " * 40, "four", "five")
    lines = LastTime(BEFORE, topics, notes, ("c1", "c2", "c3")).lines(MANAGER, REPORT, "Sam",
                                                                      "Alex")
    assert lines[1] == ag.TALKED_ABOUT
    assert lines[2] == "Topic 1 (＃12) done — Alex, raised 20 Nov 2026"
    assert lines[3] == "Topic 2 (＃12) done — Sam, raised 20 Nov 2026"
    assert lines[6] == ag.MORE_TOPICS
    assert lines[7:10] == ("From the notes: “waiting on finance”",
                           "From the notes: “line two”",
                           "From the notes: “" + clip("three " * 40) + "”")
    assert lines[10:] == ("Alex added: “c1”", "Alex added: “c2”")
    assert all("\n" not in line and "(#" not in line for line in lines)


def test_last_time_without_shared_words_says_so() -> None:
    """A held meeting whose record holds nothing to share (only actions, or only private
    notes, which are never passed in) shows its date and says so."""
    assert LastTime(BEFORE).lines(MANAGER, REPORT, "Sam", "Alex")[1:] == (ag.NO_SHARED_NOTES,)
    with pytest.raises(ValueError, match="aware"):
        LastTime(datetime(2026, 12, 1, 10, 0))


def test_last_time_and_share_lines_are_never_read_back_as_notes() -> None:
    """Read back without the rendered agenda to compare with, Last time's own lines (the
    recalled words too, by their shape), every share wording and every Notes hint are the
    agenda's."""
    last = LastTime(BEFORE, (Topic(3, "Budget", "report", date(2026, 11, 20)),) * 5,
                    ("We agreed the rota",), ("Thanks",))
    for mailed in (ag.MAILED_BOTH, ag.MAILED_REPORT, ag.NOT_MAILED):
        for today, recent in ((Share(0, 0), None), (Share(0, 3), Share(1, 8, 4)),
                              (Share(1, 3), Share(1, 8, 4)), (Share(2, 3), None)):
            topics = tuple(Topic(i + 10, f"t{i}", "report" if i < today.report else "manager",
                                 date(2026, 12, 1)) for i in range(today.total))
            text = text_of(agenda(last_time=last, topics=topics, mailed=mailed, recent=recent))
            alone = parse_block(text, [], meeting_date=MEETING.date(), manager_name=MANAGER,
                                report_name=REPORT)
            assert alone.notes == [], (mailed, today)
            assert not alone.topics_discussed
            templated = parse_block(text, [], meeting_date=MEETING.date(),
                                    manager_name=MANAGER, report_name=REPORT, template=text)
            assert templated.notes == [] and not templated.new_actions


def test_hostile_recalled_words_render_as_text() -> None:
    """Markup and sentinel words in recalled notes, topics and comments are escaped text
    and never open or close the block."""
    evil = "<script>alert(1)</script> ── onetoone agenda ends · please keep this line ──"
    a = agenda(last_time=LastTime(BEFORE, (Topic(1, evil, "report", date(2026, 11, 1)),),
                                  (evil,), (evil,)))
    html = render("agenda.html.j2", agenda=a, markers=MARKERS)
    assert "<script>" not in html and "&lt;script&gt;" in html
    text = text_of(a)
    assert text.count("<script>alert(1)</script>") == 3
    assert text.rstrip().endswith(ag.FOOTER)  # the block runs to our own END line


@given(st.text(max_size=400), st.integers(10, 200))
def test_clip_is_one_bounded_line(text: str, limit: int) -> None:
    """Any text clips to one line of at most ``limit`` characters plus "…"."""
    out = clip(text, limit)
    assert "\n" not in out and "\r" not in out
    assert len(out) <= limit + 1
    assert out == " ".join(text.split()) or out.endswith("…")


def test_clip_keeps_characters_whole() -> None:
    """A cut never separates a letter from its accent nor splits an emoji sequence."""
    accented = "e\u0301" * 30
    assert clip(accented, 11) == "e\u0301" * 5 + "…"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert clip(family * 5, 13) == family * 2 + "…"
    assert quoted("(topic #4) thanks (#5)") == "“thanks (＃5)”"


@pytest.mark.parametrize("mark", ["(\u200e#17)", "(\u200b #17)", "(\u200dtopic #17)",
                                  "(to\u00adpic\u2060#17)", "( \ufeff#17)"])
def test_a_marker_with_an_invisible_inside_is_made_inert_too(mark: str) -> None:
    """The notes parser reads a line without its invisibles, so "(\u200e#17)" in a report's
    recalled comment would be a live action marker there: it is made inert like "(#17)"."""
    line = clean_line(quoted(f"Budget {mark} done"))
    assert "#" not in line and "＃" in line


# -- the share --------------------------------------------------------------------------------


def test_share_counts_each_topic_once_over_the_last_meetings() -> None:
    """Distinct topics over the last WINDOW meetings; carried ones count once; unknown ids
    are left out."""
    authors = {1: "report", 2: "manager", 3: "report", 4: "manager", 5: "report"}
    share = measure([[1, 2], [1, 2, 3], [3, 99]], authors)
    assert (share.report, share.total, share.meetings) == (2, 3, 3)
    old = [[4]] + [[5]] * WINDOW  # the manager's topic 4 is out of the window
    assert measure(old, authors) == Share(1, 1, WINDOW)
    assert measure([], authors) == Share(0, 0, 1) and Share(0, 0).fraction is None
    with pytest.raises(ValueError):
        Share(3, 2)


@pytest.mark.parametrize(("today", "recent", "expected"), [
    (Share(0, 0), None, "No topics yet: Alex, bring anything you'd like to talk about "
                        "— the first few minutes are yours."),
    (Share(0, 2), None, "So far the topics are Sam's: anything Alex adds or brings goes first."),
    (Share(1, 1), None, "Today's topic is Alex's."),
    (Share(3, 3), None, "All of today's topics are Alex's."),
    (Share(3, 4), Share(9, 12, 6), "Most of today's topics are Alex's — theirs come first."),
    # 2 of 3 is under three quarters: not "most".
    (Share(2, 3), Share(0, 9, 6), "Some of today's topics are Alex's — theirs come first. "
                                  "Lately more than a quarter of the topics have been Sam's: "
                                  "Alex, what would you like to talk about?"),
    (Share(1, 3), Share(3, 9, 2), "Some of today's topics are Alex's — theirs come first."),
    (Share(0, 1), Share(0, 3, 6), "So far the topics are Sam's: anything Alex adds or brings "
                                  "goes first."),
    # 10 of 18 recent (56%) is under the guidance's three quarters: nudged.
    (Share(1, 3), Share(10, 18, 6), "Some of today's topics are Alex's — theirs come first. "
                                    "Lately more than a quarter of the topics have been Sam's: "
                                    "Alex, what would you like to talk about?"),
    (Share(1, 2), Share(7, 9, 6), "Some of today's topics are Alex's — theirs come first."),
])
def test_share_line_encourages(today: Share, recent: Share | None, expected: str) -> None:
    """Factual words on whose topics these are ("most" only at the guidance's three
    quarters); a nudge only after several meetings where the report's were fewer."""
    assert share_line("Alex", "Sam", today, recent) == expected


@given(report=st.integers(0, 30), extra=st.integers(0, 30), r_recent=st.integers(0, 60),
       e_recent=st.integers(0, 60), meetings=st.integers(1, 12))
def test_share_line_is_never_a_score(report: int, extra: int, r_recent: int, e_recent: int,
                                     meetings: int) -> None:
    """Never a number or a percentage, and always one of the pair's known wordings."""
    line = share_line("Alex", "Sam", Share(report, report + extra),
                      Share(r_recent, r_recent + e_recent, meetings))
    assert not any(ch.isdigit() for ch in line) and "%" not in line
    assert line in share_wordings("Alex", "Sam")


# -- layouts ----------------------------------------------------------------------------------


def test_compact_layout_has_the_listed_sections() -> None:
    """Compact: topics, how are you, last time (when there is one) and its actions, one focus
    area, the question, notes and actions."""
    a = agenda(layout=COMPACT, last_time=LastTime(BEFORE), number=1)
    assert a.section_keys == (ag.TOPICS, ag.CHECK_IN, LAST_TIME, ag.LAST_ACTIONS, PROGRESS,
                              ag.QUESTION, ag.NOTES, ag.ACTIONS_AGREED)
    assert agenda(layout=COMPACT, number=3).section_keys[3] == DEVELOPMENT
    with pytest.raises(ValueError, match="layout"):
        agenda(layout="tiny")


@given(every=st.integers(1, 8), count=st.integers(1, 60))
def test_focus_areas_come_round_in_turn(every: int, count: int) -> None:
    """Development when due; otherwise progress, feedback and recognition in turn, so each
    comes round within three non-development meetings."""
    policy = AgendaPolicy(development_every=every)
    areas = [focus_area(n, n % every == 0, policy) for n in range(1, count + 1)]
    assert all(a == DEVELOPMENT for n, a in enumerate(areas, 1) if n % every == 0)
    others = [a for n, a in enumerate(areas, 1) if n % every]
    for i in range(len(others) - 2):
        assert set(others[i:i + 3]) == {PROGRESS, FEEDBACK, RECOGNITION}


def test_notes_hint_says_who_is_emailed() -> None:
    """The Notes hint follows [mail]: the report (and both, with the manager in copy), or
    nobody."""
    def hint(mailed: str) -> tuple[str, ...]:
        return next(s.prompts for s in agenda(mailed=mailed).sections if s.key == ag.NOTES)

    assert hint(ag.MAILED_BOTH) == ("Sam: type notes below this line, in your copy of this "
                                    "invite. After the meeting Alex is emailed what is typed "
                                    "here, and the Actions agreed go to you both.",)
    assert "Alex is emailed" in hint(ag.MAILED_REPORT)[0]
    assert "not emailed" in hint(ag.NOT_MAILED)[0]


# -- questions --------------------------------------------------------------------------------


def test_default_bank_gates_change_sensitive_and_induction_questions() -> None:
    """By default: no change or sensitive questions; new starters get induction, check-in
    and support ones; others never get induction ones."""
    default = eligible(BANK, QuestionRules(), new_starter=False)
    assert default and not any(q.theme in ("change", "induction") or q.sensitive
                               for q in default)
    starter = eligible(BANK, QuestionRules(), new_starter=True)
    assert {q.theme for q in starter} == {"induction", "check-in", "support"}
    assert not any(q.sensitive for q in starter)
    everything = eligible(BANK, QuestionRules(change_at_work=True, sensitive=True),
                          new_starter=False)
    assert {"change"} <= {q.theme for q in everything}
    assert {"checkin-03", "checkin-09"} <= {q.id for q in everything}
    # A pick from the eligible questions is always one of them, whatever was asked before.
    used = [q.id for q in BANK]
    assert pick_question(starter, used, "pair-1", 4) in starter


def test_a_bank_without_induction_questions_serves_new_starters_the_rest() -> None:
    """An organisation's own bank with no induction theme still gives new starters a
    question; a bank whose questions are all gated gives none."""
    bank = load_bank('[[question]]\nid="a"\ntheme="work"\ntext="A?"\n'
                     '[[question]]\nid="b"\ntheme="change"\ntext="B?"\n')
    assert [q.id for q in eligible(bank, QuestionRules(), new_starter=True)] == ["a"]
    gated = load_bank('[[question]]\nid="s"\ntheme="x"\ntext="S?"\nsensitive=true\n')
    assert eligible(gated, QuestionRules(), new_starter=False) == []


def test_sensitive_must_be_a_boolean() -> None:
    """`sensitive = "yes"` is refused, naming the question."""
    with pytest.raises(ConfigError, match=r"question #1 \(s\): 'sensitive' must be true"):
        load_bank('[[question]]\nid="s"\ntheme="x"\ntext="S?"\nsensitive="yes"\n')


@pytest.mark.parametrize(("hired", "expected"), [
    (None, False), (date(2026, 9, 9), True), (date(2026, 9, 8), False),
    (date(2027, 1, 4), True),  # not started yet
])
def test_new_starter_as_the_cadence_policy_counts(hired: date | None, expected: bool) -> None:
    """Hired at most new_starter_days before the meeting (inclusive), or not started yet."""
    assert is_new_starter(hired, date(2026, 12, 8), 90) is expected
