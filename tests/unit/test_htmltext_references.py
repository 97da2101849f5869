"""Text decoded from HTML is cleaned as text from outside is at the edge (hostile review,
finding 1): a bidi control or a C0 control written as a character reference (``&#x202E;``,
``&#8238;``) is dropped, as it would be sent raw; right-to-left letters and the marks and
joiners that shape them are kept, and text without any reads exactly as before. The
agenda and its Last time isolate a person's text from onetoone's words after it."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

import pytest

from service.domain.agenda import AgendaPolicy, LastTime, Topic, build_agenda
from service.domain.body import MARKERS
from service.domain.htmltext import html_to_text
from service.domain.mail_reply import new_text
from service.domain.questions import Question
from service.domain.text import clean_text
from service.render import render

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
C0 = "\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1f"
MEETING = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def references(c: str) -> list[str]:
    """Every way HTML writes ``c`` as a character reference."""
    n = ord(c)
    return [f"&#x{n:x};", f"&#X{n:X};", f"&#{n};", f"&#{n:07d};", f"&#x{n:x}", f"&#{n}"]


@pytest.mark.parametrize("c", list(BIDI + C0))
def test_a_control_written_as_a_reference_is_cleaned_as_if_sent_raw(c: str) -> None:
    """Mail and meeting bodies, with a mail's own reading (its quoted history cut) too."""
    raw = html_to_text(f"<p>Pay review {escape(clean_text(c)[0])}gnp.exe</p><p>next</p>")
    for ref in references(c):
        html = f"<p>Pay review {ref}gnp.exe</p><p>next</p>"
        for rows in (False, True):
            text = html_to_text(html, rows=rows)
            assert text == raw and not set(BIDI + C0) & set(text), (ref, text)
        assert c not in new_text(html, html=True)


def test_right_to_left_text_and_ordinary_text_read_as_before() -> None:
    """Hebrew and Arabic letters, the marks (&rlm;, &lrm;) and the joiners (&zwnj;) that
    lay them out, tabs of a table's row and CRLF line ends are all kept."""
    html = ("<p>שלום &rlm;עולם</p><p>مرحبا&zwnj;بك &lrm;(Q1)</p><pre>a\r\nb</pre>"
            "<table><tr><td>Mia</td><td>plan</td></tr></table><p>&#13;x&nbsp;</p>")
    assert html_to_text(html) == ("שלום \u200fעולם\r\nمرحبا\u200cبك \u200e(Q1)\r\na\r\nb"
                                  "\r\nMia\tplan\r\nx\u00a0")
    assert html_to_text(html, rows=True).split("\r\n")[4] == "Mia\tplan"


def test_a_lone_cr_decoded_in_preformatted_text_ends_a_line() -> None:
    """``&#13;`` in a <pre> is a line end, as a bare CR from the edge is: never a character
    inside a line (lines end with CRLF)."""
    assert html_to_text("<pre>a&#13;b</pre><p>c</p>") == "a\r\nb\r\nc"


def test_agenda_isolates_topics_notes_and_comments_from_our_words() -> None:
    """A right-to-left topic is in a <bdi> of its own, its attribution after it outside;
    Last time's topics, notes and comments too; the text reads as the line it always was."""
    topic = Topic(7, "תוכנית", "report", date(2026, 11, 20))
    last = LastTime(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")),
                    (Topic(3, "ميزانية", "report", date(2026, 11, 20)),), ("ملاحظة",),
                    ("تعليق",))
    agenda = build_agenda(
        meeting_start=MEETING, manager_name="Sam Smith", report_name="Alex Jones",
        topics=[topic], open_actions=[], meeting_number=3, last_development_on=None,
        policy=AgendaPolicy(), question=Question("q", "work", "How are you?"),
        last_time=last)
    html = render("agenda.html.j2", agenda=agenda, markers=MARKERS)
    assert "<bdi>תוכנית</bdi> — Alex, raised 20 Nov 2026 (topic #7)</p>" in html
    assert "<bdi>ميزانية</bdi> — Alex, raised 20 Nov 2026</p>" in html
    assert "From the notes: <bdi>“ملاحظة”</bdi></p>" in html
    assert "Alex added: <bdi>“تعليق”</bdi></p>" in html
    text = html_to_text(html).split("\r\n")
    assert agenda.topics[0].line in text
    assert all(line in text for line in agenda.last_time_lines)
